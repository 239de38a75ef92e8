"""Properties of URL building, name filters, and the tag and member set arithmetic.

Generated inputs lean on the characters that change a URL's meaning (``/``,
``?``, ``#``, ``%``, dots, spaces, quotes, commas, colons, backslashes), mixed
with any other text.
"""

from __future__ import annotations

import threading
from urllib.parse import unquote, urlsplit

import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.nhncloud.compute.plugins.module_utils.client import (
    ExactPathSession,
    name_filter,
    segment,
)
from ansible_collections.nhncloud.compute.plugins.module_utils.images import image_path
from ansible_collections.nhncloud.compute.plugins.module_utils.members import (
    NEW_MEMBER_STATUS,
    apply_plan,
    plan_members,
)
from ansible_collections.nhncloud.compute.plugins.module_utils.tags import (
    RESERVED,
    plan_tags,
    tag_problem,
    unaddressable,
)

TRICKY = list("/?#%.:,\"\\ ;&=+~_") + ["%2F", "%2E", "..", "%25", "in:", "eq:"]
# Lone surrogates cannot be encoded: the modules refuse them before any request
# (checks.raw_type_problem), so URL building never meets them.
text_chars = st.characters(blacklist_categories=("Cs",))
tricky_text = st.lists(st.sampled_from(TRICKY) | text_chars, max_size=12).map("".join)
tricky_nonempty = tricky_text.filter(bool)
UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%")


# ---- path segments -------------------------------------------------------


@settings(deadline=None)
@given(tricky_text)
def test_segment_is_one_segment_that_round_trips(value):
    encoded = segment(value)
    assert set(encoded) <= UNRESERVED
    assert "/" not in encoded and "?" not in encoded and "#" not in encoded
    assert encoded not in (".", "..")
    assert unquote(encoded) == value


@settings(deadline=None)
@given(tricky_nonempty, st.lists(tricky_text, max_size=3))
def test_image_path_keeps_each_part_in_its_own_segment(image_id, parts):
    path = image_path(image_id, *parts)
    pieces = path.split("/")
    assert pieces[:3] == ["", "v2", "images"]
    assert [unquote(p) for p in pieces[3:]] == [image_id, *parts]
    assert urlsplit(f"https://image.example.test{path}").path == path


@settings(max_examples=60, deadline=None)
@given(tricky_nonempty, tricky_text, tricky_text)
def test_the_request_carries_the_path_as_built(image_id, tag, query):
    """What goes on the wire: requests would turn ``%2E%2E`` back into ``..``."""
    url = "https://image.example.test" + image_path(image_id, "tags", tag)
    request = requests.Request("PUT", url, params={"q": query} if query else None)

    prepared = ExactPathSession().prepare_request(request)

    sent = urlsplit(prepared.url)
    assert sent.path == image_path(image_id, "tags", tag)
    assert all(piece not in (".", "..") for piece in sent.path.split("/"))


# ---- the name filter -----------------------------------------------------


def parse_filter(value: str) -> tuple[str, list[str]]:
    """How the API reads a ``name`` filter value (observed on Glance).

    ``op:rest`` when there is a colon, else ``eq``. An ``in`` list is split at
    commas; an item may be double-quoted, and inside quotes a backslash and the
    character after it are kept as they are. Raises ValueError where the API
    answers 400 (an unknown operator, a stray or unclosed quote).
    """
    op, colon, rest = value.partition(":")
    if not colon:
        return "eq", [value]
    if op == "eq":
        return "eq", [rest]
    if op != "in":
        raise ValueError(f"unknown operator {op!r}")
    items, pos = [], 0
    while pos <= len(rest):
        if rest[pos:pos + 1] == '"':
            item, pos = _quoted(rest, pos + 1)
            if pos < len(rest) and rest[pos] != ",":
                raise ValueError("no comma after a closing quote")
        else:
            end = rest.find(",", pos)
            end = len(rest) if end < 0 else end
            item = rest[pos:end]
            if '"' in item:
                raise ValueError("a quote inside an item")
            pos = end
        items.append(item)
        pos += 1
    return "in", items


def _quoted(text: str, pos: int) -> tuple[str, int]:
    out = []
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text):
            out.append(text[pos:pos + 2])
            pos += 2
        elif char == '"':
            return "".join(out), pos + 1
        else:
            out.append(char)
            pos += 1
    raise ValueError("unclosed quote")


def test_the_parser_reads_the_filters_glance_was_seen_to_read():
    assert parse_filter("in:golden,other") == ("in", ["golden", "other"])
    assert parse_filter("eq:golden") == ("eq", ["golden"])
    assert parse_filter('in:"a,b:c"') == ("in", ["a,b:c"])
    assert parse_filter("in:back\\:") == ("in", ["back\\:"])
    for refused in ("ubuntu:24.04", 'in:q"uo:te', 'in:"open'):
        try:
            parse_filter(refused)
        except ValueError:
            continue
        raise AssertionError(refused)


