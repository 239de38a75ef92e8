"""toast_image_member end to end, against answers recorded from the real Glance."""

from __future__ import annotations

import json

import requests
from conftest import CONN, IMAGE_URL, RERUN, TOKEN, answer, recorded, sent

from ansible_collections.nhncloud.compute.plugins.modules import toast_image_member

SHARED = recorded("members/image_shared")["json"]
PRIVATE = recorded("members/image_private")["json"]
ALPHA = SHARED["owner"]
ROWS = recorded("members/members_beta_gamma")["json"]["members"]
BETA = ROWS[0]["member_id"]
GAMMA = ROWS[1]["member_id"]
DELTA = "350569d211b0c107e3745d35da1fd487"
IMG = f"/v2/images/{SHARED['id']}"
LABEL = f"Image 'rec-member-shared' ({SHARED['id']})"
ID_MSG = "is not a tenant ID: NHN Cloud tenant IDs are 32 hexadecimal characters."


def owner_reads(requests_mock, members="members/members_empty"):
    requests_mock.get(f"{IMAGE_URL}{IMG}", **answer("members/image_shared"))
    requests_mock.get(f"{IMAGE_URL}{IMG}/members", **answer(members))


def bodies(requests_mock, method="POST"):
    return [r.json() for r in requests_mock.request_history if r.method == method]


# ---- owner side ----------------------------------------------------------


def test_share_with_two_tenants(run_module, requests_mock):
    owner_reads(requests_mock)
    requests_mock.post(f"{IMAGE_URL}{IMG}/members",
                       [answer("members/add_beta_200"), answer("members/add_gamma_200")])

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"],
                                             "members": [GAMMA, BETA]})

    assert result["changed"] is True
    assert result["added"] == [BETA, GAMMA]
    assert result["removed"] == []
    assert result["members"] == [{"member_id": BETA, "status": "pending"},
                                 {"member_id": GAMMA, "status": "pending"}]
    assert result["diff"] == {"before": {}, "after": {BETA: "pending", GAMMA: "pending"}}
    assert result["image_id"] == SHARED["id"]
    assert sent(requests_mock) == [("GET", IMG), ("GET", f"{IMG}/members"),
                                   ("POST", f"{IMG}/members"), ("POST", f"{IMG}/members")]
    assert bodies(requests_mock) == [{"member": BETA}, {"member": GAMMA}]


def test_check_mode_predicts_the_same_result_and_writes_nothing(run_module, requests_mock):
    owner_reads(requests_mock)
    requests_mock.post(f"{IMAGE_URL}{IMG}/members",
                       [answer("members/add_beta_200"), answer("members/add_gamma_200")])
    args = {**CONN, "image": SHARED["id"], "members": [BETA, GAMMA]}

    predicted = run_module(toast_image_member, args, check_mode=True)
    assert sent(requests_mock) == [("GET", IMG), ("GET", f"{IMG}/members")]
    real = run_module(toast_image_member, args)

    for key in ("changed", "added", "removed", "members", "diff", "image_id"):
        assert predicted[key] == real[key], key


def test_rerun_with_nothing_to_do_only_reads(run_module, requests_mock):
    owner_reads(requests_mock, "members/members_beta_gamma")

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"],
                                             "members": [BETA, GAMMA.upper()]})

    assert result["changed"] is False
    assert (result["added"], result["removed"]) == ([], [])
    assert result["diff"]["before"] == result["diff"]["after"] == {
        BETA: "pending", GAMMA: "pending"}
    assert sent(requests_mock) == [("GET", IMG), ("GET", f"{IMG}/members")]


def test_image_by_name(run_module, requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("members/list_by_name"))
    requests_mock.get(f"{IMAGE_URL}{IMG}/members", **answer("members/members_beta_gamma"))

    result = run_module(toast_image_member, {**CONN, "image": "rec-member-shared",
                                             "members": [BETA]})

    assert result["changed"] is False
    assert sent(requests_mock) == [("GET", "/v2/images?name=rec-member-shared&limit=1000"),
                                   ("GET", f"{IMG}/members")]


def test_exclusive_removes_the_unlisted(run_module, requests_mock):
    owner_reads(requests_mock, "members/members_beta_gamma")
    requests_mock.delete(f"{IMAGE_URL}{IMG}/members/{GAMMA}",
                         **answer("members/delete_gamma_204"))

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"],
                                             "members": [BETA], "exclusive": True})

    assert result["changed"] is True
    assert (result["added"], result["removed"]) == ([], [GAMMA])
    assert result["members"] == [{"member_id": BETA, "status": "pending"}]
    assert sent(requests_mock)[2:] == [("DELETE", f"{IMG}/members/{GAMMA}")]


