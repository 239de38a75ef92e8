"""Fault-injecting HTTP/1.1 proxy in front of the local Glance (standard library only).

    python faultproxy.py --upstream URL --facts FILE --log FILE [--plan JSON]
                         [--port 0] [--lifetime 300] [--max-requests 2000]
                         [--max-limit N]

It listens on 127.0.0.1 (``--port 0``: a free port, written to the facts file)
and keeps the client's connections alive. Each request goes to the upstream
over a connection of its own, as it came: method, path and query, body, and
every header but the hop-by-hop ones, so ``Content-Type`` and ``X-Auth-Token``
arrive as sent. The answer comes back with the upstream's status, headers and
body.

The plan is a JSON list of rules. Every request is counted by each rule it
matches; the first rule that fires on it decides its fault:

    fault        "503"          answer 503 at once, not forwarded
                 "429"          answer 429 with Retry-After, not forwarded
                 "close"        close the connection without answering, not forwarded
                 "close_after"  forward, then close without answering (done, answer lost)
                 "delay"        forward, then wait ``seconds`` before answering
                 "truncate"     forward, then send the headers and half the body (of an
                                answer without a body, the status line up to its
                                code's first digit), and close
    method       a method or a list of them (default: any)
    path         a regular expression searched in the path and query (default: any)
    after        let the first ``after`` matching requests through (default 0)
    every        fire on every Nth matching request after those (default 1: all)
    offset       fire where the count modulo ``every`` is this (default 0)
    times        fire at most this often (default: no limit)
    retry_after  the 429's Retry-After value (default "1")
    seconds      the delay (default 2)

``--max-limit N`` lowers a ``limit`` query value above N to N, as a server with
a smaller largest page would. Each request is one JSON line in the log, written
when its fault is chosen: ``n``, ``time``, ``method``, ``path``, ``fault`` (or
null) and, when the query was rewritten, ``upstream_path``. Tokens and bodies
are never logged. The proxy stops by itself after ``--lifetime`` seconds or
``--max-requests`` requests, or on SIGTERM, and logs why as its last line.
"""

import argparse
import http.client
import json
import os
import re
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

KINDS = ("503", "429", "close", "close_after", "delay", "truncate")
RULE_KEYS = {"fault", "method", "path", "after", "every", "offset", "times",
             "retry_after", "seconds"}
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
              "proxy-connection", "te", "trailer", "trailers", "transfer-encoding",
              "upgrade", "content-length"}
NO_BODY = {204, 304}


class Rule:
    """One line of the plan; counts the requests it matches."""

    def __init__(self, spec):
        unknown = set(spec) - RULE_KEYS
        if unknown:
            raise ValueError(f"unknown rule keys: {', '.join(sorted(unknown))}")
        self.fault = str(spec.get("fault"))
        if self.fault not in KINDS:
            raise ValueError(f"fault must be one of {', '.join(KINDS)}, not {self.fault!r}")
        methods = spec.get("method")
        if isinstance(methods, str):
            methods = [methods]
        self.methods = {m.upper() for m in methods} if methods else None
        self.path = re.compile(spec["path"]) if spec.get("path") else None
        self.after = int(spec.get("after", 0))
        self.every = int(spec.get("every", 1))
        if self.every < 1:
            raise ValueError("every must be 1 or more")
        self.offset = int(spec.get("offset", 0)) % self.every
        self.times = None if spec.get("times") is None else int(spec["times"])
        self.retry_after = str(spec.get("retry_after", "1"))
        self.seconds = float(spec.get("seconds", 2))
        self.seen = 0
        self.fired = 0

    def count(self, method, path):
        """Count the request if it matches; True when the rule would fire on it."""
        if self.methods is not None and method not in self.methods:
            return False
        if self.path is not None and not self.path.search(path):
            return False
        self.seen += 1
        number = self.seen - self.after
        if number <= 0 or (self.times is not None and self.fired >= self.times):
            return False
        return number % self.every == self.offset


