"""Secrets masked by value wherever they appear (error bodies, log lines, at every level),
envelopes and log lines that stay valid UTF-8 whatever the upstream or the client sent, and
the W3C trace context propagated to every upstream call."""

import gzip
import http.server
import json
import socket
import threading
import unittest

from harness import GatewayTestCase, SEED

PROXY = "gotowebinar_getSessionById"
SECRETS = [SEED["accessToken"], SEED["refreshToken"], "s3cr3t-Client-Value"]


class MaskingByValue(GatewayTestCase):
    gateway_extra = "logging:\n  level: debug\n"

    def assertNoSecret(self, text):
        for secret in SECRETS:
            self.assertNotIn(secret, text)

    def log_text(self):
        return "\n".join(self.gateway.process.lines)

    def test_a_refused_refresh_echoing_tokens_and_secret_is_masked(self):
        self.fake.configure(tokens={SEED["accessToken"]: "expired"}, tokenFailure={
            "status": 400,
            "body": {"error": "invalid_grant",
                     "error_description": f"refresh token {SEED['refreshToken']} rejected for "
                                          f"client {SEED['clientId']}:s3cr3t-Client-Value"}})
        r = self.gateway.post(PROXY, self.seed(clientSecret="s3cr3t-Client-Value"),
                              headers={"X-Request-ID": "mask-refresh-1"})
        self.assertError(r, 401, "upstream_unauthorized")
        self.assertNoSecret(r.raw.decode())
        self.assertIn("***", r.raw.decode())
        self.gateway.process.wait_for(r"access requestId=mask-refresh-1 ")
        self.assertNoSecret(self.log_text())

    def test_an_upstream_error_echoing_the_access_token_is_masked(self):
        for body in (f"access token {SEED['accessToken']} is not valid",
                     json.dumps({"description": f"Bearer {SEED['accessToken']} expired"})):
            self.fake.configure(apiFailure={"status": 400, "body": body})
            r = self.gateway.post(PROXY, self.seed())
            self.assertError(r, 400, "upstream_rejected")
            self.assertNoSecret(r.raw.decode())
            self.assertIn("***", json.dumps(r.json["error"]["upstream"]))

    def test_the_authorization_header_of_the_request_is_a_secret_too(self):
        token = "Zm9vYmFyYmF6cXV4LXRva2Vu"
        self.fake.configure(apiFailure={"status": 400, "body": f"saw {token} here"})
        r = self.gateway.post(PROXY, self.seed(), headers={"Authorization": f"Bearer {token}"})
        self.assertError(r, 400, "upstream_rejected")
        self.assertNotIn(token, r.raw.decode())


class RawUpstream:
    """A loopback upstream that answers every request with fixed raw bytes."""

    def __init__(self, status, body, content_type):
        handler_self = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(handler_self.status)
                self.send_header("Content-Type", handler_self.content_type)
                self.send_header("Content-Length", str(len(handler_self.body)))
                self.end_headers()
                self.wfile.write(handler_self.body)

            def log_message(self, *args):
                pass

        self.status, self.body, self.content_type = status, body, content_type
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Utf8Everywhere(GatewayTestCase):
    def test_non_utf8_upstream_bodies_are_described_not_copied(self):
        rows = [
            (500, "Fehler: Gr\u00f6\u00dfe".encode("latin-1"), "text/plain; charset=iso-8859-1"),
            (500, gzip.compress(b'{"error":"boom"}'), "application/json"),
            (404, bytes(range(256)), "application/octet-stream"),
        ]
        for status, body, content_type in rows:
            upstream = RawUpstream(status, body, content_type)
            try:
                r = self.gateway.post(PROXY, self.seed(apiUrl=upstream.url))
            finally:
                upstream.stop()
            r.raw.decode("utf-8")  # strict: raises on any invalid byte
            err = r.json["error"]
            self.assertEqual(err["upstream"]["status"], status)
            self.assertRegex(err["upstream"]["body"], r"^<\d+ bytes of .+>$", content_type)

    def test_raw_non_utf8_path_bytes_give_a_valid_404_and_log_line(self):
        with socket.create_connection(("127.0.0.1", self.gateway.port), timeout=10) as s:
            s.sendall(b"POST /services/caf\xe9\xff HTTP/1.1\r\nHost: x\r\n"
                      b"X-Request-ID: utf8-path-1\r\nContent-Length: 2\r\n"
                      b"Connection: close\r\n\r\n{}")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertIn(b" 404 ", head.split(b"\r\n")[0])
        envelope = json.loads(body.decode("utf-8"))  # strict UTF-8
        self.assertEqual(envelope["error"]["code"], "not_found")
        self.assertIn("caf\ufffd", envelope["error"]["message"])
        line = self.gateway.process.wait_for(r"access requestId=utf8-path-1 .*").group(0)
        self.assertIn("proxy=caf\ufffd", line)


class TraceContextPropagation(GatewayTestCase):
    def upstream_traces(self):
        return [(e["traceparent"], e["tracestate"]) for e in self.fake.stats()["requests"]
                if e["target"].startswith("/G2W/")]

    def test_the_clients_trace_continues_upstream_and_in_the_access_line(self):
        parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        r = self.gateway.post(PROXY, self.seed(), headers={
            "traceparent": parent, "tracestate": "vendor=v1", "X-Request-ID": "trace-1"})
        self.assertEqual(r.status, 200, r)
        traces = self.upstream_traces()
        self.assertEqual(len(traces), 1)
        sent, state = traces[0]
        self.assertRegex(sent, r"^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$")
        self.assertNotEqual(sent, parent)  # the gateway is a span of its own
        self.assertEqual(state, "vendor=v1")
        line = self.gateway.process.wait_for(r"access requestId=trace-1 .*").group(0)
        self.assertIn("traceId=4bf92f3577b34da6a3ce929d0e0e4736", line)

    def test_a_trace_is_started_when_the_client_sends_none_or_garbage(self):
        for headers in ({}, {"traceparent": "not-a-trace"}):
            self.fake.reset()
            r = self.gateway.post(PROXY, self.seed(), headers=headers)
            self.assertEqual(r.status, 200, r)
            (sent, state), = self.upstream_traces()
            self.assertRegex(sent, r"^00-[0-9a-f]{32}-[0-9a-f]{16}-01$")
            self.assertIsNone(state)

    def test_the_token_refresh_carries_the_same_trace(self):
        self.fake.configure(tokens={SEED["accessToken"]: "expired"})
        parent = "00-11111111111111111111111111111111-2222222222222222-01"
        r = self.gateway.post(PROXY, self.seed(), headers={"traceparent": parent})
        self.assertEqual(r.status, 200, r)
        entries = self.fake.stats()["requests"]
        self.assertTrue(any(e["target"].startswith("/oauth") for e in entries), entries)
        for e in entries:
            self.assertTrue(e["traceparent"].startswith("00-11111111111111111111111111111111-"), e)


if __name__ == "__main__":
    unittest.main()
