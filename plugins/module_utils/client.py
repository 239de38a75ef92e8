# Copyright (c) 2026 nhncloud.compute contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or
# https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP client for the TOAST (NHN Cloud) Image API v2."""

from __future__ import annotations

import random
import re
import time
import traceback
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, quote, urljoin, urlsplit, urlunsplit

try:
    import requests
except ImportError:  # pragma: no cover - reported by the module base
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    NO_ANSWER: tuple = ()
else:
    REQUESTS_IMPORT_ERROR = None
    # Tries that got no whole answer: worth another try when that is safe.
    NO_ANSWER = (
        requests.exceptions.ConnectionError,
        requests.exceptions.Timeout,
        requests.exceptions.ChunkedEncodingError,
    )

DEFAULT_AUTH_URL = "https://api-identity-infrastructure.nhncloudservice.com/v2.0"

# Fallback for a bare token: the catalog of a password login is preferred.
REGION_IMAGE_URLS = {
    "KR1": "https://kr1-api-image-infrastructure.nhncloudservice.com",
    "KR2": "https://kr2-api-image-infrastructure.nhncloudservice.com",
    "KR3": "https://kr3-api-image-infrastructure.nhncloudservice.com",
    "JP1": "https://jp1-api-image-infrastructure.nhncloudservice.com",
}

JSON_PATCH = "application/openstack-images-v2.1-json-patch"
PAGE_MAX = 1000
RETRY_STATUSES = frozenset((429, 502, 503, 504))
# A gateway's answer: the server behind it may have done the work.
GATEWAY_STATUSES = frozenset((502, 504))
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
RETRY_AFTER_CAP = 60.0
MASK = "********"
# What a path may hold to be sent as built: visible ASCII, nothing that ends it.
SAFE_PATH_RE = re.compile(r"[!$-~]*")


class ApiError(Exception):
    """A request that did not get the answer it needed.

    ``status`` is the HTTP status, or None when no answer arrived (connection
    error, timeout). ``message`` is the server's own text, or what went wrong
    on the way. ``uncertain`` is True when the request may have taken effect
    all the same: a try reached the server but its answer was lost (timed out,
    connection dropped, answer cut short) or came from a gateway (502, 504).
    """

    def __init__(self, method: str, path: str, status: int | None, message: str,
                 uncertain: bool = False):
        self.method = method
        self.path = path
        self.status = status
        self.message = message
        self.uncertain = uncertain
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.method} {self.path}"
        if self.status is None:
            return f"{where} failed: {self.message}"
        return f"{where} returned HTTP {self.status}: {self.message}"

    def failure(self) -> dict:
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "message": self.message,
        }


class ConfigError(Exception):
    """Connection settings that cannot work; raised before any request."""


def segment(value: str) -> str:
    """Percent-encode one path segment; dots alone are encoded too."""
    encoded = quote(value, safe="")
    if set(value) == {"."}:
        encoded = encoded.replace(".", "%2E")
    return encoded


def name_filter(name: str) -> str | None:
    """The ``name`` query value with which the API lists exactly the images named ``name``.

    Glance reads ``op:value`` in this filter: ``eq:a`` means ``a`` and
    ``in:a,b`` either of two names, while an unknown operator (the part before
    any colon) is refused. So a name holding a colon goes as a one-item
    ``in:`` list, quoted when it also holds a comma. None when no value says
    the name: a colon with a double quote, or a colon and a comma with a
    trailing backslash. The caller then lists without the filter.
    """
    if ":" not in name:
        return name
    if '"' in name:
        return None
    if "," not in name:
        return f"in:{name}"
    if name.endswith("\\"):
        return None
    return f'in:"{name}"'