def test_absent_member_already_gone_is_not_an_error(run_module, requests_mock):
    owner_reads(requests_mock, "members/members_beta_gamma")
    requests_mock.delete(f"{IMAGE_URL}{IMG}/members/{GAMMA}",
                         **answer("members/delete_gamma_404"))

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"],
                                             "members": [GAMMA, DELTA], "state": "absent"})

    assert result["rc"] == 0
    assert result["changed"] is True
    assert result["removed"] == [GAMMA]
    assert result["diff"]["after"] == {BETA: "pending"}
    assert sent(requests_mock)[2:] == [("DELETE", f"{IMG}/members/{GAMMA}")]


def test_member_added_meanwhile_counts_as_added_with_its_status_read_back(
        run_module, requests_mock):
    owner_reads(requests_mock)
    requests_mock.post(f"{IMAGE_URL}{IMG}/members", **answer("members/add_beta_409"))
    requests_mock.get(f"{IMAGE_URL}{IMG}/members/{BETA}",
                      **answer("members/member_beta_accepted"))

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"],
                                             "members": [BETA]})

    assert result["rc"] == 0
    assert result["changed"] is True
    assert result["added"] == [BETA]
    assert result["members"] == [{"member_id": BETA, "status": "accepted"}]
    assert result["diff"]["after"] == {BETA: "accepted"}
    assert sent(requests_mock)[2:] == [("POST", f"{IMG}/members"),
                                       ("GET", f"{IMG}/members/{BETA}")]


def test_add_is_retried_and_a_409_on_the_retry_counts_as_added(
        run_module, requests_mock, no_pause):
    owner_reads(requests_mock)
    requests_mock.post(f"{IMAGE_URL}{IMG}/members", [
        {"exc": requests.exceptions.ReadTimeout("read timed out")},
        answer("members/add_beta_409"),
    ])
    requests_mock.get(f"{IMAGE_URL}{IMG}/members/{BETA}",
                      **answer("members/member_beta_accepted"))

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"],
                                             "members": [BETA]})

    assert result["rc"] == 0
    assert result["added"] == [BETA]
    assert len(no_pause) == 1
    assert sent(requests_mock)[2:] == [("POST", f"{IMG}/members")] * 2 + [
        ("GET", f"{IMG}/members/{BETA}")]


def test_partial_failure_lists_what_was_done_and_what_was_not(run_module, requests_mock):
    first = "0123456789abcdef0123456789abcdef"
    last = "fedcba9876543210fedcba9876543210"
    owner_reads(requests_mock, "members/members_beta_gamma")
    requests_mock.delete(f"{IMAGE_URL}{IMG}/members/{GAMMA}",
                         **answer("members/delete_gamma_204"))
    added = {**recorded("members/add_gamma_200")["json"], "member_id": first}
    requests_mock.post(f"{IMAGE_URL}{IMG}/members", [
        answer("members/add_gamma_200", json=added),
        answer("members/add_128th_413"),
    ])
    full_image = recorded("members/add_128th_413")["request"]["path"].split("/")[3]
    limit_msg = (
        f"Image member limit exceeded for image {full_image}: The limit has been exceeded "
        "on the number of allowed image members for this image. Attempted: 128, Maximum: 127:"
    )

    result = run_module(toast_image_member, {
        **CONN, "image": SHARED["id"], "members": [BETA, DELTA, first, last],
        "exclusive": True})

    assert result["failed"] is True
    assert result["changed"] is True
    assert result["msg"] == (
        f"{LABEL}: removed 1 member ({GAMMA}); added 1 member ({first}). Could not add "
        f"{DELTA}: POST {IMG}/members returned HTTP 413: {limit_msg}. Not tried: add {last}. "
        f"{RERUN}"
    )
    assert result["failure"]["status"] == 413
    assert result["not_tried"] == [f"add {last}"]
    assert (result["added"], result["removed"]) == ([first], [GAMMA])
    assert result["diff"]["after"] == {first: "pending", BETA: "pending"}
    assert result["members"] == [{"member_id": first, "status": "pending"},
                                 {"member_id": BETA, "status": "pending"}]
    assert bodies(requests_mock) == [{"member": first}, {"member": DELTA}]


