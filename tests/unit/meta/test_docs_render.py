"""ansible-doc renders every module's and the role's documentation."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

from test_runtime import shipped_modules

ROOT = pathlib.Path(__file__).resolve().parents[3]
ANSIBLE_DOC = pathlib.Path(sys.executable).with_name("ansible-doc")
# The collection as ansible-doc finds it: <path>/ansible_collections/nhncloud/compute.
COLLECTIONS = ROOT.parents[2]
# ansible-core 2.20 and 2.21 warn about their own internal collection when
# listing roles (ansible/ansible#85689); any other warning still fails.
UPSTREAM_NOISE = re.compile(
    r"^\[WARNING\]: Collection at '[^']*/ansible_collections/ansible/_protomatter' "
    r"does not have a MANIFEST\.json file.*\n?", re.M)


def ansible_doc(*args: str) -> str:
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_NOCOLOR="1")
    done = subprocess.run([str(ANSIBLE_DOC), *args], env=env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    stderr = UPSTREAM_NOISE.sub("", done.stderr)
    assert "WARNING" not in stderr and "ERROR" not in stderr, done.stderr
    return done.stdout


@pytest.mark.parametrize("name", sorted(shipped_modules()))
def test_module_doc_renders(name):
    text = ansible_doc(f"nhncloud.compute.{name}")

    assert f"nhncloud.compute.{name}" in text
    assert "EXAMPLES:" in text and "RETURN VALUES:" in text
    assert "api_password" in text  # the connection doc fragment is there


def test_role_doc_renders():
    text = ansible_doc("-t", "role", "nhncloud.compute.image_share")

    for var in ("image_share_shares", "image_share_consumers",
                "image_share_fail_on_drift", "image_share_report_file"):
        assert var in text
