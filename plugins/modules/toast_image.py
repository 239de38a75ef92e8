#!/usr/bin/python
# Copyright (c) 2026 nhncloud.compute contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or
# https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: toast_image
short_description: Delete an image on the TOAST (NHN Cloud) Image API v2
version_added: 0.1.0
description:
  - With O(state=absent), deletes one image, given by ID or exact name.
  - An image that is already gone (no image has that ID, or none has that
    name) is not a change.
options:
  image:
    description: ID or exact name of the image. A name must match exactly one image.
    type: str
    required: true
  state:
    description:
      - V(absent) deletes the image. It must be given, so that no task deletes
        an image by leaving it out.
    type: str
    choices: [absent]
    required: true
extends_documentation_fragment:
  - nhncloud.compute.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.ACTIONGROUPS
attributes:
  check_mode:
    support: full
    details: Reads the image and returns the change and diff a real run would.
  diff_mode:
    support: full
    details: Before, the image's ID, name and C(present); after, C(absent).
  platform:
    support: full
    platforms: all
  action_group:
    support: full
    membership:
      - nhncloud.compute.image
notes:
  - Public and protected images are refused before any change. When the
    caller's tenant is known (from a password login or O(tenant_id)), so are
    images another tenant owns.
  - When the delete fails, the message says whether the image is still there
    or, when no answer came back, that it may be gone, and that running the
    task again is safe; an image already gone is not a change.
  - Creating and uploading images is not part of this module.
seealso:
  - module: nhncloud.compute.toast_image_info
author:
  - nhncloud.compute contributors (@nhncloud-community)
"""

EXAMPLES = r"""
- name: Delete a retired build
  nhncloud.compute.toast_image:
    image: ubuntu-24.04-build-2026.11
    state: absent

- name: Delete by ID, showing what goes
  nhncloud.compute.toast_image:
    image: 1c868787-6207-4ff2-a1e7-ae1331d6829b
    state: absent
  diff: true
  register: deleted
"""

RETURN = r"""
image_id:
  description: ID of the image deleted (in check mode, that would be); null when none was found.
  returned: success
  type: str
  sample: 1c868787-6207-4ff2-a1e7-ae1331d6829b
failure:
  description:
    - The call that failed - method, path, HTTP status (null when no answer
      came back) and the server's message.
  returned: when a call fails
  type: dict
  sample:
    method: DELETE
    path: /v2/images/1c868787-6207-4ff2-a1e7-ae1331d6829b
    status: 503
    message: Service Unavailable
diff:
  description: The image before and after.
  returned: success
  type: dict
  contains:
    before:
      description: The image's ID, name and C(state=present), or only C(state=absent).
      type: dict
      sample: {id: 1c868787-6207-4ff2-a1e7-ae1331d6829b, name: ubuntu-24.04-build, state: present}
    after:
      description: Always C(state=absent).
      type: dict
      sample: {state: absent}
"""

from ansible_collections.nhncloud.compute.plugins.module_utils.base import ImageModule
from ansible_collections.nhncloud.compute.plugins.module_utils.images import (
    Refused,
    diff,
    image_path,
    label,
    refuse,
)

GONE = {"state": "absent"}


def main():
    mod = ImageModule(
        dict(
            image=dict(type="str", required=True),
            state=dict(type="str", choices=["absent"], required=True),
        ),
        supports_check_mode=True,
        writes=True,
    )
    p = mod.params
    mod.check_image_ref(p["image"])

    with mod.guard(f"Could not read image {p['image']!r}"):
        image = mod.find_image(p["image"], missing_ok=True)
    if image is None:
        mod.exit(changed=False, image_id=None, diff=diff(GONE, GONE))

    try:
        refuse(image, "delete", tenant=mod.caller_tenant())
    except Refused as err:
        mod.fail(str(err), image_id=image["id"], reason=err.reason)

    before = {"id": image["id"], "name": image.get("name"), "state": "present"}
    if not mod.check_mode:
        # 404: gone in the meantime, which is the state wanted.
        with mod.guard(f"Could not delete image {label(image)}", image_id=image["id"]):
            mod.client.request("DELETE", image_path(image["id"]), ok=(204, 404))
    mod.exit(changed=True, image_id=image["id"], diff=diff(before, GONE))


if __name__ == "__main__":
    main()
