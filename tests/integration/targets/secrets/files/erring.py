"""An HTTP server that answers every request with an error echoing the request.

It stands for a broken gateway that puts what it was sent (the X-Auth-Token
header and the body, which holds the password of a login) into its error
message: the modules must report the error without those values. Paths under
/busy/ answer 503 with Retry-After: 0, every other path 500. It writes its port
to --port-file and stops by itself after --seconds or --requests.
"""

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        busy = self.path.startswith("/busy/")
        message = (f"boom at {self.path}: token {self.headers.get('X-Auth-Token')} "
                   f"sent {body}")
        data = json.dumps({"message": message}).encode()
        self.send_response(503 if busy else 500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if busy:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(data)
        self.server.count += 1

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    server.daemon_threads = True
    server.count = 0
    with open(args.port_file, "w", encoding="utf-8") as handle:
        handle.write(str(server.server_address[1]))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline and server.count < args.requests:
        time.sleep(0.2)
    server.shutdown()


if __name__ == "__main__":
    main()
