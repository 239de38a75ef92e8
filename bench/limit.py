"""The physical limit: the fewest HTTP requests over one kept-alive connection.

Each workload of the benchmark, done with one ``requests.Session`` and nothing
else: no retries, no checks beyond what the work needs, no Ansible. Its time
and request count are what the collection is measured against.

    BENCH_TOKEN=... python limit.py share [--exclusive] IMAGE_URL IMAGE_ID TENANT...
    BENCH_TOKEN=... python limit.py list IMAGE_URL [--name NAME]
    BENCH_TOKEN=... python limit.py drift IMAGE_URL OWNER SPEC_JSON

``share`` reads the image and its members, then adds (and with
``--exclusive`` removes) only what differs. ``list`` lists the private images
with the largest page the API allows, or finds one by name. ``drift`` lists
the owner's images once, reads the members of each declared image and prints
what differs from SPEC_JSON (a file of ``[{"image": name, "members": [...]}]``).
Each prints one JSON line of what it found.
"""

import argparse
import json
import os
import sys

import requests

PAGE = 1000


def session():
    s = requests.Session()
    s.headers.update({"X-Auth-Token": os.environ["BENCH_TOKEN"], "Accept": "application/json"})
    return s


def check(response, *ok):
    if response.status_code not in ok:
        raise SystemExit(f"{response.request.method} {response.url}: {response.status_code}")
    return response


def share(args):
    s = session()
    base = f"{args.image_url}/v2/images/{args.image}"
    image = check(s.get(base), 200).json()
    if image["visibility"] != "shared":
        raise SystemExit(f"image {args.image} is {image['visibility']}")
    rows = check(s.get(f"{base}/members"), 200).json()["members"]
    have = {row["member_id"] for row in rows}
    want = {t.lower() for t in args.tenants}
    remove = sorted(have - want) if args.exclusive else []
    add = sorted(want - have)
    for member in remove:
        check(s.delete(f"{base}/members/{member}"), 204, 404)
    for member in add:
        check(s.post(f"{base}/members", json={"member": member}), 200, 409)
    print(json.dumps({"added": len(add), "removed": len(remove)}))


def list_images(args):
    s = session()
    query = {"limit": PAGE}
    if args.name:
        query["name"] = args.name
    else:
        query["visibility"] = "private"
    images = []
    while True:
        page = check(s.get(f"{args.image_url}/v2/images", params=query), 200).json()
        images.extend(page["images"])
        # One request when the first page is not full: no next page can follow.
        if "next" not in page or len(page["images"]) < query["limit"]:
            break
        query["marker"] = page["images"][-1]["id"]
    print(json.dumps({"images": len(images)}))


def drift(args):
    s = session()
    with open(args.spec, encoding="utf-8") as f:
        spec = json.load(f)
    query = {"owner": args.owner, "limit": PAGE}
    page = check(s.get(f"{args.image_url}/v2/images", params=query), 200).json()
    by_name = {image["name"]: image for image in page["images"]}
    report = []
    for entry in spec:
        image = by_name[entry["image"]]
        have = set()
        if image["visibility"] == "shared":
            url = f"{args.image_url}/v2/images/{image['id']}/members"
            have = {row["member_id"] for row in check(s.get(url), 200).json()["members"]}
        want = {m.lower() for m in entry["members"]}
        if image["visibility"] != "shared" or have != want:
            report.append({"image": entry["image"], "add": sorted(want - have),
                           "remove": sorted(have - want)})
    print(json.dumps({"drifted": report}))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="workload", required=True)
    p = sub.add_parser("share")
    p.add_argument("image_url")
    p.add_argument("image")
    p.add_argument("--exclusive", action="store_true")
    p.add_argument("tenants", nargs="*")
    p = sub.add_parser("list")
    p.add_argument("image_url")
    p.add_argument("--name")
    p = sub.add_parser("drift")
    p.add_argument("image_url")
    p.add_argument("owner")
    p.add_argument("spec")
    args = parser.parse_args(argv)
    {"share": share, "list": list_images, "drift": drift}[args.workload](args)


if __name__ == "__main__":
    main(sys.argv[1:])