def test_an_add_without_answer_is_reported_as_maybe_done(run_module, requests_mock, no_pause):
    owner_reads(requests_mock)
    dropped = requests.exceptions.ConnectionError("Remote end closed connection")
    requests_mock.post(f"{IMAGE_URL}{IMG}/members", [
        answer("members/add_beta_200"), {"exc": dropped}, {"exc": dropped},
    ])

    first, second, third = sorted([BETA, GAMMA, DELTA])

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"], "retries": 1,
                                             "members": [BETA, GAMMA, DELTA]})

    assert result["msg"] == (
        f"{LABEL}: added 1 member ({first}). Could not add {second}: POST {IMG}/members "
        "failed: connection failed after 2 tries (ConnectionError); whether it took effect "
        f"is unknown. Not tried: add {third}. {RERUN}"
    )
    assert (result["added"], result["not_tried"]) == ([first], [f"add {third}"])
    assert result["failure"]["status"] is None
    assert bodies(requests_mock) == [{"member": m} for m in (first, second, second)]


def test_a_read_outlasting_the_retries_changed_nothing(run_module, requests_mock, no_pause):
    requests_mock.get(f"{IMAGE_URL}{IMG}", status_code=503,
                      json={"message": "Service Unavailable"})

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"], "retries": 2,
                                             "members": [BETA]})

    assert result["msg"] == (
        f"Could not read image {SHARED['id']!r}: GET {IMG} returned HTTP 503: Service "
        f"Unavailable. Nothing was changed. {RERUN}"
    )
    assert sent(requests_mock) == [("GET", IMG)] * 3
    assert len(no_pause) == 2


def test_refused_add_by_a_consumer_without_known_tenant(run_module, requests_mock):
    requests_mock.get(f"{IMAGE_URL}{IMG}", **answer("members/image_shared_as_beta"))
    requests_mock.get(f"{IMAGE_URL}{IMG}/members", **answer("members/members_as_beta_pending"))
    requests_mock.post(f"{IMAGE_URL}{IMG}/members", **answer("members/add_by_member_403"))

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"],
                                             "members": [BETA, GAMMA]})

    assert result["changed"] is False
    assert result["msg"] == (
        f"{LABEL}: nothing changed. Could not add {GAMMA}: POST {IMG}/members returned "
        f"HTTP 403: You are not authorized to complete add_member action. {RERUN}"
    )


def test_parallel_run_ends_as_the_sequential_one_and_as_check_mode_said(
        run_module, requests_mock):
    many = [f"{n:032x}" for n in range(6)]
    template = recorded("members/add_gamma_200")["json"]

    def added(request, context):
        context.status_code = 200
        return {**template, "member_id": request.json()["member"]}

    owner_reads(requests_mock, "members/members_beta_gamma")
    requests_mock.post(f"{IMAGE_URL}{IMG}/members", json=added)
    for member in (BETA, GAMMA):
        requests_mock.delete(f"{IMAGE_URL}{IMG}/members/{member}",
                             **answer("members/delete_gamma_204"))
    args = {**CONN, "image": SHARED["id"], "members": many, "exclusive": True}

    predicted = run_module(toast_image_member, args, check_mode=True)
    results = {n: run_module(toast_image_member, {**args, "parallel": n}) for n in (1, 4)}

    writes = [call for call in sent(requests_mock) if call[0] != "GET"]
    in_order, in_parallel = writes[:8], writes[8:]
    assert sorted(in_order) == sorted(in_parallel)
    assert [m for m, _p in in_parallel] == ["DELETE"] * 2 + ["POST"] * 6
    for key in ("changed", "added", "removed", "members", "diff", "image_id"):
        assert results[4][key] == results[1][key] == predicted[key], key
    assert results[4]["added"] == many
    assert results[4]["removed"] == [BETA, GAMMA]


def test_parallel_failure_reports_what_was_done(run_module, requests_mock):
    many = [f"{n:032x}" for n in range(4)]
    template = recorded("members/add_gamma_200")["json"]
    refused = recorded("members/add_128th_413")

    def add(request, context):
        member = request.json()["member"]
        if member == many[1]:
            context.status_code = refused["status"]
            return refused["json"]
        context.status_code = 200
        return {**template, "member_id": member}

    owner_reads(requests_mock)
    requests_mock.post(f"{IMAGE_URL}{IMG}/members", json=add)

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"], "members": many,
                                             "parallel": 4})

    assert result["failed"] is True
    assert result["changed"] is True
    assert result["failure"]["status"] == 413
    assert result["added"] == [many[0], many[2], many[3]]
    assert result["not_tried"] == []
    assert result["msg"].startswith(
        f"{LABEL}: added 3 members ({many[0]}, {many[2]}, {many[3]}). Could not add "
        f"{many[1]}: POST {IMG}/members returned HTTP 413: ")
    assert result["msg"].endswith(f". {RERUN}")


