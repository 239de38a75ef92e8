"""toast_image_tag end to end, against answers recorded from the real Glance."""

from __future__ import annotations

import pytest
import requests
from conftest import CONN, IMAGE_URL, RERUN, answer, recorded, sent

from ansible_collections.nhncloud.compute.plugins.modules import toast_image_tag

TAGGED = recorded("changes/tagged_get")["json"]
ODD = recorded("changes/odd_tags_get")["json"]
PUBLIC = recorded("changes/public_get")["json"]
SHARED = recorded("changes/shared_get")["json"]
IMG = f"{IMAGE_URL}/v2/images/{TAGGED['id']}"
GET = ("GET", f"/v2/images/{TAGGED['id']}")
BETA = recorded("changes/members_two")["json"]["members"][0]["member_id"]


def tagged(requests_mock):
    requests_mock.get(IMG, **answer("changes/tagged_get"))
    requests_mock.put(f"{IMG}/tags/new", **answer("changes/tag_put_204"))
    requests_mock.put(f"{IMG}/tags/more", **answer("changes/tag_put_204"))
    requests_mock.delete(f"{IMG}/tags/old", **answer("changes/tag_delete_204"))
    requests_mock.delete(f"{IMG}/tags/keep", **answer("changes/tag_delete_404"))


def test_check_mode_predicts_the_real_run(run_module, requests_mock):
    tagged(requests_mock)
    args = {**CONN, "image": TAGGED["id"], "tags": ["new", "keep", "new"]}

    check = run_module(toast_image_tag, args, check_mode=True)
    assert sent(requests_mock) == [GET]
    real = run_module(toast_image_tag, args)

    assert sent(requests_mock)[1:] == [GET, ("PUT", f"/v2/images/{TAGGED['id']}/tags/new")]
    for result in (check, real):
        assert result["changed"] is True
        assert result["image_id"] == TAGGED["id"]
        assert result["added"] == ["new"]
        assert result["removed"] == []
        assert result["tags"] == ["_AVAILABLE_", "keep", "new", "old"]
        assert result["diff"] == {
            "before": {"tags": ["_AVAILABLE_", "keep", "old"]},
            "after": {"tags": ["_AVAILABLE_", "keep", "new", "old"]},
        }


def test_purge_removes_unlisted_tags_but_never_underscore_ones(run_module, requests_mock):
    tagged(requests_mock)

    result = run_module(toast_image_tag, {**CONN, "image": TAGGED["id"], "tags": ["keep"],
                                          "purge": True})

    assert result["removed"] == ["old"]
    assert result["tags"] == ["_AVAILABLE_", "keep"]
    assert sent(requests_mock) == [GET, ("DELETE", f"/v2/images/{TAGGED['id']}/tags/old")]


def test_absent_removes_only_listed_present_tags(run_module, requests_mock):
    tagged(requests_mock)

    result = run_module(toast_image_tag, {**CONN, "image": TAGGED["id"],
                                          "tags": ["old", "never-there"], "state": "absent"})

    assert result["changed"] is True
    assert result["removed"] == ["old"]
    assert result["added"] == []
    assert result["tags"] == ["_AVAILABLE_", "keep"]
    assert sent(requests_mock) == [GET, ("DELETE", f"/v2/images/{TAGGED['id']}/tags/old")]


def test_a_tag_already_gone_when_removed_is_not_an_error(run_module, requests_mock):
    tagged(requests_mock)

    result = run_module(toast_image_tag, {**CONN, "image": TAGGED["id"], "tags": ["keep"],
                                          "state": "absent"})

    assert result["rc"] == 0
    assert result["removed"] == ["keep"]
    assert sent(requests_mock)[-1] == ("DELETE", f"/v2/images/{TAGGED['id']}/tags/keep")


def test_second_run_only_reads(run_module, requests_mock):
    tagged(requests_mock)

    result = run_module(toast_image_tag, {**CONN, "image": TAGGED["id"],
                                          "tags": ["keep", "old"], "purge": True})

    assert result["changed"] is False
    assert result["added"] == result["removed"] == []
    assert result["diff"]["before"] == result["diff"]["after"]
    assert sent(requests_mock) == [GET]


def test_by_name(run_module, requests_mock):
    tagged(requests_mock)
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("changes/tagged_by_name"))

    result = run_module(toast_image_tag, {**CONN, "image": "rec-tagged", "tags": ["new"]})

    assert result["image_id"] == TAGGED["id"]
    assert sent(requests_mock) == [
        ("GET", "/v2/images?name=rec-tagged&limit=1000"),
        ("PUT", f"/v2/images/{TAGGED['id']}/tags/new"),
    ]


ODD_TAGS = {"a b": "a%20b", "why?": "why%3F", "#hash": "%23hash", "100%": "100%25"}


