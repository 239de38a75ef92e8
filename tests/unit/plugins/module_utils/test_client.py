"""The API client: retries, pagination, errors, auth and endpoint choice."""

from __future__ import annotations

import pytest
import requests
from conftest import AUTH_URL, IMAGE_URL, PASSWORD, TOKEN, answer, recorded, sent

from ansible_collections.nhncloud.compute.plugins.module_utils import client as client_mod
from ansible_collections.nhncloud.compute.plugins.module_utils.client import (
    REGION_IMAGE_URLS,
    ApiError,
    ConfigError,
    ImageClient,
    retry_after,
    segment,
)

TENANT = recorded("common/token_200")["json"]["access"]["token"]["tenant"]["id"]
ISSUED = recorded("common/token_200")["json"]["access"]["token"]["id"]
CATALOG_URL = recorded("common/token_200")["json"]["access"]["serviceCatalog"][1][
    "endpoints"][0]["publicURL"]
LIST = f"{IMAGE_URL}/v2/images"


def token_client(**kw):
    return ImageClient(token=TOKEN, image_url=IMAGE_URL, **kw)


def password_client(**kw):
    return ImageClient(auth_url=AUTH_URL, tenant_id=TENANT, username="alpha@example.com",
                       api_password=PASSWORD, **kw)


# ---- retries -------------------------------------------------------------

@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_get_is_retried_on_transient_statuses(requests_mock, no_pause, status):
    requests_mock.get(LIST, [{"status_code": status, "json": {"message": "busy"}},
                             answer("common/list_empty")])

    images, marker = token_client().paginate("/v2/images", "images")

    assert images == [] and marker is None
    assert len(requests_mock.request_history) == 2
    assert len(no_pause) == 1 and 0 <= no_pause[0] <= 0.5


@pytest.mark.parametrize("status", [400, 403, 404, 409, 413, 500])
def test_other_statuses_are_not_retried(requests_mock, status):
    requests_mock.get(LIST, status_code=status, json={"message": f"status {status}"})

    with pytest.raises(ApiError) as err:
        token_client().get_json("/v2/images")

    assert err.value.status == status
    assert len(requests_mock.request_history) == 1


def test_gives_up_after_the_configured_retries(requests_mock, no_pause):
    requests_mock.get(LIST, status_code=503, json={"message": "Service Unavailable"})

    with pytest.raises(ApiError) as err:
        token_client(retries=2).get_json("/v2/images")

    assert str(err.value) == "GET /v2/images returned HTTP 503: Service Unavailable"
    assert len(requests_mock.request_history) == 3
    assert len(no_pause) == 2
    assert no_pause[1] <= 1.0


def test_backoff_grows_and_is_capped(requests_mock, no_pause, monkeypatch):
    monkeypatch.setattr(client_mod.random, "uniform", lambda low, high: high)
    requests_mock.get(LIST, status_code=502, json={"message": "Bad Gateway"})

    with pytest.raises(ApiError):
        token_client(retries=6).get_json("/v2/images")

    assert no_pause == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_retry_after_seconds_is_honoured(requests_mock, no_pause):
    requests_mock.get(LIST, [
        {"status_code": 429, "headers": {"Retry-After": "7"}, "json": {"message": "slow"}},
        answer("common/list_empty"),
    ])

    token_client().get_json("/v2/images")

    assert no_pause == [7.0]


def test_retry_after_is_capped():
    assert retry_after("3600") == 60.0
    assert retry_after("Thu, 01 Jan 1970 00:00:00 GMT") == 0.0
    assert retry_after("soon") is None
    assert retry_after(None) is None


def test_post_is_not_retried_unless_safe(requests_mock):
    url = f"{IMAGE_URL}/v2/images/i-1/members"
    requests_mock.post(url, status_code=503, json={"message": "Service Unavailable"})

    with pytest.raises(ApiError):
        token_client().request("POST", "/v2/images/i-1/members", json={"member": "m"})
    assert len(requests_mock.request_history) == 1

    requests_mock.reset_mock()
    with pytest.raises(ApiError):
        token_client().request("POST", "/v2/images/i-1/members", json={"member": "m"},
                               retry=True)
    assert len(requests_mock.request_history) == 4


