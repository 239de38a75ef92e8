"""Answers for duplicate member rows (area ``race``).

Glance checks whether a tenant is already a member and then inserts the row,
without a lock between the two: two runs adding the same tenant at the same
moment can both get HTTP 200, and the image then lists that tenant twice.
Each DELETE removes one of the rows. This drives such a race until it
happens and records the list, both DELETEs and the 404 after them.
"""

import threading

from recorder import Recorder


def main():
    rec = Recorder("race")
    image = rec.create_image("alpha", "rec-race", visibility="shared", upload=False)
    members = f"/v2/images/{image}/members"
    tenant = None
    for n in range(200):
        candidate = f"{n:032x}"
        barrier = threading.Barrier(4)

        def add(member=candidate, wait=barrier):
            wait.wait()
            rec.call("POST", members, "alpha", {"member": member})

        threads = [threading.Thread(target=add) for _thread in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        _status, body = rec.call("GET", members, "alpha")
        if [m["member_id"] for m in body["members"]].count(candidate) > 1:
            tenant = candidate
            break
    assert tenant, "no duplicate row in 200 tries"

    rec.call("GET", f"/v2/images/{image}", "alpha", save="image_shared")
    _status, body = rec.call("GET", members, "alpha", save="members_with_twins")
    rows = [m["member_id"] for m in body["members"]].count(tenant)
    rec.call("DELETE", f"{members}/{tenant}", "alpha", save="delete_one_row_204")
    rec.call("GET", members, "alpha", save="members_after_one_delete")
    for _row in range(rows - 1):
        rec.call("DELETE", f"{members}/{tenant}", "alpha")
    rec.call("DELETE", f"{members}/{tenant}", "alpha", save="delete_no_row_404")
    rec.call("GET", members, "alpha", save="members_after_all_deletes")


if __name__ == "__main__":
    main()
