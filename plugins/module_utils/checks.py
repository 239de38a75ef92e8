# Copyright (c) 2026 nhncloud.compute contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or
# https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks on the input alone, made before any request.

Each function returns the message for the user, naming the option, or None
when the value is fine. Nothing here speaks HTTP or ends the run.
"""

from __future__ import annotations

import math
import re
from urllib.parse import unquote, urlsplit

MAX_NAME = 255
MAX_TIMEOUT = 3600.0
MAX_RETRIES = 100
SHOWN = 40

TENANT_RE = re.compile(r"[0-9a-fA-F]{32}")
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}")
VISIBLE_RE = re.compile(r"[!-~]+")
SORT_KEY_RE = re.compile(r"[A-Za-z0-9_.:-]+")


def shown(value: str) -> str:
    """How a message quotes a value: its repr, cut after 40 characters."""
    return repr(value if len(value) <= SHOWN else value[:SHOWN] + "...")


def image_ref_problem(value: str, option: str = "image") -> str | None:
    """An image ID or name: not blank, and not longer than any name can be."""
    if not value.strip():
        return f"{option} must not be empty."
    if len(value) > MAX_NAME:
        return (f"{option} is {len(value)} characters long: an image ID or name has "
                f"at most {MAX_NAME}.")
    return None


def tenant_problem(value: str, option: str) -> str | None:
    if TENANT_RE.fullmatch(value):
        return None
    return (f"{option} {shown(value)} is not a tenant ID: NHN Cloud tenant IDs are "
            "32 hexadecimal characters.")


def marker_problem(value: str) -> str | None:
    if UUID_RE.fullmatch(value):
        return None
    return (f"marker {shown(value)} is not an image ID: give the next_marker an "
            "earlier run returned.")


def sort_key_problem(value: str) -> str | None:
    if SORT_KEY_RE.fullmatch(value) and len(value) <= MAX_NAME:
        return None
    return (f"sort_key {shown(value)} is not an image attribute name: use letters, "
            "digits, '_', '-', '.' and ':' only.")


def timeout_problem(value: float) -> str | None:
    if math.isfinite(value) and 0 < value <= MAX_TIMEOUT:
        return None
    return (f"timeout must be a number of seconds above 0 and at most "
            f"{MAX_TIMEOUT:g}, not {value:g}.")


def retries_problem(value: int) -> str | None:
    if 0 <= value <= MAX_RETRIES:
        return None
    return f"retries must be a whole number from 0 to {MAX_RETRIES}, not {value}."


def token_problem(value: str | None) -> str | None:
    """A token is visible ASCII; the message never shows it."""
    if not value or VISIBLE_RE.fullmatch(value):
        return None
    return ("token holds a space, a control character or a non-ASCII character, "
            "which no token does: check how it is set (its value is not shown).")


def url_problem(option: str, url: str) -> str | None:
    """An endpoint option: an http(s) URL whose path only ever gets longer.

    The value itself is never shown, since a URL can carry a password.
    """
    plain = f"{option} must be an http:// or https:// URL."
    if not VISIBLE_RE.fullmatch(url):
        return plain
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or not port_ok:
        return plain
    if "@" in parts.netloc:
        return (f"{option} must not hold a user name or password: give them as "
                "username and api_password.")
    if "?" in url or "#" in url:
        return (f"{option} must not hold a query ('?') or a fragment ('#'): request "
                "paths are added to its end.")
    segments = [unquote(s) for s in parts.path.split("/")]
    if any(s in (".", "..") for s in segments):
        return f"{option} must not hold '.' or '..' path segments."
    if any("/" in s for s in segments):
        return f"{option} must not hold an encoded '/' (%2F)."
    if option == "image_url" and parts.path.rstrip("/").endswith("/v2"):
        return ("image_url is the image endpoint without the API version: drop the "
                "trailing /v2.")
    return None


def _kind(value) -> str | None:
    """How a message names a value that cannot stand for text; None when it can."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}: quote it in YAML if it is text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple, set)):
        return "a list"
    return None


def _encodes(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def raw_type_problem(spec: dict, raw: dict) -> str | None:
    """A value of the wrong kind, judged before Ansible's conversions.

    Ansible turns a list or a mapping given for a string into its Python text
    and a boolean into ``True``, and takes a boolean as the number 1: each
    would be sent as if it had been meant. Numbers stay allowed as text (an
    image named 2024). Text that cannot be encoded (a lone surrogate, which
    JSON can carry) is refused too, rather than failing inside the client.
    """
    for name, option in spec.items():
        value = raw.get(name)
        kind = option.get("type", "str")
        if value is None:
            continue
        if kind in ("str", "path") and _kind(value):
            return f"{name} must be a string, not {_kind(value)}."
        if isinstance(value, str) and not _encodes(value):
            return f"{name} holds a lone surrogate code point, which no request can carry."
        if kind in ("int", "float") and isinstance(value, bool):
            return f"{name} must be a number, not the boolean {str(value).lower()}."
        if kind == "list" and option.get("elements") == "str" and isinstance(value, list):
            for index, item in enumerate(value):
                if _kind(item):
                    return f"{name}[{index}] must be a string, not {_kind(item)}."
                if isinstance(item, str) and not _encodes(item):
                    return (f"{name}[{index}] holds a lone surrogate code point, which "
                            "no request can carry.")
    return None