# ---- pre-checks ----------------------------------------------------------


def test_private_image_is_refused_after_one_read(run_module, requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images/{PRIVATE['id']}", **answer("members/image_private"))

    result = run_module(toast_image_member, {**CONN, "image": PRIVATE["id"],
                                             "members": [BETA]})

    assert result["msg"] == (
        f"Image 'rec-member-private' ({PRIVATE['id']}) is private, and only shared images "
        "have members: make it shared first with nhncloud.compute.toast_image_visibility "
        "(visibility: shared)."
    )
    assert sent(requests_mock) == [("GET", f"/v2/images/{PRIVATE['id']}")]


def test_image_of_another_tenant_is_refused_before_any_write(run_module, requests_mock):
    owner_reads(requests_mock)

    result = run_module(toast_image_member, {**CONN, "tenant_id": BETA, "image": SHARED["id"],
                                             "members": [GAMMA]})

    assert result["msg"] == (
        f"{LABEL} is owned by tenant {ALPHA}, not by this tenant ({BETA}): only the owner "
        "adds and removes members. A consumer sets its own membership with status."
    )
    assert sent(requests_mock) == [("GET", IMG)]


def test_more_than_127_members_after_the_change_adds_nothing(run_module, requests_mock):
    owner_reads(requests_mock, "members/members_beta_gamma")
    many = [f"{n:032x}" for n in range(126)]

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"], "members": many})

    assert result["msg"] == (
        f"{LABEL} would have 128 members (it has 2, adding 126, removing 0), more than the "
        "127 an image can have: nothing was changed."
    )
    assert result["members"] == [{"member_id": BETA, "status": "pending"},
                                 {"member_id": GAMMA, "status": "pending"}]
    assert sent(requests_mock) == [("GET", IMG), ("GET", f"{IMG}/members")]


BAD_INPUT = [
    ({"members": ["abc"]}, f"members[0] 'abc' {ID_MSG}"),
    ({"members": [BETA, f"{GAMMA}x"]}, f"members[1] '{GAMMA}x' {ID_MSG}"),
    ({"members": [BETA, GAMMA, BETA]},
     f"members lists tenant {BETA} twice ('{BETA}' and '{BETA}'): list each tenant once."),
    ({"members": [f"{n:032x}" for n in range(128)]},
     "members lists 128 tenants, more than the 127 members an image can have."),
    ({"members": [BETA], "state": "absent", "exclusive": True},
     "exclusive applies only to state=present: with state=absent only the listed members "
     "are removed."),
    ({"status": "accepted", "state": "absent"},
     "status sets the caller's own membership and cannot go with state=absent."),
    ({"status": "accepted", "exclusive": True},
     "status sets the caller's own membership and cannot go with exclusive=true."),
    ({"status": "accepted", "members": [BETA, GAMMA]},
     "With status, members may hold only the caller's own tenant ID (it holds 2)."),
    ({"status": "accepted", "members": [GAMMA], "tenant_id": BETA},
     f"With status, members may hold only the caller's own tenant ID ({BETA}), not "
     f"{GAMMA}: a tenant sets only its own membership."),
    ({}, "one of the following is required: members, status"),
    ({"status": "maybe"}, "value of status must be one of: accepted, pending, rejected, "
                          "got: maybe"),
    ({"image": " ", "members": [BETA]}, "image must not be empty."),
    ({"members": [BETA], "parallel": 0},
     "parallel must be a whole number from 1 to 10, not 0."),
    ({"members": [BETA], "parallel": 11},
     "parallel must be a whole number from 1 to 10, not 11."),
    ({"members": [BETA], "parallel": "many"},
     "argument 'parallel' is of type str and we were unable to convert to int: "
     "\"'many'\" cannot be converted to an int"),
]


def test_bad_input_fails_before_any_request(run_module, requests_mock):
    for args, msg in BAD_INPUT:
        result = run_module(toast_image_member, {**CONN, "image": SHARED["id"], **args})
        assert result["failed"] is True, args
        assert result["msg"] == msg, args
    assert requests_mock.request_history == []


# ---- consumer side -------------------------------------------------------


def consumer_reads(requests_mock, members="members/members_as_beta_pending"):
    requests_mock.get(f"{IMAGE_URL}{IMG}", **answer("members/image_shared_as_beta"))
    requests_mock.get(f"{IMAGE_URL}{IMG}/members", **answer(members))


def test_consumer_accepts_its_own_membership(run_module, requests_mock):
    consumer_reads(requests_mock)
    requests_mock.put(f"{IMAGE_URL}{IMG}/members/{BETA}", **answer("members/put_beta_accepted"))

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"],
                                             "status": "accepted"})

    assert result["changed"] is True
    assert result["updated"] == [BETA]
    assert result["members"] == [{"member_id": BETA, "status": "accepted"}]
    assert result["diff"] == {"before": {BETA: "pending"}, "after": {BETA: "accepted"}}
    assert sent(requests_mock) == [("GET", IMG), ("GET", f"{IMG}/members"),
                                   ("PUT", f"{IMG}/members/{BETA}")]
    assert bodies(requests_mock, "PUT") == [{"status": "accepted"}]


