#!/usr/bin/python
# Copyright (c) 2026 nhncloud.compute contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or
# https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: toast_image_tag
short_description: Add and remove tags of an image on the TOAST (NHN Cloud) Image API v2
version_added: 0.1.0
description:
  - Makes the listed tags present on, or absent from, one image, given by ID or
    exact name.
  - Adds only the tags the image lacks and removes only the listed tags it
    carries, so a second run changes nothing and sends only the read.
  - With O(purge=true), also removes the tags not listed, except those starting
    with C(_).
  - Every tag is checked before any request.
options:
  image:
    description: ID or exact name of the image. A name must match exactly one image.
    type: str
    required: true
  tags:
    description:
      - The tags to make present or absent. Duplicates count once; tags are case
        sensitive.
      - A tag holds 1 to 255 characters and does not start with C(_).
      - ASCII characters only, no C(/), and not C(.) or C(..) alone. Spaces, C(?),
        C(#), C(%) and other dots are fine.
    type: list
    elements: str
    required: true
  state:
    description:
      - V(present) adds the O(tags) the image lacks; V(absent) removes those it carries.
    type: str
    choices: [present, absent]
    default: present
  purge:
    description:
      - With O(state=present), also remove every tag not in O(tags). Tags that
        start with C(_), such as C(_AVAILABLE_), are never removed.
      - Unlisted tags that no request path can name (set by other tools, holding
        C(/) or non-ASCII characters, or C(.) or C(..) alone) stay, with a warning.
      - Only with O(state=present).
    type: bool
    default: false
extends_documentation_fragment:
  - nhncloud.compute.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.ACTIONGROUPS
attributes:
  check_mode:
    support: full
    details: Reads the image and returns the tags, changes and diff a real run would.
  diff_mode:
    support: full
    details: The before and after lists are the image's tags, sorted.
  platform:
    support: full
    platforms: all
  action_group:
    support: full
    membership:
      - nhncloud.compute.image
notes:
  - Tags starting with C(_) are the provider's. The console lists an image only
    while it carries C(_AVAILABLE_), so the module never adds, removes or purges
    such tags.
  - Tags travel in the request path. The API sends a tag holding C(/) to
    another route and stores non-ASCII characters garbled, and a server or
    proxy on the way may resolve a C(.) or C(..) segment to the image itself,
    so such tags are refused before any request rather than written wrong.
  - Public images are refused. When the caller's tenant is known (from a
    password login or O(tenant_id)), so are images another tenant owns.
  - One request per tag added or removed, adds first. The first call that fails
    stops the run; the message says which tags were added and removed, which
    call failed (and, when no answer came back, that it may have taken effect)
    and which calls were not tried, and the result carries RV(added),
    RV(removed), RV(tags) and RV(not_tried) as far as the run got. Running the
    task again is safe and finishes the work.
seealso:
  - module: nhncloud.compute.toast_image_info
  - module: nhncloud.compute.toast_image_visibility
author:
  - nhncloud.compute contributors (@nhncloud-community)
"""

EXAMPLES = r"""
- name: Mark the golden image
  nhncloud.compute.toast_image_tag:
    image: ubuntu-24.04-golden
    tags: [golden, "release 2026.12"]

