"""ansible-doc renders every module's and the role's documentation."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

from test_runtime import shipped_modules

ROOT = pathlib.Path(__file__).resolve().parents[3]
ANSIBLE_DOC = pathlib.Path(sys.executable).with_name("ansible-doc")
# The collection as ansible-doc finds it: <path>/ansible_collections/nhncloud/compute.
COLLECTIONS = ROOT.parents[2]


def ansible_doc(*args: str) -> str:
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_NOCOLOR="1")
    done = subprocess.run([str(ANSIBLE_DOC), *args], env=env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr and "ERROR" not in done.stderr, done.stderr
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
