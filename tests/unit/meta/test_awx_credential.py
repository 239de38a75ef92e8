"""The AWX credential type in docs/awx.md fills exactly the options the modules read."""

from __future__ import annotations

import json
import os
import pathlib
import re

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args
from conftest import AUTH_URL, IMAGE_URL, answer
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.nhncloud.compute.plugins.module_utils.base import (
    ImageModule,
    connection_spec,
)
from ansible_collections.nhncloud.compute.plugins.module_utils.client import DEFAULT_AUTH_URL
from ansible_collections.nhncloud.compute.plugins.modules import toast_image_info

DOC = pathlib.Path(__file__).resolve().parents[3] / "docs" / "awx.md"
TENANT = "0123456789abcdef0123456789abcdef"
LOGIN = {"tenant_id": TENANT, "username": "platform@example.com",
         "api_password": "awx-secret-4f2e1d"}


def yaml_blocks() -> list:
    text = DOC.read_text(encoding="utf-8")
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]


def the_block_with(key: str) -> dict:
    found = [b for b in yaml_blocks() if isinstance(b, dict) and key in b]
    assert len(found) == 1, f"docs/awx.md should show one YAML block with {key!r}"
    return found[0]


INPUTS = the_block_with("fields")
INJECTORS = the_block_with("env")
FIELDS = {field["id"]: field for field in INPUTS["fields"]}


def fallbacks() -> dict:
    """Each connection option's environment variables, in the order they are tried."""
    return {name: list(opt["fallback"][1]) for name, opt in connection_spec().items()
            if "fallback" in opt}


def injected() -> dict:
    """Each injected variable and the field its template names."""
    fields = {}
    for env, template in INJECTORS["env"].items():
        match = re.fullmatch(r"\{\{ (\w+) \}\}", template)
        assert match, f"{env}: {template!r} is not a plain field reference"
        fields[env] = match.group(1)
    return fields


def awx_environment(inputs: dict) -> dict:
    """The variables AWX sets for a credential with ``inputs``, as AWX renders them."""
    sandbox = ImmutableSandboxedEnvironment()
    return {env: sandbox.from_string(template).render(**inputs)
            for env, template in INJECTORS["env"].items()}


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("NHNCLOUD_", "OS_")):
            monkeypatch.delenv(name)
    return monkeypatch


def params_with(monkeypatch, environ: dict) -> dict:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with patch_module_args({}):
        return ImageModule({}).params


# ---- the credential type as written ----------------------------------------


def test_each_variable_is_the_first_fallback_of_the_option_its_field_names():
    options = fallbacks()

    for env, field in injected().items():
        assert field in FIELDS, f"{env} names the undefined field {field}"
        assert field in options, f"field {field} is not a connection option"
        assert env == options[field][0], f"{field} is read from {options[field]}, not {env}"


def test_every_field_is_injected_and_the_required_ones_make_a_login():
    assert sorted(injected().values()) == sorted(FIELDS)
    assert sorted(INPUTS["required"]) == sorted(LOGIN)


def test_the_fields_the_modules_keep_secret_are_secret():
    for name, field in FIELDS.items():
        assert field.get("secret", False) == connection_spec()[name].get("no_log", False), name


def test_the_region_choices_are_the_regions_the_modules_know():
    assert FIELDS["region"]["choices"] == ["KR1", "KR2", "KR3", "JP1"]
    assert FIELDS["region"]["default"] == "KR1"


# ---- what a module sees when AWX injects it --------------------------------


def test_blank_optional_fields_leave_the_defaults(clean_env):
    environ = awx_environment(LOGIN)
    assert environ["NHNCLOUD_IMAGE_URL"] == "" and environ["NHNCLOUD_REGION"] == ""

    params = params_with(clean_env, environ)

    assert {k: params[k] for k in LOGIN} == LOGIN
    assert params["region"] == "KR1" and params["auth_url"] == DEFAULT_AUTH_URL
    assert params["image_url"] is None and params["token"] is None


def test_every_field_reaches_its_option(clean_env):
    inputs = dict(LOGIN, region="JP1", auth_url=AUTH_URL, image_url=IMAGE_URL)

    params = params_with(clean_env, awx_environment(inputs))

    assert {k: params[k] for k in inputs} == inputs


def test_an_empty_variable_gives_way_to_the_next_name(clean_env):
    params = params_with(clean_env, {"NHNCLOUD_REGION": "", "OS_REGION_NAME": "KR2",
                                     "NHNCLOUD_VALIDATE_CERTS": ""})

    assert params["region"] == "KR2" and params["validate_certs"] is True


def test_the_injected_password_logs_in_and_stays_out_of_a_failure(
        clean_env, run_module, requests_mock):
    for name, value in awx_environment(dict(LOGIN, auth_url=AUTH_URL)).items():
        clean_env.setenv(name, value)
    requests_mock.post(f"{AUTH_URL}/tokens", **answer("common/token_401"))

    result = run_module(toast_image_info, {"image": "golden"})

    body = requests_mock.last_request.json()["auth"]
    assert body == {"tenantId": TENANT, "passwordCredentials": {
        "username": LOGIN["username"], "password": LOGIN["api_password"]}}
    assert result["failed"] is True and result["failure"]["status"] == 401
    assert LOGIN["api_password"] not in json.dumps(result)