def exact_url(prepared: str, asked: str) -> str:
    """``prepared`` with the path of ``asked`` as the client built it.

    requests decodes percent-encoded unreserved characters when it prepares a
    URL, which turns a segment ``%2E%2E`` back into ``..``, a step up the path
    for the server or any proxy on the way. The path the client built is sent
    instead, unless it holds characters a request line cannot carry.
    """
    path = urlsplit(asked).path
    if not SAFE_PATH_RE.fullmatch(path):
        return prepared
    parts = urlsplit(prepared)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def server_message(response) -> str:
    """The server's own explanation, from Glance's JSON or Keystone's error body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            return _plain(body["message"])
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return _plain(error["message"])
    text = (response.text or "").strip()
    if text and len(text) <= 500 and "<html" not in text.lower():
        return _plain(text)
    return response.reason or "no explanation given"


def _plain(text: str) -> str:
    """Glance's messages carry ``<br />`` tags and trailing blank lines: drop them."""
    return " ".join(re.sub(r"<br\s*/?>", " ", text).split())


class ImageClient:
    """One connection to the Image API for one module run.

    Requests go over one ``requests.Session`` (kept-alive connections), each
    with a ``(connect, read)`` timeout and ``Accept: application/json``.

    Retry policy: a request is sent at most ``retries + 1`` times. It is sent
    again after a connection error, a timeout, an answer cut short, or HTTP
    429/502/503/504, but only when repeating it cannot do harm: GET, PUT and
    DELETE always; POST and PATCH only when the caller says so (``retry=True``),
    or after an error raised before the request left (a refused connection, a
    connect timeout). A TLS error is reported at once, with its reason. The
    wait grows exponentially (0.5 s, 1 s, 2 s, ... up to 8 s) with full
    jitter; a 429's ``Retry-After`` (seconds or an HTTP date, at most 60 s) is
    honoured instead. When the tries run out, the ``ApiError`` says whether
    one of them may have taken effect (``uncertain``).

    Authentication: a given ``token`` is used as it is; otherwise, or when the
    image API answers 401 and a password is configured, a token is issued once
    by ``POST {auth_url}/tokens``. The image endpoint is ``image_url`` when
    given, else the catalog's ``image`` entry for ``region``, else (bare token)
    the built-in region table. Secrets never enter an error message.
    """

    def __init__(
        self,
        *,
        auth_url: str | None = DEFAULT_AUTH_URL,
        tenant_id: str | None = None,
        username: str | None = None,
        api_password: str | None = None,
        token: str | None = None,
        region: str | None = "KR1",
        image_url: str | None = None,
        validate_certs: bool = True,
        timeout: float = 30,
        retries: int = 3,
        session=None,
        sleep=None,
        on_token=None,
    ):
        self.auth_url = (auth_url or DEFAULT_AUTH_URL).rstrip("/")
        self.tenant_id = tenant_id
        self.username = username
        self.api_password = api_password
        self.token = token
        self.region = (region or "KR1").upper()
        self.image_url = image_url.rstrip("/") if image_url else None
        self.timeout = (min(float(timeout), 10.0), float(timeout))
        self.retries = retries
        self.sleep = sleep or pause
        self.on_token = on_token
        self.expires = None
        self.logged_in = False
        self.catalog_url = None
        self.requests_sent = 0
        self.secrets = [s for s in (token, api_password) if s]
        self.session = session or ExactPathSession()
        self.session.verify = validate_certs
        self.session.headers.update({"Accept": "application/json"})
        self._check_config()

    # ---- configuration -------------------------------------------------

    @property
    def can_login(self) -> bool:
        return bool(self.tenant_id and self.username and self.api_password)

    def _check_config(self) -> None:
        if not self.token and not self.can_login:
            missing = [
                name
                for name, value in (
                    ("tenant_id", self.tenant_id),
                    ("username", self.username),
                    ("api_password", self.api_password),
                )
                if not value
            ]
            raise ConfigError(
                "No credentials: set token, or tenant_id, username and api_password "
                f"(missing: {', '.join(missing)})."
            )
        if not self.image_url and not self.can_login and self.region not in REGION_IMAGE_URLS:
            known = ", ".join(sorted(REGION_IMAGE_URLS))
            raise ConfigError(
                f"Unknown region {self.region!r} for a bare token: use one of {known}, "
                "or set image_url."
            )

    def _scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    # ---- authentication ------------------------------------------------

    def login(self) -> dict:
        """Issue a token with the API password; return the token facts."""
        path = urlsplit(self.auth_url).path.rstrip("/") + "/tokens"
        body = {
            "auth": {
                "tenantId": self.tenant_id,
                "passwordCredentials": {
                    "username": self.username,
                    "password": self.api_password,
                },
            }
        }
        response, uncertain = self._send("POST", self.auth_url + "/tokens", path, json=body,
                                         retry=True)
        if response.status_code != 200:
            raise self._error("POST", path, response, uncertain=uncertain)
        try:
            access = response.json()["access"]
            token = access["token"]["id"]
        except (ValueError, KeyError, TypeError):
            raise ApiError("POST", path, 200, "the identity answer holds no access.token.id")
        self._set_token(token)
        self.logged_in = True
        self.expires = access["token"].get("expires")
        tenant = access["token"].get("tenant") or {}
        self.tenant_id = tenant.get("id") or self.tenant_id
        self.catalog_url = self._catalog_image_url(access.get("serviceCatalog") or [])
        return {"token": token, "expires": self.expires, "tenant_id": self.tenant_id}

    def _set_token(self, token: str) -> None:
        self.token = token
        if token not in self.secrets:
            self.secrets.append(token)
        if self.on_token:
            self.on_token(token)

    def _catalog_image_url(self, catalog: list) -> str | None:
        for service in catalog:
            if service.get("type") != "image":
                continue
            for endpoint in service.get("endpoints") or []:
                if str(endpoint.get("region", "")).upper() == self.region:
                    url = endpoint.get("publicURL") or endpoint.get("url")
                    return url.rstrip("/") if url else None
        return None

    def endpoint(self) -> str:
        """The image endpoint; logs in first when that is how it is found."""
        if self.image_url:
            if not self.token:
                self.login()
            return self.image_url
        if not self.can_login:
            return REGION_IMAGE_URLS[self.region]
        if not self.logged_in:
            self.login()
        if self.catalog_url:
            return self.catalog_url
        raise ConfigError(
            f"The service catalog has no image endpoint for region {self.region}: "
            "set image_url, or choose a region the account has."
        )

    # ---- requests ------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params=None,
        json=None,
        headers=None,
        retry: bool | None = None,
        ok: tuple = (200, 201, 204),
    ):
        """Send one API request; return the response when its status is in ``ok``.

        ``path`` starts with ``/v2/``; a 401 re-issues the token once when a
        password is configured. Any other status raises ``ApiError``.
        """
        base = self.endpoint()
        send_headers = dict(headers or {})
        reissued = False
        while True:
            send_headers["X-Auth-Token"] = self.token
            response, uncertain = self._send(
                method, base + path, path, params=params, json=json,
                headers=send_headers, retry=retry,
            )
            if response.status_code == 401 and self.can_login and not reissued:
                reissued = True
                self.login()
                continue
            if response.status_code in ok:
                return response
            raise self._error(method, path, response, expired=response.status_code == 401,
                              uncertain=uncertain)

    def get_json(self, path: str, params=None, ok: tuple = (200,)):
        return self.request("GET", path, params=params, ok=ok).json()

    def paginate(self, path: str, key: str, params=None, max_items: int | None = None):
        """Follow the list to its end; return ``(items, next_marker)``.

        Each page asks for the largest page the API allows (or what is left of
        ``max_items``). Only the ``marker`` of a ``next`` link is used: Glance
        drops repeated ``tag`` filters from it, so the caller's own query is
        sent again with each page. With ``max_items``, stop once that many
        items are in hand and return the marker to resume from, or None when
        the list ended.
        """
        query = dict(params or {})
        items: list = []
        while True:
            want = PAGE_MAX if max_items is None else min(PAGE_MAX, max_items - len(items))
            query["limit"] = want
            page = self.get_json(path, params=query)
            batch = page.get(key) or []
            items.extend(batch)
            marker = next_marker(page.get("next"))
            if max_items is not None and len(items) >= max_items:
                return items[:max_items], (marker and items[max_items - 1].get("id"))
            if not marker or not batch:
                return items, None
            query["marker"] = marker

    def _send(self, method, url, path, *, params=None, json=None, headers=None, retry=None):
        """Send with the retry policy; return ``(response, uncertain)``.

        ``uncertain`` is True when some try may have taken effect without an
        answer saying so (see ``ApiError``).
        """
        repeatable = method in IDEMPOTENT_METHODS if retry is None else retry
        attempt = 0
        uncertain = False
        while True:
            wait = None
            try:
                self.requests_sent += 1
                response = self.session.request(
                    method, url, params=params, json=json, headers=headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.exceptions.SSLError as exc:
                # A certificate that fails verification does not heal on a retry.
                raise ApiError(method, path, None, self._scrub(str(exc)), uncertain=uncertain)
            except NO_ANSWER as exc:
                unsent = isinstance(exc, requests.exceptions.ConnectTimeout) or _refused(exc)
                uncertain = uncertain or not unsent
                if attempt >= self.retries or not (repeatable or unsent):
                    raise ApiError(method, path, None, self._describe(exc, attempt),
                                   uncertain=uncertain)
            except requests.exceptions.RequestException as exc:
                raise ApiError(method, path, None, self._scrub(str(exc)), uncertain=uncertain)
            else:
                uncertain = uncertain or response.status_code in GATEWAY_STATUSES
                if response.status_code not in RETRY_STATUSES:
                    return response, uncertain
                if attempt >= self.retries or not repeatable:
                    return response, uncertain
                if response.status_code == 429:
                    wait = retry_after(response.headers.get("Retry-After"))
            if wait is None:
                wait = random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt))
            attempt += 1
            self.sleep(wait)

    def _describe(self, exc, attempt: int) -> str:
        if isinstance(exc, requests.exceptions.Timeout):
            kind = "timed out"
        elif isinstance(exc, requests.exceptions.ChunkedEncodingError):
            kind = "answer cut short"
        else:
            kind = "connection failed"
        tries = attempt + 1
        noun = "try" if tries == 1 else "tries"
        return self._scrub(f"{kind} after {tries} {noun} ({type(exc).__name__})")

    def _error(self, method: str, path: str, response, expired: bool = False,
               uncertain: bool = False) -> ApiError:
        message = self._scrub(server_message(response))
        if expired:
            message += (
                " (the token was refused: it has expired or is not valid; issue a new "
                "one, or configure api_password so that an expired token is re-issued "
                "automatically)"
                if not self.can_login
                else " (the identity service issued a token the image API refused)"
            )
        return ApiError(method, path, response.status_code, message, uncertain=uncertain)


if requests is not None:
    class ExactPathSession(requests.Session):
        """A session that sends each path exactly as the client encoded it."""

        def prepare_request(self, request):
            prepared = super().prepare_request(request)
            prepared.url = exact_url(prepared.url, request.url)
            return prepared


def pause(seconds: float) -> None:
    time.sleep(seconds)


def next_marker(link: str | None) -> str | None:
    """The ``marker`` of a ``next`` link, or None when there is no next page."""
    if not link:
        return None
    for name, value in parse_qsl(urlsplit(urljoin("/", link)).query):
        if name == "marker":
            return value
    return None


def _refused(exc) -> bool:
    """True when the connection was never made, so the request never left."""
    text = str(exc)
    return "Connection refused" in text or "NewConnectionError" in text


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header, capped; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, min(seconds, RETRY_AFTER_CAP))
