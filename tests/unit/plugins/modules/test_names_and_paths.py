"""Names, tags and IDs that look like paths or filters reach exactly the URL meant.

Answers recorded from the real Glance (area ``names``): its ``name`` filter
reads ``op:value``, so a name with a colon must go as a one-item ``in:`` list.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from ansible.module_utils.common import warnings as ansible_warnings
from conftest import CONN, IMAGE_URL, answer, recorded, sent

from ansible_collections.nhncloud.compute.plugins.modules import (
    toast_image,
    toast_image_info,
    toast_image_tag,
)

ALL = {i["name"]: i for i in recorded("names/list_all")["json"]["images"]}
STRAY = recorded("names/stray_get")["json"]
LIST = f"{IMAGE_URL}/v2/images"


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    """Ansible keeps a module's warnings process-wide: start every run without any."""
    monkeypatch.setattr(ansible_warnings, "_global_warnings", {})


def warnings(result):
    return [w if isinstance(w, str) else w["event"]["msg"] for w in result.get("warnings", [])]


def listing(requests_mock, name, fixture):
    """Answer the list request with exactly this name filter as the server did."""
    query = urlencode({"name": name, "limit": 1000})
    requests_mock.get(f"{LIST}?{query}", complete_qs=True, **answer(fixture))


def recorded_lists(requests_mock):
    listing(requests_mock, "eq:rec-gold", "names/list_eq_unquoted")
    listing(requests_mock, "in:eq:rec-gold", "names/list_in_eq")
    listing(requests_mock, "rec-gold:v1", "names/list_colon_400")
    listing(requests_mock, "in:rec-gold:v1", "names/list_in_colon")
    listing(requests_mock, 'in:"a,b:c"', "names/list_in_quoted")
    requests_mock.get(f"{LIST}?limit=1000", complete_qs=True, **answer("names/list_all"))


def test_an_operator_like_name_deletes_that_image_not_another(run_module, requests_mock):
    recorded_lists(requests_mock)
    for image in ALL.values():
        requests_mock.delete(f"{LIST}/{image['id']}", status_code=204)

    result = run_module(toast_image, {**CONN, "image": "eq:rec-gold", "state": "absent"})

    assert result["image_id"] == ALL["eq:rec-gold"]["id"]
    assert sent(requests_mock) == [
        ("GET", "/v2/images?name=in%3Aeq%3Arec-gold&limit=1000"),
        ("DELETE", f"/v2/images/{ALL['eq:rec-gold']['id']}"),
    ]


def test_a_name_with_a_colon_is_found(run_module, requests_mock):
    recorded_lists(requests_mock)

    result = run_module(toast_image_info, {**CONN, "image": "rec-gold:v1"})

    assert result["rc"] == 0, result["msg"]
    assert [i["name"] for i in result["images"]] == ["rec-gold:v1"]


def test_a_name_with_a_colon_and_a_comma_is_quoted(run_module, requests_mock):
    recorded_lists(requests_mock)

    result = run_module(toast_image_info, {**CONN, "image": "a,b:c"})

    assert [i["id"] for i in result["images"]] == [ALL["a,b:c"]["id"]]
    assert sent(requests_mock) == [("GET", "/v2/images?name=in%3A%22a%2Cb%3Ac%22&limit=1000")]


def test_a_name_no_filter_can_say_is_compared_here(run_module, requests_mock):
    recorded_lists(requests_mock)

    result = run_module(toast_image_info, {**CONN, "image": 'say "hi": now'})

    assert [i["id"] for i in result["images"]] == [ALL['say "hi": now']["id"]]
    assert sent(requests_mock) == [("GET", "/v2/images?limit=1000")]


def test_the_name_filter_returns_only_that_name(run_module, requests_mock):
    recorded_lists(requests_mock)

    result = run_module(toast_image_info, {**CONN, "name": "eq:rec-gold"})

    assert [i["name"] for i in result["images"]] == ["eq:rec-gold"]


def test_an_inexpressible_name_filter_fails_before_any_request(run_module, requests_mock):
    result = run_module(toast_image_info, {**CONN, "name": 'say "hi": now'})

    assert result["msg"] == (
        "name 'say \"hi\": now' holds a ':' with a '\"' (or with a ',' and a trailing "
        "'\\'), which the API's name filter cannot express: give it as image instead, "
        "which compares the names itself.")
    assert requests_mock.request_history == []


def test_purge_leaves_tags_no_path_can_name_and_says_so(run_module, requests_mock):
    url = f"{LIST}/{STRAY['id']}"
    requests_mock.get(url, **answer("names/stray_get"))
    requests_mock.delete(f"{url}/tags/old", **answer("names/tag_delete_old_204"))
    requests_mock.delete(f"{url}/tags/a%2Fb", **answer("names/tag_delete_slash_404"))

    result = run_module(toast_image_tag, {**CONN, "image": STRAY["id"], "tags": ["keep"],
                                          "purge": True})

    assert result["removed"] == ["old"]
    assert result["tags"] == ["a/b", "caf\u00e9", "keep"]
    assert warnings(result) == [
        f"purge left 2 unlisted tag(s) of image 'rec-stray' ({STRAY['id']}) in place, since "
        "no request path can name them ('/', non-ASCII, '.' or '..'): 'a/b', 'caf\u00e9'."]
    assert sent(requests_mock) == [("GET", f"/v2/images/{STRAY['id']}"),
                                   ("DELETE", f"/v2/images/{STRAY['id']}/tags/old")]


def test_encoded_dots_stay_encoded_on_the_wire(run_module, requests_mock):
    url = f"{LIST}/{STRAY['id']}"
    requests_mock.get(url, **answer("names/stray_get"))
    # Any PUT under the image: the path the request carried is what is checked.
    requests_mock.put(re.compile(f"{re.escape(url)}/tags/.*"), status_code=204)

    result = run_module(toast_image_tag, {**CONN, "image": STRAY["id"], "tags": ["..."]})

    assert result["added"] == ["..."]
    assert sent(requests_mock)[-1] == ("PUT", f"/v2/images/{STRAY['id']}/tags/%2E%2E%2E")