- name: Keep exactly these tags (and the provider's _AVAILABLE_)
  nhncloud.compute.toast_image_tag:
    image: 1c868787-6207-4ff2-a1e7-ae1331d6829b
    tags: [golden, cis-level-1]
    purge: true
  register: tagged

- name: Retire a tag
  nhncloud.compute.toast_image_tag:
    image: ubuntu-24.04-golden
    tags: [candidate]
    state: absent
"""

RETURN = r"""
image_id:
  description: ID of the image.
  returned: success
  type: str
  sample: 1c868787-6207-4ff2-a1e7-ae1331d6829b
tags:
  description: The image's tags after the run (in check mode, after a real run), sorted.
  returned: success
  type: list
  elements: str
  sample: [_AVAILABLE_, cis-level-1, golden]
added:
  description: Tags added (in check mode, that would be), sorted.
  returned: success
  type: list
  elements: str
  sample: [cis-level-1]
removed:
  description: Tags removed (in check mode, that would be), sorted.
  returned: success
  type: list
  elements: str
  sample: [candidate]
not_tried:
  description:
    - After a failed call, the calls the run did not make, as C(add <tag>) or
      C(remove <tag>).
  returned: when a call fails midway
  type: list
  elements: str
  sample: [remove candidate]
failure:
  description:
    - The call that failed - method, path, HTTP status (null when no answer
      came back) and the server's message.
  returned: when a call fails
  type: dict
  sample:
    method: PUT
    path: /v2/images/1c868787-6207-4ff2-a1e7-ae1331d6829b/tags/golden
    status: 503
    message: Service Unavailable
diff:
  description: The image's sorted tags before and after.
  returned: success
  type: dict
  contains:
    before:
      description: Tags before the run.
      type: dict
      sample: {tags: [_AVAILABLE_, candidate, golden]}
    after:
      description: Tags after the run.
      type: dict
      sample: {tags: [_AVAILABLE_, cis-level-1, golden]}
"""

from ansible_collections.nhncloud.compute.plugins.module_utils.base import (
    ImageModule,
    failed_call,
    progress_report,
)
from ansible_collections.nhncloud.compute.plugins.module_utils.client import ApiError
from ansible_collections.nhncloud.compute.plugins.module_utils.images import (
    Refused,
    diff,
    image_path,
    label,
    refuse,
)
from ansible_collections.nhncloud.compute.plugins.module_utils.tags import plan_tags, tag_problem


def main():
    mod = ImageModule(
        dict(
            image=dict(type="str", required=True),
            tags=dict(type="list", elements="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            purge=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
        writes=True,
    )
    p = mod.params
    mod.check_image_ref(p["image"])
    for tag in p["tags"]:
        problem = tag_problem(tag, p["state"])
        if problem:
            mod.fail(problem, tag=tag)
    if p["purge"] and p["state"] == "absent":
        mod.fail("purge works only with state=present.")

    with mod.guard(f"Could not read image {p['image']!r}"):
        image = mod.find_image(p["image"])
    try:
        refuse(image, "change the tags of", refuse_protected=False,
               tenant=mod.caller_tenant())
    except Refused as err:
        mod.fail(str(err), image_id=image["id"], reason=err.reason)

    plan = plan_tags(image.get("tags") or [], p["tags"], p["state"], p["purge"])
    before, add, remove = plan.before, plan.add, plan.remove
    if plan.kept:
        mod.module.warn(
            f"purge left {len(plan.kept)} unlisted tag(s) of image {label(image)} in place, "
            "since no request path can name them ('/', non-ASCII, '.' or '..'): "
            f"{', '.join(repr(t) for t in plan.kept)}."
        )
    result = dict(changed=plan.changes, image_id=image["id"], tags=plan.after,
                  added=add, removed=remove,
                  diff=diff({"tags": before}, {"tags": plan.after}))

    if not mod.check_mode:
        added, removed = [], []
        try:
            apply(mod.client, image["id"], add, remove, added, removed)
        except ApiError as err:
            now = sorted((set(before) - set(removed)) | set(added))
            calls = [("add", t) for t in add] + [("remove", t) for t in remove]
            left = calls[len(added) + len(removed):]
            mod.fail(report(image, added, removed, left, err), failure=err.failure(),
                     changed=bool(added or removed), image_id=image["id"], tags=now,
                     added=added, removed=removed,
                     not_tried=[f"{verb} {tag}" for verb, tag in left[1:]])
    mod.exit(**result)


def apply(client, image_id: str, add: list, remove: list, added: list, removed: list) -> None:
    """Add, then remove, one tag per request; ``added``/``removed`` grow as each succeeds."""
    for tag in add:
        client.request("PUT", image_path(image_id, "tags", tag), ok=(204,))
        added.append(tag)
    for tag in remove:
        # A tag already gone is the state wanted.
        client.request("DELETE", image_path(image_id, "tags", tag), ok=(204, 404))
        removed.append(tag)


def report(image: dict, added: list, removed: list, left: list, err: ApiError) -> str:
    """What a run that stopped at ``left[0]`` did, what failed, and what it did not try."""
    done = [f"{verb} {len(tags)} tag{'' if len(tags) == 1 else 's'} ({quoted(tags)})"
            for verb, tags in (("added", added), ("removed", removed)) if tags]
    verb, tag = left[0]
    return progress_report(f"Tags of image {label(image)}", done,
                           [failed_call(f"Could not {verb} tag {tag!r}", err)],
                           [f"{v} {t!r}" for v, t in left[1:]])


def quoted(tags: list) -> str:
    return ", ".join(repr(tag) for tag in tags)


if __name__ == "__main__":
    main()
