"""toast_token end to end, against the identity answers recorded from the peer."""

from __future__ import annotations

from conftest import AUTH_URL, PASSWORD, TOKEN, answer, recorded, sent

from ansible_collections.nhncloud.compute.plugins.modules import toast_token

ISSUED = recorded("common/token_200")["json"]["access"]
TENANT = ISSUED["token"]["tenant"]["id"]
PASSWORD_ARGS = {"auth_url": AUTH_URL, "tenant_id": TENANT,
                 "username": "alpha@example.com", "api_password": PASSWORD}


def test_issues_a_token_with_the_catalog_endpoint(run_module, requests_mock):
    requests_mock.post(f"{AUTH_URL}/tokens", **answer("common/token_200"))
    catalog = next(s for s in ISSUED["serviceCatalog"] if s["type"] == "image")
    kr1 = next(e["publicURL"] for e in catalog["endpoints"] if e["region"] == "KR1")

    result = run_module(toast_token, PASSWORD_ARGS)

    assert result["rc"] == 0 and result["changed"] is False
    assert result["token"] == ISSUED["token"]["id"]
    assert result["expires"] == ISSUED["token"]["expires"]
    assert result["tenant_id"] == TENANT
    assert result["image_url"] == kr1
    assert sent(requests_mock) == [("POST", "/v2.0/tokens")]
    body = requests_mock.last_request.json()["auth"]
    assert body["passwordCredentials"] == {"username": "alpha@example.com",
                                           "password": PASSWORD}


def test_a_refused_password_fails_without_echoing_it(run_module, requests_mock):
    requests_mock.post(f"{AUTH_URL}/tokens", **answer("common/token_401"))

    result = run_module(toast_token, PASSWORD_ARGS)

    assert result["failed"] is True
    assert result["msg"].startswith(
        f"Could not issue a token for alpha@example.com in tenant {TENANT}: "
        "POST /v2.0/tokens returned HTTP 401")
    assert result["failure"]["status"] == 401
    assert PASSWORD not in str(result)


def test_a_bare_token_is_handed_on_without_a_request(run_module, requests_mock):
    result = run_module(toast_token, {"token": TOKEN, "region": "kr2"})

    assert result["rc"] == 0
    assert result["token"] == TOKEN
    assert result["expires"] is None and result["tenant_id"] is None
    assert result["image_url"] == "https://kr2-api-image-infrastructure.nhncloudservice.com"
    assert requests_mock.request_history == []


def test_nothing_to_authenticate_with_names_what_is_missing(run_module, requests_mock):
    result = run_module(toast_token, {"tenant_id": TENANT})

    assert result["msg"] == ("toast_token needs tenant_id, username and api_password, "
                             "or a token (missing: username, api_password).")
    assert requests_mock.request_history == []