class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port, upstream, rules, log_path, max_requests, max_limit):
        super().__init__(("127.0.0.1", port), Handler)
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.upstream_prefix = parts.path.rstrip("/")
        self.rules = rules
        self.log_path = log_path
        self.max_requests = max_requests
        self.max_limit = max_limit
        self.lock = threading.Lock()
        self.requests = 0
        self.stop_reason = None

    def choose(self, method, path):
        """Number the request and pick its rule; None once the budget is spent."""
        with self.lock:
            if self.requests >= self.max_requests:
                return None, None
            self.requests += 1
            number = self.requests
            chosen = None
            for rule in self.rules:
                if rule.count(method, path) and chosen is None:
                    chosen = rule
            if chosen is not None:
                chosen.fired += 1
            if number >= self.max_requests:
                self.stop(f"served its {self.max_requests} requests")
            return number, chosen

    def upstream_path(self, path):
        """The path to send on: the query's ``limit`` lowered to ``max_limit`` if need be."""
        if self.max_limit is None:
            return path
        parts = urlsplit(path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        lowered = [
            (k, str(self.max_limit)) if k == "limit" and v.isdigit()
            and int(v) > self.max_limit else (k, v)
            for k, v in query
        ]
        if lowered == query:
            return path
        return f"{parts.path}?{urlencode(lowered)}"

    def log(self, line):
        line = {"time": time.time(), **line}
        with self.lock, open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")

    def stop(self, reason):
        """Stop serving, once, from any thread (``shutdown`` waits for the serving loop)."""
        if self.stop_reason is None:
            self.stop_reason = reason
            threading.Thread(target=self.shutdown, daemon=True).start()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faultproxy"
    # An idle kept-alive connection is closed after this many seconds.
    timeout = 60

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def do_GET(self):
        self.relay()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def relay(self):
        body = self.read_body()
        number, rule = self.server.choose(self.command, self.path)
        if number is None:
            self.drop()
            return
        fault = rule.fault if rule else None
        sent_path = self.server.upstream_path(self.path)
        line = {"n": number, "method": self.command, "path": self.path, "fault": fault}
        if sent_path != self.path:
            line["upstream_path"] = sent_path
        self.server.log(line)

        if fault == "503":
            self.answer_local(503, "Service Unavailable", "Service Unavailable (injected)")
            return
        if fault == "429":
            self.answer_local(429, "Too Many Requests", "Too Many Requests (injected)",
                              {"Retry-After": rule.retry_after})
            return
        if fault == "close":
            self.drop()
            return
        try:
            status, reason, headers, data = self.forward(sent_path, body)
        except OSError as err:
            self.answer_local(502, "Bad Gateway", f"upstream failed: {type(err).__name__}")
            return
        if fault == "close_after":
            self.drop()
        elif fault == "truncate":
            self.cut_short(status, reason, headers, data)
        else:
            if fault == "delay":
                time.sleep(rule.seconds)
            self.answer(status, reason, headers, data)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else None

    def forward(self, path, body):
        """Send the request on over a fresh connection; return the whole answer."""
        conn = http.client.HTTPConnection(self.server.upstream_host, self.server.upstream_port,
                                          timeout=120)
        try:
            conn.putrequest(self.command, self.server.upstream_prefix + path,
                            skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    conn.putheader(name, value)
            if body is not None or self.command in ("POST", "PUT", "PATCH"):
                conn.putheader("Content-Length", str(len(body or b"")))
            conn.endheaders(body)
            response = conn.getresponse()
            data = response.read()
            return response.status, response.reason, response.getheaders(), data
        finally:
            conn.close()

    def answer(self, status, reason, headers, data, length=None):
        """Send an answer; ``length`` is the Content-Length to claim, if not ``len(data)``."""
        if length is None and self.command == "HEAD":
            length = next((v for n, v in headers if n.lower() == "content-length"), 0)
        try:
            self.send_response_only(status, reason)
            for name, value in headers:
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            if status not in NO_BODY:
                self.send_header("Content-Length", str(len(data) if length is None else length))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and status not in NO_BODY:
                self.wfile.write(data)
        except OSError:
            # The client gave up (a delayed answer after its timeout): nothing to do.
            self.close_connection = True

    def cut_short(self, status, reason, headers, data):
        """Start the answer, stop halfway and close: the client gets no whole answer."""
        if data and self.command != "HEAD" and status not in NO_BODY:
            self.answer(status, reason, headers, data[: len(data) // 2], length=len(data))
        else:
            line = f"{self.protocol_version} {status} {reason}\r\n".encode()
            try:
                self.wfile.write(line[: len(self.protocol_version) + 2])
            except OSError:
                pass
        self.drop()

    def answer_local(self, status, reason, message, extra=None):
        data = json.dumps({"message": message, "code": f"{status} {reason}",
                           "title": reason}).encode()
        headers = [("Content-Type", "application/json")] + list((extra or {}).items())
        self.answer(status, reason, headers, data)

    def drop(self):
        """Close the client's connection now, without a word."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def write_facts(path, facts):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(facts, f, indent=1)
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--facts", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--plan", default="[]")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--lifetime", type=float, default=300)
    parser.add_argument("--max-requests", type=int, default=2000)
    parser.add_argument("--max-limit", type=int)
    args = parser.parse_args(argv)
    try:
        rules = [Rule(spec) for spec in json.loads(args.plan)]
    except (ValueError, TypeError, AttributeError, re.error) as err:
        parser.error(f"bad --plan: {err}")

    server = ProxyServer(args.port, args.upstream, rules, args.log, args.max_requests,
                         args.max_limit)
    timer = threading.Timer(args.lifetime, server.stop,
                            args=(f"reached its lifetime of {args.lifetime:g} s",))
    timer.daemon = True
    timer.start()
    signal.signal(signal.SIGTERM, lambda _sig, _frame: server.stop("stopped by SIGTERM"))
    port = server.server_address[1]
    write_facts(args.facts, {
        "url": f"http://127.0.0.1:{port}",
        "port": port,
        "pid": os.getpid(),
        "upstream": args.upstream,
        "log": args.log,
        "lifetime": args.lifetime,
        "max_requests": args.max_requests,
        "max_limit": args.max_limit,
        "plan": json.loads(args.plan),
    })
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
        server.log({"event": "stop", "reason": server.stop_reason,
                    "requests": server.requests})
    return 0


if __name__ == "__main__":
    sys.exit(main())
