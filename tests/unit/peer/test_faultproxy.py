"""The fault proxy (tests/peer/faultproxy.py): faithful when quiet, faults exactly as planned."""

from __future__ import annotations

import http.client
import importlib.util
import json
import pathlib
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

PROXY_FILE = pathlib.Path(__file__).parents[2] / "peer" / "faultproxy.py"
SPEC = importlib.util.spec_from_file_location("faultproxy", PROXY_FILE)
faultproxy = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(faultproxy)

TOKEN = "proxy-test-token-3c2b1a"


class Echo(BaseHTTPRequestHandler):
    """Upstream stand-in: answers with what it received, and counts it."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def do_GET(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else None
        self.server.seen.append((self.command, self.path))
        if self.path.startswith("/empty"):
            self.send_response(204)
            self.end_headers()
            return
        data = json.dumps({
            "method": self.command, "path": self.path, "body": body,
            "token": self.headers.get("X-Auth-Token"),
            "type": self.headers.get("Content-Type"),
            "accept": self.headers.get("Accept"),
        }).encode()
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Upstream", "echo")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET


@pytest.fixture
def upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    server.daemon_threads = True
    server.seen = []
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(upstream, tmp_path):
    """Start a proxy with ``rules``; returns (server, log lines reader)."""
    started = []

    def start(rules=(), max_requests=1000, max_limit=None):
        log = tmp_path / "proxy.log"
        server = faultproxy.ProxyServer(
            0, f"http://127.0.0.1:{upstream.server_address[1]}",
            [faultproxy.Rule(r) for r in rules], str(log), max_requests, max_limit)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  daemon=True)
        thread.start()
        started.append(server)

        def lines():
            return [json.loads(line) for line in log.read_text().splitlines()]

        return server, lines

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def connect(server, timeout=5):
    return http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=timeout)


def call(conn, method="GET", path="/v2/images", body=None, headers=None):
    conn.request(method, path, body=body, headers={"X-Auth-Token": TOKEN, **(headers or {})})
    response = conn.getresponse()
    return response, response.read()


def test_without_faults_it_forwards_faithfully_over_one_connection(proxy, upstream):
    server, lines = proxy()
    conn = connect(server)

    patch = json.dumps([{"op": "replace", "path": "/visibility", "value": "shared"}])
    response, data = call(conn, "PATCH", "/v2/images/i-1?x=a%2Fb", patch, {
        "Content-Type": "application/openstack-images-v2.1-json-patch",
        "Accept": "application/json"})
    sock = conn.sock
    second, second_data = call(conn, "POST", "/v2/images/i-1/members", '{"member": "m"}',
                               {"Content-Type": "application/json"})
    empty, empty_data = call(conn, "DELETE", "/empty")

    assert response.status == 200
    assert response.getheader("Content-Type") == "application/json"
    assert response.getheader("X-Upstream") == "echo"
    assert json.loads(data) == {
        "method": "PATCH", "path": "/v2/images/i-1?x=a%2Fb", "body": patch, "token": TOKEN,
        "type": "application/openstack-images-v2.1-json-patch", "accept": "application/json"}
    assert second.status == 201 and json.loads(second_data)["body"] == '{"member": "m"}'
    assert (empty.status, empty_data) == (204, b"")
    assert conn.sock is sock
    assert [line["fault"] for line in lines()] == [None, None, None]
    assert TOKEN not in json.dumps(lines())


def test_503_and_429_answer_at_once_and_are_not_forwarded(proxy, upstream):
    server, lines = proxy([{"fault": "503", "every": 3},
                           {"fault": "429", "method": "GET", "every": 2, "retry_after": "4"}])
    conn = connect(server)

    answers = [call(conn)[0] for _n in range(6)]

    assert [a.status for a in answers] == [200, 429, 503, 429, 200, 503]
    assert answers[1].getheader("Retry-After") == "4"
    assert answers[2].getheader("Content-Type") == "application/json"
    assert len(upstream.seen) == 2
    assert [line["fault"] for line in lines()] == [None, "429", "503", "429", None, "503"]


def test_close_drops_the_connection_without_forwarding(proxy, upstream):
    server, lines = proxy([{"fault": "close", "after": 1, "times": 1}])
    conn = connect(server)

    assert call(conn)[0].status == 200
    with pytest.raises(http.client.RemoteDisconnected):
        call(conn)
    assert call(connect(server))[0].status == 200
    assert len(upstream.seen) == 2
    assert [line["fault"] for line in lines()] == [None, "close", None]


def test_close_after_forwards_then_drops_the_answer(proxy, upstream):
    server, lines = proxy([{"fault": "close_after", "method": ["POST"]}])

    with pytest.raises(http.client.RemoteDisconnected):
        call(connect(server), "POST", "/v2/images/i-1/members", '{"member": "m"}')

    assert upstream.seen == [("POST", "/v2/images/i-1/members")]
    assert lines()[0]["fault"] == "close_after"


def test_delay_answers_late_and_truncate_cuts_the_body(proxy, upstream):
    server, lines = proxy([{"fault": "delay", "path": "slow", "seconds": 0.6},
                           {"fault": "truncate", "path": "cut"}])

    with pytest.raises(TimeoutError):
        call(connect(server, timeout=0.2), path="/slow")
    begun = time.monotonic()
    late, _data = call(connect(server), path="/slow")
    waited = time.monotonic() - begun
    with pytest.raises(http.client.IncompleteRead):
        call(connect(server), path="/cut")
    with pytest.raises(http.client.BadStatusLine):
        call(connect(server), "DELETE", "/empty/cut")

    assert late.status == 200 and waited >= 0.6
    assert [p for _m, p in upstream.seen] == ["/slow", "/slow", "/cut", "/empty/cut"]
    assert [line["fault"] for line in lines()] == ["delay", "delay", "truncate", "truncate"]


def test_rules_count_their_own_matches(proxy):
    server, lines = proxy([
        {"fault": "503", "method": "PUT", "after": 1, "every": 2, "offset": 1, "times": 2},
        {"fault": "429", "every": 3},
    ])
    conn = connect(server)

    statuses = [call(conn, method)[0].status
                for method in ["PUT", "PUT", "GET", "PUT", "PUT", "PUT", "GET", "PUT", "PUT"]]

    # The PUTs: the first let through; of the rest the 1st and 3rd fire, and the 5th
    # would, but the rule has fired its two times. The 429 rule counts every request.
    assert statuses == [200, 503, 429, 200, 503, 429, 200, 200, 429]
    assert [line["n"] for line in lines()] == list(range(1, 10))


def test_max_limit_lowers_the_page_size_only(proxy, upstream):
    server, lines = proxy(max_limit=10)
    conn = connect(server)

    call(conn, path="/v2/images?limit=1000&marker=m&tag=a+b")
    call(conn, path="/v2/images?limit=5")

    assert [p for _m, p in upstream.seen] == [
        "/v2/images?limit=10&marker=m&tag=a+b", "/v2/images?limit=5"]
    assert lines()[0]["upstream_path"] == "/v2/images?limit=10&marker=m&tag=a+b"
    assert "upstream_path" not in lines()[1]


def test_it_stops_by_itself_after_its_requests(proxy):
    server, _lines = proxy(max_requests=2)
    conn = connect(server)

    call(conn)
    call(conn)

    deadline = time.monotonic() + 5
    while server.stop_reason is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.stop_reason == "served its 2 requests"
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        call(conn)


def test_it_stops_by_itself_at_the_end_of_its_lifetime(upstream, tmp_path):
    facts, log = tmp_path / "facts.json", tmp_path / "proxy.log"
    begun = time.monotonic()

    subprocess.run([sys.executable, str(PROXY_FILE), "--upstream",
                    f"http://127.0.0.1:{upstream.server_address[1]}", "--facts", str(facts),
                    "--log", str(log), "--lifetime", "0.5"], check=True, timeout=20)

    assert time.monotonic() - begun >= 0.5
    assert json.loads(facts.read_text())["url"].startswith("http://127.0.0.1:")
    last = json.loads(log.read_text().splitlines()[-1])
    assert (last["event"], last["reason"], last["requests"]) == (
        "stop", "reached its lifetime of 0.5 s", 0)


@pytest.mark.parametrize("spec, message", [
    ({"fault": "500"}, "fault must be one of 503, 429, close, close_after, delay, truncate"),
    ({"fault": "503", "every": 0}, "every must be 1 or more"),
    ({"fault": "503", "often": 2}, "unknown rule keys: often"),
])
def test_bad_rules_are_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        faultproxy.Rule(spec)
