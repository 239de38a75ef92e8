"""The checks made on the input alone, before any request: exact messages."""

from __future__ import annotations

import pytest

from ansible_collections.nhncloud.compute.plugins.module_utils.checks import (
    image_ref_problem,
    marker_problem,
    raw_type_problem,
    retries_problem,
    sort_key_problem,
    tenant_problem,
    timeout_problem,
    token_problem,
    url_problem,
)

A = "a" * 32
ID = "1c868787-6207-4ff2-a1e7-ae1331d6829b"
TENANT_RULE = "is not a tenant ID: NHN Cloud tenant IDs are 32 hexadecimal characters."


@pytest.mark.parametrize("value, msg", [
    ("", "image must not be empty."),
    ("  \t", "image must not be empty."),
    ("x" * 256, "image is 256 characters long: an image ID or name has at most 255."),
])
def test_image_ref_problems(value, msg):
    assert image_ref_problem(value) == msg


@pytest.mark.parametrize("value", ["x" * 255, "../etc", "a/b?c#d", ".", " padded ", "eq:gold"])
def test_image_refs_that_are_legal_names(value):
    assert image_ref_problem(value) is None


@pytest.mark.parametrize("value", [A + "\n", A[:31], A + "0", "../" + A[3:], "%2F" + A[3:],
                                   "g" * 32, "", " " + A[1:]])
def test_tenant_problems(value):
    assert tenant_problem(value, "owner") == f"owner {value!r} {TENANT_RULE}"


def test_tenant_problem_cuts_a_long_value():
    assert tenant_problem("x" * 50, "tenant_id") == f"tenant_id '{'x' * 40}...' {TENANT_RULE}"


@pytest.mark.parametrize("value", [A, A.upper()])
def test_tenant_ids(value):
    assert tenant_problem(value, "owner") is None


def test_marker_must_be_an_image_id():
    assert marker_problem(ID) is None
    assert marker_problem(ID.replace("-", "")) is None
    assert marker_problem(ID + "\n") == (
        f"marker {ID + chr(10)!r} is not an image ID: give the next_marker an earlier run "
        "returned.")
    assert marker_problem("../x") == (
        "marker '../x' is not an image ID: give the next_marker an earlier run returned.")


@pytest.mark.parametrize("value", ["name", "created_at", "os_distro", "hw:cpu-policy"])
def test_sort_keys(value):
    assert sort_key_problem(value) is None


@pytest.mark.parametrize("value", ["../x", "a/b", "name?x", "name#", "name,size", "a b"])
def test_sort_key_problems(value):
    assert sort_key_problem(value) == (
        f"sort_key {value!r} is not an image attribute name: use letters, digits, '_', "
        "'-', '.' and ':' only.")


@pytest.mark.parametrize("value, shown", [
    (0, "0"), (-1, "-1"), (float("nan"), "nan"), (float("inf"), "inf"), (3601, "3601"),
    (1e30, "1e+30"),
])
def test_timeout_problems(value, shown):
    assert timeout_problem(value) == (
        f"timeout must be a number of seconds above 0 and at most 3600, not {shown}.")


@pytest.mark.parametrize("value", [0.001, 30, 3600])
def test_timeouts(value):
    assert timeout_problem(value) is None


def test_retries():
    assert retries_problem(0) is None and retries_problem(100) is None
    assert retries_problem(-1) == "retries must be a whole number from 0 to 100, not -1."
    assert retries_problem(101) == "retries must be a whole number from 0 to 100, not 101."


TOKEN_MSG = ("token holds a space, a control character or a non-ASCII character, which "
             "no token does: check how it is set (its value is not shown).")


@pytest.mark.parametrize("value", ["secret\n", " secret", "sec ret", "sécret", "\t", "a\x00"])
def test_token_problems_never_show_the_token(value):
    assert token_problem(value) == TOKEN_MSG


@pytest.mark.parametrize("value", [None, "", "gAAAAABm-example_token.1~"])
def test_tokens(value):
    assert token_problem(value) is None


PLAIN = "image_url must be an http:// or https:// URL."


