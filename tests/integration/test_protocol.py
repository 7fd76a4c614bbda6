"""HTTP/1.1 rules of both listeners, from the outside: HEAD answers without a body, the Host
header rules of RFC 9112, the absolute request form, the pipelining bound, and the lingering
close that lets a client read a 413/431 while it is still sending."""

import http.client
import json
import socket
import unittest

from harness import Fake, Gateway, gateway_config, EnvelopeAssertions, SEED

PROXY = "gotowebinar_getSessionById"


def read_until_closed(sock, limit=1 << 20):
    sock.settimeout(30)
    data = b""
    while len(data) < limit:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        data += chunk
    return data


def parse_responses(data, head_requests=()):
    """Splits raw bytes into [(status, headers, body)]; answers at the indexes in
    `head_requests` have no body whatever their Content-Length says."""
    out = []
    while data:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            raise AssertionError(f"not an HTTP answer: {data[:200]!r}")
        lines = data[:end].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if not parts[0].startswith("HTTP/1."):
            raise AssertionError(f"not a status line: {lines[0]!r}")
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        length = 0 if len(out) in head_requests else int(headers.get("content-length", 0))
        body = data[end + 4:end + 4 + length]
        out.append((int(parts[1]), headers, body))
        data = data[end + 4 + length:]
    return out


