"""Identity stand-in the OpenStack CLI asks about projects (standard library only).

The OpenStack CLI asks the identity service for its API versions on every
call, and ``openstack image add project`` / ``remove project`` also look the
project up before they touch the member. This server answers those lookups for
any 32-hex project ID, as Keystone v3 and v2.0 would, and appends one JSON line
per request (service ``identity-cli``) to the peer's request log, so the
benchmark counts them beside the image requests. It issues no tokens: the CLI
runs with ``auth_type: admin_token``.

    python3 bench/identity_cli.py --port PORT --log PATH
"""

import argparse
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PROJECT = re.compile(r"^/(v3/projects|v2\.0/tenants)/([0-9a-fA-F]{32})$")
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bench-identity"

    def log_message(self, fmt, *args):
        pass

    def _answer(self, status, body):
        # Logged before the answer leaves, so a client that has its answer
        # finds the request in the log.
        line = {"time": time.time(), "service": "identity-cli", "method": self.command,
                "path": self.path, "tenant": None, "status": status}
        with LOCK, open(self.server.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlsplit(self.path)
        match = PROJECT.match(url.path.rstrip("/"))
        if match:
            key = "project" if match.group(1).startswith("v3") else "tenant"
            return self._answer(200, {key: project(match.group(2))})
        if url.path.rstrip("/") in ("/v3/projects", "/v2.0/tenants"):
            key = "projects" if url.path.startswith("/v3") else "tenants"
            name = (parse_qs(url.query).get("name") or [""])[0]
            found = [project(name)] if re.fullmatch(r"[0-9a-fA-F]{32}", name) else []
            return self._answer(200, {key: found})
        if url.path.rstrip("/") in ("", "/v3"):
            host = self.headers.get("Host", "127.0.0.1")
            return self._answer(200, {"version": {
                "id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
                "links": [{"rel": "self", "href": f"http://{host}/v3/"}],
                "media-types": [{"base": "application/json",
                                 "type": "application/vnd.openstack.identity-v3+json"}],
            }})
        return self._answer(404, {"error": {"code": 404, "message": "Not found."}})


def project(project_id):
    return {"id": project_id.lower(), "name": project_id.lower(), "domain_id": "default",
            "enabled": True, "description": ""}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.log = args.log
    server.serve_forever()


if __name__ == "__main__":
    main()
