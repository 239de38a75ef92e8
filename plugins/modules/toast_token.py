#!/usr/bin/python
# Copyright (c) 2026 nhncloud.compute contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or
# https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: toast_token
short_description: Issue a TOAST (NHN Cloud) API token once, for later tasks
version_added: 0.1.0
description:
  - Issues a token with the account's API password and returns it with its expiry,
    the tenant and the image endpoint, so that later tasks pass O(token) and
    O(image_url) and make no identity request of their own.
  - The result necessarily holds the token. Set C(no_log) to V(true) on the task,
    as the examples do, and keep the registered variable out of printed output.
  - Makes exactly one request, C(POST {auth_url}/tokens); changes nothing.
  - With only a O(token) and no O(api_password), makes no request at all and
    hands that token on with its image endpoint (O(image_url), or the region's
    built-in one). Roles use this to accept either kind of credential.
options: {}
extends_documentation_fragment:
  - nhncloud.compute.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.ACTIONGROUPS
attributes:
  check_mode:
    support: full
    details: Issues the token in check mode too, since later tasks need it.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: all
  action_group:
    support: full
    membership:
      - nhncloud.compute.image
notes:
  - Needs O(tenant_id), O(username) and O(api_password), or a O(token). When
    both are given, a new token is issued and O(token) is not used.
  - A token lives about 12 hours. Changing the API password invalidates the
    tokens already issued.
seealso:
  - module: nhncloud.compute.toast_image_info
author:
  - nhncloud.compute contributors (@nhncloud-community)
"""

EXAMPLES = r"""
- name: Issue one token for the play
  nhncloud.compute.toast_token:
    tenant_id: "{{ owner_tenant_id }}"
    username: platform@example.com
    api_password: "{{ vault_api_password }}"
    region: KR1
  register: owner_auth
  no_log: true

- name: Hand on a token from the environment (NHNCLOUD_TOKEN), with its endpoint
  nhncloud.compute.toast_token:
    region: KR2
  register: env_auth
  no_log: true

- name: Later tasks reuse it without asking the identity service again
  nhncloud.compute.toast_image_info:
    token: "{{ owner_auth.token }}"
    image_url: "{{ owner_auth.image_url }}"
    visibility: shared
"""

RETURN = r"""
token:
  description: The issued token, for O(token) of later tasks. Keep it out of logs.
  returned: success
  type: str
  sample: gAAAAABm-example-token
expires:
  description:
    - When the token stops working, in UTC (C(YYYY-MM-DDThh:mm:ssZ)).
    - V(null) for a O(token) handed on, whose expiry is not known.
  returned: success
  type: str
  sample: "2026-12-04T08:16:54Z"
tenant_id:
  description:
    - The tenant the token belongs to.
    - For a O(token) handed on, O(tenant_id) as given (V(null) when not given).
  returned: success
  type: str
  sample: 5ce2e8c887020e33d11dbb3c8d6d5948
image_url:
  description:
    - The image endpoint for O(region), for O(image_url) of later tasks.
    - O(image_url) when given, otherwise the service catalog's C(image) entry.
  returned: success
  type: str
  sample: https://kr1-api-image-infrastructure.nhncloudservice.com
"""

from ansible_collections.nhncloud.compute.plugins.module_utils.base import ImageModule


def main():
    mod = ImageModule({}, mask_tokens=False, supports_check_mode=True)
    p = mod.params

    if p["token"] and not p["api_password"]:
        with mod.guard("Could not find the image endpoint for the given token"):
            image_url = mod.client.endpoint()
        # Handing the token on is this module's job: unmask it in the result only.
        mod.module.no_log_values.discard(p["token"])
        mod.exit(changed=False, token=p["token"], expires=None,
                 tenant_id=p["tenant_id"], image_url=image_url)

    missing = [n for n in ("tenant_id", "username", "api_password") if not p[n]]
    if missing:
        mod.fail(f"toast_token needs tenant_id, username and api_password, or a token "
                 f"(missing: {', '.join(missing)}).")

    client = mod.client
    with mod.guard(f"Could not issue a token for {p['username']} in tenant {p['tenant_id']}"):
        issued = client.login()
        image_url = client.endpoint()

    mod.exit(changed=False, image_url=image_url, **issued)


if __name__ == "__main__":
    main()
