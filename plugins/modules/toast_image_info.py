#!/usr/bin/python
# Copyright (c) 2026 nhncloud.compute contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or
# https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: toast_image_info
short_description: List and inspect images on the TOAST (NHN Cloud) Image API v2
version_added: 0.1.0
description:
  - Returns one image, given by ID or exact name, several images listed in
    O(images), or the images that match the API's list filters.
  - Follows the list to its end with the largest page the API allows, unless
    O(limit) caps the count; then RV(next_marker) resumes the list with O(marker).
  - With O(members=true), each image also carries its member list.
options:
  image:
    description:
      - ID or exact name of one image. A name must match exactly one image.
      - Cannot be combined with O(images), the list filters, O(limit) or O(marker).
    type: str
  images:
    description:
      - IDs or exact names of several images, each read as O(image) reads one -
        one request per image, whatever the number of images in the tenant.
      - RV(images) holds them in the same order. Each must match exactly one
        image; the first that does not fails the task, naming it.
      - An image listed twice is read once.
      - Cannot be combined with O(image), the list filters, O(limit) or O(marker).
    type: list
    elements: str
  name:
    description:
      - Only images with exactly this name.
      - A name with a colon is sent as a one-item C(in:) list, since the API
        reads C(op:value) in this filter. A name holding a colon and a double
        quote cannot be sent as a filter and is refused; give it as O(image).
    type: str
  visibility:
    description:
      - Only images with this visibility. Omitted, the API lists public and
        private images, shared images the tenant owns, and shared images it
        has accepted.
    type: str
    choices: [public, private, shared, community, all]
  owner:
    description: Only images owned by this tenant ID (32 hexadecimal characters).
    type: str
  status:
    description: Only images in this state.
    type: str
    choices: [queued, saving, active, killed, deleted, pending_delete, importing, uploading]
  size_min:
    description: Only images of at least this many bytes, from 0 to 2^63-1.
    type: int
  size_max:
    description: Only images of at most this many bytes, from 0 to 2^63-1.
    type: int
  tag:
    description: Only images carrying every one of these tags.
    type: list
    elements: str
  member_status:
    description:
      - Shared images of other tenants by the caller's membership status.
      - The API's default is V(accepted); V(pending) lists shares not yet accepted.
    type: str
    choices: [accepted, pending, rejected, all]
  sort_key:
    description:
      - Image attribute to sort by; the API's default is C(created_at).
      - Letters, digits, C(_), C(-), C(.) and C(:) only.
    type: str
  sort_dir:
    description: Sort direction; the API's default is V(desc).
    type: str
    choices: [asc, desc]
  limit:
    description:
      - Return at most this many images and RV(next_marker) to resume.
      - Omitted, every matching image is returned.
    type: int
  marker:
    description:
      - ID of the image after which the list starts, as RV(next_marker) gave it.
      - Must have the form of an image ID (a UUID).
    type: str
  members:
    description:
      - Add each image's member list as C(members), one request per shared image.
      - With O(images), each image is read at most twice - once for the image,
        once for its members.
      - Only shared images have members; other images get an empty list without
        a request.
    type: bool
    default: false
extends_documentation_fragment:
  - nhncloud.compute.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.ACTIONGROUPS
attributes:
  check_mode:
    support: full
    details: Reads only; runs the same in check mode.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: all
  action_group:
    support: full
    membership:
      - nhncloud.compute.image
notes:
  - A name lookup is one request, whatever the number of images in the tenant.
    Only a name holding a colon together with a double quote (which no filter
    value can say) lists every image the tenant sees and compares the names.
  - Filter values are checked before any request; a C(sort_key) the API does
    not know is reported with the API's own message.
seealso:
  - module: nhncloud.compute.toast_token
  - module: nhncloud.compute.toast_image_member
author:
  - nhncloud.compute contributors (@nhncloud-community)
"""

EXAMPLES = r"""
- name: One image by name, with who it is shared with
  nhncloud.compute.toast_image_info:
    image: ubuntu-24.04-golden
    members: true
  register: golden

- name: Every active private image carrying the golden tag, newest first
  nhncloud.compute.toast_image_info:
    visibility: private
    status: active
    tag: [golden]
    sort_key: created_at
    sort_dir: desc

