"""clouds.yaml: where it is found, what an entry gives, and how it meets the options."""

from __future__ import annotations

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args
from conftest import AUTH_URL, IMAGE_URL, PASSWORD, TOKEN, answer, recorded, sent

from ansible_collections.nhncloud.compute.plugins.module_utils import clouds
from ansible_collections.nhncloud.compute.plugins.module_utils.base import ImageModule
from ansible_collections.nhncloud.compute.plugins.module_utils.clouds import CloudsError
from ansible_collections.nhncloud.compute.plugins.modules import toast_image_info, toast_token

ISSUED = recorded("common/token_200")["json"]["access"]
TENANT = ISSUED["token"]["tenant"]["id"]
ENV_NAMES = (
    "OS_CLOUD", "NHNCLOUD_CLOUD", "OS_CLIENT_CONFIG_FILE", "OS_CLIENT_SECURE_FILE",
    "NHNCLOUD_AUTH_URL", "OS_AUTH_URL", "NHNCLOUD_TENANT_ID", "OS_TENANT_ID",
    "OS_PROJECT_ID", "NHNCLOUD_USERNAME", "OS_USERNAME", "NHNCLOUD_API_PASSWORD",
    "OS_PASSWORD", "NHNCLOUD_TOKEN", "OS_TOKEN", "NHNCLOUD_REGION", "OS_REGION_NAME",
    "NHNCLOUD_IMAGE_URL", "NHNCLOUD_VALIDATE_CERTS", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS",
)
PASSWORD_CLOUD = {
    "auth": {
        "auth_url": AUTH_URL,
        "username": "alpha@example.com",
        "password": PASSWORD,
        "project_id": TENANT,
    },
    "region_name": "KR1",
}


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No connection variables, and a home and working folder of the test's own."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    return tmp_path


def write(path, clouds_map: dict, key: str = "clouds") -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    # JSON is YAML too, and keeps the test free of a YAML writer.
    path.write_text(json.dumps({key: clouds_map}))
    return str(path)


# ---- where the file is found --------------------------------------------


def test_locations_follow_openstack_order():
    paths = clouds.locations({"OS_CLIENT_CONFIG_FILE": "/srv/c.yaml"}, cwd="/w", home="/h")

    def three(folder):
        return [f"{folder}/clouds.yaml", f"{folder}/clouds.yml", f"{folder}/clouds.json"]

    assert paths == [
        "/srv/c.yaml", *three("/w"), *three("/h/.config/openstack"),
        *three("/etc/xdg/openstack"), *three("/etc/openstack"),
    ]


def test_xdg_folders_come_before_the_fixed_ones():
    environ = {"XDG_CONFIG_HOME": "/x/conf", "XDG_CONFIG_DIRS": "/site1:/site2"}

    assert clouds.folders(environ, cwd="/w", home="/h") == [
        "/w", "/x/conf/openstack", "/h/.config/openstack",
        "/site1/openstack", "/site2/openstack", "/etc/openstack",
    ]


def test_a_cloud_under_xdg_config_home_is_found(isolated, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(isolated / "xdg"))
    path = write(isolated / "xdg/openstack/clouds.yml", {"nhn": {"region_name": "KR2"}})

    assert clouds.find_cloud("nhn") == ({"region_name": "KR2"}, path)


def test_a_clouds_json_is_read(isolated):
    path = write(isolated / "home/.config/openstack/clouds.json", {"nhn": {"region_name": "JP1"}})

    assert clouds.find_cloud("nhn") == ({"region_name": "JP1"}, path)


def test_the_first_existing_file_wins(isolated):
    write(isolated / "home/.config/openstack/clouds.yaml", {"nhn": {"region_name": "KR2"}})
    write(isolated / "work/clouds.yaml", {"nhn": {"region_name": "JP1"}})

    entry, found = clouds.find_cloud("nhn")

    assert entry == {"region_name": "JP1"}
    assert found == os.path.join(os.getcwd(), "clouds.yaml")


