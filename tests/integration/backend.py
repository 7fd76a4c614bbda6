"""A hostile test HTTP backend for `call` steps and endpoints (stdlib only): HTTP/1.1 with
keep-alive on 127.0.0.1, port chosen by the OS, on a thread. It records every request as
received (raw path and query, header lines in order and case, body bytes, the client's port)
and serves a few routes that misbehave on purpose:

  /echo...        any method: 200 JSON {"method","path","query","headers","body"}
  /status/<code>  that status, JSON {"status": code, "from": "backend"} (204/304: no body)
  /slow/<ms>      waits ms (less when the backend stops), then 200 {"slow": ms}
  /close-mid      status line, Content-Length: 1000, 10 body bytes, then a close (FIN)
  /big/<mib>      200, a valid JSON document of that many MiB, with Content-Length, streamed
  /text           200 text/csv; charset=utf-8, body b"id,name\\n1,Ada\\n"
  /hop            200 {"ok":true} with hop-by-hop headers the gateway must not pass on
                  (and two Set-Cookie headers it must pass on, both)
  /json-bad       200 application/json, body b'{"oops":'
  /empty          200, Content-Length: 0, no Content-Type
  anything else   404 {"status":404}
"""

import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import WAIT_TIMEOUT, wait_until

TEXT_BODY = b"id,name\n1,Ada\n"
TEXT_TYPE = "text/csv; charset=utf-8"
CLOSE_MID_HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n")
CLOSE_MID_BODY = b'{"partial"'  # 10 of the 1000 bytes announced
HOP_HEADERS = [("Connection", "keep-alive, X-Hop-Secret"), ("X-Hop-Secret", "1"),
               ("Keep-Alive", "timeout=5"), ("Proxy-Authenticate", "Basic"),
               ("Trailer", "X-T"), ("Upgrade", "h2c"), ("X-Backend", "yes"),
               ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")]
MAX_BIG_MIB = 1024
CHUNK = 64 * 1024


@dataclass
class Request:
    """One request as the backend received it."""
    method: str
    path: str                 # raw, before '?', not decoded
    query: str                # raw, after '?' ("" when none)
    headers: list             # [(name, value)] in the order and case received
    body: bytes = b""
    client_port: int = 0
    connection: int = 0       # which accepted connection (1, 2, ...) carried it

    def header_values(self, name):
        """Every value of header `name` (case-insensitive), in order."""
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def header(self, name):
        """The single value of header `name`, None when absent; fails on a duplicate."""
        values = self.header_values(name)
        assert len(values) <= 1, f"header {name} received {len(values)} times: {values}"
        return values[0] if values else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "flowgate-test-backend"

    def version_string(self):
        return self.server_version

    def setup(self):
        super().setup()
        self.connection_number = self.server.backend._opened(self.connection)

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        self.server.backend._closed(self.connection)

    def log_message(self, fmt, *args):  # quiet: the test's output is the gateway's
        pass

    def __getattr__(self, name):
        # Any method (do_GET, do_PATCH, do_FOO, ...) goes to one dispatcher.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    # --- reading ---------------------------------------------------------------------------

    def _read_body(self):
        te = self.headers.get("Transfer-Encoding")
        if te and "chunked" in te.lower():
            out = bytearray()
            while True:
                size_line = self.rfile.readline(1024)
                if not size_line:
                    break
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                out += self.rfile.read(size)
                self.rfile.readline(3)  # CRLF after the chunk
            return bytes(out)
        length = self.headers.get("Content-Length")
        if length:
            return self.rfile.read(int(length))
        return b""

    # --- writing ---------------------------------------------------------------------------

    def _answer(self, status, body=b"", content_type="application/json", headers=()):
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        no_body = status in (204, 304) or 100 <= status < 200
        if not no_body:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not no_body and self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def _json(self, status, value, headers=()):
        self._answer(status, json.dumps(value).encode(), "application/json", headers)

    # --- routes ----------------------------------------------------------------------------

    def _dispatch(self):
        try:
            self._serve()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, socket.timeout):
            self.close_connection = True

    def _serve(self):
        path, _, query = self.path.partition("?")
        body = self._read_body()
        req = Request(self.command, path, query, list(self.headers.items()), body,
                      self.client_address[1], self.connection_number)
        backend = self.server.backend
        backend._record(req)
        parts = path.split("/")  # "/status/404" -> ["", "status", "404"]
        head = parts[1] if len(parts) > 1 else ""
        arg = parts[2] if len(parts) > 2 else None

        if head.startswith("echo"):
            echoed = {}
            for k, v in req.headers:
                k = k.lower()
                echoed[k] = f"{echoed[k]}, {v}" if k in echoed else v
            self._json(200, {"method": req.method, "path": path, "query": query,
                             "headers": echoed,
                             "body": body.decode("utf-8", "replace") if body else None})
        elif head == "status" and arg and arg.isdigit() and 200 <= int(arg) <= 599:
            code = int(arg)
            if code in (204, 304):
                self._answer(code, content_type=None)
            else:
                self._json(code, {"status": code, "from": "backend"})
        elif head == "slow" and arg and arg.isdigit():
            ms = int(arg)
            backend._stopping.wait(ms / 1000.0)
            if backend._stopping.is_set():
                self.close_connection = True
                return
            self._json(200, {"slow": ms})
        elif path == "/close-mid":
            self.wfile.write(CLOSE_MID_HEAD + CLOSE_MID_BODY)
            self.wfile.flush()
            self.close_connection = True  # then the server closes the socket (FIN)
        elif head == "big" and arg and arg.isdigit() and 1 <= int(arg) <= MAX_BIG_MIB:
            self._big(int(arg))
        elif path == "/text":
            self._answer(200, TEXT_BODY, TEXT_TYPE)
        elif path == "/hop":
            self._answer(200, b'{"ok":true}', "application/json", HOP_HEADERS)
        elif path == "/json-bad":
            self._answer(200, b'{"oops":', "application/json")
        elif path == "/empty":
            self._answer(200, b"", content_type=None)
        else:
            self._json(404, {"status": 404})

    def _big(self, mib):
        total = mib * 1024 * 1024
        prefix, suffix = b'{"data":"', b'"}'
        fill = total - len(prefix) - len(suffix)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        if self.command == "HEAD":
            return
        self.wfile.write(prefix)
        piece = b"x" * CHUNK
        while fill > 0 and not self.server.backend._stopping.is_set():
            n = min(fill, CHUNK)
            self.wfile.write(piece[:n])
            fill -= n
        if fill > 0:
            self.close_connection = True
            return
        self.wfile.write(suffix)
        self.wfile.flush()