- name: Several images with their members, in the order given
  nhncloud.compute.toast_image_info:
    images:
      - ubuntu-24.04-golden
      - 1c868787-6207-4ff2-a1e7-ae1331d6829b
    members: true
  register: golden_set

- name: Shares offered to this tenant and not yet accepted
  nhncloud.compute.toast_image_info:
    visibility: shared
    member_status: pending

- name: The first 50 images, then the next 50
  nhncloud.compute.toast_image_info:
    limit: 50
  register: page1

- name: Resume where the first page stopped
  nhncloud.compute.toast_image_info:
    limit: 50
    marker: "{{ page1.next_marker }}"
  when: page1.next_marker is not none
"""

RETURN = r"""
images:
  description:
    - The images, as the API returns them. Properties such as C(os_distro) sit
      at the top level of each image.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Image ID.
      type: str
      sample: 1c868787-6207-4ff2-a1e7-ae1331d6829b
    name:
      description: Image name.
      type: str
      sample: ubuntu-24.04-golden
    status:
      description: Image state.
      type: str
      sample: active
    visibility:
      description: C(public), C(private), C(shared) or C(community).
      type: str
      sample: shared
    owner:
      description: Tenant that owns the image.
      type: str
      sample: c289b99209ca4e189095cdecebbd092d
    protected:
      description: Whether the image is protected from change and deletion.
      type: bool
      sample: false
    tags:
      description: The image's tags.
      type: list
      elements: str
      sample: [_AVAILABLE_, golden]
    members:
      description: The image's members; only with O(members=true).
      type: list
      elements: dict
      sample:
        - member_id: 8a9b7c6d5e4f3a2b1c0d9e8f7a6b5c4d
          image_id: 1c868787-6207-4ff2-a1e7-ae1331d6829b
          status: accepted
          created_at: "2026-12-03T09:00:00Z"
          updated_at: "2026-12-03T09:05:00Z"
          schema: /v2/schemas/member
  sample:
    - id: 1c868787-6207-4ff2-a1e7-ae1331d6829b
      name: ubuntu-24.04-golden
      status: active
      visibility: shared
      owner: c289b99209ca4e189095cdecebbd092d
      protected: false
      tags: [_AVAILABLE_, golden]
      disk_format: qcow2
      container_format: bare
      min_disk: 20
      min_ram: 0
      size: 1778843648
      os_distro: ubuntu
next_marker:
  description:
    - With O(limit), the O(marker) that resumes the list; null when the list ended.
  returned: when O(limit) is set
  type: str
  sample: 057f9a69-4e4c-4025-8a69-fa248cd9db94
