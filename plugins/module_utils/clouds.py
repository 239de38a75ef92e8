# Copyright (c) 2026 nhncloud.compute contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or
# https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection settings from an OpenStack ``clouds.yaml``.

The file is looked for where OpenStack's own tools look: the file named by
``OS_CLIENT_CONFIG_FILE``, then ``clouds.yaml`` in the working folder, in
``$XDG_CONFIG_HOME/openstack`` and ``~/.config/openstack``, in ``openstack`` under
each of ``$XDG_CONFIG_DIRS`` (``/etc/xdg`` when unset), and in ``/etc/openstack``
(``.yml`` and ``.json`` are accepted beside ``.yaml``); the first one that exists
is read. A ``secure.yaml`` found the same way (or named by
``OS_CLIENT_SECURE_FILE``) is merged into the cloud entry, so passwords can live
apart from the rest.
"""

from __future__ import annotations

import os
import traceback
from urllib.parse import urlsplit, urlunsplit

try:
    import yaml
except ImportError:  # pragma: no cover - reported by the module base
    yaml = None
    YAML_IMPORT_ERROR = traceback.format_exc()
else:
    YAML_IMPORT_ERROR = None

SECRET_KEYS = ("api_password", "token")
CREDENTIAL_KEYS = ("token", "username", "api_password", "tenant_id")
NO_AUTH_TYPES = ("admin_token", "none", "noauth")


class CloudsError(Exception):
    """A clouds.yaml that is missing, unreadable, or lacks the named cloud."""


SUFFIXES = (".yaml", ".yml", ".json")


def folders(environ, cwd: str, home: str) -> list[str]:
    """The folders searched for clouds and secure files, in order, each once."""
    config_home = environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    site_dirs = (environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
    found = [
        cwd,
        os.path.join(config_home, "openstack"),
        os.path.join(home, ".config", "openstack"),
    ]
    found += [os.path.join(folder, "openstack") for folder in site_dirs if folder]
    found.append("/etc/openstack")
    return list(dict.fromkeys(found))


def _candidates(kind: str, env_name: str, environ, cwd: str, home: str) -> list[str]:
    """Where a ``kind`` file (clouds or secure) may be, in the order looked at."""
    named = environ.get(env_name)
    paths = [named] if named else []
    for folder in folders(environ, cwd, home):
        paths += [os.path.join(folder, f"{kind}{suffix}") for suffix in SUFFIXES]
    return paths


def locations(environ=None, cwd: str | None = None, home: str | None = None) -> list[str]:
    """The clouds.yaml paths searched, in order."""
    environ = os.environ if environ is None else environ
    cwd = os.getcwd() if cwd is None else cwd
    home = os.path.expanduser("~") if home is None else home
    return _candidates("clouds", "OS_CLIENT_CONFIG_FILE", environ, cwd, home)


def _read(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as err:
        raise CloudsError(f"Could not read {path}: {err.strerror}.") from None
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise CloudsError(f"{path} is not valid YAML{line}.") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CloudsError(f"{path} must hold a mapping with a 'clouds' key.")
    return data


def _clouds_of(path: str, data: dict) -> dict:
    clouds = data.get("clouds") or {}
    if not isinstance(clouds, dict):
        raise CloudsError(f"'clouds' in {path} must be a mapping of cloud names.")
    return clouds


def _merge(base: dict, extra: dict) -> dict:
    """``base`` with ``extra`` laid over it, mapping by mapping."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _first_existing(paths: list[str]) -> str | None:
    return next((p for p in paths if os.path.isfile(p)), None)


