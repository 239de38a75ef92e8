"""toast_image_info end to end, against answers recorded from the real Glance."""

from __future__ import annotations

from conftest import CONN, IMAGE_URL, TOKEN, answer, recorded, sent

from ansible_collections.nhncloud.compute.plugins.modules import toast_image_info

ONE = recorded("common/image_get_200")["json"]


def test_by_id_reads_one_image(run_module, requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images/{ONE['id']}", **answer("common/image_get_200"))

    result = run_module(toast_image_info, {**CONN, "image": ONE["id"]})

    assert result["rc"] == 0
    assert result["changed"] is False
    assert [i["id"] for i in result["images"]] == [ONE["id"]]
    assert sent(requests_mock) == [("GET", f"/v2/images/{ONE['id']}")]
    assert requests_mock.last_request.headers["X-Auth-Token"] == TOKEN
    assert requests_mock.last_request.headers["Accept"] == "application/json"


def test_by_name_is_one_request(run_module, requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("common/list_by_name"))

    result = run_module(toast_image_info, {**CONN, "image": "rec-page-0"})

    assert result["images"][0]["name"] == "rec-page-0"
    assert sent(requests_mock) == [("GET", "/v2/images?name=rec-page-0&limit=1000")]


def test_ambiguous_name_lists_the_ids(run_module, requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("common/list_twins"))
    ids = sorted(i["id"] for i in recorded("common/list_twins")["json"]["images"])

    result = run_module(toast_image_info, {**CONN, "image": "rec-twin"})

    assert result["failed"] is True
    assert result["msg"] == (
        f"Image name 'rec-twin' matches 2 images ({', '.join(ids)}): give the image ID instead."
    )
    assert result["image_ids"] == ids


def test_unknown_id_names_it(run_module, requests_mock):
    missing = "0a0a0a0a-0000-4000-8000-000000000000"
    requests_mock.get(f"{IMAGE_URL}/v2/images/{missing}", **answer("common/image_get_404"))
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("common/list_empty"))

    result = run_module(toast_image_info, {**CONN, "image": missing})

    assert result["msg"] == (
        f"Image '{missing}' not found: no image visible to this tenant has that ID or name."
    )


def test_follows_next_with_the_callers_own_filters(run_module, requests_mock):
    page1, page2 = answer("common/list_page1"), answer("common/list_page2")
    marker = recorded("common/list_page1")["json"]["images"][-1]["id"]
    requests_mock.get(f"{IMAGE_URL}/v2/images", [page1, page2])

    result = run_module(toast_image_info, {
        **CONN, "tag": ["rec"], "sort_key": "name", "sort_dir": "asc"})

    assert [i["name"] for i in result["images"]] == ["rec-page-0", "rec-page-1", "rec-page-2"]
    assert sent(requests_mock) == [
        ("GET", "/v2/images?tag=rec&sort_key=name&sort_dir=asc&limit=1000"),
        ("GET", f"/v2/images?tag=rec&sort_key=name&sort_dir=asc&limit=1000&marker={marker}"),
    ]
    assert "next_marker" not in result


def test_limit_stops_and_returns_the_marker(run_module, requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("common/list_page1"))
    last = recorded("common/list_page1")["json"]["images"][-1]["id"]

    result = run_module(toast_image_info, {**CONN, "tag": ["rec"], "limit": 2,
                                           "sort_key": "name", "sort_dir": "asc"})

    assert len(result["images"]) == 2
    assert result["next_marker"] == last
    assert sent(requests_mock) == [
        ("GET", "/v2/images?tag=rec&sort_key=name&sort_dir=asc&limit=2")]


def test_limit_at_the_end_returns_no_marker(run_module, requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("common/list_page2"))

    marker = recorded("common/list_page1")["json"]["images"][-1]["id"]

    result = run_module(toast_image_info, {**CONN, "limit": 5, "marker": marker})

    assert result["next_marker"] is None
    assert sent(requests_mock) == [("GET", f"/v2/images?marker={marker}&limit=5")]


