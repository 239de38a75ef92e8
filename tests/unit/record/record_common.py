"""Answers the client and the read-only modules are tested with (area ``common``)."""

from recorder import Recorder


def main():
    rec = Recorder("common")
    alpha_id = rec.tenant_id("alpha")
    identity = rec.facts["auth_url"]

    rec.call("POST", "/tokens", base=identity, save="token_200", body={
        "auth": {"tenantId": alpha_id, "passwordCredentials": {
            "username": "alpha@example.com", "password": "alpha-api-password"}}})
    rec.call("POST", "/tokens", base=identity, save="token_401", body={
        "auth": {"tenantId": alpha_id, "passwordCredentials": {
            "username": "alpha@example.com", "password": "wrong"}}})

    ids = [rec.create_image("alpha", f"rec-page-{n}", tags=["rec"]) for n in range(3)]
    rec.create_image("alpha", "rec-twin")
    rec.create_image("alpha", "rec-twin")
    shared = rec.create_image("alpha", "rec-shared", visibility="shared")
    rec.call("POST", f"/v2/images/{shared}/members", "alpha",
             {"member": rec.tenant_id("beta")})

    rec.call("GET", f"/v2/images/{ids[0]}", "alpha", save="image_get_200")
    rec.call("GET", "/v2/images/0a0a0a0a-0000-4000-8000-000000000000", "alpha",
             save="image_get_404")
    rec.call("GET", "/v2/images?limit=2&tag=rec&sort_key=name&sort_dir=asc", "alpha",
             save="list_page1")
    rec.call("GET", f"/v2/images?limit=2&tag=rec&sort_key=name&sort_dir=asc&marker={ids[1]}",
             "alpha", save="list_page2")
    rec.call("GET", "/v2/images?name=rec-page-0&limit=1000", "alpha", save="list_by_name")
    rec.call("GET", "/v2/images?name=rec-twin&limit=1000", "alpha", save="list_twins")
    rec.call("GET", "/v2/images?name=nothing-here&limit=1000", "alpha", save="list_empty")
    rec.call("GET", "/v2/images?sort_key=bogus&limit=1000", "alpha", save="list_400_sort_key")
    rec.call("GET", "/v2/images?limit=1000", "nobody", save="list_401")
    rec.call("GET", "/v2/images?name=rec-shared&limit=1000", "alpha", save="list_shared")
    rec.call("GET", f"/v2/images/{shared}/members", "alpha", save="members_list")


if __name__ == "__main__":
    main()
