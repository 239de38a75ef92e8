#!/usr/bin/python
# Copyright (c) 2026 nhncloud.compute contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or
# https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: toast_image_member
short_description: Share an image with many tenants, or accept a share, on TOAST (NHN Cloud)
version_added: 0.1.0
description:
  - Owner side, without O(status) - adds the tenants in O(members) to the
    members of a shared image (O(state=present)), or removes them
    (O(state=absent)). With O(exclusive=true), members not listed are removed too.
  - One task handles any number of tenants over one connection. It reads the
    image and its members once and then makes only the calls needed, so a
    task with nothing to do makes two requests.
  - Consumer side, with O(status) - sets the caller's own membership of the
    image to V(accepted), V(pending) or V(rejected), with the consumer
    tenant's credentials. An accepted share appears in the consumer's image list.
  - Everything the input alone shows to be wrong is refused before any
    request; everything the image shows to be wrong (not shared, not owned by
    the caller, too many members) is refused before any change.
options:
  image:
    description:
      - ID or exact name of the image. A name must match exactly one image.
      - On the consumer side give the ID. A share that is not yet accepted is
        not in the consumer's image list, so a name finds it only once accepted.
    type: str
    required: true
  members:
    description:
      - Tenant IDs, each 32 hexadecimal characters as NHN Cloud issues them, in
        either letter case. Each tenant may be listed once.
      - Owner side - the tenants to add (O(state=present)) or remove
        (O(state=absent)). Additive unless O(exclusive=true). An empty list is
        a real request - with O(exclusive=true) it removes every member.
      - Consumer side - optional; when given, only the caller's own tenant ID.
        Omitted, the module finds the caller's membership itself, the one
        member row a consumer can see.
      - Required unless O(status) is given.
    type: list
    elements: str
  state:
    description:
      - Owner side - whether the tenants in O(members) are members.
      - Only V(present) goes with O(status).
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), also remove members not in O(members), so that
        the image is shared with exactly those tenants.
      - Not allowed with O(state=absent) or O(status).
    type: bool
    default: false
  status:
    description:
      - Consumer side - the caller's own membership status for O(image).
      - Needs the consumer tenant's credentials; the owner cannot set it.
    type: str
    choices: [accepted, pending, rejected]
  parallel:
    description:
      - Owner side - how many member calls (adds, or removes) may be in flight at
        once, from 1 to 10. V(1) makes one call after the other over one connection.
      - Above 1, the calls share a pool of up to that many kept-alive connections.
        All removes finish before the first add starts, so an exclusive sync near
        the member limit stays within it. The end state, the result and the
        check-mode prediction are the same as with V(1).
      - Each extra call in flight is one more request at the same moment against
        the API's rate limit for the account. An HTTP 429 answer is retried after
        the server's C(Retry-After), so a value too high for the account slows the
        run down rather than failing it; keep it low when other automation shares
        the account.
    type: int
    default: 1
extends_documentation_fragment:
  - nhncloud.compute.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.ACTIONGROUPS
attributes:
  check_mode:
    support: full
    details:
      - Reads the image and its members, writes nothing, and returns the same
        RV(members), RV(added), RV(removed), RV(updated), C(changed) and C(diff)
        as a real run would.
  diff_mode:
    support: full
    details: The diff maps each member tenant ID to its status, before and after.
  platform:
    support: full
    platforms: all
  action_group:
    support: full
    membership:
      - nhncloud.compute.image