def test_members_only_asked_for_shared_images(run_module, requests_mock):
    shared = recorded("common/list_shared")["json"]["images"][0]
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("common/list_shared"))
    requests_mock.get(f"{IMAGE_URL}/v2/images/{shared['id']}/members",
                      **answer("common/members_list"))

    result = run_module(toast_image_info, {**CONN, "name": "rec-shared", "members": True})

    members = result["images"][0]["members"]
    assert [m["status"] for m in members] == ["pending"]
    assert sent(requests_mock)[-1] == ("GET", f"/v2/images/{shared['id']}/members")


def test_images_in_order_each_read_at_most_twice(run_module, requests_mock):
    shared = recorded("common/list_shared")["json"]["images"][0]
    requests_mock.get(f"{IMAGE_URL}/v2/images/{ONE['id']}", **answer("common/image_get_200"))
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("common/list_shared"))
    requests_mock.get(f"{IMAGE_URL}/v2/images/{shared['id']}/members",
                      **answer("common/members_list"))

    result = run_module(toast_image_info, {
        **CONN, "images": ["rec-shared", ONE["id"], "rec-shared"], "members": True,
    })

    assert result["rc"] == 0
    assert [i["id"] for i in result["images"]] == [shared["id"], ONE["id"], shared["id"]]
    assert [len(i["members"]) for i in result["images"]] == [1, 0, 1]
    assert sent(requests_mock) == [
        ("GET", "/v2/images?name=rec-shared&limit=1000"),
        ("GET", f"/v2/images/{ONE['id']}"),
        ("GET", f"/v2/images/{shared['id']}/members"),
    ]


def test_images_stop_at_the_first_one_not_found(run_module, requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images/{ONE['id']}", **answer("common/image_get_200"))
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("common/list_empty"))

    result = run_module(toast_image_info, {
        **CONN, "images": [ONE["id"], "nothing-here", "rec-shared"], "members": True,
    })

    assert result["failed"] is True
    assert result["msg"] == (
        "Image 'nothing-here' not found: no image visible to this tenant has that ID or name."
    )
    assert sent(requests_mock) == [
        ("GET", f"/v2/images/{ONE['id']}"),
        ("GET", "/v2/images?name=nothing-here&limit=1000"),
    ]


def test_server_message_reaches_msg_and_failure(run_module, requests_mock):
    requests_mock.get(f"{IMAGE_URL}/v2/images", **answer("common/list_400_sort_key"))

    result = run_module(toast_image_info, {**CONN, "sort_key": "bogus"})

    assert result["msg"] == (
        "Could not list images: GET /v2/images returned HTTP 400: Invalid sort key: bogus. "
        "It must be one of the following: name, status, container_format, disk_format, "
        "size, id, created_at, updated_at."
    )
    assert result["failure"]["status"] == 400
    assert result["failure"]["method"] == "GET"


BAD_FILTERS = [
    ({"sort_dir": "up"}, "value of sort_dir must be one of: asc, desc, got: up"),
    ({"visibility": "everyone"}, "value of visibility must be one of:"),
    ({"status": "bogus"}, "value of status must be one of:"),
    ({"size_min": -1}, "size_min must be 0 or more bytes, not -1."),
    ({"size_max": -5}, "size_max must be 0 or more bytes, not -5."),
    ({"size_min": 10, "size_max": 5}, "size_min (10) is larger than size_max (5)."),
    ({"limit": 0}, "limit must be 1 or more, not 0."),
    ({"member_status": "maybe"}, "value of member_status must be one of:"),
    ({"image": "x", "name": "y"}, "parameters are mutually exclusive: image|name"),
    ({"image": " "}, "image must not be empty."),
    ({"tag": [""]}, "tag must not hold an empty tag."),
    ({"images": ["a", " "]}, "images[1] must not be empty."),
    ({"images": ["a"], "image": "b"}, "parameters are mutually exclusive: image|images"),
    ({"images": ["a"], "owner": "b"}, "parameters are mutually exclusive: images|owner"),
    ({"images": ["a"], "limit": 5}, "parameters are mutually exclusive: images|limit"),
]


def test_bad_filters_fail_before_any_request(run_module, requests_mock):
    for args, msg in BAD_FILTERS:
        result = run_module(toast_image_info, {**CONN, **args})
        assert result["failed"] is True, args
        assert msg in result["msg"], (args, result["msg"])
    assert requests_mock.request_history == []