def test_os_client_config_file_comes_before_the_folders(isolated, monkeypatch):
    named = write(isolated / "elsewhere.yaml", {"nhn": {"region_name": "KR3"}})
    write(isolated / "work/clouds.yaml", {"nhn": {"region_name": "JP1"}})
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", named)

    entry, found = clouds.find_cloud("nhn")

    assert (entry, found) == ({"region_name": "KR3"}, named)


def test_no_file_anywhere_names_the_places_searched(isolated):
    with pytest.raises(CloudsError) as err:
        clouds.find_cloud("nhn")

    assert str(err.value) == (
        "Cloud 'nhn' was asked for, but no clouds.yaml (or .yml, .json) was found in any "
        f"of: {isolated}/work, {isolated}/home/.config/openstack, /etc/xdg/openstack, "
        "/etc/openstack."
    )


def test_a_missing_os_client_config_file_is_named(isolated, monkeypatch):
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(isolated / "gone.yaml"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(isolated / "site"))

    with pytest.raises(CloudsError) as err:
        clouds.find_cloud("nhn")

    assert str(err.value) == (
        "Cloud 'nhn' was asked for, but no clouds.yaml (or .yml, .json) was found at "
        f"{isolated}/gone.yaml (OS_CLIENT_CONFIG_FILE) nor in any of: {isolated}/work, "
        f"{isolated}/home/.config/openstack, {isolated}/site/openstack, /etc/openstack."
    )


def test_a_named_file_that_is_missing_says_so(isolated):
    with pytest.raises(CloudsError) as err:
        clouds.find_cloud("nhn", str(isolated / "nope.yaml"))

    assert str(err.value) == f"clouds_yaml {isolated}/nope.yaml does not exist or is not a file."


def test_an_unknown_cloud_lists_the_clouds_there(isolated):
    path = write(isolated / "c.yaml", {"prod": {}, "dev": {}})

    with pytest.raises(CloudsError) as err:
        clouds.find_cloud("stage", path)

    assert str(err.value) == f"Cloud 'stage' is not in {path} (clouds there: dev, prod)."


def test_broken_yaml_names_the_line(isolated):
    path = isolated / "c.yaml"
    path.write_text("clouds:\n  nhn:\n    auth: [unclosed\n")

    with pytest.raises(CloudsError) as err:
        clouds.find_cloud("nhn", str(path))

    assert str(err.value) == f"{path} is not valid YAML at line 4."


def test_a_file_that_is_not_a_mapping_is_refused(isolated):
    path = isolated / "c.yaml"
    path.write_text("- just\n- a list\n")

    with pytest.raises(CloudsError) as err:
        clouds.find_cloud("nhn", str(path))

    assert str(err.value) == f"{path} must hold a mapping with a 'clouds' key."


def test_secure_yaml_adds_the_password(isolated):
    path = write(isolated / "work/clouds.yaml", {"nhn": {"auth": {"username": "u@example.com"}}})
    write(isolated / "home/.config/openstack/secure.yaml", {"nhn": {"auth": {"password": "pw"}}})

    entry, _found = clouds.find_cloud("nhn", path)

    assert entry == {"auth": {"username": "u@example.com", "password": "pw"}}


# ---- what an entry gives -------------------------------------------------


def test_a_password_entry_maps_to_the_options():
    values = clouds.connection_values(PASSWORD_CLOUD, "nhn")

    assert values == {
        "auth_url": AUTH_URL,
        "username": "alpha@example.com",
        "api_password": PASSWORD,
        "tenant_id": TENANT,
        "region": "KR1",
    }


def test_tenant_id_image_override_and_a_bare_identity_host():
    entry = {
        "auth": {"auth_url": "https://identity.example.test/", "tenant_id": "t1"},
        "image_endpoint_override": "https://image.example.test/v2/",
        "verify": False,
    }

    assert clouds.connection_values(entry, "nhn") == {
        "auth_url": "https://identity.example.test/v2.0",
        "tenant_id": "t1",
        "image_url": "https://image.example.test",
        "validate_certs": False,
    }


