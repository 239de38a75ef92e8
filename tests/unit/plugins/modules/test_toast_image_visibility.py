"""toast_image_visibility end to end, against answers recorded from the real Glance."""

from __future__ import annotations

import pytest
import requests
from ansible.module_utils.common import warnings as ansible_warnings
from conftest import CONN, IMAGE_URL, RERUN, answer, recorded, sent

from ansible_collections.nhncloud.compute.plugins.modules import toast_image_visibility

PRIVATE = recorded("changes/tagged_get")["json"]
SHARED = recorded("changes/shared_get")["json"]
LONELY = recorded("changes/lonely_get")["json"]
PUBLIC = recorded("changes/public_get")["json"]
PROTECTED = recorded("changes/protected_get")["json"]
JSON_PATCH = "application/openstack-images-v2.1-json-patch"


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    """Ansible keeps a module's warnings process-wide: start every run without any."""
    monkeypatch.setattr(ansible_warnings, "_global_warnings", {})


def warnings(result):
    """The warning texts of a result (plain strings, or Ansible's warning records)."""
    return [w if isinstance(w, str) else w["event"]["msg"] for w in result.get("warnings", [])]


def url(image):
    return f"{IMAGE_URL}/v2/images/{image['id']}"


def test_private_to_shared_check_mode_then_real(run_module, requests_mock):
    requests_mock.get(url(PRIVATE), **answer("changes/tagged_get"))
    requests_mock.patch(url(PRIVATE), **answer("changes/patch_shared_200"))
    args = {**CONN, "image": PRIVATE["id"], "visibility": "shared"}

    check = run_module(toast_image_visibility, args, check_mode=True)
    assert sent(requests_mock) == [("GET", f"/v2/images/{PRIVATE['id']}")]
    real = run_module(toast_image_visibility, args)

    assert sent(requests_mock)[1:] == [("GET", f"/v2/images/{PRIVATE['id']}"),
                                       ("PATCH", f"/v2/images/{PRIVATE['id']}")]
    patch = requests_mock.last_request
    assert patch.headers["Content-Type"] == JSON_PATCH
    assert patch.json() == [{"op": "replace", "path": "/visibility", "value": "shared"}]
    for result in (check, real):
        assert result["changed"] is True
        assert result["diff"] == {"before": {"visibility": "private"},
                                  "after": {"visibility": "shared"}}
        assert result["image"]["visibility"] == "shared"
        assert result["image"]["id"] == PRIVATE["id"]
        assert warnings(result) == []
    assert real["image"] == recorded("changes/patch_shared_200")["json"]


def test_already_there_costs_only_the_read(run_module, requests_mock):
    requests_mock.get(url(SHARED), **answer("changes/shared_get"))

    result = run_module(toast_image_visibility, {**CONN, "image": SHARED["id"],
                                                 "visibility": "shared"})

    assert result["changed"] is False
    assert result["image"] == SHARED
    assert result["diff"]["before"] == result["diff"]["after"] == {"visibility": "shared"}
    assert sent(requests_mock) == [("GET", f"/v2/images/{SHARED['id']}")]


@pytest.mark.parametrize("check_mode", [True, False])
def test_making_private_warns_how_many_members_lose_access(run_module, requests_mock,
                                                           check_mode):
    requests_mock.get(url(SHARED), **answer("changes/shared_get"))
    requests_mock.get(f"{url(SHARED)}/members", **answer("changes/members_two"))
    requests_mock.patch(url(SHARED), **answer("changes/patch_private_200"))

    result = run_module(toast_image_visibility, {**CONN, "image": SHARED["id"],
                                                 "visibility": "private"},
                        check_mode=check_mode)

    assert result["changed"] is True
    assert warnings(result) == [
        f"Making image 'rec-shared-two' ({SHARED['id']}) private: 2 member tenants can no "
        "longer use it."
    ]
    assert result["image"]["visibility"] == "private"
    expected = [("GET", f"/v2/images/{SHARED['id']}"),
                ("GET", f"/v2/images/{SHARED['id']}/members")]
    if not check_mode:
        expected.append(("PATCH", f"/v2/images/{SHARED['id']}"))
    assert sent(requests_mock) == expected


def test_making_private_without_members_does_not_warn(run_module, requests_mock):
    requests_mock.get(url(LONELY), **answer("changes/lonely_get"))
    requests_mock.get(f"{url(LONELY)}/members", **answer("changes/members_none"))

    result = run_module(toast_image_visibility, {**CONN, "image": LONELY["id"],
                                                 "visibility": "private"}, check_mode=True)

    assert result["changed"] is True
    assert warnings(result) == []


