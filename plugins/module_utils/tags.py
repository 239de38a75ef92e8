# Copyright (c) 2026 nhncloud.compute contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or
# https://www.gnu.org/licenses/gpl-3.0.txt)
"""Image tags: which can be sent, and the set arithmetic of adding and removing.

Nothing here speaks HTTP. A tag travels as one percent-encoded segment of the
request path (``/v2/images/{id}/tags/{tag}``), which decides what can be sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.nhncloud.compute.plugins.module_utils.checks import shown

MAX_TAG = 255
RESERVED = "_"
DOT_SEGMENTS = (".", "..")


def unaddressable(tag: str) -> bool:
    """True for a tag no request path can name safely.

    Glance routes a ``/`` (even encoded) to another resource and reads
    non-ASCII path text garbled; a server or proxy on the way may resolve a
    ``.`` or ``..`` segment (even encoded) to the image itself.
    """
    return "/" in tag or not tag.isascii() or tag in DOT_SEGMENTS


def tag_problem(tag: str, state: str) -> str | None:
    """Why ``tag`` cannot be sent, or None when it can."""
    if tag == "":
        return "tags must not hold an empty tag."
    quoted = shown(tag)
    if len(tag) > MAX_TAG:
        return f"Tag {quoted} is {len(tag)} characters long: a tag has at most {MAX_TAG}."
    if tag.startswith(RESERVED) and state == "absent":
        return (f"Tag {quoted} starts with '_': such tags are the provider's and are never "
                "removed (_AVAILABLE_ keeps an image listed in the console).")
    if tag.startswith(RESERVED):
        return f"Tag {quoted} starts with '_': tags starting with '_' are the provider's."
    if "/" in tag:
        return (f"Tag {quoted} contains '/': the API routes a '/' in a tag to another "
                "resource, so such a tag cannot be set or removed.")
    if not tag.isascii():
        return (f"Tag {quoted} contains non-ASCII characters: the API stores them garbled, "
                "so only ASCII tags are accepted.")
    if tag in DOT_SEGMENTS:
        return (f"Tag {quoted} is a '.' or '..' path segment, which a server or proxy on "
                "the way may resolve to the image itself, so such a tag cannot be set or "
                "removed.")
    return None


@dataclass
class TagPlan:
    """What to change, each list sorted; ``kept`` are unlisted tags purge cannot remove."""

    before: list[str]
    add: list[str]
    remove: list[str]
    kept: list[str]

    @property
    def after(self) -> list[str]:
        return sorted((set(self.before) - set(self.remove)) | set(self.add))

    @property
    def changes(self) -> bool:
        return bool(self.add or self.remove)


def plan_tags(current: list[str], wanted: list[str], state: str, purge: bool) -> TagPlan:
    """The tags to add and remove so that ``current`` meets the request.

    ``present`` adds what is missing and, with ``purge``, removes the tags not
    wanted, except reserved ones and ones no path can name (``kept``: removing
    them would fail, or worse, look done). ``absent`` removes the wanted tags
    the image carries. Duplicates count once.
    """
    have, want = set(current), set(wanted)
    before = sorted(have)
    if state == "absent":
        return TagPlan(before, [], sorted(have & want), [])
    unlisted = {t for t in have - want if not t.startswith(RESERVED)}
    kept = {t for t in unlisted if unaddressable(t)} if purge else set()
    remove = unlisted - kept if purge else set()
    return TagPlan(before, sorted(want - have), sorted(remove), sorted(kept))
