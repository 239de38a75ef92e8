"""Record answers of the real local Glance peer as unit-test fixtures.

Each ``record_*.py`` beside this file drives one area against a running peer
(``python3 tests/peer/peerctl.py start``) and saves every answer it wants as
``tests/unit/fixtures/<area>/<name>.json``: status, the headers that matter,
and the body. Unit tests replay them with requests-mock. Tokens are never
written: only answers are recorded, not requests.
"""

import json
import os
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(HERE), "fixtures")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
KEPT_HEADERS = ("content-type", "retry-after")


def peer_facts():
    sys.path.insert(0, os.path.join(ROOT, "tests", "peer"))
    import peerctl  # noqa: E402  pylint: disable=import-outside-toplevel

    facts = peerctl.read_facts()
    if facts is None:
        raise SystemExit("start the peer first: python3 tests/peer/peerctl.py start")
    return facts


class Recorder:
    def __init__(self, area):
        self.facts = peer_facts()
        self.dir = os.path.join(FIXTURES, area)
        os.makedirs(self.dir, exist_ok=True)

    def token(self, tenant):
        return self.facts["tenants"][tenant]["token"]

    def tenant_id(self, tenant):
        return self.facts["tenants"][tenant]["id"]

    def call(self, method, path, tenant=None, body=None, content_type="application/json",
             base=None, save=None):
        """Send one request; return (status, parsed body). ``save`` names the fixture."""
        url = (base or self.facts["image_url"]) + path
        headers = {"Accept": "application/json"}
        if tenant:
            headers["X-Auth-Token"] = (self.token(tenant) if tenant in self.facts["tenants"]
                                       else "not-a-token")
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = content_type
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, raw, hdrs = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as err:
            status, raw, hdrs = err.code, err.read(), err.headers
        text = raw.decode("utf-8", "replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        if save:
            answer = {
                "request": {"method": method, "path": path},
                "status": status,
                "headers": {k: v for k, v in hdrs.items() if k.lower() in KEPT_HEADERS},
            }
            if parsed is not None:
                answer["json"] = parsed
            else:
                answer["text"] = text
            with open(os.path.join(self.dir, save + ".json"), "w") as f:
                json.dump(answer, f, indent=1, sort_keys=True)
                f.write("\n")
        return status, parsed

    def create_image(self, tenant, name, visibility="private", tags=(), upload=True, **props):
        status, image = self.call("POST", "/v2/images", tenant, {
            "name": name, "disk_format": "raw", "container_format": "bare",
            "visibility": visibility, "tags": list(tags), **props})
        assert status == 201, (status, image)
        if upload:
            self.call("PUT", f"/v2/images/{image['id']}/file", tenant, b"recorded\n",
                      "application/octet-stream")
        return image["id"]