def test_read_timeout_on_get_is_retried_then_reported(requests_mock, no_pause):
    requests_mock.get(LIST, exc=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(ApiError) as err:
        token_client(retries=1).get_json("/v2/images")

    assert err.value.status is None
    assert str(err.value) == "GET /v2/images failed: timed out after 2 tries (ReadTimeout)"
    assert len(requests_mock.request_history) == 2


def test_read_timeout_on_unsafe_post_is_not_repeated(requests_mock):
    requests_mock.patch(f"{IMAGE_URL}/v2/images/i-1",
                        exc=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(ApiError) as err:
        token_client().request("PATCH", "/v2/images/i-1", json=[])

    assert str(err.value) == "PATCH /v2/images/i-1 failed: timed out after 1 try (ReadTimeout)"
    assert len(requests_mock.request_history) == 1


def test_answer_cut_short_is_retried_when_safe(requests_mock, no_pause):
    cut = requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead")
    requests_mock.get(LIST, [{"exc": cut}, answer("common/list_empty")])

    assert token_client().get_json("/v2/images") == recorded("common/list_empty")["json"]
    assert len(requests_mock.request_history) == 2
    assert len(no_pause) == 1


def test_answer_cut_short_on_unsafe_post_is_reported_as_maybe_done(requests_mock):
    cut = requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead")
    requests_mock.post(f"{IMAGE_URL}/v2/images/i-1/members", exc=cut)

    with pytest.raises(ApiError) as err:
        token_client().request("POST", "/v2/images/i-1/members", json={"member": "m"})

    assert str(err.value) == (
        "POST /v2/images/i-1/members failed: answer cut short after 1 try "
        "(ChunkedEncodingError)")
    assert err.value.uncertain is True
    assert len(requests_mock.request_history) == 1


@pytest.mark.parametrize("tries, uncertain", [
    ([{"status_code": 503}, {"status_code": 503}], False),
    ([{"exc": "refused"}, {"status_code": 503}], False),
    ([{"exc": "refused"}, {"exc": "refused"}], False),
    ([{"exc": "connect-timeout"}, {"status_code": 429}], False),
    ([{"status_code": 503}, {"status_code": 504}], True),
    ([{"status_code": 502}, {"status_code": 503}], True),
    ([{"exc": "read-timeout"}, {"status_code": 503}], True),
    ([{"exc": "dropped"}, {"exc": "refused"}], True),
    ([{"status_code": 503}, {"exc": "cut"}], True),
])
def test_a_failure_says_whether_a_try_may_have_taken_effect(requests_mock, tries, uncertain):
    errors = {
        "refused": requests.exceptions.ConnectionError("NewConnectionError: Connection refused"),
        "connect-timeout": requests.exceptions.ConnectTimeout("connect timed out"),
        "read-timeout": requests.exceptions.ReadTimeout("read timed out"),
        "dropped": requests.exceptions.ConnectionError("Remote end closed connection"),
        "cut": requests.exceptions.ChunkedEncodingError("IncompleteRead"),
    }
    answers = [{"exc": errors[t["exc"]]} if "exc" in t else {**t, "json": {"message": "x"}}
               for t in tries]
    requests_mock.put(f"{IMAGE_URL}/v2/images/i-1/tags/t", answers)

    with pytest.raises(ApiError) as err:
        token_client(retries=1).request("PUT", "/v2/images/i-1/tags/t")

    assert err.value.uncertain is uncertain
    assert len(requests_mock.request_history) == 2


def test_tls_errors_are_reported_at_once_with_their_reason(requests_mock):
    bad = requests.exceptions.SSLError("certificate verify failed: self-signed certificate")
    requests_mock.get(LIST, exc=bad)

    with pytest.raises(ApiError) as err:
        token_client().get_json("/v2/images")

    assert str(err.value) == (
        "GET /v2/images failed: certificate verify failed: self-signed certificate")
    assert len(requests_mock.request_history) == 1


def test_refused_connection_is_retried_even_for_post(requests_mock):
    refused = requests.exceptions.ConnectionError("NewConnectionError: Connection refused")
    requests_mock.post(f"{IMAGE_URL}/v2/images/i-1/members",
                       [{"exc": refused}, {"status_code": 200, "json": {"member_id": "m"}}])

    response = token_client().request("POST", "/v2/images/i-1/members", json={"member": "m"})

    assert response.status_code == 200
    assert len(requests_mock.request_history) == 2


def test_every_request_has_a_connect_and_read_timeout(requests_mock):
    seen = []
    requests_mock.get(LIST, json={"images": []})
    real = requests.Session.request

    def spy(self, *args, **kwargs):
        seen.append(kwargs["timeout"])
        return real(self, *args, **kwargs)

    client = token_client(timeout=45)
    client.session.request = spy.__get__(client.session)
    client.get_json("/v2/images")

    assert seen == [(10.0, 45.0)]


# ---- pagination ----------------------------------------------------------

def test_pages_are_followed_by_marker_with_the_same_query(requests_mock):
    requests_mock.get(LIST, [
        {"json": {"images": [{"id": "a"}, {"id": "b"}], "next": "/v2/images?marker=b&tag=x"}},
        {"json": {"images": [{"id": "c"}], "next": "/v2/images?marker=c"}},
        {"json": {"images": []}},
    ])

    items, marker = token_client().paginate("/v2/images", "images",
                                            params={"tag": ["x", "y"]})

    assert [i["id"] for i in items] == ["a", "b", "c"]
    assert marker is None
    assert sent(requests_mock) == [
        ("GET", "/v2/images?tag=x&tag=y&limit=1000"),
        ("GET", "/v2/images?tag=x&tag=y&limit=1000&marker=b"),
        ("GET", "/v2/images?tag=x&tag=y&limit=1000&marker=c"),
    ]


def test_max_items_asks_only_for_what_is_left(requests_mock):
    requests_mock.get(LIST, [
        {"json": {"images": [{"id": "a"}, {"id": "b"}], "next": "/v2/images?marker=b"}},
        {"json": {"images": [{"id": "c"}], "next": "/v2/images?marker=c"}},
    ])

    items, marker = token_client().paginate("/v2/images", "images", max_items=3)

    assert [i["id"] for i in items] == ["a", "b", "c"]
    assert marker == "c"
    assert sent(requests_mock) == [("GET", "/v2/images?limit=3"),
                                   ("GET", "/v2/images?limit=1&marker=b")]


# ---- errors --------------------------------------------------------------

def test_error_carries_method_path_status_and_server_text(requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images/x", **answer("common/image_get_404"))

    with pytest.raises(ApiError) as err:
        token_client().get_json("/v2/images/x")

    assert err.value.failure() == {
        "method": "GET", "path": "/v2/images/x", "status": 404,
        "message": "No image found with ID 0a0a0a0a-0000-4000-8000-000000000000",
    }


def test_html_error_pages_are_not_copied(requests_mock):
    requests_mock.get(LIST, status_code=502, reason="Bad Gateway",
                      text="<html><body><h1>502</h1>" + "x" * 600 + "</body></html>")

    with pytest.raises(ApiError) as err:
        token_client(retries=0).get_json("/v2/images")

    assert err.value.message == "Bad Gateway"


def test_no_secret_reaches_an_error(requests_mock):
    requests_mock.post(f"{AUTH_URL}/tokens", status_code=400,
                       json={"error": {"message": f"bad password {PASSWORD} for token {TOKEN}"}})

    client = password_client(token=TOKEN)
    with pytest.raises(ApiError) as err:
        client.login()

    assert PASSWORD not in str(err.value) and TOKEN not in str(err.value)
    assert "bad password ******** for token ********" in str(err.value)


# ---- auth and endpoints --------------------------------------------------

def test_token_auth_makes_no_identity_request(requests_mock):
    requests_mock.get(LIST, **answer("common/list_empty"))

    token_client().get_json("/v2/images")

    assert [r.url for r in requests_mock.request_history] == [f"{LIST}"]
    assert requests_mock.last_request.headers["X-Auth-Token"] == TOKEN


def test_password_auth_logs_in_once_and_uses_the_catalog(requests_mock):
    requests_mock.post(f"{AUTH_URL}/tokens", **answer("common/token_200"))
    requests_mock.get(f"{CATALOG_URL}/v2/images", **answer("common/list_empty"))

    client = password_client()
    client.get_json("/v2/images")
    client.get_json("/v2/images")

    body = requests_mock.request_history[0].json()
    assert body == {"auth": {"tenantId": TENANT, "passwordCredentials": {
        "username": "alpha@example.com", "password": PASSWORD}}}
    assert [r.method for r in requests_mock.request_history] == ["POST", "GET", "GET"]
    assert requests_mock.last_request.headers["X-Auth-Token"] == ISSUED


def test_catalog_region_is_matched_in_any_case(requests_mock):
    catalog = answer("common/token_200")
    catalog["json"]["access"]["serviceCatalog"][1]["endpoints"] = [
        {"region": "KR1", "publicURL": "https://kr1.example.test"},
        {"region": "JP1", "publicURL": "https://jp1.example.test/"},
    ]
    requests_mock.post(f"{AUTH_URL}/tokens", **catalog)

    assert password_client(region="jp1").endpoint() == "https://jp1.example.test"


def test_catalog_without_the_region_fails_clearly(requests_mock):
    requests_mock.post(f"{AUTH_URL}/tokens", **answer("common/token_200"))

    with pytest.raises(ConfigError) as err:
        password_client(region="KR3").endpoint()

    assert str(err.value) == (
        "The service catalog has no image endpoint for region KR3: set image_url, "
        "or choose a region the account has.")


def test_image_url_overrides_the_catalog(requests_mock):
    requests_mock.post(f"{AUTH_URL}/tokens", **answer("common/token_200"))

    assert password_client(image_url="https://override.test/").endpoint() == \
        "https://override.test"


@pytest.mark.parametrize("region", ["KR1", "kr2", "Kr3", "jp1"])
def test_bare_token_uses_the_region_table(region):
    client = ImageClient(token=TOKEN, region=region)
    assert client.endpoint() == REGION_IMAGE_URLS[region.upper()]


def test_bare_token_with_unknown_region_fails_before_any_request():
    with pytest.raises(ConfigError) as err:
        ImageClient(token=TOKEN, region="US1")
    assert str(err.value) == (
        "Unknown region 'US1' for a bare token: use one of JP1, KR1, KR2, KR3, or set image_url.")


def test_no_credentials_fails_naming_what_is_missing():
    with pytest.raises(ConfigError) as err:
        ImageClient(tenant_id="t")
    assert str(err.value) == ("No credentials: set token, or tenant_id, username and "
                              "api_password (missing: username, api_password).")


def test_401_reissues_the_token_once_with_a_password(requests_mock):
    requests_mock.post(f"{AUTH_URL}/tokens", **answer("common/token_200"))
    requests_mock.get(f"{IMAGE_URL}/v2/images",
                      [answer("common/list_401"), answer("common/list_empty")])
    issued = []

    client = password_client(token="expired-token", image_url=IMAGE_URL,
                             on_token=issued.append)
    client.get_json("/v2/images")

    assert [r.method for r in requests_mock.request_history] == ["GET", "POST", "GET"]
    assert requests_mock.request_history[0].headers["X-Auth-Token"] == "expired-token"
    assert requests_mock.last_request.headers["X-Auth-Token"] == ISSUED
    assert issued == [ISSUED]


def test_401_twice_is_reported_not_looped(requests_mock):
    requests_mock.post(f"{AUTH_URL}/tokens", **answer("common/token_200"))
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("common/list_401"))

    with pytest.raises(ApiError) as err:
        password_client(token="expired", image_url=IMAGE_URL).get_json("/v2/images")

    assert err.value.status == 401
    assert err.value.message.endswith(
        "(the identity service issued a token the image API refused)")
    assert [r.method for r in requests_mock.request_history] == ["GET", "POST", "GET"]


def test_401_with_a_bare_token_says_it_has_expired(requests_mock):
    requests_mock.get(LIST, **answer("common/list_401"))

    with pytest.raises(ApiError) as err:
        token_client().get_json("/v2/images")

    assert str(err.value) == (
        "GET /v2/images returned HTTP 401: This server could not verify that you are "
        "authorized to access the document you requested. Either you supplied the wrong "
        "credentials (e.g., bad password), or your browser does not understand how to supply "
        "the credentials required. (the token was refused: it has expired or is not valid; "
        "issue a new one, or configure api_password so that an expired token is re-issued "
        "automatically)")
    assert TOKEN not in str(err.value)
    assert len(requests_mock.request_history) == 1


def test_wrong_password_reports_the_identity_message(requests_mock):
    requests_mock.post(f"{AUTH_URL}/tokens", **answer("common/token_401"))

    with pytest.raises(ApiError) as err:
        password_client().login()

    assert str(err.value) == (
        "POST /v2.0/tokens returned HTTP 401: The request you have made requires authentication.")


# ---- path segments -------------------------------------------------------

@pytest.mark.parametrize("value, encoded", [
    ("a b", "a%20b"), ("a?b", "a%3Fb"), ("a#b", "a%23b"), ("50%", "50%25"),
    ("a/b", "a%2Fb"), (".", "%2E"), ("..", "%2E%2E"), ("v1.2", "v1.2"),
])
def test_segment_encodes_everything_that_could_change_the_url(value, encoded):
    assert segment(value) == encoded