def test_odd_characters_travel_percent_encoded_and_round_trip(run_module, requests_mock):
    fresh = {**ODD, "tags": []}
    odd_url = f"{IMAGE_URL}/v2/images/{ODD['id']}"
    requests_mock.get(odd_url, [{"json": fresh}, answer("changes/odd_tags_get")])
    for encoded in ODD_TAGS.values():
        requests_mock.put(f"{odd_url}/tags/{encoded}", **answer("changes/tag_put_204"))

    first = run_module(toast_image_tag, {**CONN, "image": ODD["id"], "tags": list(ODD_TAGS)})
    # The server's answer after those PUTs holds each tag as it was sent.
    again = run_module(toast_image_tag, {**CONN, "image": ODD["id"],
                                         "tags": list(ODD_TAGS), "state": "present"})

    puts = [path for method, path in sent(requests_mock) if method == "PUT"]
    assert puts == [f"/v2/images/{ODD['id']}/tags/{ODD_TAGS[t]}" for t in sorted(ODD_TAGS)]
    assert first["added"] == sorted(ODD_TAGS)
    assert again["changed"] is False
    assert set(ODD_TAGS) <= set(again["tags"])


LONG = "x" * 256
REJECTED = [
    ({"tags": [""]}, "tags must not hold an empty tag."),
    ({"tags": ["ok", LONG]},
     f"Tag '{'x' * 40}...' is 256 characters long: a tag has at most 255."),
    ({"tags": ["_mine"]},
     "Tag '_mine' starts with '_': tags starting with '_' are the provider's."),
    ({"tags": ["_AVAILABLE_"], "state": "absent"},
     "Tag '_AVAILABLE_' starts with '_': such tags are the provider's and are never removed "
     "(_AVAILABLE_ keeps an image listed in the console)."),
    ({"tags": ["a/b"]},
     "Tag 'a/b' contains '/': the API routes a '/' in a tag to another resource, so such a "
     "tag cannot be set or removed."),
    ({"tags": ["caf\u00e9"]},
     "Tag 'caf\u00e9' contains non-ASCII characters: the API stores them garbled, so only "
     "ASCII tags are accepted."),
    ({"tags": ["x"], "state": "absent", "purge": True}, "purge works only with state=present."),
    ({"tags": ["x"], "image": " "}, "image must not be empty."),
    ({"tags": ["x"], "state": "gone"}, "value of state must be one of: present, absent, got: gone"),
    ({"image": "x"}, "missing required arguments: tags"),
]


@pytest.mark.parametrize("args,msg", REJECTED, ids=[m[:30] for _a, m in REJECTED])
def test_bad_input_fails_before_any_request(run_module, requests_mock, args, msg):
    result = run_module(toast_image_tag, {**CONN, "image": TAGGED["id"], **args})

    assert result["failed"] is True
    assert result["msg"] == msg
    assert requests_mock.request_history == []


def test_255_characters_is_allowed(run_module, requests_mock):
    tagged(requests_mock)
    longest = "y" * 255
    requests_mock.put(f"{IMG}/tags/{longest}", **answer("changes/tag_put_204"))

    result = run_module(toast_image_tag, {**CONN, "image": TAGGED["id"], "tags": [longest]})

    assert result["added"] == [longest]


