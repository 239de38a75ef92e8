"""Paste filter that stands in for Keystone in front of the local Glance.

It maps each ``X-Auth-Token`` to a tenant, user and roles read from the peer's
state folder, sets the identity headers Glance's context middleware reads, and
strips any identity headers the client sent. It also reads every request body
up front (Glance leaves it unread on some errors, and the WSGI server then drops
the kept-alive connection) and appends one JSON line per request to the request
log, so tests and benchmarks can count and inspect what the server saw.
Loading it also makes Glance's SQLite writers wait for each other
(``sqlite_writers.py``) rather than fail under parallel member calls.
"""

import hashlib
import io
import json
import os
import threading
import time

import sqlite_writers

IDENTITY_HEADERS = (
    "HTTP_X_IDENTITY_STATUS",
    "HTTP_X_PROJECT_ID",
    "HTTP_X_TENANT_ID",
    "HTTP_X_USER_ID",
    "HTTP_X_ROLES",
    "HTTP_X_ROLE",
    "HTTP_X_SERVICE_CATALOG",
    "HTTP_X_SERVICE_TOKEN",
    "HTTP_X_SERVICE_IDENTITY_STATUS",
)


class TokenTable:
    """Token -> tenant entry, re-read whenever a state file changes."""

    def __init__(self, state_dir):
        self.paths = [
            os.path.join(state_dir, "tenants.json"),
            os.path.join(state_dir, "tokens.json"),
        ]
        self.stamp = None
        self.table = {}
        self.lock = threading.Lock()

    def _stamp(self):
        stamp = []
        for path in self.paths:
            try:
                st = os.stat(path)
                stamp.append((st.st_mtime_ns, st.st_size, st.st_ino))
            except FileNotFoundError:
                stamp.append(None)
        return tuple(stamp)

    def lookup(self, token):
        with self.lock:
            stamp = self._stamp()
            if stamp != self.stamp:
                self.table = self._load()
                self.stamp = stamp
            return self.table.get(token)

    def _load(self):
        with open(self.paths[0], encoding="utf-8") as f:
            tenants = json.load(f)["tenants"]
        by_id = {t["id"]: t for t in tenants}
        table = {t["token"]: t for t in tenants}
        try:
            with open(self.paths[1], encoding="utf-8") as f:
                issued = json.load(f)
        except FileNotFoundError:
            issued = {}
        now = time.time()
        for token, entry in issued.items():
            if entry["expires_at"] > now and entry["tenant_id"] in by_id:
                table[token] = by_id[entry["tenant_id"]]
        return table


class TokenMapFilter:
    def __init__(self, app, state_dir):
        self.app = app
        self.tokens = TokenTable(state_dir)
        self.log_path = os.path.join(state_dir, "requests.log")
        self.log_lock = threading.Lock()

    def __call__(self, environ, start_response):
        self._drain_body(environ)
        for key in IDENTITY_HEADERS:
            environ.pop(key, None)
        token = environ.get("HTTP_X_AUTH_TOKEN", "")
        tenant = self.tokens.lookup(token)
        if tenant is None:
            environ["HTTP_X_IDENTITY_STATUS"] = "Invalid"
        else:
            roles = ["member", "reader"] + (["admin"] if tenant.get("admin") else [])
            environ["HTTP_X_IDENTITY_STATUS"] = "Confirmed"
            environ["HTTP_X_PROJECT_ID"] = tenant["id"]
            environ["HTTP_X_TENANT_ID"] = tenant["id"]
            environ["HTTP_X_USER_ID"] = tenant["user_id"]
            environ["HTTP_X_ROLES"] = ",".join(roles)

        seen = {}

        def recording_start_response(status, headers, exc_info=None):
            seen["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, recording_start_response)
        finally:
            self._log(environ, tenant, token, seen.get("status"))

    @staticmethod
    def _drain_body(environ):
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)

    def _log(self, environ, tenant, token, status):
        # Which token was used, without the token: tells apart two runs of one tenant.
        line = {
            "time": time.time(),
            "service": "image",
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("RAW_URI") or environ.get("PATH_INFO"),
            "tenant": tenant["name"] if tenant else None,
            "token": hashlib.sha256(token.encode()).hexdigest()[:12] if token else None,
            "status": status,
        }
        with self.log_lock, open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")


def filter_factory(global_conf, **local_conf):
    state_dir = local_conf["state_dir"]
    sqlite_writers.install()

    def make_filter(app):
        return TokenMapFilter(app, state_dir)

    return make_filter