class Backend:
    """The backend on 127.0.0.1:<port>. `requests` is a snapshot of what arrived so far."""

    def __init__(self):
        self._lock = threading.Lock()
        self._requests = []
        self._sockets = set()
        self._accepted = 0
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.backend = self
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    # called by the handler threads
    def _opened(self, sock):
        with self._lock:
            self._accepted += 1
            self._sockets.add(sock)
            return self._accepted

    def _closed(self, sock):
        with self._lock:
            self._sockets.discard(sock)

    def _record(self, req):
        with self._lock:
            self._requests.append(req)

    @property
    def requests(self):
        with self._lock:
            return list(self._requests)

    @property
    def connections_accepted(self):
        """TCP connections accepted since the start (not cleared by reset)."""
        with self._lock:
            return self._accepted

    @property
    def open_connections(self):
        with self._lock:
            return len(self._sockets)

    def wait_for_requests(self, n, timeout=WAIT_TIMEOUT):
        """The recorded requests once there are at least n (raises otherwise)."""
        if not wait_until(lambda: len(self.requests) >= n, timeout):
            raise AssertionError(f"the backend received {len(self.requests)} request(s), "
                                 f"not {n}, in {timeout} s: {self.requests}")
        return self.requests

    def reset(self):
        with self._lock:
            self._requests.clear()

    def stop(self):
        self._stopping.set()  # ends /slow waits and /big streams at once
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            socks = list(self._sockets)
        for s in socks:  # keep-alive connections parked in a read
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=5)
