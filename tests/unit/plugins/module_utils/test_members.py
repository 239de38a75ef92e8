"""The member set arithmetic, the pre-checks and the add/remove loop, without HTTP."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import RERUN
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.nhncloud.compute.plugins.module_utils.client import ApiError
from ansible_collections.nhncloud.compute.plugins.module_utils.members import (
    MemberError,
    Plan,
    apply_plan,
    check_limit,
    check_owner,
    check_parallel,
    check_shared,
    own_row,
    plan_members,
    statuses,
    tenant_ids,
)

A, B, C, D = ("a" * 32, "b" * 32, "c" * 32, "d" * 32)
IMAGE = {"id": "1c868787-6207-4ff2-a1e7-ae1331d6829b", "name": "golden",
         "visibility": "shared", "owner": "e" * 32}
LABEL = "Image 'golden' (1c868787-6207-4ff2-a1e7-ae1331d6829b)"

tenant = st.text("0123456789abcdef", min_size=32, max_size=32)
statuses_st = st.sampled_from(["pending", "accepted", "rejected"])
members_st = st.dictionaries(tenant, statuses_st, max_size=20)
wanted_st = st.lists(tenant, max_size=20, unique=True)


# ---- tenant IDs ----------------------------------------------------------


def test_tenant_ids_keep_order_and_fold_case():
    assert tenant_ids([B, A.upper()]) == [B, A]


@pytest.mark.parametrize("members, msg", [
    (["abc"], "members[0] 'abc' is not a tenant ID: NHN Cloud tenant IDs are 32 "
              "hexadecimal characters."),
    ([A, "g" * 32], f"members[1] '{'g' * 32}' is not a tenant ID: NHN Cloud tenant IDs are "
                    "32 hexadecimal characters."),
    ([A, " " + A[1:]], f"members[1] ' {A[1:]}' is not a tenant ID: NHN Cloud tenant IDs are "
                       "32 hexadecimal characters."),
    ([""], "members[0] '' is not a tenant ID: NHN Cloud tenant IDs are 32 hexadecimal "
           "characters."),
    ([A, B, A], f"members lists tenant {A} twice ('{A}' and '{A}'): list each tenant once."),
    ([A, A.upper()], f"members lists tenant {A} twice ('{A}' and '{A.upper()}'): "
                     "list each tenant once."),
])
def test_bad_tenant_ids(members, msg):
    with pytest.raises(MemberError) as err:
        tenant_ids(members)
    assert str(err.value) == msg


def test_more_than_the_limit_in_the_list_alone():
    many = [f"{n:032x}" for n in range(128)]
    with pytest.raises(MemberError) as err:
        tenant_ids(many)
    assert str(err.value) == (
        "members lists 128 tenants, more than the 127 members an image can have.")
    assert len(tenant_ids(many[:127])) == 127


# ---- image checks --------------------------------------------------------


def test_private_image_says_how_to_share_it():
    with pytest.raises(MemberError) as err:
        check_shared({**IMAGE, "visibility": "private"})
    assert str(err.value) == (
        f"{LABEL} is private, and only shared images have members: make it shared first "
        "with nhncloud.compute.toast_image_visibility (visibility: shared).")
    check_shared(IMAGE)


def test_owner_check():
    with pytest.raises(MemberError) as err:
        check_owner(IMAGE, A)
    assert str(err.value) == (
        f"{LABEL} is owned by tenant {'e' * 32}, not by this tenant ({A}): only the owner "
        "adds and removes members. A consumer sets its own membership with status.")
    check_owner(IMAGE, "E" * 32)
    check_owner(IMAGE, None)


# ---- set arithmetic ------------------------------------------------------


def test_present_adds_only_the_missing():
    plan = plan_members({A: "accepted", C: "pending"}, [B, A], "present", False)
    assert (plan.add, plan.remove) == ([B], [])
    assert plan.after == {A: "accepted", B: "pending", C: "pending"}


def test_exclusive_removes_the_unlisted():
    plan = plan_members({A: "accepted", C: "pending", D: "rejected"}, [B, A], "present", True)
    assert (plan.add, plan.remove) == ([B], [C, D])
    assert plan.after == {A: "accepted", B: "pending"}


def test_exclusive_with_nothing_listed_removes_all():
    plan = plan_members({A: "accepted", C: "pending"}, [], "present", True)
    assert (plan.add, plan.remove, plan.after) == ([], [A, C], {})


def test_absent_removes_only_listed_members_in_stored_case():
    plan = plan_members({A.upper(): "accepted", C: "pending"}, [A, B], "absent", False)
    assert (plan.add, plan.remove) == ([], [A.upper()])
    assert plan.after == {C: "pending"}


def test_stored_upper_case_member_is_not_added_again():
    plan = plan_members({A.upper(): "pending"}, [A], "present", True)
    assert not plan.changes


@given(before=members_st, wanted=wanted_st, exclusive=st.booleans())
def test_present_property(before, wanted, exclusive):
    plan = plan_members(before, wanted, "present", exclusive)
    after = plan.after
    assert set(wanted) <= set(after)
    assert set(plan.add) == set(wanted) - set(before)
    assert plan.add == sorted(plan.add) and plan.remove == sorted(plan.remove)
    if exclusive:
        assert set(after) == set(wanted)
    else:
        assert set(after) == set(before) | set(wanted)
        assert plan.remove == []
    for member, status in before.items():
        if member in after:
            assert after[member] == status
    again = plan_members(after, wanted, "present", exclusive)
    assert not again.changes


@given(before=members_st, wanted=wanted_st)
def test_absent_property(before, wanted):
    plan = plan_members(before, wanted, "absent", False)
    assert plan.add == []
    assert set(plan.after) == set(before) - set(wanted)
    assert not plan_members(plan.after, wanted, "absent", False).changes


def test_limit_counts_the_result_not_the_request():
    before = {f"{n:032x}": "pending" for n in range(126)}
    ok = plan_members(before, [A], "present", False)
    check_limit(IMAGE, ok)
    over = plan_members(before, [A, B], "present", False)
    with pytest.raises(MemberError) as err:
        check_limit(IMAGE, over)
    assert str(err.value) == (
        f"{LABEL} would have 128 members (it has 126, adding 2, removing 0), more than "
        "the 127 an image can have: nothing was changed.")
    swap = plan_members(before, [A, B] + list(before)[:125], "present", True)
    check_limit(IMAGE, swap)


def test_statuses_sorted_map():
    rows = [{"member_id": B, "status": "pending"}, {"member_id": A, "status": "accepted"}]
    assert list(statuses(rows).items()) == [(A, "accepted"), (B, "pending")]


# ---- the loop ------------------------------------------------------------


def api_error(method, member, status, message):
    return ApiError(method, f"/v2/images/{IMAGE['id']}/members/{member}", status, message)


def test_loop_removes_before_adding_and_counts_409_as_added():
    calls = []

    def add(member):
        calls.append(("add", member))
        return None if member == B else "pending"

    def remove(member):
        calls.append(("remove", member))

    plan = Plan({C: "accepted", D: "pending"}, [A, B], [C, D])
    progress = apply_plan(plan, add, remove)
    assert calls == [("remove", C), ("remove", D), ("add", A), ("add", B)]
    assert (progress.added, progress.removed, progress.failed) == ([A, B], [C, D], None)
    assert progress.after == plan.after == {A: "pending", B: "pending"}


def test_loop_stops_at_the_first_failure_and_says_what_it_did():
    error = api_error("POST", "", 413, "Image member limit exceeded")

    def add(member):
        if member == B:
            raise error
        return "pending"

    plan = Plan({D: "accepted"}, [A, B, C], [D])
    progress = apply_plan(plan, add, lambda member: None, errors=(ApiError,))
    assert (progress.added, progress.removed) == ([A], [D])
    assert progress.failed == ("add", B, error)
    assert progress.not_tried == [("add", C)]
    assert progress.after == {A: "pending"}
    assert progress.report(IMAGE) == (
        f"{LABEL}: removed 1 member ({D}); added 1 member ({A}). Could not add {B}: "
        f"POST /v2/images/{IMAGE['id']}/members/ returned HTTP 413: Image member limit "
        f"exceeded. Not tried: add {C}. {RERUN}"
    )


def test_loop_failing_first_reports_nothing_changed():
    error = api_error("DELETE", C, None, "connection failed after 4 tries (ConnectionError)")

    def remove(member):
        raise error

    progress = apply_plan(Plan({C: "pending"}, [A], [C]), lambda m: "pending", remove,
                          errors=(ApiError,))
    assert (progress.added, progress.removed) == ([], [])
    assert progress.after == {C: "pending"}
    assert progress.report(IMAGE) == (
        f"{LABEL}: nothing changed. Could not remove {C}: DELETE "
        f"/v2/images/{IMAGE['id']}/members/{C} failed: connection failed after 4 tries "
        f"(ConnectionError). Not tried: add {A}. {RERUN}"
    )


def test_loop_lets_other_errors_through():
    def add(member):
        raise KeyError("status")

    with pytest.raises(KeyError):
        apply_plan(Plan({}, [A], []), add, lambda m: None, errors=(ApiError,))


def test_loop_lets_other_errors_through_in_parallel():
    def add(member):
        raise KeyError("status")

    with pytest.raises(KeyError):
        apply_plan(Plan({}, [A, B], []), add, lambda m: None, errors=(ApiError,), parallel=2)


# ---- the loop, in parallel -----------------------------------------------


MANY = [f"{n:032x}" for n in range(12)]


@pytest.mark.parametrize("parallel", [1, 2, 4, 10])
def test_parallel_loop_ends_where_the_plan_says(parallel):
    lock = threading.Lock()
    members = {m: "accepted" for m in MANY[:6]}

    def add(member):
        with lock:
            members[member] = "pending"
        return None if member == MANY[7] else "pending"

    def remove(member):
        with lock:
            del members[member]

    plan = plan_members(dict(members), MANY[3:], "present", True)
    progress = apply_plan(plan, add, remove, parallel=parallel)
    assert progress.removed == plan.remove == MANY[:3]
    assert progress.added == plan.add == MANY[6:]
    assert progress.after == plan.after == dict(sorted(members.items()))
    assert (progress.failed, progress.not_tried) == (None, [])


def test_parallel_calls_overlap_up_to_the_bound_and_removes_come_first():
    parallel = 4
    barrier = threading.Barrier(parallel, timeout=5)
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}
    order = []

    def call(verb, member):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
            order.append(verb)
        barrier.wait()
        with lock:
            state["now"] -= 1
        return "pending"

    plan = Plan({m: "pending" for m in MANY[:8]}, MANY[8:12], MANY[:8])
    progress = apply_plan(plan, lambda m: call("add", m), lambda m: call("remove", m),
                          parallel=parallel)
    assert state["peak"] == parallel
    assert order == ["remove"] * 8 + ["add"] * 4
    assert (progress.removed, progress.added) == (MANY[:8], MANY[8:12])


def test_parallel_failure_starts_nothing_more_and_counts_what_was_in_flight():
    started = []
    lock = threading.Lock()
    first = api_error("DELETE", MANY[1], 500, "database is locked")
    second = api_error("DELETE", MANY[2], 503, "Service Unavailable")

    def remove(member):
        with lock:
            started.append(member)
        if member == MANY[2]:
            raise second
        # The calls in flight end well after the failure has been seen.
        time.sleep(0.3)
        if member == MANY[1]:
            raise first

    plan = Plan({m: "pending" for m in MANY[:6]}, [A], MANY[:6])
    progress = apply_plan(plan, lambda m: "pending", remove, errors=(ApiError,), parallel=3)
    assert sorted(started) == MANY[:3]
    assert progress.removed == [MANY[0]]
    assert progress.failed == ("remove", MANY[1], first)
    assert progress.also_failed == [("remove", MANY[2], second)]
    assert progress.not_tried == [("remove", m) for m in MANY[3:6]] + [("add", A)]
    assert progress.after == {m: "pending" for m in MANY[1:6]}
    path = f"/v2/images/{IMAGE['id']}/members"
    assert progress.report(IMAGE) == (
        f"{LABEL}: removed 1 member ({MANY[0]}). Could not remove {MANY[1]}: DELETE "
        f"{path}/{MANY[1]} returned HTTP 500: database is locked. Also could not remove "
        f"{MANY[2]}: DELETE {path}/{MANY[2]} returned HTTP 503: Service Unavailable. "
        f"Not tried: remove {MANY[3]}, remove {MANY[4]}, remove {MANY[5]}, add {A}. "
        f"{RERUN}"
    )


@pytest.mark.parametrize("parallel", [0, -1, 11])
def test_parallel_out_of_bounds(parallel):
    with pytest.raises(MemberError) as err:
        check_parallel(parallel)
    assert str(err.value) == f"parallel must be a whole number from 1 to 10, not {parallel}."
    check_parallel(1)
    check_parallel(10)


# ---- consumer side -------------------------------------------------------


ROW_A = {"member_id": A, "status": "pending"}
ROW_B = {"member_id": B, "status": "accepted"}


def test_own_row_is_the_only_row_a_consumer_sees():
    assert own_row(IMAGE, [ROW_A], None, None) is ROW_A
    assert own_row(IMAGE, [ROW_A, ROW_B], B, None) is ROW_B
    assert own_row(IMAGE, [ROW_A], None, A.upper()) is ROW_A


@pytest.mark.parametrize("rows, tenant, member, msg", [
    ([], None, None, f"{LABEL} is not shared with this tenant: it sees no member row."),
    ([ROW_A], B, None, f"{LABEL} is not shared with tenant {B}: it has no such member."),
    ([ROW_A], None, C, f"{LABEL} is not shared with tenant {C}: it has no such member."),
    ([ROW_A, ROW_B], None, None,
     f"This tenant sees 2 member rows of {LABEL}, so it owns the image: status sets a "
     "consumer's own membership and needs the consumer's credentials."),
])
def test_own_row_refusals(rows, tenant, member, msg):
    with pytest.raises(MemberError) as err:
        own_row(IMAGE, rows, tenant, member)
    assert str(err.value) == msg
