"""Bad input to every module fails before any request, with a message naming the option.

One table across the modules: the connection options every module shares, and
each module's own options. The integration target ``bad_input`` runs the same
kinds of value against the real Glance and checks the paths the server saw.
"""

from __future__ import annotations

import pytest
from conftest import AUTH_URL, CONN, IMAGE_URL, PASSWORD, TOKEN

from ansible_collections.nhncloud.compute.plugins.modules import (
    toast_image,
    toast_image_info,
    toast_image_member,
    toast_image_tag,
    toast_image_visibility,
    toast_token,
)

ID = "1c868787-6207-4ff2-a1e7-ae1331d6829b"
A = "a" * 32
LONG = "x" * 256
MODULES = {
    "toast_token": (toast_token, {}),
    "toast_image_info": (toast_image_info, {"image": ID}),
    "toast_image": (toast_image, {"image": ID, "state": "absent"}),
    "toast_image_tag": (toast_image_tag, {"image": ID, "tags": ["x"]}),
    "toast_image_visibility": (toast_image_visibility, {"image": ID, "visibility": "shared"}),
    "toast_image_member": (toast_image_member, {"image": ID, "members": [A]}),
}
TIMEOUT = "timeout must be a number of seconds above 0 and at most 3600, not {}."
RETRIES = "retries must be a whole number from 0 to 100, not {}."
TENANT_RULE = "is not a tenant ID: NHN Cloud tenant IDs are 32 hexadecimal characters."
TOKEN_MSG = ("token holds a space, a control character or a non-ASCII character, which "
             "no token does: check how it is set (its value is not shown).")
DOT_TAG = ("is a '.' or '..' path segment, which a server or proxy on the way may resolve "
           "to the image itself, so such a tag cannot be set or removed.")
PASSWORD_CONN = {"auth_url": AUTH_URL, "tenant_id": A, "username": "u@example.com",
                 "api_password": PASSWORD}

# Connection values, each tried on every module: (options, exact message).
CONNECTION = [
    ({**CONN, "timeout": 0}, TIMEOUT.format("0")),
    ({**CONN, "timeout": -2.5}, TIMEOUT.format("-2.5")),
    ({**CONN, "timeout": "nan"}, TIMEOUT.format("nan")),
    ({**CONN, "timeout": "inf"}, TIMEOUT.format("inf")),
    ({**CONN, "timeout": 1e30}, TIMEOUT.format("1e+30")),
    ({**CONN, "retries": -1}, RETRIES.format(-1)),
    ({**CONN, "retries": 5000}, RETRIES.format(5000)),
    ({"token": TOKEN, "region": "mars"},
     "Unknown region 'MARS' for a bare token: use one of JP1, KR1, KR2, KR3, or set "
     "image_url."),
    ({"token": "", "image_url": IMAGE_URL},
     "No credentials: set token, or tenant_id, username and api_password (missing: "
     "tenant_id, username, api_password)."),
    ({"token": f"{TOKEN}\n", "image_url": IMAGE_URL}, TOKEN_MSG),
    ({"token": "two words", "image_url": IMAGE_URL}, TOKEN_MSG),
    ({**CONN, "tenant_id": "../" + A[3:]}, f"tenant_id '../{A[3:]}' {TENANT_RULE}"),
    ({**CONN, "image_url": "image.example.test"}, "image_url must be an http:// or https:// URL."),
    ({**CONN, "image_url": ""}, "image_url must be an http:// or https:// URL."),
    ({**CONN, "image_url": f"{IMAGE_URL}/v2"},
     "image_url is the image endpoint without the API version: drop the trailing /v2."),
    ({**CONN, "image_url": f"{IMAGE_URL}/x/../v3"},
     "image_url must not hold '.' or '..' path segments."),
    ({**CONN, "image_url": f"{IMAGE_URL}?v2=/"},
     "image_url must not hold a query ('?') or a fragment ('#'): request paths are added "
     "to its end."),
    ({**PASSWORD_CONN, "auth_url": "identity.example.test/v2.0"},
     "auth_url must be an http:// or https:// URL."),
    ({**PASSWORD_CONN, "auth_url": f"{AUTH_URL}/%2e%2e/tokens"},
     "auth_url must not hold '.' or '..' path segments."),
]


@pytest.mark.parametrize("name", sorted(MODULES))
@pytest.mark.parametrize("conn, msg", CONNECTION)
def test_connection_values(run_module, requests_mock, name, conn, msg):
    module, args = MODULES[name]

    result = run_module(module, {**args, **conn})

    if name == "toast_token" and msg.startswith("No credentials"):
        msg = ("toast_token needs tenant_id, username and api_password, or a token "
               "(missing: tenant_id, username, api_password).")
    assert result["failed"] is True
    assert result["msg"] == msg
    assert requests_mock.request_history == []


