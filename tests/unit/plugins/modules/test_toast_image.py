"""toast_image end to end, against answers recorded from the real Glance."""

from __future__ import annotations

import pytest
import requests
from conftest import CONN, IMAGE_URL, RERUN, answer, recorded, sent

from ansible_collections.nhncloud.compute.plugins.modules import toast_image

DOOMED = recorded("changes/doomed_get")["json"]
PUBLIC = recorded("changes/public_get")["json"]
PROTECTED = recorded("changes/protected_get")["json"]
SHARED = recorded("changes/shared_get")["json"]
URL = f"{IMAGE_URL}/v2/images/{DOOMED['id']}"
BEFORE = {"id": DOOMED["id"], "name": "rec-doomed", "state": "present"}
GONE = {"state": "absent"}


def test_check_mode_then_real_delete_by_id(run_module, requests_mock):
    requests_mock.get(URL, **answer("changes/doomed_get"))
    requests_mock.delete(URL, **answer("changes/delete_204"))
    args = {**CONN, "image": DOOMED["id"], "state": "absent"}

    check = run_module(toast_image, args, check_mode=True)
    assert sent(requests_mock) == [("GET", f"/v2/images/{DOOMED['id']}")]
    real = run_module(toast_image, args)

    assert sent(requests_mock)[1:] == [("GET", f"/v2/images/{DOOMED['id']}"),
                                       ("DELETE", f"/v2/images/{DOOMED['id']}")]
    for result in (check, real):
        assert result["changed"] is True
        assert result["image_id"] == DOOMED["id"]
        assert result["diff"] == {"before": BEFORE, "after": GONE}


def test_delete_by_name(run_module, requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("changes/doomed_by_name"))
    requests_mock.delete(URL, **answer("changes/delete_204"))

    result = run_module(toast_image, {**CONN, "image": "rec-doomed", "state": "absent"})

    assert result["changed"] is True
    assert sent(requests_mock) == [("GET", "/v2/images?name=rec-doomed&limit=1000"),
                                   ("DELETE", f"/v2/images/{DOOMED['id']}")]


def test_unknown_id_is_already_absent(run_module, requests_mock):
    requests_mock.get(URL, **answer("changes/doomed_get_404"))
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("changes/doomed_by_name_empty"))

    result = run_module(toast_image, {**CONN, "image": DOOMED["id"], "state": "absent"})

    assert result["rc"] == 0
    assert result["changed"] is False
    assert result["image_id"] is None
    assert result["diff"] == {"before": GONE, "after": GONE}
    assert [m for m, _p in sent(requests_mock)] == ["GET", "GET"]


def test_unknown_name_is_already_absent(run_module, requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("changes/doomed_by_name_empty"))

    result = run_module(toast_image, {**CONN, "image": "rec-doomed", "state": "absent"})

    assert result["changed"] is False
    assert sent(requests_mock) == [("GET", "/v2/images?name=rec-doomed&limit=1000")]


def test_gone_between_read_and_delete_is_the_state_wanted(run_module, requests_mock):
    requests_mock.get(URL, **answer("changes/doomed_get"))
    requests_mock.delete(URL, **answer("changes/delete_404"))

    result = run_module(toast_image, {**CONN, "image": DOOMED["id"], "state": "absent"})

    assert result["rc"] == 0
    assert result["diff"]["after"] == GONE


@pytest.mark.parametrize("image,fixture,reason,why", [
    (PUBLIC, "public_get", "public",
     "it is public, and public images are the provider's: no tenant can change or delete them."),
    (PROTECTED, "protected_get", "protected",
     "it is protected, and a protected image cannot be changed or deleted until its "
     "protection is removed."),
])
def test_public_and_protected_are_refused_before_any_write(run_module, requests_mock, image,
                                                           fixture, reason, why):
    requests_mock.get(f"{IMAGE_URL}/v2/images/{image['id']}", **answer(f"changes/{fixture}"))

    result = run_module(toast_image, {**CONN, "image": image["id"], "state": "absent"},
                        check_mode=True)

    assert result["failed"] is True
    assert result["msg"] == f"Cannot delete image '{image['name']}' ({image['id']}): {why}"
    assert result["reason"] == reason
    assert sent(requests_mock) == [("GET", f"/v2/images/{image['id']}")]


