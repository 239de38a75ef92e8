# Copyright (c) 2026 nhncloud.compute contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or
# https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  cloud:
    description:
      - Name of a cloud in an OpenStack C(clouds.yaml) whose entry fills in the
        connection options this task does not set.
      - "Read from the entry: C(auth.auth_url) (a URL without a path gets
        C(/v2.0)), C(auth.username), C(auth.password), C(auth.project_id) or
        C(auth.tenant_id), C(auth.token), C(region_name) (or the first of
        C(regions)), C(image_endpoint_override) (or C(auth.endpoint) with
        C(auth_type: admin_token)), and C(verify) or C(insecure). A trailing C(/v2)
        of an image endpoint is dropped."
      - The file is O(clouds_yaml) when set; otherwise the first that exists of
        E(OS_CLIENT_CONFIG_FILE), then C(clouds.yaml) in the working folder,
        C($XDG_CONFIG_HOME/openstack), C(~/.config/openstack), C(openstack) under
        each folder of E(XDG_CONFIG_DIRS) (C(/etc/xdg) when unset), and
        C(/etc/openstack) (C(clouds.yml) and C(clouds.json) are accepted too). A
        C(secure.yaml) in the same places (or E(OS_CLIENT_SECURE_FILE)) is merged
        into the entry.
      - Falls back to E(NHNCLOUD_CLOUD), then E(OS_CLOUD).
    type: str
  clouds_yaml:
    description:
      - Path of the C(clouds.yaml) to read O(cloud) from, instead of the standard places.
      - Needs O(cloud).
    type: path
  auth_url:
    description:
      - Identity endpoint, including its version, for example
        V(https://api-identity-infrastructure.nhncloudservice.com/v2.0).
      - Tokens are issued by C(POST {auth_url}/tokens).
      - An http or https URL without user information, query, fragment, or C(.) or
        C(..) path segments; anything else is refused before any request.
      - Used only when a token has to be issued (no O(token), or an expired one
        with O(api_password) set).
      - Falls back to E(NHNCLOUD_AUTH_URL), then E(OS_AUTH_URL), then the O(cloud)
        entry, then V(https://api-identity-infrastructure.nhncloudservice.com/v2.0).
    type: str
  tenant_id:
    description:
      - Tenant (project) to authenticate in, as the console's API endpoint page shows it.
      - 32 hexadecimal characters, as NHN Cloud issues tenant IDs.
      - Falls back to E(NHNCLOUD_TENANT_ID), then E(OS_TENANT_ID), then
        E(OS_PROJECT_ID), then the O(cloud) entry.
    type: str
  username:
    description:
      - The account's user ID, an e-mail address.
      - Falls back to E(NHNCLOUD_USERNAME), then E(OS_USERNAME), then the O(cloud) entry.
    type: str
  api_password:
    description:
      - The account's API password, set on the console's API endpoint page (not the
        console login password).
      - With O(tenant_id) and O(username), lets the module issue a token, and issue
        it again once if the image API refuses the current one.
      - Falls back to E(NHNCLOUD_API_PASSWORD), then E(OS_PASSWORD), then the O(cloud) entry.
    type: str
  token:
    description:
      - A token issued beforehand, for example by M(nhncloud.compute.toast_token).
        No identity request is made while it is accepted.
      - Without O(image_url) and O(api_password), the image endpoint comes from the
        built-in region table.
      - Visible ASCII characters only; a token with a space, a line break or another
        character no token has is refused before any request, without showing it.
      - Falls back to E(NHNCLOUD_TOKEN), then E(OS_TOKEN), then the O(cloud) entry.
    type: str
  region:
    description:
      - Region whose image endpoint is used, in any case.
      - Chooses the service catalog entry after a password login; with a bare
        O(token), chooses from the built-in table of V(KR1), V(KR2), V(KR3) and V(JP1).
      - Falls back to E(NHNCLOUD_REGION), then E(OS_REGION_NAME), then the O(cloud)
        entry, then V(KR1).
    type: str
  image_url:
    description:
      - Image endpoint without the version, for example
        V(https://kr1-api-image-infrastructure.nhncloudservice.com).
      - Overrides the service catalog and the region table.
      - An http or https URL without user information, query, fragment, C(.) or
        C(..) path segments, or a trailing C(/v2).
      - Falls back to E(NHNCLOUD_IMAGE_URL), then the O(cloud) entry.
    type: str
  validate_certs:
    description:
      - Whether to verify the servers' TLS certificates.
      - Falls back to E(NHNCLOUD_VALIDATE_CERTS), then the O(cloud) entry, then V(true).
    type: bool
  timeout:
    description:
      - Seconds to wait for each answer, above 0 and at most 3600. Connecting
        waits at most 10 seconds or this, whichever is less.
      - Falls back to E(NHNCLOUD_TIMEOUT).
    type: float
    default: 30
  retries:
    description:
      - How many times a failed request is sent again (connection errors, timeouts,
        answers cut short, HTTP 429, 502, 503 and 504), when sending it again is
        safe. From 0 to 100. A TLS error is reported at once.
      - Waits grow from half a second, doubling up to 8 seconds, with jitter; a
        429's C(Retry-After) is honoured, up to 60 seconds.
      - Falls back to E(NHNCLOUD_RETRIES).
    type: int
    default: 3
requirements:
  - python >= 3.11
  - requests
  - PyYAML, only to read a O(cloud) from C(clouds.yaml)
notes:
  - For each option the first value found wins, in this order - the task's
    options, C(module_defaults) for C(group/nhncloud.compute.image), the
    environment variables named above, the O(cloud) entry, and last the default.
  - An environment variable that is set but empty counts as unset, and the next
    one named is tried; AWX credential types, for one, set every variable they
    inject, empty for a blank field.
  - The O(cloud) entry's credentials (C(token), C(username), C(password) and the
    tenant) are taken together or not at all - when a token, username or API
    password is set by the task, C(module_defaults) or the environment, none of
    them comes from the cloud, so two accounts' credentials are never mixed.
  - A cloud entry's C(password) and C(token) are masked in output like O(api_password).
  - C(project_name), C(profile) and C(auth_type) other than a password or token
    login are not understood; give the tenant as C(project_id).
  - Tokens and passwords never appear in results, messages or warnings.
"""
