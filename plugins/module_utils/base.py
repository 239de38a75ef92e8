# Copyright (c) 2026 nhncloud.compute contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or
# https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module shares: connection options, the client, image lookup, failures."""

from __future__ import annotations

import os
from contextlib import contextmanager

from ansible.module_utils.basic import AnsibleModule, _load_params, missing_required_lib
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.nhncloud.compute.plugins.module_utils.checks import (
    UUID_RE,
    image_ref_problem,
    raw_type_problem,
    retries_problem,
    tenant_problem,
    timeout_problem,
    token_problem,
    url_problem,
)
from ansible_collections.nhncloud.compute.plugins.module_utils.clouds import (
    SECRET_KEYS,
    YAML_IMPORT_ERROR,
    CloudsError,
    connection_values,
    find_cloud,
    resolve,
)
from ansible_collections.nhncloud.compute.plugins.module_utils.client import (
    DEFAULT_AUTH_URL,
    REQUESTS_IMPORT_ERROR,
    ApiError,
    ConfigError,
    ImageClient,
    name_filter,
    segment,
)

# Applied after the cloud entry, so that a cloud's values can fill these in.
CONNECTION_DEFAULTS = {"auth_url": DEFAULT_AUTH_URL, "region": "KR1", "validate_certs": True}

# The last sentence of every failure of a module that writes.
RERUN = ("Running the task again is safe: it reads the image again and makes only the "
         "changes still missing.")


def failed_call(lead: str, err: Exception) -> str:
    """``lead: error``, saying so when the failed call may have taken effect anyway."""
    text = f"{lead}: {str(err).rstrip('.')}"
    if getattr(err, "uncertain", False):
        text += "; whether it took effect is unknown"
    return text


def progress_report(subject: str, done: list[str], failed: list[str],
                    not_tried: list[str]) -> str:
    """The failure of a run that stopped midway: what it did, what failed, what it did not try."""
    parts = [f"{subject}: {'; '.join(done) or 'nothing changed'}", *failed]
    if not_tried:
        parts.append(f"Not tried: {', '.join(not_tried)}")
    return ". ".join(parts) + ". " + RERUN


def set_env_fallback(*names: str) -> str:
    """The first of the environment variables ``names`` that holds a value.

    An empty variable counts as unset, so the next name is tried: AWX credential
    types, for one, inject every variable they name, empty for a blank field.
    """
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    raise AnsibleFallbackNotFound


def _env(*names):
    return (set_env_fallback, list(names))


def connection_spec() -> dict:
    """The connection options every module takes (doc fragment nhncloud.compute.connection)."""
    return dict(
        cloud=dict(type="str", fallback=_env("NHNCLOUD_CLOUD", "OS_CLOUD")),
        clouds_yaml=dict(type="path"),
        auth_url=dict(type="str", fallback=_env("NHNCLOUD_AUTH_URL", "OS_AUTH_URL")),
        tenant_id=dict(
            type="str", fallback=_env("NHNCLOUD_TENANT_ID", "OS_TENANT_ID", "OS_PROJECT_ID"),
        ),
        username=dict(type="str", fallback=_env("NHNCLOUD_USERNAME", "OS_USERNAME")),
        api_password=dict(
            type="str", no_log=True, fallback=_env("NHNCLOUD_API_PASSWORD", "OS_PASSWORD"),
        ),
        token=dict(type="str", no_log=True, fallback=_env("NHNCLOUD_TOKEN", "OS_TOKEN")),
        region=dict(type="str", fallback=_env("NHNCLOUD_REGION", "OS_REGION_NAME")),
        image_url=dict(type="str", fallback=_env("NHNCLOUD_IMAGE_URL")),
        validate_certs=dict(type="bool", fallback=_env("NHNCLOUD_VALIDATE_CERTS")),
        timeout=dict(type="float", default=30, fallback=_env("NHNCLOUD_TIMEOUT")),
        retries=dict(type="int", default=3, fallback=_env("NHNCLOUD_RETRIES")),
    )


