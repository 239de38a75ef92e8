"""Shared unit-test helpers: run a module's main() end to end, replay recorded answers."""

from __future__ import annotations

import copy
import json
import os
import pathlib
from urllib.parse import urlsplit

import pytest
from ansible.module_utils.testing import patch_module_args
from hypothesis import settings

from ansible_collections.nhncloud.compute.plugins.module_utils import client as client_mod

# Property tests draw the same examples on every run, so that `make test` gives
# the same answer each time; HYPOTHESIS_PROFILE=explore draws new ones, more.
settings.register_profile("repeatable", derandomize=True, max_examples=300)
settings.register_profile("explore", max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
IMAGE_URL = "https://image.example.test"
AUTH_URL = "https://identity.example.test/v2.0"
TOKEN = "unit-test-token-5f1d2c3b"
PASSWORD = "unit-test-password-9e8d7c"
CONN = {"token": TOKEN, "image_url": IMAGE_URL}
# How every failure of a module that writes ends.
RERUN = ("Running the task again is safe: it reads the image again and makes only the "
         "changes still missing.")


def recorded(name: str) -> dict:
    """A recorded answer, ``area/name`` (see tests/unit/record/)."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


def answer(name: str, **override) -> dict:
    """requests-mock response kwargs for a recorded answer."""
    rec = copy.deepcopy(recorded(name))
    kwargs = {"status_code": rec["status"], "headers": rec.get("headers", {})}
    if "json" in rec:
        kwargs["json"] = rec["json"]
    else:
        kwargs["text"] = rec.get("text", "")
    kwargs.update(override)
    return kwargs


@pytest.fixture(autouse=True)
def no_pause(monkeypatch):
    """Retries wait for nothing; the waits asked for are kept in the list."""
    waits: list = []
    monkeypatch.setattr(client_mod, "pause", waits.append)
    return waits


@pytest.fixture
def run_module(capsys):
    """Run ``module.main()`` with ``args``; return its JSON result."""

    def run(module, args: dict, check_mode: bool = False, diff: bool = False) -> dict:
        args = dict(args)
        if check_mode:
            args["_ansible_check_mode"] = True
        if diff:
            args["_ansible_diff"] = True
        with patch_module_args(args):
            with pytest.raises(SystemExit) as exc:
                module.main()
        result = json.loads(capsys.readouterr().out)
        result["rc"] = exc.value.code
        return result

    return run


def sent(requests_mock) -> list[tuple[str, str]]:
    """(method, path with query) of every request the mock received, in order."""
    out = []
    for req in requests_mock.request_history:
        url = urlsplit(req.url)
        out.append((req.method, url.path + (f"?{url.query}" if url.query else "")))
    return out