@settings(deadline=None)
@given(tricky_nonempty)
def test_name_filter_selects_exactly_that_name(name):
    value = name_filter(name)
    if value is None:
        assert ":" in name
        assert '"' in name or ("," in name and name.endswith("\\"))
        return
    assert parse_filter(value)[1] == [name]


# ---- tags ----------------------------------------------------------------

tag_text = st.sampled_from(["a", "b", "c d", "?", "#x", "100%", "...", "%2F", "_AVAILABLE_",
                            "_x", "a/b", "caf\u00e9", ".", ".."]) | tricky_nonempty
current_tags = st.lists(tag_text, max_size=10)
wanted_tags = st.lists(tag_text, max_size=8).map(
    lambda tags: [t for t in tags if tag_problem(t, "present") is None])


@settings(deadline=None)
@given(current_tags, wanted_tags, st.booleans())
def test_present_tags(current, wanted, purge):
    plan = plan_tags(current, wanted, "present", purge)
    after = set(plan.after)

    assert set(wanted) <= after
    assert set(plan.add) == set(wanted) - set(current)
    assert plan.add == sorted(set(plan.add)) and plan.remove == sorted(set(plan.remove))
    assert not set(plan.add) & set(plan.remove)
    for tag in plan.remove:
        assert not tag.startswith(RESERVED) and not unaddressable(tag)
        assert tag_problem(tag, "absent") is None
    if purge:
        untouchable = {t for t in current if t.startswith(RESERVED) or unaddressable(t)}
        assert after == set(wanted) | untouchable
        assert set(plan.kept) == {t for t in untouchable - set(wanted)
                                  if not t.startswith(RESERVED)}
    else:
        assert after == set(current) | set(wanted)
        assert plan.remove == [] and plan.kept == []
    assert not plan_tags(plan.after, wanted, "present", purge).changes


@settings(deadline=None)
@given(current_tags, wanted_tags)
def test_absent_tags(current, wanted):
    plan = plan_tags(current, wanted, "absent", False)

    assert plan.add == [] and plan.kept == []
    assert set(plan.after) == set(current) - set(wanted)
    assert set(plan.remove) == set(current) & set(wanted)
    assert not plan_tags(plan.after, wanted, "absent", False).changes


# ---- members: the loop against a set that stands in for the server --------

tenant = st.text("0123456789abcdef", min_size=32, max_size=32)
member_status = st.sampled_from(["pending", "accepted", "rejected"])


class Boom(Exception):
    pass


@settings(max_examples=60, deadline=None)
@given(before=st.dictionaries(tenant, member_status, max_size=12),
       wanted=st.lists(tenant, max_size=12, unique=True),
       state=st.sampled_from(["present", "absent"]), exclusive=st.booleans(),
       parallel=st.integers(1, 4), failing=st.sets(tenant, max_size=2) | st.just(set()),
       taken=st.sets(tenant, max_size=3))
def test_apply_plan_accounts_for_every_step(before, wanted, state, exclusive, parallel,
                                            failing, taken):
    """Nothing missing, nothing twice: done, failed and not tried cover the plan.

    ``failing`` members fail their call; ``taken`` members are added by
    someone else first, so their add meets "already a member".
    """
    exclusive = exclusive and state == "present"
    plan = plan_members(before, wanted, state, exclusive)
    server = dict(before)
    lock = threading.Lock()
    calls = []

    def add(member):
        with lock:
            calls.append(("add", member))
            if member in failing:
                raise Boom(member)
            known = member in server or member in taken
            server[member] = server.get(member, NEW_MEMBER_STATUS)
        return None if known else NEW_MEMBER_STATUS

    def remove(member):
        with lock:
            calls.append(("remove", member))
            if member in failing:
                raise Boom(member)
            server.pop(member, None)

    progress = apply_plan(plan, add, remove, errors=(Boom,), parallel=parallel)

    steps = [("remove", m) for m in plan.remove] + [("add", m) for m in plan.add]
    done = [("remove", m) for m in progress.removed] + [("add", m) for m in progress.added]
    failed = [progress.failed[:2]] if progress.failed else []
    failed += [f[:2] for f in progress.also_failed]
    accounted = done + failed + progress.not_tried
    assert sorted(accounted) == sorted(steps)
    assert sorted(calls) == sorted(done + failed)
    assert progress.added == [m for m in plan.add if m in progress.added]
    assert progress.removed == [m for m in plan.remove if m in progress.removed]
    assert set(progress.after) == set(server)
    first_add = next((i for i, c in enumerate(calls) if c[0] == "add"), len(calls))
    assert all(verb == "add" for verb, _m in calls[first_add:])
    if progress.failed is None:
        assert progress.after == plan.after == dict(sorted(server.items()))
        assert progress.not_tried == []
    else:
        assert progress.failed[1] in failing
        text = progress.report({"id": "i-1", "name": "gold"})
        assert text.endswith("Running the task again is safe: it reads the image again and "
                             "makes only the changes still missing.")
        for _verb, member in progress.not_tried:
            assert member in text
