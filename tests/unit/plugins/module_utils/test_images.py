"""Helpers shared by the modules that change an image."""

from __future__ import annotations

import pytest
from conftest import IMAGE_URL, TOKEN, answer, recorded, sent

from ansible_collections.nhncloud.compute.plugins.module_utils.client import ApiError, ImageClient
from ansible_collections.nhncloud.compute.plugins.module_utils.images import (
    Refused,
    diff,
    image_path,
    label,
    member_list,
    patch_image,
    refuse,
    replace,
)

SHARED = recorded("changes/shared_get")["json"]
PRIVATE = recorded("changes/tagged_get")["json"]


def client():
    return ImageClient(token=TOKEN, image_url=IMAGE_URL, retries=2)


def test_image_path_encodes_every_part():
    assert image_path("abc") == "/v2/images/abc"
    assert image_path("abc", "tags", "a b?#%") == "/v2/images/abc/tags/a%20b%3F%23%25"
    assert image_path("abc", "tags", "..") == "/v2/images/abc/tags/%2E%2E"


def test_label_names_the_image_or_falls_back_to_its_id():
    assert label({"id": "i-1", "name": "gold"}) == "'gold' (i-1)"
    assert label({"id": "i-1", "name": None}) == "i-1"


def test_refuse_checks_public_then_protected_then_owner():
    image = {"id": "i-1", "name": "gold", "visibility": "public", "protected": True,
             "owner": "o"}
    with pytest.raises(Refused) as err:
        refuse(image, "delete", tenant="t")
    assert err.value.reason == "public"

    with pytest.raises(Refused) as err:
        refuse({**image, "visibility": "private"}, "delete", tenant="t")
    assert err.value.reason == "protected"

    with pytest.raises(Refused) as err:
        refuse({**image, "visibility": "private"}, "tag", refuse_protected=False, tenant="t")
    assert err.value.reason == "owner"
    assert str(err.value) == (
        "Cannot tag image 'gold' (i-1): it is owned by tenant o, not by the caller's tenant t.")


def test_refuse_lets_a_plain_own_image_pass():
    refuse(PRIVATE, "delete", tenant=PRIVATE["owner"])
    refuse(PRIVATE, "delete", tenant=None)


def test_patch_image_sends_json_patch_and_retries_replace(requests_mock):
    requests_mock.patch(f"{IMAGE_URL}/v2/images/{PRIVATE['id']}", [
        {"status_code": 503, "json": {"message": "busy"}},
        answer("changes/patch_shared_200"),
    ])

    image = patch_image(client(), PRIVATE["id"], [replace("visibility", "shared")])

    assert image["visibility"] == "shared"
    assert len(requests_mock.request_history) == 2
    req = requests_mock.last_request
    assert req.headers["Content-Type"] == "application/openstack-images-v2.1-json-patch"
    assert req.json() == [{"op": "replace", "path": "/visibility", "value": "shared"}]


def test_patch_image_does_not_repeat_other_operations(requests_mock):
    requests_mock.patch(f"{IMAGE_URL}/v2/images/{PRIVATE['id']}",
                        status_code=503, json={"message": "busy"})

    with pytest.raises(ApiError) as err:
        patch_image(client(), PRIVATE["id"], [{"op": "add", "path": "/x", "value": "1"}])

    assert err.value.status == 503
    assert len(requests_mock.request_history) == 1


def test_member_list_asks_only_for_shared_images(requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images/{SHARED['id']}/members",
                      **answer("changes/members_two"))

    assert member_list(client(), PRIVATE) == []
    members = member_list(client(), SHARED)

    assert len(members) == 2
    assert sent(requests_mock) == [("GET", f"/v2/images/{SHARED['id']}/members")]


def test_diff_keeps_copies():
    before, after = {"tags": ["a"]}, {"tags": ["a", "b"]}
    result = diff(before, after)
    before["x"] = 1

    assert result == {"before": {"tags": ["a"]}, "after": {"tags": ["a", "b"]}}