def test_an_admin_token_entry_gives_token_and_endpoint():
    entry = {"auth_type": "admin_token",
             "auth": {"token": TOKEN, "endpoint": "http://127.0.0.1:9292/v2"}}

    assert clouds.connection_values(entry, "nhn") == {
        "token": TOKEN, "image_url": "http://127.0.0.1:9292",
    }


def test_the_first_of_regions_stands_in_for_region_name():
    assert clouds.connection_values({"regions": ["KR2", "JP1"]}, "nhn") == {"region": "KR2"}
    assert clouds.connection_values(
        {"regions": [{"name": "JP1", "values": {}}]}, "nhn") == {"region": "JP1"}
    assert clouds.connection_values(
        {"region_name": "KR3", "regions": ["KR2"]}, "nhn") == {"region": "KR3"}


@pytest.mark.parametrize("regions, msg", [
    ("KR1", "cloud 'nhn': regions must be a list."),
    ([{"values": {}}], "cloud 'nhn': regions[0] must be a region name or a mapping with a name."),
    ([7], "cloud 'nhn': regions[0] must be a region name or a mapping with a name."),
])
def test_regions_of_the_wrong_shape_are_named(regions, msg):
    with pytest.raises(CloudsError) as err:
        clouds.connection_values({"regions": regions}, "nhn")

    assert str(err.value) == msg


def test_insecure_turns_certificate_checks_off():
    assert clouds.connection_values({"insecure": True}, "nhn") == {"validate_certs": False}
    assert clouds.connection_values({"verify": True}, "nhn") == {"validate_certs": True}


def test_a_value_of_the_wrong_shape_is_named():
    with pytest.raises(CloudsError) as err:
        clouds.connection_values({"auth": {"password": ["a", "b"]}}, "nhn")

    assert str(err.value) == "cloud 'nhn': auth.password must be a string."


def test_auth_must_be_a_mapping():
    with pytest.raises(CloudsError) as err:
        clouds.connection_values({"auth": "secret"}, "nhn")

    assert str(err.value) == "auth of cloud 'nhn' must be a mapping."


# ---- how it meets the options ------------------------------------------


def test_given_options_win_and_gaps_are_filled():
    options = {"region": "KR2", "image_url": None, "tenant_id": None,
               "token": None, "username": None, "api_password": None}
    cloud = {"region": "KR1", "image_url": IMAGE_URL, "tenant_id": "t1",
             "username": "u", "api_password": "p"}

    merged = clouds.resolve(options, cloud)

    assert merged == {"region": "KR2", "image_url": IMAGE_URL, "tenant_id": "t1",
                      "token": None, "username": "u", "api_password": "p"}
    assert options["image_url"] is None


def test_own_credentials_keep_the_cloud_credentials_out():
    options = {"token": TOKEN, "username": None, "api_password": None, "tenant_id": None,
               "image_url": None}
    cloud = {"username": "u", "api_password": "p", "tenant_id": "t1", "image_url": IMAGE_URL}

    merged = clouds.resolve(options, cloud)

    assert merged == {"token": TOKEN, "username": None, "api_password": None,
                      "tenant_id": None, "image_url": IMAGE_URL}


# ---- in a module -----------------------------------------------------------


def base_params(args: dict) -> tuple[dict, dict]:
    """(ImageModule.params, module.params) for ``args``."""
    with patch_module_args(args):
        mod = ImageModule({})
    return mod.params, mod.module.params


def test_defaults_apply_when_no_cloud_is_named():
    params, raw = base_params({"token": TOKEN})

    assert params["auth_url"] == "https://api-identity-infrastructure.nhncloudservice.com/v2.0"
    assert params["region"] == "KR1" and params["validate_certs"] is True
    assert raw["region"] is None and raw["validate_certs"] is None


def test_the_cloud_fills_the_module_params_but_leaves_ansibles_alone(isolated):
    path = write(isolated / "c.yaml", {"nhn": dict(PASSWORD_CLOUD, verify=False)})

    params, raw = base_params({"cloud": "nhn", "clouds_yaml": path, "region": "kr2"})

    assert params["username"] == "alpha@example.com" and params["tenant_id"] == TENANT
    assert params["region"] == "kr2" and params["validate_certs"] is False
    assert raw["username"] is None and raw["api_password"] is None


