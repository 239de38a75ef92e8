# Copyright (c) 2026 nhncloud.compute contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or
# https://www.gnu.org/licenses/gpl-3.0.txt)
"""Image members: input checks, the set arithmetic, and the add/remove loop.

Nothing here speaks HTTP. The module reads the image and its members, asks
this file what to change, and hands it two callables that make the calls;
``apply_plan`` keeps count of what was done, so a run that stops midway can
say exactly what it did and what it could not do.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable

from ansible_collections.nhncloud.compute.plugins.module_utils.base import (
    failed_call,
    progress_report,
)
from ansible_collections.nhncloud.compute.plugins.module_utils.checks import TENANT_RE

MEMBER_LIMIT = 127
PARALLEL_MAX = 10
NEW_MEMBER_STATUS = "pending"


class MemberError(Exception):
    """An input or a state that rules the change out; nothing was written."""


def image_label(image: dict) -> str:
    name = image.get("name")
    return f"Image {name!r} ({image['id']})" if name else f"Image {image['id']}"


# ---- checks on the input alone -------------------------------------------


def tenant_ids(members: list[str]) -> list[str]:
    """The listed tenant IDs in lower case, in the given order.

    Raises when one is not 32 hexadecimal characters or one is listed twice
    (in any letter case), or when the list alone exceeds the member limit.
    """
    seen: dict[str, str] = {}
    for index, member in enumerate(members):
        if not TENANT_RE.fullmatch(member):
            raise MemberError(
                f"members[{index}] {member!r} is not a tenant ID: NHN Cloud tenant IDs "
                "are 32 hexadecimal characters."
            )
        key = member.lower()
        if key in seen:
            raise MemberError(
                f"members lists tenant {key} twice ({seen[key]!r} and {member!r}): "
                "list each tenant once."
            )
        seen[key] = member
    if len(seen) > MEMBER_LIMIT:
        raise MemberError(
            f"members lists {len(seen)} tenants, more than the {MEMBER_LIMIT} members "
            "an image can have."
        )
    return list(seen)


# ---- checks on the image -------------------------------------------------


def check_shared(image: dict) -> None:
    visibility = image.get("visibility")
    if visibility != "shared":
        raise MemberError(
            f"{image_label(image)} is {visibility}, and only shared images have members: "
            "make it shared first with nhncloud.compute.toast_image_visibility "
            "(visibility: shared)."
        )


def check_owner(image: dict, tenant: str | None) -> None:
    """Only the owner manages members; skipped when the caller's tenant is unknown."""
    owner = image.get("owner")
    if tenant and owner and owner.lower() != tenant.lower():
        raise MemberError(
            f"{image_label(image)} is owned by tenant {owner}, not by this tenant "
            f"({tenant}): only the owner adds and removes members. A consumer sets its "
            "own membership with status."
        )


# ---- the set arithmetic --------------------------------------------------


@dataclass
class Plan:
    """What to change: ``remove`` holds member IDs as the server stores them."""

    before: dict[str, str]
    add: list[str]
    remove: list[str]

    @property
    def after(self) -> dict[str, str]:
        after = {m: s for m, s in self.before.items() if m not in self.remove}
        after.update((m, NEW_MEMBER_STATUS) for m in self.add)
        return dict(sorted(after.items()))

    @property
    def changes(self) -> bool:
        return bool(self.add or self.remove)


def statuses(rows: list[dict]) -> dict[str, str]:
    """Member rows as a map of tenant ID to status, sorted by tenant ID."""
    return dict(sorted((row["member_id"], row["status"]) for row in rows))


def twins(rows: list[dict]) -> dict[str, int]:
    """Tenants listed more than once, with how many rows each has, sorted.

    Glance checks for an existing member and then inserts, with no lock in
    between: two runs adding one tenant at the same moment can both succeed,
    and each DELETE then removes one row.
    """
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["member_id"]] = counts.get(row["member_id"], 0) + 1
    return {member: n for member, n in sorted(counts.items()) if n > 1}


def plan_members(before: dict[str, str], wanted: list[str], state: str,
                 exclusive: bool) -> Plan:
    """Members to add and remove so that ``before`` meets the request.

    ``wanted`` holds lower-case IDs (see ``tenant_ids``); stored IDs are
    compared in lower case and removed under the ID the server stores.
    """
    stored = {member.lower(): member for member in before}
    wanted_set = set(wanted)
    if state == "absent":
        remove = [stored[key] for key in wanted_set & stored.keys()]
        return Plan(dict(before), [], sorted(remove))
    add = sorted(wanted_set - stored.keys())
    remove = []
    if exclusive:
        remove = sorted(stored[key] for key in stored.keys() - wanted_set)
    return Plan(dict(before), add, remove)


def check_limit(image: dict, plan: Plan) -> None:
    count = len(plan.after)
    if count > MEMBER_LIMIT:
        raise MemberError(
            f"{image_label(image)} would have {count} members (it has {len(plan.before)}, "
            f"adding {len(plan.add)}, removing {len(plan.remove)}), more than the "
            f"{MEMBER_LIMIT} an image can have: nothing was changed."
        )


# ---- the loop ------------------------------------------------------------