def test_image_of_another_tenant_is_refused_when_the_caller_is_known(run_module, requests_mock):
    beta = recorded("changes/members_two")["json"]["members"][0]["member_id"]
    requests_mock.get(f"{IMAGE_URL}/v2/images/{SHARED['id']}", **answer("changes/shared_get"))

    result = run_module(toast_image, {**CONN, "tenant_id": beta, "image": SHARED["id"],
                                      "state": "absent"})

    assert result["msg"] == (
        f"Cannot delete image 'rec-shared-two' ({SHARED['id']}): it is owned by tenant "
        f"{SHARED['owner']}, not by the caller's tenant {beta}."
    )
    assert result["reason"] == "owner"
    assert len(requests_mock.request_history) == 1


def test_server_refusal_names_operation_status_and_message(run_module, requests_mock):
    url = f"{IMAGE_URL}/v2/images/{SHARED['id']}"
    requests_mock.get(url, **answer("changes/shared_get"))
    requests_mock.delete(url, **answer("changes/delete_403_member"))

    result = run_module(toast_image, {**CONN, "image": SHARED["id"], "state": "absent"})

    assert result["msg"] == (
        f"Could not delete image 'rec-shared-two' ({SHARED['id']}): DELETE "
        f"/v2/images/{SHARED['id']} returned HTTP 403: You are not authorized to complete "
        f"delete_image action. Nothing was changed. {RERUN}"
    )
    assert result["failure"]["status"] == 403
    assert result["failure"]["method"] == "DELETE"


def test_a_fault_outlasting_the_retries_leaves_the_image(run_module, requests_mock, no_pause):
    requests_mock.get(URL, **answer("changes/doomed_get"))
    requests_mock.delete(URL, status_code=503, json={"message": "Service Unavailable"})

    result = run_module(toast_image, {**CONN, "image": DOOMED["id"], "state": "absent",
                                      "retries": 1})

    assert result["msg"] == (
        f"Could not delete image 'rec-doomed' ({DOOMED['id']}): DELETE /v2/images/"
        f"{DOOMED['id']} returned HTTP 503: Service Unavailable. Nothing was changed. {RERUN}"
    )
    assert (result["changed"], result["image_id"]) == (False, DOOMED["id"])
    assert sent(requests_mock)[1:] == [("DELETE", f"/v2/images/{DOOMED['id']}")] * 2


def test_a_delete_without_answer_may_have_been_done(run_module, requests_mock):
    requests_mock.get(URL, **answer("changes/doomed_get"))
    requests_mock.delete(URL, exc=requests.exceptions.ConnectionError("Connection reset"))

    result = run_module(toast_image, {**CONN, "image": DOOMED["id"], "state": "absent",
                                      "retries": 0})

    assert result["msg"] == (
        f"Could not delete image 'rec-doomed' ({DOOMED['id']}): DELETE /v2/images/"
        f"{DOOMED['id']} failed: connection failed after 1 try (ConnectionError); whether it "
        f"took effect is unknown. {RERUN}"
    )


@pytest.mark.parametrize("args,msg", [
    ({"image": "x"}, "missing required arguments: state"),
    ({"image": "x", "state": "present"}, "value of state must be one of: absent, got: present"),
    ({"image": "  ", "state": "absent"}, "image must not be empty."),
])
def test_bad_input_fails_before_any_request(run_module, requests_mock, args, msg):
    result = run_module(toast_image, {**CONN, **args})

    assert result["msg"] == msg
    assert requests_mock.request_history == []