"""

from ansible_collections.nhncloud.compute.plugins.module_utils.base import ImageModule
from ansible_collections.nhncloud.compute.plugins.module_utils.checks import (
    MAX_NAME,
    image_ref_problem,
    marker_problem,
    shown,
    sort_key_problem,
    tenant_problem,
)
from ansible_collections.nhncloud.compute.plugins.module_utils.client import (
    name_filter,
    segment,
)

# Image sizes are 64-bit integers in the API; a larger filter makes it fail (HTTP 500).
MAX_SIZE = 2 ** 63 - 1
FILTERS = ("name", "visibility", "owner", "status", "size_min", "size_max", "tag",
           "member_status", "sort_key", "sort_dir")


def filter_problem(p: dict) -> str | None:
    """Why the options cannot make a request, or None; the input alone decides."""
    for key in ("size_min", "size_max"):
        if p[key] is not None and p[key] < 0:
            return f"{key} must be 0 or more bytes, not {p[key]}."
        if p[key] is not None and p[key] > MAX_SIZE:
            return f"{key} must be at most {MAX_SIZE} bytes, not {p[key]}."
    if p["size_min"] is not None and p["size_max"] is not None and p["size_min"] > p["size_max"]:
        return f"size_min ({p['size_min']}) is larger than size_max ({p['size_max']})."
    if p["limit"] is not None and p["limit"] < 1:
        return f"limit must be 1 or more, not {p['limit']}."
    for key in ("image", "name", "owner", "sort_key", "marker"):
        if p[key] is not None and not p[key].strip():
            return f"{key} must not be empty."
    problems = []
    if p["image"] is not None:
        problems.append(image_ref_problem(p["image"]))
    for index, ref in enumerate(p["images"] or []):
        problems.append(image_ref_problem(ref, f"images[{index}]"))
    if p["name"] is not None:
        problems.append(name_problem(p["name"]))
    if p["owner"] is not None:
        problems.append(tenant_problem(p["owner"], "owner"))
    if p["marker"] is not None:
        problems.append(marker_problem(p["marker"]))
    if p["sort_key"] is not None:
        problems.append(sort_key_problem(p["sort_key"]))
    for tag in p["tag"] or []:
        problems.append(tag_filter_problem(tag))
    return next((problem for problem in problems if problem), None)


def name_problem(name: str) -> str | None:
    if len(name) > MAX_NAME:
        return f"name is {len(name)} characters long: an image name has at most {MAX_NAME}."
    if name_filter(name) is None:
        return (f"name {shown(name)} holds a ':' with a '\"' (or with a ',' and a "
                "trailing '\\'), which the API's name filter cannot express: give it as "
                "image instead, which compares the names itself.")
    return None


def tag_filter_problem(tag: str) -> str | None:
    if not tag:
        return "tag must not hold an empty tag."
    if len(tag) > MAX_NAME:
        return f"tag holds a tag of {len(tag)} characters: a tag has at most {MAX_NAME}."
    return None


def read_images(mod, refs: list[str]) -> list[dict]:
    """Each listed image in the given order; a reference listed twice is read once."""
    found: dict[str, dict] = {}
    for ref in refs:
        if ref not in found:
            with mod.guard(f"Could not read image {ref!r}"):
                found[ref] = mod.find_image(ref)
    return [dict(found[ref]) for ref in refs]


def add_members(mod, images):
    known: dict[str, list] = {}
    for image in images:
        if image.get("visibility") != "shared":
            image["members"] = []
            continue
        if image["id"] not in known:
            with mod.guard(f"Could not list the members of image {image['id']}"):
                body = mod.client.get_json(f"/v2/images/{segment(image['id'])}/members")
            known[image["id"]] = body.get("members", [])
        image["members"] = known[image["id"]]


def main():
    mod = ImageModule(
        dict(
            image=dict(type="str"),
            images=dict(type="list", elements="str"),
            name=dict(type="str"),
            visibility=dict(type="str", choices=["public", "private", "shared", "community",
                                                 "all"]),
            owner=dict(type="str"),
            status=dict(type="str", choices=["queued", "saving", "active", "killed", "deleted",
                                             "pending_delete", "importing", "uploading"]),
            size_min=dict(type="int"),
            size_max=dict(type="int"),
            tag=dict(type="list", elements="str"),
            member_status=dict(type="str", choices=["accepted", "pending", "rejected", "all"]),
            sort_key=dict(type="str", no_log=False),
            sort_dir=dict(type="str", choices=["asc", "desc"]),
            limit=dict(type="int"),
            marker=dict(type="str"),
            members=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("image", "images")] + [
            (ref, key) for ref in ("image", "images") for key in FILTERS + ("limit", "marker")
        ],
        supports_check_mode=True,
    )
    p = mod.params
    problem = filter_problem(p)
    if problem:
        mod.fail(problem)
    result = dict(changed=False)

    if p["image"] is not None:
        with mod.guard(f"Could not read image {p['image']!r}"):
            images = [mod.find_image(p["image"])]
    elif p["images"] is not None:
        images = read_images(mod, p["images"])
    else:
        query = {key: p[key] for key in FILTERS if p[key] is not None}
        if p["name"] is not None:
            query["name"] = name_filter(p["name"])
        if p["marker"] is not None:
            query["marker"] = p["marker"]
        with mod.guard("Could not list images"):
            images, marker = mod.client.paginate("/v2/images", "images", params=query,
                                                 max_items=p["limit"])
        if p["name"] is not None:
            images = [image for image in images if image.get("name") == p["name"]]
        if p["limit"] is not None:
            result["next_marker"] = marker

    if p["members"]:
        add_members(mod, images)
    mod.exit(images=images, **result)


if __name__ == "__main__":
    main()