notes:
  - An image can have at most 127 members. A request that would go beyond is
    refused before any change.
  - Adding a member is safe to repeat, so an add that gets no answer is sent
    again. A tenant that is already a member when it is added (another run got
    there first, or the repeated add) counts as added, and its status is read
    back with one more request; a member already gone when it is removed counts
    as removed.
  - Members are removed before any is added. The first call that fails stops
    the run; the failure message lists what was added and removed, the call
    that failed (and, when no answer came back, that it may have taken effect)
    and the calls not tried, and the result carries RV(added), RV(removed) and
    RV(members) as far as the run got. Running the task again is safe and
    finishes the work.
  - The owner check compares the image's owner with the caller's tenant, which
    is known after a password login or from O(tenant_id). With a bare O(token)
    and no O(tenant_id) the server's own refusal is reported instead.
  - Tenant IDs are compared in any letter case and sent in lower case.
  - Two runs adding the same tenant at the same moment can leave it listed twice,
    since the API does not lock between its check and its insert. The module warns
    when it sees such rows, and removing that tenant deletes every one of them.
  - With O(parallel) above 1, the calls in flight when one fails still finish and
    are counted, and a second failure among them is reported too; no call starts
    after the first failure.
seealso:
  - module: nhncloud.compute.toast_image_visibility
  - module: nhncloud.compute.toast_image_info
  - module: nhncloud.compute.toast_token
author:
  - nhncloud.compute contributors (@nhncloud-community)
"""

EXAMPLES = r"""
- name: Share the golden image with three tenants
  nhncloud.compute.toast_image_member:
    image: ubuntu-24.04-golden
    members:
      - 8a9b7c6d5e4f3a2b1c0d9e8f7a6b5c4d
      - 0f1e2d3c4b5a69788796a5b4c3d2e1f0
      - 5c4b3a29180706f5e4d3c2b1a0998877

- name: Share it with exactly these tenants, removing every other member
  nhncloud.compute.toast_image_member:
    image: ubuntu-24.04-golden
    members: "{{ golden_consumers }}"
    exclusive: true

- name: Stop sharing it with one tenant
  nhncloud.compute.toast_image_member:
    image: ubuntu-24.04-golden
    members: [0f1e2d3c4b5a69788796a5b4c3d2e1f0]
    state: absent

- name: Accept the share, as the consumer tenant
  nhncloud.compute.toast_image_member:
    image: 1c868787-6207-4ff2-a1e7-ae1331d6829b
    status: accepted
    tenant_id: 8a9b7c6d5e4f3a2b1c0d9e8f7a6b5c4d
    username: consumer@example.com
    api_password: "{{ consumer_api_password }}"

- name: Share it with a hundred tenants, four member calls at a time
  nhncloud.compute.toast_image_member:
    image: ubuntu-24.04-golden
    members: "{{ golden_consumers }}"
    parallel: 4

- name: Report what an exclusive sync would change, without changing it
  nhncloud.compute.toast_image_member:
    image: ubuntu-24.04-golden
    members: "{{ golden_consumers }}"
    exclusive: true
  check_mode: true
  diff: true
  register: drift
"""

RETURN = r"""
image_id:
  description: ID of the image.
  returned: always, once the image is found
  type: str
  sample: 1c868787-6207-4ff2-a1e7-ae1331d6829b
members:
  description:
    - The members after the run, sorted by tenant ID, as the caller sees them.
      A consumer sees only its own membership.
    - In check mode, what a real run would leave.
  returned: always, once the members are read
  type: list
  elements: dict
  contains:
    member_id:
      description: Tenant ID of the member.
      type: str
      sample: 8a9b7c6d5e4f3a2b1c0d9e8f7a6b5c4d
    status:
      description: C(pending), C(accepted) or C(rejected); a new member is C(pending).
      type: str
      sample: pending
  sample:
    - member_id: 0f1e2d3c4b5a69788796a5b4c3d2e1f0
      status: accepted
    - member_id: 8a9b7c6d5e4f3a2b1c0d9e8f7a6b5c4d
      status: pending
added:
  description: Tenant IDs added (or, in check mode, that would be), sorted.
  returned: owner side
  type: list
  elements: str
  sample: [8a9b7c6d5e4f3a2b1c0d9e8f7a6b5c4d]
removed:
  description: Tenant IDs removed (or, in check mode, that would be), sorted.
  returned: owner side
  type: list
  elements: str
  sample: [5c4b3a29180706f5e4d3c2b1a0998877]