@pytest.mark.parametrize("url, msg", [
    ("", PLAIN),
    ("kr1-api-image.example.com", PLAIN),
    ("ftp://image.example.com", PLAIN),
    ("http://", PLAIN),
    ("http:///v2", PLAIN),
    ("http://image.example.com:0", PLAIN),
    ("http://image.example.com:99999", PLAIN),
    ("http://image.example.com:port", PLAIN),
    ("http://image.example.com/a b", PLAIN),
    ("http://image.example.com/\u00e9", PLAIN),
    ("http://image.example.com\n", PLAIN),
    ("http://user:pw@image.example.com",
     "image_url must not hold a user name or password: give them as username and "
     "api_password."),
    ("http://image.example.com?x=1",
     "image_url must not hold a query ('?') or a fragment ('#'): request paths are added "
     "to its end."),
    ("http://image.example.com/#x",
     "image_url must not hold a query ('?') or a fragment ('#'): request paths are added "
     "to its end."),
    ("http://image.example.com/a/../b", "image_url must not hold '.' or '..' path segments."),
    ("http://image.example.com/a/%2e%2E", "image_url must not hold '.' or '..' path segments."),
    ("http://image.example.com/./a", "image_url must not hold '.' or '..' path segments."),
    ("http://image.example.com/a%2Fb", "image_url must not hold an encoded '/' (%2F)."),
    ("http://image.example.com/v2",
     "image_url is the image endpoint without the API version: drop the trailing /v2."),
    ("http://image.example.com/v2/",
     "image_url is the image endpoint without the API version: drop the trailing /v2."),
])
def test_url_problems(url, msg):
    assert url_problem("image_url", url) == msg


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9292", "https://kr1-api-image-infrastructure.nhncloudservice.com",
    "https://gw.example.com/image/", "https://[::1]:8443/glance", "http://host/a...b",
])
def test_urls(url):
    assert url_problem("image_url", url) is None


def test_a_url_password_is_never_shown():
    msg = url_problem("auth_url", "https://me:hunter2@identity.example.com/v2.0")
    assert "hunter2" not in msg and msg.startswith("auth_url ")
    assert url_problem("auth_url", "https://identity.example.com/v2.0") is None


SPEC = {"image": {"type": "str"}, "tags": {"type": "list", "elements": "str"},
        "timeout": {"type": "float"}, "retries": {"type": "int"},
        "clouds_yaml": {"type": "path"}, "members": {"type": "list", "elements": "str"},
        "purge": {"type": "bool"}}


@pytest.mark.parametrize("raw, msg", [
    ({"image": ["a"]}, "image must be a string, not a list."),
    ({"image": {"id": "x"}}, "image must be a string, not a mapping."),
    ({"image": True}, "image must be a string, not the boolean true: quote it in YAML if it "
                      "is text."),
    ({"clouds_yaml": ["a"]}, "clouds_yaml must be a string, not a list."),
    ({"tags": ["ok", ["nested"]]}, "tags[1] must be a string, not a list."),
    ({"tags": ["ok", False]}, "tags[1] must be a string, not the boolean false: quote it in "
                              "YAML if it is text."),
    ({"timeout": True}, "timeout must be a number, not the boolean true."),
    ({"retries": False}, "retries must be a number, not the boolean false."),
    ({"image": "gold\ud800"}, "image holds a lone surrogate code point, which no request "
                              "can carry."),
    ({"tags": ["ok", "\udfff"]}, "tags[1] holds a lone surrogate code point, which no "
                                 "request can carry."),
])
def test_raw_type_problems(raw, msg):
    assert raw_type_problem(SPEC, raw) == msg


@pytest.mark.parametrize("raw", [
    {}, {"image": "gold"}, {"image": 2024}, {"image": None}, {"tags": ["a", 1, 2.5]},
    {"tags": "a,b"}, {"timeout": 2.5}, {"retries": 3}, {"purge": True}, {"unknown": ["x"]},
])
def test_raw_values_of_the_right_kind(raw):
    assert raw_type_problem(SPEC, raw) is None
