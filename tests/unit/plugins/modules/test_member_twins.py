"""A tenant listed twice, as a race between two runs leaves it in Glance (area ``race``)."""

from __future__ import annotations

import pytest
from ansible.module_utils.common import warnings as ansible_warnings
from conftest import CONN, IMAGE_URL, answer, recorded, sent

from ansible_collections.nhncloud.compute.plugins.module_utils.members import twins
from ansible_collections.nhncloud.compute.plugins.modules import toast_image_member

IMAGE = recorded("race/image_shared")["json"]
ROWS = recorded("race/members_with_twins")["json"]["members"]
TWIN = max({r["member_id"] for r in ROWS}, key=[r["member_id"] for r in ROWS].count)
SINGLE = next(r["member_id"] for r in ROWS if r["member_id"] != TWIN)
COPIES = [r["member_id"] for r in ROWS].count(TWIN)
IMG = f"/v2/images/{IMAGE['id']}"


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    """Ansible keeps a module's warnings process-wide: start every run without any."""
    monkeypatch.setattr(ansible_warnings, "_global_warnings", {})


def warnings(result):
    return [w if isinstance(w, str) else w["event"]["msg"] for w in result.get("warnings", [])]


def reads(requests_mock):
    requests_mock.get(f"{IMAGE_URL}{IMG}", **answer("race/image_shared"))
    requests_mock.get(f"{IMAGE_URL}{IMG}/members", **answer("race/members_with_twins"))


def test_the_recorded_race_left_a_tenant_listed_more_than_once():
    assert COPIES > 1
    assert twins(ROWS) == {TWIN: COPIES}


def test_removing_a_twin_deletes_every_row(run_module, requests_mock):
    reads(requests_mock)
    requests_mock.delete(f"{IMAGE_URL}{IMG}/members/{TWIN}",
                         [answer("race/delete_one_row_204")] * COPIES)

    result = run_module(toast_image_member, {**CONN, "image": IMAGE["id"], "members": [TWIN],
                                             "state": "absent"})

    assert result["removed"] == [TWIN]
    assert [m["member_id"] for m in result["members"]] == [SINGLE]
    assert sent(requests_mock)[2:] == [("DELETE", f"{IMG}/members/{TWIN}")] * COPIES
    assert warnings(result) == [
        f"Image 'rec-race' ({IMAGE['id']}) lists some tenants more than once, as when two "
        f"runs add one tenant at the same moment: {TWIN} ({COPIES} rows). Removing such a "
        "tenant deletes every row."]


def test_rows_another_run_removed_end_the_deletes(run_module, requests_mock):
    reads(requests_mock)
    requests_mock.delete(f"{IMAGE_URL}{IMG}/members/{TWIN}",
                         [answer("race/delete_one_row_204"), answer("race/delete_no_row_404")])

    result = run_module(toast_image_member, {**CONN, "image": IMAGE["id"], "members": [SINGLE],
                                             "exclusive": True})

    assert result["removed"] == [TWIN]
    assert sent(requests_mock)[2:] == [("DELETE", f"{IMG}/members/{TWIN}")] * 2


def test_adding_beside_a_twin_only_warns(run_module, requests_mock):
    reads(requests_mock)

    result = run_module(toast_image_member, {**CONN, "image": IMAGE["id"], "members": [TWIN]})

    assert result["changed"] is False
    assert len(warnings(result)) == 1
    assert sent(requests_mock) == [("GET", IMG), ("GET", f"{IMG}/members")]
