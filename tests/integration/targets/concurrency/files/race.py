"""Race four adds of one tenant to an image until Glance keeps two rows of it.

Usage: race.py IMAGE_URL TOKEN IMAGE_ID PREFIX. Prints the tenant ID that is
listed more than once, or exits 1 after 100 tries. Standard library only.
"""

import hashlib
import json
import sys
import threading
import urllib.error
import urllib.request


def call(url, token, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"X-Auth-Token": token, "Accept": "application/json",
               "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as err:
        err.read()
        return None


def main(image_url, token, image_id, prefix):
    members = f"{image_url}/v2/images/{image_id}/members"
    for attempt in range(100):
        tenant = hashlib.md5(f"{prefix}-race-{attempt}".encode()).hexdigest()
        barrier = threading.Barrier(4)

        def add(member=tenant, start=barrier):
            start.wait()
            call(members, token, "POST", {"member": member})

        threads = [threading.Thread(target=add) for _thread in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rows = call(members, token)["members"]
        if [row["member_id"] for row in rows].count(tenant) > 1:
            print(tenant)
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