@pytest.mark.parametrize("name", sorted(MODULES))
@pytest.mark.parametrize("conn, msg", [
    ({"token": ["tok-one", "tok-two"]}, "token must be a string, not a list."),
    ({"retries": True}, "retries must be a number, not the boolean true."),
    ({"timeout": False}, "timeout must be a number, not the boolean false."),
    ({"image_url": {"url": IMAGE_URL}}, "image_url must be a string, not a mapping."),
])
def test_values_ansible_would_convert(run_module, requests_mock, name, conn, msg):
    module, args = MODULES[name]

    result = run_module(module, {**CONN, **args, **conn})

    assert result["failed"] is True
    assert result["msg"] == msg
    assert requests_mock.request_history == []


@pytest.mark.parametrize("name", sorted(MODULES))
@pytest.mark.parametrize("conn, option", [
    ({"timeout": "soon"}, "timeout"), ({"retries": "many"}, "retries"),
    ({"retries": 1.5}, "retries"), ({"validate_certs": "perhaps"}, "validate_certs"),
])
def test_wrong_types_name_the_option(run_module, requests_mock, name, conn, option):
    module, args = MODULES[name]

    result = run_module(module, {**CONN, **args, **conn})

    assert result["failed"] is True
    assert f"'{option}'" in result["msg"] or f"{option} " in result["msg"], result["msg"]
    assert requests_mock.request_history == []


OWN = [
    ("toast_image", {"image": ["a"]}, "image must be a string, not a list."),
    ("toast_image_info", {"image": None, "name": {"a": 1}},
     "name must be a string, not a mapping."),
    ("toast_image_tag", {"tags": ["a", True]},
     "tags[1] must be a string, not the boolean true: quote it in YAML if it is text."),
    ("toast_image_member", {"members": [["a"]]}, "members[0] must be a string, not a list."),
    ("toast_image_member", {"parallel": True}, "parallel must be a number, not the boolean true."),
    ("toast_image_visibility", {"image": False},
     "image must be a string, not the boolean false: quote it in YAML if it is text."),
    ("toast_image", {"image": LONG},
     "image is 256 characters long: an image ID or name has at most 255."),
    ("toast_image_tag", {"image": LONG},
     "image is 256 characters long: an image ID or name has at most 255."),
    ("toast_image_visibility", {"image": LONG},
     "image is 256 characters long: an image ID or name has at most 255."),
    ("toast_image_member", {"image": LONG},
     "image is 256 characters long: an image ID or name has at most 255."),
    ("toast_image_info", {"image": LONG},
     "image is 256 characters long: an image ID or name has at most 255."),
    ("toast_image_tag", {"tags": [".."]}, f"Tag '..' {DOT_TAG}"),
    ("toast_image_tag", {"tags": ["ok", "."], "state": "absent"}, f"Tag '.' {DOT_TAG}"),
    ("toast_image_member", {"members": [A + "\n"]}, f"members[0] '{A}\\n' {TENANT_RULE}"),
    ("toast_image_member", {"members": ["../" + A[3:]]}, f"members[0] '../{A[3:]}' {TENANT_RULE}"),
    ("toast_image_member", {"members": [], "parallel": 0},
     "parallel must be a whole number from 1 to 10, not 0."),
    ("toast_image_info", {"image": None, "owner": "../" + A[3:]},
     f"owner '../{A[3:]}' {TENANT_RULE}"),
    ("toast_image_info", {"image": None, "owner": A + "\n"}, f"owner '{A}\\n' {TENANT_RULE}"),
    ("toast_image_info", {"image": None, "marker": "../next"},
     "marker '../next' is not an image ID: give the next_marker an earlier run returned."),
    ("toast_image_info", {"image": None, "sort_key": "name/../id"},
     "sort_key 'name/../id' is not an image attribute name: use letters, digits, '_', '-', "
     "'.' and ':' only."),
    ("toast_image_info", {"image": None, "name": LONG},
     "name is 256 characters long: an image name has at most 255."),
    ("toast_image_info", {"image": None, "size_min": 2 ** 64},
     "size_min must be at most 9223372036854775807 bytes, not 18446744073709551616."),
    ("toast_image_info", {"image": None, "tag": ["ok", LONG]},
     "tag holds a tag of 256 characters: a tag has at most 255."),
]


@pytest.mark.parametrize("name, args, msg", OWN)
def test_module_options(run_module, requests_mock, name, args, msg):
    module, base = MODULES[name]
    args = {key: value for key, value in {**base, **args}.items() if value is not None}

    result = run_module(module, {**CONN, **args})

    assert result["failed"] is True
    assert result["msg"] == msg
    assert requests_mock.request_history == []