def test_environment_beats_the_cloud(isolated, monkeypatch):
    write(isolated / "work/clouds.yaml", {"nhn": PASSWORD_CLOUD})
    monkeypatch.setenv("OS_CLOUD", "nhn")
    monkeypatch.setenv("OS_REGION_NAME", "JP1")

    params, _raw = base_params({})

    assert params["cloud"] == "nhn" and params["region"] == "JP1"
    assert params["auth_url"] == AUTH_URL


def test_token_issued_with_the_clouds_password(run_module, requests_mock, isolated):
    write(isolated / "home/.config/openstack/clouds.yaml", {"nhn": PASSWORD_CLOUD})
    requests_mock.post(f"{AUTH_URL}/tokens", **answer("common/token_200"))

    result = run_module(toast_token, {"cloud": "nhn"})

    assert result["rc"] == 0 and result["tenant_id"] == TENANT
    assert sent(requests_mock) == [("POST", "/v2.0/tokens")]
    body = requests_mock.last_request.json()["auth"]
    assert body == {"tenantId": TENANT, "passwordCredentials": {
        "username": "alpha@example.com", "password": PASSWORD}}


def test_the_clouds_password_is_masked_in_a_failure(run_module, requests_mock, isolated):
    path = write(isolated / "c.yaml", {"nhn": PASSWORD_CLOUD})
    requests_mock.post(f"{AUTH_URL}/tokens", **answer("common/token_401"))

    result = run_module(toast_image_info, {"cloud": "nhn", "clouds_yaml": path,
                                           "image": "x", "image_url": IMAGE_URL})

    assert result["failed"] is True
    assert result["failure"]["status"] == 401
    assert PASSWORD not in json.dumps(result)


def test_a_task_token_is_not_mixed_with_the_clouds_password(
        run_module, requests_mock, isolated):
    path = write(isolated / "c.yaml", {"nhn": dict(PASSWORD_CLOUD, region_name="KR2")})

    result = run_module(toast_token, {"cloud": "nhn", "clouds_yaml": path, "token": TOKEN})

    assert result["rc"] == 0 and result["token"] == TOKEN and result["tenant_id"] is None
    assert result["image_url"] == "https://kr2-api-image-infrastructure.nhncloudservice.com"
    assert requests_mock.request_history == []


def test_a_cloud_token_and_endpoint_reach_the_image_api(run_module, requests_mock, isolated):
    entry = {"auth_type": "admin_token",
             "auth": {"token": TOKEN, "endpoint": f"{IMAGE_URL}/v2"}}
    path = write(isolated / "c.yaml", {"peer": entry})
    image = recorded("common/image_get_200")["json"]
    requests_mock.get(f"{IMAGE_URL}/v2/images/{image['id']}", **answer("common/image_get_200"))

    result = run_module(toast_image_info, {"cloud": "peer", "clouds_yaml": path,
                                           "image": image["id"]})

    assert result["rc"] == 0 and [i["id"] for i in result["images"]] == [image["id"]]
    assert requests_mock.last_request.headers["X-Auth-Token"] == TOKEN


def test_clouds_yaml_without_a_cloud_fails_first(run_module, requests_mock, isolated):
    result = run_module(toast_token, {"clouds_yaml": str(isolated / "c.yaml")})

    assert result["msg"] == (
        "clouds_yaml names a file, but no cloud is chosen: set cloud (or OS_CLOUD).")
    assert requests_mock.request_history == []


def test_an_unknown_cloud_fails_before_any_request(run_module, requests_mock, isolated):
    path = write(isolated / "c.yaml", {"nhn": PASSWORD_CLOUD})

    result = run_module(toast_image_info, {"cloud": "other", "clouds_yaml": path,
                                           "image": "x"})

    assert result["msg"] == f"Cloud 'other' is not in {path} (clouds there: nhn)."
    assert requests_mock.request_history == []