def test_public_image_is_refused_after_the_read(run_module, requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images/{PUBLIC['id']}", **answer("changes/public_get"))

    result = run_module(toast_image_tag, {**CONN, "image": PUBLIC["id"], "tags": ["x"]})

    assert result["msg"] == (
        f"Cannot change the tags of image 'rec-public' ({PUBLIC['id']}): it is public, and "
        "public images are the provider's: no tenant can change or delete them."
    )
    assert result["reason"] == "public"
    assert sent(requests_mock) == [("GET", f"/v2/images/{PUBLIC['id']}")]


def test_image_of_another_tenant_is_refused_when_the_caller_is_known(run_module, requests_mock):
    tagged(requests_mock)

    result = run_module(toast_image_tag, {**CONN, "tenant_id": BETA, "image": TAGGED["id"],
                                          "tags": ["new"]})

    assert result["msg"] == (
        f"Cannot change the tags of image 'rec-tagged' ({TAGGED['id']}): it is owned by "
        f"tenant {TAGGED['owner']}, not by the caller's tenant {BETA}."
    )
    assert sent(requests_mock) == [GET]


def test_server_refusal_names_operation_status_and_message(run_module, requests_mock):
    url = f"{IMAGE_URL}/v2/images/{SHARED['id']}"
    requests_mock.get(url, **answer("changes/shared_get"))
    requests_mock.put(f"{url}/tags/theirs", **answer("changes/tag_put_403_member"))

    result = run_module(toast_image_tag, {**CONN, "image": SHARED["id"], "tags": ["theirs"]})

    assert result["msg"] == (
        f"Tags of image 'rec-shared-two' ({SHARED['id']}): nothing changed. Could not add tag "
        f"'theirs': PUT /v2/images/{SHARED['id']}/tags/theirs returned HTTP 403: You are not "
        f"authorized to complete modify_image action. {RERUN}"
    )
    assert result["failure"]["status"] == 403
    assert result["failure"]["message"] == "You are not authorized to complete modify_image action."
    assert result["changed"] is False
    assert result["added"] == []


def test_a_failure_midway_reports_what_was_done(run_module, requests_mock):
    tagged(requests_mock)
    requests_mock.put(f"{IMG}/tags/more", **answer("changes/tag_put_403_member"))

    result = run_module(toast_image_tag, {**CONN, "image": TAGGED["id"],
                                          "tags": ["new", "more"], "purge": True})

    assert result["failed"] is True
    assert result["changed"] is False
    assert result["added"] == []
    assert sent(requests_mock) == [GET, ("PUT", f"/v2/images/{TAGGED['id']}/tags/more")]

    requests_mock.put(f"{IMG}/tags/more", **answer("changes/tag_put_204"))
    requests_mock.delete(f"{IMG}/tags/old", **answer("changes/tag_put_403_member"))
    result = run_module(toast_image_tag, {**CONN, "image": TAGGED["id"],
                                          "tags": ["new", "more", "keep"], "purge": True})

    assert result["failed"] is True
    assert result["changed"] is True
    assert result["added"] == ["more", "new"]
    assert result["removed"] == []
    assert result["tags"] == ["_AVAILABLE_", "keep", "more", "new", "old"]
    assert result["not_tried"] == []
    assert result["msg"] == (
        f"Tags of image 'rec-tagged' ({TAGGED['id']}): added 2 tags ('more', 'new'). Could "
        f"not remove tag 'old': DELETE /v2/images/{TAGGED['id']}/tags/old returned HTTP 403: "
        f"You are not authorized to complete modify_image action. {RERUN}")


def test_a_fault_outlasting_the_retries_says_what_was_done_and_not(
        run_module, requests_mock, no_pause):
    tagged(requests_mock)
    requests_mock.put(f"{IMG}/tags/new", status_code=503,
                      json={"message": "Service Unavailable"})

    result = run_module(toast_image_tag, {**CONN, "image": TAGGED["id"], "retries": 1,
                                          "tags": ["new", "more", "zzz", "keep"],
                                          "purge": True})

    assert result["msg"] == (
        f"Tags of image 'rec-tagged' ({TAGGED['id']}): added 1 tag ('more'). Could not add "
        f"tag 'new': PUT /v2/images/{TAGGED['id']}/tags/new returned HTTP 503: Service "
        f"Unavailable. Not tried: add 'zzz', remove 'old'. {RERUN}"
    )
    assert result["failure"]["status"] == 503
    assert result["not_tried"] == ["add zzz", "remove old"]
    assert (result["changed"], result["added"], result["removed"]) == (True, ["more"], [])
    assert result["tags"] == ["_AVAILABLE_", "keep", "more", "old"]
    tag = f"/v2/images/{TAGGED['id']}/tags"
    assert sent(requests_mock) == [GET, ("PUT", f"{tag}/more"), ("PUT", f"{tag}/new"),
                                   ("PUT", f"{tag}/new")]
    assert len(no_pause) == 1


def test_a_call_without_answer_may_have_taken_effect(run_module, requests_mock):
    tagged(requests_mock)
    requests_mock.delete(f"{IMG}/tags/old", exc=requests.exceptions.ReadTimeout("timed out"))

    result = run_module(toast_image_tag, {**CONN, "image": TAGGED["id"], "retries": 0,
                                          "tags": ["old"], "state": "absent"})

    assert result["msg"] == (
        f"Tags of image 'rec-tagged' ({TAGGED['id']}): nothing changed. Could not remove tag "
        f"'old': DELETE /v2/images/{TAGGED['id']}/tags/old failed: timed out after 1 try "
        f"(ReadTimeout); whether it took effect is unknown. {RERUN}"
    )
    assert (result["changed"], result["removed"], result["not_tried"]) == (False, [], [])
    assert result["failure"]["status"] is None


def test_unknown_image_fails_with_its_name(run_module, requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("changes/doomed_by_name_empty"))

    result = run_module(toast_image_tag, {**CONN, "image": "rec-doomed", "tags": ["x"]})

    assert result["msg"] == (
        "Image 'rec-doomed' not found: no image visible to this tenant has that ID or name."
    )
    assert sent(requests_mock) == [("GET", "/v2/images?name=rec-doomed&limit=1000")]
