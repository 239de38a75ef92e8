"""Answers toast_image_member is tested with (area ``members``).

Alpha owns the images; beta and gamma are its members, and beta also speaks
for itself as a consumer. Bulk members are generated 32-hex tenant IDs.
"""

import hashlib

from recorder import Recorder


def bulk_id(n):
    return hashlib.md5(f"record-members-{n}".encode()).hexdigest()


def main():
    rec = Recorder("members")
    beta, gamma = rec.tenant_id("beta"), rec.tenant_id("gamma")

    shared = rec.create_image("alpha", "rec-member-shared", visibility="shared")
    private = rec.create_image("alpha", "rec-member-private")
    full = rec.create_image("alpha", "rec-member-full", visibility="shared")
    members = f"/v2/images/{shared}/members"

    rec.call("GET", f"/v2/images/{shared}", "alpha", save="image_shared")
    rec.call("GET", f"/v2/images/{private}", "alpha", save="image_private")
    rec.call("GET", "/v2/images?name=rec-member-shared&limit=1000", "alpha",
             save="list_by_name")
    rec.call("GET", f"/v2/images/{private}/members", "alpha", save="members_private_403")
    rec.call("GET", members, "alpha", save="members_empty")

    rec.call("POST", members, "alpha", {"member": beta}, save="add_beta_200")
    rec.call("POST", members, "alpha", {"member": beta}, save="add_beta_409")
    rec.call("POST", members, "alpha", {"member": gamma}, save="add_gamma_200")
    rec.call("GET", members, "alpha", save="members_beta_gamma")

    rec.call("GET", f"/v2/images/{shared}", "beta", save="image_shared_as_beta")
    rec.call("GET", members, "beta", save="members_as_beta_pending")
    rec.call("PUT", f"{members}/{beta}", "alpha", {"status": "accepted"},
             save="put_by_owner_403")
    rec.call("PUT", f"{members}/{beta}", "beta", {"status": "accepted"},
             save="put_beta_accepted")
    rec.call("GET", members, "beta", save="members_as_beta_accepted")
    rec.call("GET", f"{members}/{beta}", "alpha", save="member_beta_accepted")
    rec.call("POST", members, "beta", {"member": gamma}, save="add_by_member_403")

    rec.call("DELETE", f"{members}/{gamma}", "alpha", save="delete_gamma_204")
    rec.call("DELETE", f"{members}/{gamma}", "alpha", save="delete_gamma_404")

    for n in range(127):
        status, member = rec.call("POST", f"/v2/images/{full}/members", "alpha",
                                  {"member": bulk_id(n)})
        assert status == 200, (status, member)
    rec.call("POST", f"/v2/images/{full}/members", "alpha", {"member": bulk_id(127)},
             save="add_128th_413")


if __name__ == "__main__":
    main()
