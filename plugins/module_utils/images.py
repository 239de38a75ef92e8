# Copyright (c) 2026 nhncloud.compute contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or
# https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the modules that change an image share: paths, refusals, the PATCH, diffs.

Everything here raises (``Refused`` for a decision taken before any write,
``ApiError`` from the client); the module decides how the run ends.
"""

from __future__ import annotations

from ansible_collections.nhncloud.compute.plugins.module_utils.client import (
    JSON_PATCH,
    ImageClient,
    segment,
)

# Reasons an image cannot be changed, in the order they are checked.
PUBLIC = "public"
PROTECTED = "protected"
FOREIGN = "owner"


class Refused(Exception):
    """An image the module will not change, found before any write.

    ``reason`` is ``public``, ``protected`` or ``owner``; ``str()`` is the
    message for the user.
    """

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


def image_path(image_id: str, *parts: str) -> str:
    """``/v2/images/{id}/...`` with the ID and every part percent-encoded."""
    return "/".join(["/v2/images", segment(image_id), *(segment(p) for p in parts)])


def label(image: dict) -> str:
    """How messages name an image: ``'name' (id)``, or the ID alone when unnamed."""
    name = image.get("name")
    return f"{name!r} ({image['id']})" if name else image["id"]


def refuse(image: dict, action: str, *, refuse_protected: bool = True,
           tenant: str | None = None) -> None:
    """Raise ``Refused`` when ``action`` must not be tried on ``image``.

    ``action`` completes "Cannot ... image X", for example ``"delete"``. A
    public image is always refused; a protected one unless
    ``refuse_protected`` is false; with ``tenant`` (the caller's, when known),
    an image another tenant owns.
    """
    where = f"Cannot {action} image {label(image)}"
    if image.get("visibility") == PUBLIC:
        raise Refused(PUBLIC, f"{where}: it is public, and public images are the provider's: "
                              "no tenant can change or delete them.")
    if refuse_protected and image.get("protected"):
        raise Refused(PROTECTED, f"{where}: it is protected, and a protected image cannot be "
                                 "changed or deleted until its protection is removed.")
    owner = image.get("owner")
    if tenant and owner and owner != tenant:
        raise Refused(FOREIGN, f"{where}: it is owned by tenant {owner}, not by the "
                               f"caller's tenant {tenant}.")


def patch_image(client: ImageClient, image_id: str, ops: list[dict]) -> dict:
    """Apply json-patch ``ops`` to an image; return the image the server answers with.

    Only ``replace`` operations are sent again after a lost answer: applying
    them twice gives the same image.
    """
    repeatable = all(op.get("op") == "replace" for op in ops)
    response = client.request(
        "PATCH", image_path(image_id), json=ops,
        headers={"Content-Type": JSON_PATCH}, retry=repeatable, ok=(200,),
    )
    return response.json()


def replace(path: str, value) -> dict:
    """One json-patch ``replace`` operation, ``path`` without its leading slash."""
    return {"op": "replace", "path": f"/{path}", "value": value}


def member_list(client: ImageClient, image: dict) -> list[dict]:
    """The image's members; only shared images have any, so others cost no request."""
    if image.get("visibility") != "shared":
        return []
    body = client.get_json(image_path(image["id"], "members"))
    return body.get("members") or []


def diff(before: dict, after: dict) -> dict:
    """The ``diff`` result key: copies of both states, so later changes do not leak in."""
    return {"before": dict(before), "after": dict(after)}