def find_cloud(name: str, path: str | None = None, environ=None,
               cwd: str | None = None, home: str | None = None) -> tuple[dict, str]:
    """The entry of cloud ``name`` and the file it came from.

    ``path`` names the file to read; without it the standard locations are
    searched. Raises ``CloudsError`` when no file is found, the file cannot be
    read, or it has no cloud of that name.
    """
    if yaml is None:
        raise CloudsError("Reading clouds.yaml needs the PyYAML library.")
    environ = os.environ if environ is None else environ
    cwd = os.getcwd() if cwd is None else cwd
    home = os.path.expanduser("~") if home is None else home

    if path is not None:
        if not os.path.isfile(path):
            raise CloudsError(f"clouds_yaml {path} does not exist or is not a file.")
        found = path
    else:
        found = _first_existing(locations(environ, cwd, home))
        if found is None:
            named = environ.get("OS_CLIENT_CONFIG_FILE")
            also = f" at {named} (OS_CLIENT_CONFIG_FILE) nor" if named else ""
            raise CloudsError(
                f"Cloud {name!r} was asked for, but no clouds.yaml (or .yml, .json) "
                f"was found{also} in any of: {', '.join(folders(environ, cwd, home))}."
            )

    clouds = _clouds_of(found, _read(found))
    entry = clouds.get(name)
    if not isinstance(entry, dict):
        known = ", ".join(sorted(str(k) for k in clouds)) or "none"
        raise CloudsError(f"Cloud {name!r} is not in {found} (clouds there: {known}).")

    secure = _first_existing(_candidates("secure", "OS_CLIENT_SECURE_FILE", environ, cwd, home))
    if secure is not None:
        extra = _clouds_of(secure, _read(secure)).get(name)
        if isinstance(extra, dict):
            entry = _merge(entry, extra)
    return entry, found


def _versioned_auth_url(url: str) -> str:
    """An identity URL without a path gets NHN Cloud's ``/v2.0``."""
    parts = urlsplit(url)
    if parts.path.strip("/"):
        return url.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, "/v2.0", "", ""))


def _bare_image_url(url: str) -> str:
    """The image endpoint without a trailing ``/v2``, as ``image_url`` takes it."""
    url = url.rstrip("/")
    return url[: -len("/v2")] if url.endswith("/v2") else url


def _text(entry: dict, key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise CloudsError(f"{where}{key} must be a string.")
    return str(value)


def _first_region(entry: dict, name: str) -> str | None:
    """The first of the entry's ``regions``, the region used when no region_name is set."""
    regions = entry.get("regions")
    if not regions:
        return None
    if not isinstance(regions, list):
        raise CloudsError(f"cloud {name!r}: regions must be a list.")
    first = regions[0]
    if isinstance(first, dict):
        first = first.get("name")
    if not isinstance(first, str) or not first:
        raise CloudsError(
            f"cloud {name!r}: regions[0] must be a region name or a mapping with a name."
        )
    return first


def connection_values(entry: dict, name: str) -> dict:
    """The connection options a cloud entry gives, by option name; absent ones left out."""
    auth = entry.get("auth") or {}
    if not isinstance(auth, dict):
        raise CloudsError(f"auth of cloud {name!r} must be a mapping.")
    where = f"cloud {name!r}: auth."
    values = {
        "auth_url": _text(auth, "auth_url", where),
        "username": _text(auth, "username", where),
        "api_password": _text(auth, "password", where),
        "token": _text(auth, "token", where),
        "tenant_id": (
            _text(auth, "project_id", where) or _text(auth, "tenant_id", where)
        ),
    }
    where = f"cloud {name!r}: "
    values["region"] = _text(entry, "region_name", where) or _first_region(entry, name)
    values["image_url"] = _text(entry, "image_endpoint_override", where)
    if values["image_url"] is None and entry.get("auth_type") in NO_AUTH_TYPES:
        values["image_url"] = _text(auth, "endpoint", f"{where}auth.")

    if values["auth_url"]:
        values["auth_url"] = _versioned_auth_url(values["auth_url"])
    if values["image_url"]:
        values["image_url"] = _bare_image_url(values["image_url"])
    verify = entry.get("verify")
    if entry.get("insecure") is True or verify is False:
        values["validate_certs"] = False
    elif verify is True or entry.get("insecure") is False:
        values["validate_certs"] = True
    return {key: value for key, value in values.items() if value is not None}


def resolve(options: dict, cloud: dict) -> dict:
    """The options with the cloud's values filling the gaps; a new dict.

    Each option given (in the task, ``module_defaults`` or the environment)
    wins over the cloud. The cloud's credentials (token, username,
    api_password, tenant_id) come as a set: when the options give a token, a
    username or an API password, none of them are taken from the cloud, so
    credentials of two accounts are never mixed.
    """
    merged = dict(options)
    own_credentials = any(options.get(k) for k in ("token", "username", "api_password"))
    for key, value in cloud.items():
        if own_credentials and key in CREDENTIAL_KEYS:
            continue
        if merged.get(key) is None:
            merged[key] = value
    return merged