updated:
  description:
    - Consumer side - the caller's tenant ID when its status changed (or would
      change), else an empty list.
  returned: consumer side
  type: list
  elements: str
  sample: [8a9b7c6d5e4f3a2b1c0d9e8f7a6b5c4d]
diff:
  description: Member tenant ID to status, before and after.
  returned: always, once the members are read
  type: dict
  sample:
    before:
      5c4b3a29180706f5e4d3c2b1a0998877: accepted
    after:
      8a9b7c6d5e4f3a2b1c0d9e8f7a6b5c4d: pending
failure:
  description: The call that failed - method, path, HTTP status and the server's message.
  returned: when a call fails
  type: dict
  sample:
    method: POST
    path: /v2/images/1c868787-6207-4ff2-a1e7-ae1331d6829b/members
    status: 503
    message: Service Unavailable
not_tried:
  description:
    - Owner side, after a failed call - the calls the run did not make, as
      C(add <tenant>) or C(remove <tenant>).
  returned: when a call fails midway
  type: list
  elements: str
  sample: [add 5c4b3a29180706f5e4d3c2b1a0998877]
"""

from ansible_collections.nhncloud.compute.plugins.module_utils.base import ImageModule
from ansible_collections.nhncloud.compute.plugins.module_utils.checks import image_ref_problem
from ansible_collections.nhncloud.compute.plugins.module_utils.client import ApiError, segment
from ansible_collections.nhncloud.compute.plugins.module_utils.images import label
from ansible_collections.nhncloud.compute.plugins.module_utils.members import (
    MemberError,
    apply_plan,
    check_limit,
    check_parallel,
    check_owner,
    check_shared,
    image_label,
    own_row,
    plan_members,
    statuses,
    tenant_ids,
    twins,
)


def as_rows(members: dict[str, str]) -> list[dict]:
    return [{"member_id": member, "status": status} for member, status in members.items()]


def check_input(mod) -> list[str] | None:
    """Refuse before any request what the options alone show to be wrong."""
    p = mod.params
    problem = image_ref_problem(p["image"])
    if problem:
        raise MemberError(problem)
    check_parallel(p["parallel"])
    if p["status"] is not None:
        if p["state"] == "absent":
            raise MemberError(
                "status sets the caller's own membership and cannot go with state=absent."
            )
        if p["exclusive"]:
            raise MemberError("status sets the caller's own membership and cannot go "
                              "with exclusive=true.")
        if p["members"] is not None and len(p["members"]) != 1:
            raise MemberError(
                f"With status, members may hold only the caller's own tenant ID "
                f"(it holds {len(p['members'])})."
            )
    elif p["exclusive"] and p["state"] == "absent":
        raise MemberError("exclusive applies only to state=present: with state=absent "
                          "only the listed members are removed.")
    if p["members"] is None:
        return None
    return tenant_ids(p["members"])


def read_image(mod) -> dict:
    with mod.guard(f"Could not read image {mod.params['image']!r}"):
        return mod.find_image(mod.params["image"])


def read_members(mod, image: dict) -> list[dict]:
    with mod.guard(f"Could not list the members of image {label(image)}"):
        body = mod.client.get_json(f"/v2/images/{segment(image['id'])}/members")
    return body.get("members") or []


def owner_side(mod, wanted: list[str]) -> None:
    p = mod.params
    image = read_image(mod)
    try:
        check_shared(image)
        check_owner(image, mod.caller_tenant())
    except MemberError as err:
        mod.fail(str(err), image_id=image["id"])

    rows = read_members(mod, image)
    before = statuses(rows)
    doubled = twins(rows)
    if doubled:
        listed = ", ".join(f"{member} ({n} rows)" for member, n in doubled.items())
        mod.module.warn(f"{image_label(image)} lists some tenants more than once, as when "
                        f"two runs add one tenant at the same moment: {listed}. Removing "
                        "such a tenant deletes every row.")
    plan = plan_members(before, wanted, p["state"], p["exclusive"])
    try:
        check_limit(image, plan)
    except MemberError as err:
        mod.fail(str(err), image_id=image["id"], members=as_rows(before))

    result = dict(image_id=image["id"], added=plan.add, removed=plan.remove)
    if mod.check_mode or not plan.changes:
        mod.exit(changed=plan.changes, members=as_rows(plan.after),
                 diff=dict(before=before, after=plan.after), **result)

    base = f"/v2/images/{segment(image['id'])}/members"

    def add(member: str) -> str | None:
        response = mod.client.request("POST", base, json={"member": member}, retry=True,
                                      ok=(200, 409))
        if response.status_code == 200:
            return response.json().get("status")
        # Already a member: its status may have moved on since, so read it.
        row = mod.client.request("GET", f"{base}/{segment(member)}", ok=(200, 404))
        return row.json().get("status") if row.status_code == 200 else None

    def remove(member: str) -> None:
        # One DELETE per row; a 404 means the rest are gone already.
        for _row in range(doubled.get(member, 1)):
            response = mod.client.request("DELETE", f"{base}/{segment(member)}",
                                          ok=(204, 404))
            if response.status_code == 404:
                break

    progress = apply_plan(plan, add, remove, errors=(ApiError,), parallel=p["parallel"])
    result = dict(image_id=image["id"], added=progress.added, removed=progress.removed,
                  members=as_rows(progress.after),
                  diff=dict(before=before, after=progress.after))
    changed = bool(progress.added or progress.removed)
    if progress.failed:
        _verb, _member, error = progress.failed
        mod.fail(progress.report(image), changed=changed, failure=error.failure(),
                 not_tried=[f"{verb} {member}" for verb, member in progress.not_tried],
                 **result)
    mod.exit(changed=changed, **result)


def consumer_side(mod, wanted: list[str] | None) -> None:
    p = mod.params
    tenant = mod.caller_tenant()
    if wanted and tenant and wanted[0] != tenant.lower():
        mod.fail(
            f"With status, members may hold only the caller's own tenant ID ({tenant}), "
            f"not {wanted[0]}: a tenant sets only its own membership."
        )
    image = read_image(mod)
    owner = image.get("owner")
    if tenant and owner and owner.lower() == tenant.lower():
        mod.fail(
            f"{image_label(image)} is owned by this tenant: status sets a consumer's own "
            "membership and needs the consumer tenant's credentials.",
            image_id=image["id"],
        )

    rows = read_members(mod, image)
    try:
        row = own_row(image, rows, tenant, wanted[0] if wanted else None)
    except MemberError as err:
        mod.fail(str(err), image_id=image["id"])
    member = row["member_id"]
    before = {member: row["status"]}
    after = {member: p["status"]}
    changed = row["status"] != p["status"]

    if changed and not mod.check_mode:
        path = f"/v2/images/{segment(image['id'])}/members/{segment(member)}"
        with mod.guard(f"Could not set the membership of tenant {member} in "
                       f"image {label(image)} to {p['status']}", image_id=image["id"]):
            answer = mod.client.request("PUT", path, json={"status": p["status"]}).json()
        after = {member: answer.get("status", p["status"])}

    mod.exit(changed=changed, image_id=image["id"], members=as_rows(after),
             updated=[member] if changed else [], diff=dict(before=before, after=after))


def main():
    mod = ImageModule(
        dict(
            image=dict(type="str", required=True),
            members=dict(type="list", elements="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            exclusive=dict(type="bool", default=False),
            status=dict(type="str", choices=["accepted", "pending", "rejected"]),
            parallel=dict(type="int", default=1),
        ),
        required_one_of=[("members", "status")],
        supports_check_mode=True,
        writes=True,
    )
    try:
        wanted = check_input(mod)
    except MemberError as err:
        mod.fail(str(err))

    if mod.params["status"] is None:
        owner_side(mod, wanted)
    else:
        consumer_side(mod, wanted)


if __name__ == "__main__":
    main()