class ImageModule:
    """An AnsibleModule with the connection options, a lazily built client and lookups.

    Helpers raise; only this class's ``fail``/``fail_api``/``exit`` end the run.
    ``writes``: the module changes images, so its API failures also say what
    changed and that running the task again is safe.
    """

    def __init__(self, argument_spec: dict, *, mask_tokens: bool = True,
                 writes: bool = False, **kwargs):
        spec = connection_spec()
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        self.mask_tokens = mask_tokens
        self.writes = writes
        self._client = None
        if REQUESTS_IMPORT_ERROR:
            self.module.fail_json(
                msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR
            )
        # Ansible turns a list given for a string option into its text, and a
        # YAML yes into "True": judge the values as the task gave them.
        problem = raw_type_problem(spec, _load_params())
        if problem:
            self.fail(problem)
        self.cloud_file = None
        self.params = self._with_cloud(self.module.params)
        self._check_connection_values()

    def _with_cloud(self, params: dict) -> dict:
        """The module's parameters with the cloud entry and defaults filled in; a new dict.

        ``module.params`` itself stays as Ansible gave it.
        """
        merged = dict(params)
        name = params["cloud"]
        if name is None and params["clouds_yaml"] is not None:
            self.fail("clouds_yaml names a file, but no cloud is chosen: set cloud (or OS_CLOUD).")

        if name is not None:
            if YAML_IMPORT_ERROR:
                self.fail(missing_required_lib("PyYAML"), exception=YAML_IMPORT_ERROR)
            from_cloud = {}
            try:
                entry, self.cloud_file = find_cloud(name, params["clouds_yaml"])
                from_cloud = connection_values(entry, name)
            except CloudsError as err:
                self.fail(str(err))

            for key in SECRET_KEYS:
                if from_cloud.get(key):
                    self.module.no_log_values.add(from_cloud[key])
            merged = resolve(merged, from_cloud)

        for key, value in CONNECTION_DEFAULTS.items():
            if merged[key] is None:
                merged[key] = value
        return merged

    @property
    def check_mode(self) -> bool:
        return self.module.check_mode

    def _check_connection_values(self) -> None:
        """Refuse, before any request, connection values that cannot work."""
        p = self.params
        problems = [timeout_problem(p["timeout"]), retries_problem(p["retries"])]
        problems += [url_problem(name, p[name]) for name in ("auth_url", "image_url")
                     if p[name] is not None]
        problems.append(token_problem(p["token"]))
        if p["tenant_id"]:
            problems.append(tenant_problem(p["tenant_id"], "tenant_id"))
        for problem in problems:
            if problem:
                self.fail(problem)

    def check_image_ref(self, value: str, option: str = "image") -> None:
        """Fail, before any request, on an image ID or name no image can have."""
        problem = image_ref_problem(value, option)
        if problem:
            self.fail(problem)

    @property
    def client(self) -> ImageClient:
        if self._client is None:
            p = self.params
            try:
                self._client = ImageClient(
                    auth_url=p["auth_url"],
                    tenant_id=p["tenant_id"],
                    username=p["username"],
                    api_password=p["api_password"],
                    token=p["token"],
                    region=p["region"],
                    image_url=p["image_url"],
                    validate_certs=p["validate_certs"],
                    timeout=p["timeout"],
                    retries=p["retries"],
                    on_token=self.module.no_log_values.add if self.mask_tokens else None,
                )
            except ConfigError as err:
                self.fail(str(err))
        return self._client

    # ---- lookups -------------------------------------------------------

    def find_image(self, ref: str, *, missing_ok: bool = False) -> dict | None:
        """The image whose ID is ``ref``, or the one image named ``ref``.

        An ID-shaped ``ref`` is read directly; when no image has that ID it is
        tried as a name, sent as the list's ``name`` filter, never in the path.
        Fails when no image (unless ``missing_ok``) or several images match.
        """
        if UUID_RE.fullmatch(ref):
            response = self.client.request("GET", f"/v2/images/{segment(ref)}", ok=(200, 404))
            if response.status_code == 200:
                return response.json()
        # The filter value may be a one-item list (see name_filter), or absent
        # when no filter can say the name: compare the names here either way.
        query = name_filter(ref)
        params = {} if query is None else {"name": query}
        images, _next = self.client.paginate("/v2/images", "images", params=params)
        images = [image for image in images if image.get("name") == ref]
        if len(images) == 1:
            return images[0]
        if len(images) > 1:
            ids = ", ".join(sorted(i["id"] for i in images))
            self.fail(
                f"Image name {ref!r} matches {len(images)} images ({ids}): "
                "give the image ID instead.",
                image_ids=sorted(i["id"] for i in images),
            )
        if missing_ok:
            return None
        self.fail(f"Image {ref!r} not found: no image visible to this tenant has that ID or name.")

    def caller_tenant(self) -> str | None:
        """The caller's tenant when known (given, or learned at login)."""
        client = self.client
        return client.tenant_id if client.tenant_id else self.params["tenant_id"]

    # ---- endings -------------------------------------------------------

    def fail(self, msg: str, **result) -> None:
        self.module.fail_json(msg=msg, **result)

    def fail_api(self, action: str, err: ApiError, **result) -> None:
        """Fail with what was being done, the status and the server's own message.

        In a module that writes, only for a call before any write or for the
        run's one write: the message adds that nothing changed (or that the
        call may have taken effect) and that running the task again is safe.
        """
        if not self.writes:
            self.module.fail_json(msg=f"{action}: {err}", failure=err.failure(), **result)
        result.setdefault("changed", False)
        outcome = "" if err.uncertain else " Nothing was changed."
        self.module.fail_json(msg=f"{failed_call(action, err)}.{outcome} {RERUN}",
                              failure=err.failure(), **result)

    @contextmanager
    def guard(self, action: str, **result):
        """Turn a client error inside the block into a failure saying ``action``.

        In a module that writes, the block holds a call before any write or
        the run's one write (see ``fail_api``).
        """
        try:
            yield
        except ApiError as err:
            self.fail_api(action, err, **result)
        except ConfigError as err:
            self.fail(f"{action}: {err}", **result)

    def exit(self, **result) -> None:
        self.module.exit_json(**result)