def test_consumer_check_mode_predicts_and_does_not_write(run_module, requests_mock):
    consumer_reads(requests_mock)
    requests_mock.put(f"{IMAGE_URL}{IMG}/members/{BETA}", **answer("members/put_beta_accepted"))
    args = {**CONN, "tenant_id": BETA, "image": SHARED["id"], "status": "accepted",
            "members": [BETA]}

    predicted = run_module(toast_image_member, args, check_mode=True)
    assert [m for m, _p in sent(requests_mock)] == ["GET", "GET"]
    real = run_module(toast_image_member, args)

    for key in ("changed", "updated", "members", "diff", "image_id"):
        assert predicted[key] == real[key], key


def test_consumer_unchanged_status_is_not_a_change(run_module, requests_mock):
    consumer_reads(requests_mock, "members/members_as_beta_accepted")

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"],
                                             "status": "accepted"})

    assert result["changed"] is False
    assert result["updated"] == []
    assert sent(requests_mock) == [("GET", IMG), ("GET", f"{IMG}/members")]


def test_owner_cannot_set_a_consumer_status(run_module, requests_mock):
    owner_reads(requests_mock, "members/members_beta_gamma")

    result = run_module(toast_image_member, {**CONN, "tenant_id": ALPHA,
                                             "image": SHARED["id"], "status": "accepted"})

    assert result["msg"] == (
        f"{LABEL} is owned by this tenant: status sets a consumer's own membership and "
        "needs the consumer tenant's credentials."
    )
    assert sent(requests_mock) == [("GET", IMG)]


def test_owner_without_known_tenant_sees_several_rows(run_module, requests_mock):
    owner_reads(requests_mock, "members/members_beta_gamma")

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"],
                                             "status": "rejected"})

    assert result["msg"] == (
        f"This tenant sees 2 member rows of {LABEL}, so it owns the image: status sets a "
        "consumer's own membership and needs the consumer's credentials."
    )
    assert [m for m, _p in sent(requests_mock)] == ["GET", "GET"]


def test_refused_status_change_reports_the_server(run_module, requests_mock):
    consumer_reads(requests_mock)
    requests_mock.put(f"{IMAGE_URL}{IMG}/members/{BETA}", **answer("members/put_by_owner_403"))

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"],
                                             "status": "accepted"})

    assert result["msg"] == (
        f"Could not set the membership of tenant {BETA} in image 'rec-member-shared' "
        f"({SHARED['id']}) to accepted: PUT "
        f"{IMG}/members/{BETA} returned HTTP 403: You are not authorized to complete "
        f"modify_member action. Nothing was changed. {RERUN}"
    )
    assert result["failure"]["method"] == "PUT"


def test_private_image_members_403_is_reported(run_module, requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images/{PRIVATE['id']}",
                      **answer("members/image_private"))
    requests_mock.get(f"{IMAGE_URL}/v2/images/{PRIVATE['id']}/members",
                      **answer("members/members_private_403"))

    result = run_module(toast_image_member, {**CONN, "image": PRIVATE["id"],
                                             "status": "accepted"})

    assert result["msg"] == (
        f"Could not list the members of image 'rec-member-private' ({PRIVATE['id']}): GET "
        f"/v2/images/{PRIVATE['id']}/members returned HTTP 403: Not allowed to list members "
        f"for image {PRIVATE['id']}: Only shared images have members. Nothing was changed. "
        f"{RERUN}"
    )


def test_token_never_in_the_result(run_module, requests_mock):
    owner_reads(requests_mock)
    requests_mock.post(f"{IMAGE_URL}{IMG}/members", **answer("members/add_by_member_403"))

    result = run_module(toast_image_member, {**CONN, "image": SHARED["id"],
                                             "members": [BETA]})

    assert result["failed"] is True
    assert TOKEN not in json.dumps(result)