@pytest.mark.parametrize("image,fixture,reason,why", [
    (PUBLIC, "public_get", "public",
     "it is public, and public images are the provider's: no tenant can change or delete them."),
    (PROTECTED, "protected_get", "protected",
     "it is protected, and a protected image cannot be changed or deleted until its "
     "protection is removed."),
])
def test_public_and_protected_are_refused_before_any_write(run_module, requests_mock, image,
                                                           fixture, reason, why):
    requests_mock.get(url(image), **answer(f"changes/{fixture}"))
    wanted = "shared" if image["visibility"] != "shared" else "private"

    result = run_module(toast_image_visibility, {**CONN, "image": image["id"],
                                                 "visibility": wanted})

    assert result["failed"] is True
    assert result["msg"] == (
        f"Cannot change the visibility of image '{image['name']}' ({image['id']}): {why}")
    assert result["reason"] == reason
    assert result["image_id"] == image["id"]
    assert sent(requests_mock) == [("GET", f"/v2/images/{image['id']}")]


def test_server_refusal_names_operation_status_and_message(run_module, requests_mock):
    requests_mock.get(url(LONELY), **answer("changes/lonely_get"))
    requests_mock.get(f"{url(LONELY)}/members", **answer("changes/members_none"))
    requests_mock.patch(url(LONELY), **answer("changes/patch_403_member"))

    result = run_module(toast_image_visibility, {**CONN, "image": LONELY["id"],
                                                 "visibility": "private"})

    assert result["msg"] == (
        f"Could not make image 'rec-shared-none' ({LONELY['id']}) private: PATCH "
        f"/v2/images/{LONELY['id']} returned HTTP 403: You are not authorized to complete "
        f"modify_image action. Nothing was changed. {RERUN}"
    )
    assert result["failure"] == {"method": "PATCH", "path": f"/v2/images/{LONELY['id']}",
                                 "status": 403, "message": "You are not authorized to "
                                 "complete modify_image action."}


def test_a_fault_outlasting_the_retries_leaves_the_image_unchanged(
        run_module, requests_mock, no_pause):
    requests_mock.get(url(LONELY), **answer("changes/lonely_get"))
    requests_mock.get(f"{url(LONELY)}/members", **answer("changes/members_none"))
    requests_mock.patch(url(LONELY), status_code=503, json={"message": "Service Unavailable"})

    result = run_module(toast_image_visibility, {**CONN, "image": LONELY["id"], "retries": 2,
                                                 "visibility": "private"})

    assert result["msg"] == (
        f"Could not make image 'rec-shared-none' ({LONELY['id']}) private: PATCH "
        f"/v2/images/{LONELY['id']} returned HTTP 503: Service Unavailable. Nothing was "
        f"changed. {RERUN}"
    )
    assert (result["changed"], result["image_id"]) == (False, LONELY["id"])
    assert [m for m, _p in sent(requests_mock)] == ["GET", "GET"] + ["PATCH"] * 3


def test_a_change_without_answer_may_have_been_made(run_module, requests_mock, no_pause):
    requests_mock.get(url(LONELY), **answer("changes/lonely_get"))
    requests_mock.get(f"{url(LONELY)}/members", **answer("changes/members_none"))
    requests_mock.patch(url(LONELY), exc=requests.exceptions.ReadTimeout("read timed out"))

    result = run_module(toast_image_visibility, {**CONN, "image": LONELY["id"], "retries": 1,
                                                 "timeout": 0.5, "visibility": "private"})

    assert result["msg"] == (
        f"Could not make image 'rec-shared-none' ({LONELY['id']}) private: PATCH "
        f"/v2/images/{LONELY['id']} failed: timed out after 2 tries (ReadTimeout); whether it "
        f"took effect is unknown. {RERUN}"
    )
    assert [m for m, _p in sent(requests_mock)] == ["GET", "GET", "PATCH", "PATCH"]


def test_member_list_failure_stops_before_the_write(run_module, requests_mock):
    requests_mock.get(url(SHARED), **answer("changes/shared_get"))
    requests_mock.get(f"{url(SHARED)}/members", **answer("changes/members_403_private"))

    result = run_module(toast_image_visibility, {**CONN, "image": SHARED["id"],
                                                 "visibility": "private"})

    assert result["msg"] == (
        f"Could not list the members of image 'rec-shared-two' ({SHARED['id']}): GET "
        f"/v2/images/{SHARED['id']}/members returned HTTP 403: Not allowed to list members "
        f"for image {SHARED['id']}: Only shared images have members. Nothing was changed. "
        f"{RERUN}")
    assert [m for m, _p in sent(requests_mock)] == ["GET", "GET"]


@pytest.mark.parametrize("args,msg", [
    ({"visibility": "public"}, "value of visibility must be one of: private, shared, got: public"),
    ({"visibility": "shared", "image": ""}, "image must not be empty."),
    ({}, "missing required arguments: visibility"),
])
def test_bad_input_fails_before_any_request(run_module, requests_mock, args, msg):
    result = run_module(toast_image_visibility, {**CONN, "image": PRIVATE["id"], **args})

    assert result["msg"] == msg
    assert requests_mock.request_history == []
