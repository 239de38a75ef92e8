"""Which tags can be sent, and the add/remove/purge arithmetic, without HTTP."""

from __future__ import annotations

import pytest

from ansible_collections.nhncloud.compute.plugins.module_utils.tags import (
    plan_tags,
    tag_problem,
    unaddressable,
)

DOT_MSG = ("is a '.' or '..' path segment, which a server or proxy on the way may resolve "
           "to the image itself, so such a tag cannot be set or removed.")


@pytest.mark.parametrize("tag, msg", [
    (".", f"Tag '.' {DOT_MSG}"),
    ("..", f"Tag '..' {DOT_MSG}"),
    ("../x", "Tag '../x' contains '/': the API routes a '/' in a tag to another resource, "
             "so such a tag cannot be set or removed."),
    ("%2F", None), ("%2E%2E", None), ("...", None), ("a b", None), ("?", None), ("#", None),
    ("100%", None), (" lead", None), ("x" * 255, None),
])
def test_dots_and_path_like_tags(tag, msg):
    assert tag_problem(tag, "present") == msg


@pytest.mark.parametrize("tag", ["a/b", "/", "caf\u00e9", ".", ".."])
def test_tags_no_path_can_name(tag):
    assert unaddressable(tag)


@pytest.mark.parametrize("tag", ["...", "%2F", "a b", "_AVAILABLE_", "a?b#c"])
def test_tags_a_path_can_name(tag):
    assert not unaddressable(tag)


def test_purge_keeps_reserved_and_unnameable_tags():
    plan = plan_tags(["_AVAILABLE_", "a/b", "caf\u00e9", "..", "old", "keep"], ["keep", "new"],
                     "present", True)

    assert (plan.add, plan.remove) == (["new"], ["old"])
    assert plan.kept == ["..", "a/b", "caf\u00e9"]
    assert plan.after == ["..", "_AVAILABLE_", "a/b", "caf\u00e9", "keep", "new"]


def test_without_purge_nothing_is_kept_or_removed():
    plan = plan_tags(["a/b", "old"], ["new"], "present", False)
    assert (plan.add, plan.remove, plan.kept) == (["new"], [], [])


def test_absent_removes_only_what_is_there():
    plan = plan_tags(["old", "keep"], ["old", "gone", "old"], "absent", False)
    assert (plan.add, plan.remove, plan.after) == ([], ["old"], ["keep"])
    assert plan.changes


def test_nothing_to_do():
    plan = plan_tags(["b", "a"], ["a", "b", "a"], "present", True)
    assert not plan.changes and plan.before == plan.after == ["a", "b"]