class ProtocolRules(EnvelopeAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()
        cls.gateway = Gateway(gateway_config(cls.fake, "server:\n  maxPipelined: 4\n"))

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.fake.stop()

    def setUp(self):
        self.fake.reset()

    def raw(self, data, port=None):
        with socket.create_connection(("127.0.0.1", port or self.gateway.port), timeout=30) as s:
            s.sendall(data)
            return read_until_closed(s)

    def seed_body(self):
        return json.dumps(dict(SEED, apiUrl=self.fake.url)).encode()

    def post(self, target="/services/" + PROXY, host="Host: 127.0.0.1\r\n", extra="",
             close=True, version="1.1"):
        body = self.seed_body()
        return (f"POST {target} HTTP/{version}\r\n{host}Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n{extra}"
                f"{'Connection: close' + chr(13) + chr(10) if close else ''}\r\n").encode() + body

    # --- HEAD -----------------------------------------------------------------------------

    def test_head_on_the_admin_listener_has_no_body_and_the_next_answer_is_intact(self):
        data = self.raw(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                        port=self.gateway.admin_port)
        answers = parse_responses(data, head_requests=(0,))
        self.assertEqual([a[0] for a in answers], [200, 200], data)
        self.assertEqual(answers[0][1]["content-length"], str(len(b'{"status":"ok"}')))
        self.assertEqual(answers[1][2], b'{"status":"ok"}')

    def test_head_on_a_proxy_has_no_body_and_the_next_answer_is_intact(self):
        data = self.raw(f"HEAD /services/{PROXY} HTTP/1.1\r\nHost: x\r\n\r\n".encode() +
                        self.post())
        answers = parse_responses(data, head_requests=(0,))
        self.assertEqual([a[0] for a in answers], [405, 200], data)
        self.assertEqual(answers[0][1]["allow"], "POST")
        self.assertGreater(int(answers[0][1]["content-length"]), 0)
        self.assertEqual(json.loads(answers[1][2])["sessionKey"], "2167614")

    def test_head_through_http_client(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.gateway.port, timeout=30)
        conn.request("HEAD", "/services/nope")
        resp = conn.getresponse()
        self.assertEqual(resp.status, 404)
        self.assertEqual(resp.read(), b"")
        conn.request("POST", f"/services/{PROXY}", body=self.seed_body(),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertEqual(json.loads(resp.read())["sessionKey"], "2167614")
        conn.close()

    # --- Host -----------------------------------------------------------------------------

    def test_http11_without_host_is_400(self):
        for port in (self.gateway.port, self.gateway.admin_port):
            answers = parse_responses(self.raw(self.post(host=""), port=port))
            self.assertEqual(len(answers), 1)
            self.assertEqual(answers[0][0], 400)
            self.assertIn(b"without a Host header", answers[0][2])

    def test_two_host_headers_are_400(self):
        answers = parse_responses(self.raw(self.post(host="Host: a\r\nHost: b\r\n")))
        self.assertEqual(answers[0][0], 400)
        err = json.loads(answers[0][2])["error"]
        self.assertEqual(err["code"], "bad_request")
        self.assertIn("more than one Host", err["message"])

    def test_http10_without_host_is_served(self):
        answers = parse_responses(self.raw(self.post(host="", version="1.0", close=False)))
        self.assertEqual(answers[0][0], 200, answers)

    # --- absolute form --------------------------------------------------------------------

    def test_absolute_form_is_the_gateways_own_path(self):
        for target in (f"http://127.0.0.1:{self.gateway.port}/services/{PROXY}",
                       f"HTTP://elsewhere.example/services/{PROXY}?x=1"):
            answers = parse_responses(self.raw(self.post(target=target)))
            self.assertEqual(answers[0][0], 200, (target, answers))
        before = self.fake.stats()["apiRequests"]
        answers = parse_responses(self.raw(self.post(target="http://elsewhere.example/other")))
        self.assertEqual(answers[0][0], 404)  # never forwarded anywhere
        self.assertEqual(self.fake.stats()["apiRequests"], before)
        status, _, body = parse_responses(self.raw(
            b"GET http://x/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            port=self.gateway.admin_port))[0]
        self.assertEqual((status, body), (200, b'{"status":"ok"}'))

    # --- pipelining -----------------------------------------------------------------------

    def test_max_pipelined_answers_exactly_that_many(self):
        data = self.raw(b"".join(self.post(close=False) for _ in range(7)))
        answers = parse_responses(data)
        self.assertEqual(len(answers), 4, [a[:2] for a in answers])
        self.assertTrue(all(a[0] == 200 for a in answers))
        self.assertEqual(answers[-1][1].get("connection"), "close")
        for a in answers[:-1]:
            self.assertNotEqual(a[1].get("connection"), "close")


class LingeringClose(EnvelopeAssertions, unittest.TestCase):
    """An ordinary client that sends its whole body before reading still reads the 413."""

    @classmethod
    def setUpClass(cls):
        cls.gateway = Gateway()

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()

    def upload(self, size, chunked=False):
        conn = http.client.HTTPConnection("127.0.0.1", self.gateway.port, timeout=30)
        body = b'{"pad":"' + b"x" * (size - 10) + b'"}'
        if chunked:
            def pieces():
                for i in range(0, len(body), 65536):
                    yield body[i:i + 65536]
            conn.request("POST", f"/services/{PROXY}", body=pieces(),
                         headers={"Content-Type": "application/json"}, encode_chunked=True)
        else:
            conn.request("POST", f"/services/{PROXY}", body=body,
                         headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        raw = resp.read()
        conn.close()
        return resp.status, json.loads(raw)

    def test_a_2_mib_upload_reads_its_413(self):
        status, body = self.upload(2 * 1024 * 1024)
        self.assertEqual(status, 413)
        self.assertEqual(body["error"]["code"], "payload_too_large")

    def test_an_8_mib_upload_reads_its_413(self):
        status, body = self.upload(8 * 1024 * 1024)
        self.assertEqual(status, 413)

    def test_a_chunked_upload_reads_its_413(self):
        status, body = self.upload(3 * 1024 * 1024, chunked=True)
        self.assertEqual(status, 413)

    def test_a_huge_header_block_reads_its_431(self):
        with socket.create_connection(("127.0.0.1", self.gateway.port), timeout=30) as s:
            head = (f"POST /services/{PROXY} HTTP/1.1\r\nHost: x\r\n").encode()
            filler = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"y" * 1000) for i in range(1600))
            s.sendall(head + filler + b"Content-Length: 2\r\n\r\n{}")
            data = read_until_closed(s)
        answers = parse_responses(data)
        self.assertEqual(answers[0][0], 431)
        self.assertEqual(json.loads(answers[0][2])["error"]["code"], "headers_too_large")

    def test_the_gateway_still_serves_after_lingering(self):
        self.upload(2 * 1024 * 1024)
        status, _ = self.gateway.admin("/healthz")
        self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
