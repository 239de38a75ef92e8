"""Answers toast_image, toast_image_tag and toast_image_visibility are tested with.

Area ``changes``. Besides the answers the unit tests replay, it keeps the
evidence for what the modules refuse: a tag with ``/`` goes to another route
(404), a non-ASCII tag comes back garbled, and PATCH needs the json-patch type.
"""

from urllib.parse import quote

from recorder import Recorder

PATCH = "application/openstack-images-v2.1-json-patch"


def tag_path(image_id, tag):
    return f"/v2/images/{image_id}/tags/{quote(tag, safe='')}"


def visibility(value):
    return [{"op": "replace", "path": "/visibility", "value": value}]


def main():
    rec = Recorder("changes")
    beta, gamma = rec.tenant_id("beta"), rec.tenant_id("gamma")

    # Tags: an image carrying the provider's tag and two of the user's.
    tagged = rec.create_image("alpha", "rec-tagged", tags=["_AVAILABLE_", "keep", "old"])
    rec.call("GET", f"/v2/images/{tagged}", "alpha", save="tagged_get")
    rec.call("GET", "/v2/images?name=rec-tagged&limit=1000", "alpha", save="tagged_by_name")
    rec.call("PUT", tag_path(tagged, "new"), "alpha", save="tag_put_204")
    rec.call("DELETE", tag_path(tagged, "old"), "alpha", save="tag_delete_204")
    rec.call("DELETE", tag_path(tagged, "old"), "alpha", save="tag_delete_404")

    # What travels intact in a path segment, and what does not.
    odd = rec.create_image("alpha", "rec-odd-tags")
    for tag in ("a b", "why?", "#hash", "100%"):
        rec.call("PUT", tag_path(odd, tag), "alpha")
    rec.call("PUT", tag_path(odd, "a/b"), "alpha", save="tag_put_slash_404")
    rec.call("PUT", tag_path(odd, "caf\u00e9"), "alpha")
    rec.call("GET", f"/v2/images/{odd}", "alpha", save="odd_tags_get")

    # Visibility: a shared image with two members, one without any.
    shared = rec.create_image("alpha", "rec-shared-two", visibility="shared")
    for member in (beta, gamma):
        rec.call("POST", f"/v2/images/{shared}/members", "alpha", {"member": member})
    rec.call("GET", f"/v2/images/{shared}", "alpha", save="shared_get")
    rec.call("GET", f"/v2/images/{shared}/members", "alpha", save="members_two")
    rec.call("PUT", tag_path(shared, "theirs"), "beta", save="tag_put_403_member")
    rec.call("PATCH", f"/v2/images/{shared}", "beta", visibility("private"), PATCH,
             save="patch_403_member")
    rec.call("DELETE", f"/v2/images/{shared}", "beta", save="delete_403_member")
    rec.call("PATCH", f"/v2/images/{shared}", "alpha", visibility("private"), "application/json",
             save="patch_415_plain_json")
    rec.call("PATCH", f"/v2/images/{shared}", "alpha", visibility("private"), PATCH,
             save="patch_private_200")
    rec.call("GET", f"/v2/images/{shared}/members", "alpha", save="members_403_private")

    lonely = rec.create_image("alpha", "rec-shared-none", visibility="shared")
    rec.call("GET", f"/v2/images/{lonely}", "alpha", save="lonely_get")
    rec.call("GET", f"/v2/images/{lonely}/members", "alpha", save="members_none")
    rec.call("PATCH", f"/v2/images/{tagged}", "alpha", visibility("shared"), PATCH,
             save="patch_shared_200")

    # Images the modules refuse.
    public = rec.create_image("admin", "rec-public", visibility="public")
    rec.call("GET", f"/v2/images/{public}", "alpha", save="public_get")
    guarded = rec.create_image("alpha", "rec-protected", protected=True)
    rec.call("GET", f"/v2/images/{guarded}", "alpha", save="protected_get")
    rec.call("DELETE", f"/v2/images/{guarded}", "alpha", save="delete_403_protected")

    # Deletion.
    doomed = rec.create_image("alpha", "rec-doomed")
    rec.call("GET", f"/v2/images/{doomed}", "alpha", save="doomed_get")
    rec.call("GET", "/v2/images?name=rec-doomed&limit=1000", "alpha", save="doomed_by_name")
    rec.call("DELETE", f"/v2/images/{doomed}", "alpha", save="delete_204")
    rec.call("DELETE", f"/v2/images/{doomed}", "alpha", save="delete_404")
    rec.call("GET", f"/v2/images/{doomed}", "alpha", save="doomed_get_404")
    rec.call("GET", "/v2/images?name=rec-doomed&limit=1000", "alpha", save="doomed_by_name_empty")


if __name__ == "__main__":
    main()