@dataclass
class Progress:
    """What a run of ``apply_plan`` did, and where it stopped if it did."""

    plan: Plan
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)
    failed: tuple[str, str, Exception] | None = None
    also_failed: list[tuple[str, str, Exception]] = field(default_factory=list)
    not_tried: list[tuple[str, str]] = field(default_factory=list)

    @property
    def after(self) -> dict[str, str]:
        """The members as they now stand, as far as this run knows."""
        after = {m: s for m, s in self.plan.before.items() if m not in self.removed}
        after.update((m, self.statuses.get(m, NEW_MEMBER_STATUS)) for m in self.added)
        return dict(sorted(after.items()))

    def report(self, image: dict) -> str:
        """One message: what was done, what failed, and what was not tried."""
        done = []
        if self.removed:
            done.append(f"removed {_count(self.removed)} ({', '.join(self.removed)})")
        if self.added:
            done.append(f"added {_count(self.added)} ({', '.join(self.added)})")
        failed = []
        if self.failed:
            verb, member, error = self.failed
            failed.append(failed_call(f"Could not {verb} {member}", error))
        failed += [failed_call(f"Also could not {verb} {member}", error)
                   for verb, member, error in self.also_failed]
        left = [f"{verb} {member}" for verb, member in self.not_tried]
        return progress_report(image_label(image), done, failed, left)


def _count(members: list[str]) -> str:
    return f"{len(members)} member" + ("" if len(members) == 1 else "s")


def check_parallel(parallel: int) -> None:
    if not 1 <= parallel <= PARALLEL_MAX:
        raise MemberError(
            f"parallel must be a whole number from 1 to {PARALLEL_MAX}, not {parallel}."
        )


def apply_plan(plan: Plan, add: Callable[[str], str | None],
               remove: Callable[[str], None], errors: tuple = (Exception,),
               parallel: int = 1) -> Progress:
    """Remove, then add (so an exclusive sync near the limit stays within it).

    ``add(member)`` returns the new member's status, or None when the server
    said it is already a member; ``remove(member)`` returns when the member is
    gone, whether or not it was there. The first call that raises one of
    ``errors`` stops the loop; the rest is listed as not tried.

    With ``parallel`` above 1, up to that many calls of one kind are in flight
    at once, and every remove has finished before the first add starts. After
    a failure no further call starts; the calls already in flight finish and
    are counted. ``added`` and ``removed`` come back in plan order either way.
    """
    progress = Progress(plan)
    phases = [[("remove", m) for m in plan.remove], [("add", m) for m in plan.add]]
    for number, steps in enumerate(phases):
        if parallel > 1 and len(steps) > 1:
            outcomes, left = _run_parallel(steps, add, remove, errors, parallel)
        else:
            outcomes, left = _run_in_order(steps, add, remove, errors)
        _record(progress, steps, outcomes)
        if progress.failed:
            later = [step for phase in phases[number + 1:] for step in phase]
            progress.not_tried = left + later
            break
    return progress


def _call(step: tuple[str, str], add: Callable, remove: Callable):
    verb, member = step
    if verb == "remove":
        remove(member)
        return None
    return add(member) or NEW_MEMBER_STATUS


def _run_in_order(steps, add, remove, errors):
    """Outcomes by step (a status, None, or the error), and the steps not tried."""
    outcomes: dict = {}
    for number, step in enumerate(steps):
        try:
            outcomes[step] = _call(step, add, remove)
        except errors as error:
            outcomes[step] = error
            return outcomes, steps[number + 1:]
    return outcomes, []


def _run_parallel(steps, add, remove, errors, parallel):
    """As ``_run_in_order``, with up to ``parallel`` calls in flight."""
    outcomes: dict = {}
    pending = list(steps)
    running: dict = {}
    failed = False
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        while running or (pending and not failed):
            while pending and not failed and len(running) < parallel:
                step = pending.pop(0)
                running[pool.submit(_call, step, add, remove)] = step
            done, _rest = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                step = running.pop(future)
                try:
                    outcomes[step] = future.result()
                except errors as error:
                    outcomes[step] = error
                    failed = True
    return outcomes, pending


def _record(progress: Progress, steps, outcomes: dict) -> None:
    """Book the outcomes in plan order: the first error is ``failed``, later ones ``also``."""
    for step in steps:
        if step not in outcomes:
            continue
        verb, member = step
        outcome = outcomes[step]
        if isinstance(outcome, Exception):
            if progress.failed is None:
                progress.failed = (verb, member, outcome)
            else:
                progress.also_failed.append((verb, member, outcome))
        elif verb == "remove":
            progress.removed.append(member)
        else:
            progress.statuses[member] = outcome
            progress.added.append(member)


# ---- the consumer side ---------------------------------------------------


def own_row(image: dict, rows: list[dict], tenant: str | None,
            member: str | None) -> dict:
    """The caller's own member row among the rows it can see.

    A consumer sees only its own row. ``member`` (from ``members``) or the
    caller's ``tenant`` picks the row when given; otherwise there must be one.
    """
    label = image_label(image)
    want = (member or tenant or "").lower()
    if want:
        for row in rows:
            if row["member_id"].lower() == want:
                return row
        raise MemberError(f"{label} is not shared with tenant {want}: it has no such member.")
    if not rows:
        raise MemberError(f"{label} is not shared with this tenant: it sees no member row.")
    if len(rows) > 1:
        raise MemberError(
            f"This tenant sees {len(rows)} member rows of {label}, so it owns the image: "
            "status sets a consumer's own membership and needs the consumer's credentials."
        )
    return rows[0]
