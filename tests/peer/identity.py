"""Identity v2.0 stand-in for the local Glance peer (standard library only).

``POST /v2.0/tokens`` checks ``tenantId`` and ``passwordCredentials`` against
``tenants.json`` in the state folder, issues a random token valid for
``--token-lifetime`` seconds, records it in ``tokens.json`` (which the Glance
token filter reads), and answers in the Keystone v2.0 shape NHN Cloud uses,
with a service catalog whose ``image`` entry points at the local Glance.
``DELETE /v2.0/tokens/{id}`` revokes a token, so tests can expire one.
"""

import argparse
import json
import os
import secrets
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


def iso(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "identity-standin"

    def log_message(self, fmt, *args):
        pass

    def _log(self, status):
        # A revoked token is in the path: the log never holds a token.
        path = "/v2.0/tokens/***" if self.path.startswith("/v2.0/tokens/") else self.path
        line = {
            "time": time.time(),
            "service": "identity",
            "method": self.command,
            "path": path,
            "tenant": None,
            "status": status,
        }
        with LOCK, open(os.path.join(self.server.state_dir, "requests.log"), "a") as f:
            f.write(json.dumps(line) + "\n")

    def _answer(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self._log(status)

    def _error(self, status, title, message):
        self._answer(status, {"error": {"code": status, "title": title, "message": message}})

    def _read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"null")
        except ValueError:
            return None

    def do_GET(self):
        if self.path.rstrip("/") in ("", "/v2.0"):
            self._answer(200, {"version": {"id": "v2.0", "status": "stable"}})
        else:
            self._error(404, "Not Found", "The resource could not be found.")

    def do_DELETE(self):
        prefix = "/v2.0/tokens/"
        if not self.path.startswith(prefix):
            return self._error(404, "Not Found", "The resource could not be found.")
        token = self.path[len(prefix):]
        with LOCK:
            issued = self.server.load_tokens()
            found = issued.pop(token, None)
            self.server.save_tokens(issued)
        if found is None:
            return self._error(404, "Not Found", "Token not found.")
        self._answer(204)

    def do_POST(self):
        if self.path.rstrip("/") != "/v2.0/tokens":
            self._read_json()
            return self._error(404, "Not Found", "The resource could not be found.")
        body = self._read_json()
        try:
            auth = body["auth"]
            tenant_id = auth["tenantId"]
            username = auth["passwordCredentials"]["username"]
            password = auth["passwordCredentials"]["password"]
        except (KeyError, TypeError):
            return self._error(400, "Bad Request",
                               "Expecting auth.tenantId and auth.passwordCredentials.")
        tenant = self.server.tenants.get(tenant_id)
        if tenant is None or tenant["username"] != username or tenant["password"] != password:
            return self._error(401, "Unauthorized",
                               "The request you have made requires authentication.")
        now = time.time()
        token = secrets.token_hex(16)
        expires_at = now + self.server.lifetime
        with LOCK:
            issued = self.server.load_tokens()
            issued = {k: v for k, v in issued.items() if v["expires_at"] > now}
            issued[token] = {"tenant_id": tenant_id, "expires_at": expires_at}
            self.server.save_tokens(issued)
        endpoints = [
            {"region": region, "publicURL": self.server.image_url}
            for region in self.server.regions
        ]
        self._answer(200, {
            "access": {
                "token": {
                    "id": token,
                    "issued_at": iso(now),
                    "expires": iso(expires_at),
                    "tenant": {"id": tenant_id, "name": tenant["name"], "enabled": True},
                },
                "serviceCatalog": [
                    {"type": "identity", "name": "keystone",
                     "endpoints": [{"region": r, "publicURL": self.server.identity_url}
                                   for r in self.server.regions]},
                    {"type": "image", "name": "glance", "endpoints": endpoints},
                ],
                "user": {"id": tenant["user_id"], "username": username, "name": username,
                         "roles": [{"name": "member"}]},
                "metadata": {"is_admin": 0, "roles": []},
            }
        })


class IdentityServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, state_dir, image_url, lifetime, regions):
        super().__init__(address, Handler)
        self.state_dir = state_dir
        self.image_url = image_url
        self.lifetime = lifetime
        self.regions = regions
        self.identity_url = f"http://{address[0]}:{self.server_address[1]}/v2.0"
        with open(os.path.join(state_dir, "tenants.json")) as f:
            self.tenants = {t["id"]: t for t in json.load(f)["tenants"]}

    def tokens_path(self):
        return os.path.join(self.state_dir, "tokens.json")

    def load_tokens(self):
        try:
            with open(self.tokens_path()) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def save_tokens(self, issued):
        tmp = self.tokens_path() + ".tmp"
        with open(tmp, "w") as f:
            json.dump(issued, f)
        os.replace(tmp, self.tokens_path())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--image-url", required=True)
    parser.add_argument("--token-lifetime", type=int, default=12 * 3600)
    parser.add_argument("--regions", default="KR1,KR2")
    args = parser.parse_args()
    server = IdentityServer(("127.0.0.1", args.port), args.state_dir, args.image_url,
                            args.token_lifetime, args.regions.split(","))
    server.serve_forever()


if __name__ == "__main__":
    main()
