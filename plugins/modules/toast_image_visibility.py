#!/usr/bin/python
# Copyright (c) 2026 nhncloud.compute contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or
# https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: toast_image_visibility
short_description: Make an image private or shared on the TOAST (NHN Cloud) Image API v2
version_added: 0.1.0
description:
  - Sets the visibility of one image, given by ID or exact name, to V(private)
    or V(shared).
  - An image that already has the visibility costs only the read.
  - Sharing is two steps - make the image V(shared) with this module, then add
    member tenants with M(nhncloud.compute.toast_image_member).
options:
  image:
    description: ID or exact name of the image. A name must match exactly one image.
    type: str
    required: true
  visibility:
    description:
      - V(shared) lets the image's member tenants use it; V(private) keeps it to
        its owner.
      - Making an image private while it has members warns how many tenants
        lose access. Their memberships stay on the image.
    type: str
    choices: [private, shared]
    required: true
extends_documentation_fragment:
  - nhncloud.compute.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.ACTIONGROUPS
attributes:
  check_mode:
    support: full
    details:
      - Reads the image (and its members when it would become private) and
        returns the change, warning and diff a real run would.
      - The returned RV(image) is the image as read, with the new visibility;
        the server's C(updated_at) is only known after a real run.
  diff_mode:
    support: full
    details: The before and after visibility.
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
  - When the change fails, the message says whether the image is unchanged or,
    when no answer came back, that the change may have been made, and that
    running the task again is safe.
  - Sends the change as a JSON patch
    (C(application/openstack-images-v2.1-json-patch)), as the API requires.
seealso:
  - module: nhncloud.compute.toast_image_member
  - module: nhncloud.compute.toast_image_info
author:
  - nhncloud.compute contributors (@nhncloud-community)
"""

EXAMPLES = r"""
- name: Get the golden image ready for sharing
  nhncloud.compute.toast_image_visibility:
    image: ubuntu-24.04-golden
    visibility: shared

- name: Stop sharing an image (its members lose access)
  nhncloud.compute.toast_image_visibility:
    image: 1c868787-6207-4ff2-a1e7-ae1331d6829b
    visibility: private
  register: unshared
"""

RETURN = r"""
image:
  description:
    - The image after the run, as the API returns it. In check mode, the image
      as read with the visibility it would get.
  returned: success
  type: dict
  sample:
    id: 1c868787-6207-4ff2-a1e7-ae1331d6829b
    name: ubuntu-24.04-golden
    status: active
    visibility: shared
    owner: c289b99209ca4e189095cdecebbd092d
    protected: false
    tags: [_AVAILABLE_, golden]
    updated_at: "2026-12-03T09:05:00Z"
failure:
  description:
    - The call that failed - method, path, HTTP status (null when no answer
      came back) and the server's message.
  returned: when a call fails
  type: dict
  sample:
    method: PATCH
    path: /v2/images/1c868787-6207-4ff2-a1e7-ae1331d6829b
    status: 503
    message: Service Unavailable
diff:
  description: The visibility before and after.
  returned: success
  type: dict
  contains:
    before:
      description: Visibility before the run.
      type: dict
      sample: {visibility: private}
    after:
      description: Visibility after the run.
      type: dict
      sample: {visibility: shared}
"""

from ansible_collections.nhncloud.compute.plugins.module_utils.base import ImageModule
from ansible_collections.nhncloud.compute.plugins.module_utils.images import (
    Refused,
    diff,
    label,
    member_list,
    patch_image,
    refuse,
    replace,
)


def main():
    mod = ImageModule(
        dict(
            image=dict(type="str", required=True),
            visibility=dict(type="str", choices=["private", "shared"], required=True),
        ),
        supports_check_mode=True,
        writes=True,
    )
    p = mod.params
    mod.check_image_ref(p["image"])
    wanted = p["visibility"]

    with mod.guard(f"Could not read image {p['image']!r}"):
        image = mod.find_image(p["image"])
    before = image.get("visibility")
    result = dict(changed=before != wanted,
                  diff=diff({"visibility": before}, {"visibility": wanted}))
    if before == wanted:
        mod.exit(image=image, **result)

    try:
        refuse(image, "change the visibility of", tenant=mod.caller_tenant())
    except Refused as err:
        mod.fail(str(err), image_id=image["id"], reason=err.reason)

    if wanted == "private":
        with mod.guard(f"Could not list the members of image {label(image)}",
                       image_id=image["id"]):
            members = member_list(mod.client, image)
        if members:
            noun = "tenant" if len(members) == 1 else "tenants"
            mod.module.warn(f"Making image {label(image)} private: {len(members)} member "
                            f"{noun} can no longer use it.")

    if mod.check_mode:
        after = {**image, "visibility": wanted}
    else:
        with mod.guard(f"Could not make image {label(image)} {wanted}",
                       image_id=image["id"]):
            after = patch_image(mod.client, image["id"], [replace("visibility", wanted)])
    mod.exit(image=after, **result)


if __name__ == "__main__":
    main()
