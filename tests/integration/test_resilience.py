"""Resilience of the upstream calls and of the listener, through the real binary and the fake:
retries (idempotent calls only, unless nothing was sent), per-attempt and total timeouts,
per-step overrides of the upstream policy, WSO2-style endpoint suspension, cancellation of the
upstream call when the client goes away, and the server's connection and pipelining limits.
Each test would fail without the behaviour it names. Tests wait for what the gateway shows
(its access lines and log, /metrics, the fake's counters), never for a duration, so that a busy
machine only makes them slower."""

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import uuid

from harness import (FLOWGATE, PROXIES, SEED, WAIT_TIMEOUT, Fake, Gateway, GatewayTestCase,
                     closed_port, gateway_config, parse_metrics, wait_until)

PROXY = "gotowebinar_getSessionById"
WEBEX_CREDENTIALS = {"webExID": "hostid", "password": "hostpassword", "siteID": "0000",
                     "partnerID": "9999", "email": "johnsmith@xyz.com"}
WEBEX_SESSION = {"metaData": {"confName": "resilience"},
                 "schedule": {"startDate": "2030-01-15T09:30:00+01:00", "duration": 45}}

def scrape(gateway):
    """/metrics as {series: value}, a series being `name` or `name{labels}` as rendered."""
    status, raw = gateway.admin("/metrics")
    assert status == 200, (status, raw)
    return parse_metrics(raw.decode())


def new_request_id():
    return "resil-" + uuid.uuid4().hex


def read_http_responses(sock, timeout=WAIT_TIMEOUT):
    """Reads from `sock` until the peer closes it (or `timeout`); returns (responses, closed):
    responses as (status, {lower-case header: value}, body)."""
    sock.settimeout(timeout)
    data = b""
    closed = False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            closed = True
            break
        if not chunk:
            closed = True
            break
        data += chunk
    responses = []
    while data:
        head_end = data.find(b"\r\n\r\n")
        if head_end < 0:
            break
        lines = data[:head_end].decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0"))
        body = data[head_end + 4:head_end + 4 + length]
        data = data[head_end + 4 + length:]
        responses.append((status, headers, body))
    return responses, closed


def read_one_response(sock, timeout=WAIT_TIMEOUT):
    """Reads one response (with a Content-Length) from a connection kept open: (status, body)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("connection closed inside a body")
        body += chunk
    return int(head.split()[1]), body


def post_bytes(path, body, request_id=None, keep_alive=True):
    body = body.encode() if isinstance(body, str) else body
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n")
    if request_id:
        head += f"X-Request-ID: {request_id}\r\n"
    if not keep_alive:
        head += "Connection: close\r\n"
    return head.encode() + b"\r\n" + body


class ResilienceCase(GatewayTestCase):
    """One fake and one gateway per class, the gateway configured with `extra`."""

    extra = ""

    @classmethod
    def setUpClass(cls):
        cls.gateway_extra = "  webex:\n    allowedHosts: [127.0.0.1]\n" + cls.extra
        super().setUpClass()

    def tearDown(self):
        self.assertIsNone(self.gateway.process.proc.poll(),
                          "gateway died:\n" + self.gateway.process.output())

    def webex(self, op, **params):
        body = dict(WEBEX_CREDENTIALS, siteUrl=self.fake.url, **params)
        return self.gateway.post(f"webex_{op}", body)

    def access_line(self, request_id, timeout=WAIT_TIMEOUT):
        return self.gateway.process.wait_for(
            rf"access requestId={re.escape(request_id)} .*", timeout=timeout).group(0)


class Retries(ResilienceCase):
    extra = ("upstream:\n  requestTimeout: 1s\n  totalTimeout: 1500ms\n"
             "  retry: {maxAttempts: 3, initialBackoff: 10ms, maxBackoff: 50ms}\n"
             "  suspendOnFailure: {failures: 0}\n")

    RETRIES = 'flowgate_upstream_retries_total{connector="gotowebinar",operation="getSessionById"}'

    def test_idempotent_get_is_retried_on_503(self):
        before = scrape(self.gateway).get(self.RETRIES, 0)
        self.fake.configure(apiFailure={"status": 503, "body": "maintenance", "times": 2})
        rid = new_request_id()
        r = self.gateway.post(PROXY, self.seed(), headers={"X-Request-ID": rid})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["sessionKey"], "2167614")
        self.assertEqual(self.fake.stats()["apiRequests"], 3)
        line = self.access_line(rid)
        self.assertIn(" status=200 ", line)
        self.assertIn(" upstreamCalls=3 ", line)
        self.assertTrue(line.endswith(" retries=2"), line)
        self.assertEqual(scrape(self.gateway).get(self.RETRIES, 0) - before, 2)

    def test_total_timeout_bounds_all_attempts(self):
        # 3 attempts x 1 s would take 3 s; totalTimeout cuts the second one short. Seen in
        # what the gateway did, not in how long it took: a busy machine delays every timer.
        self.fake.configure(apiDelayMs=3000)
        rid = new_request_id()
        r = self.gateway.post(PROXY, self.seed(), headers={"X-Request-ID": rid})
        err = self.assertError(r, 504, "upstream_timeout")
        # The last attempt was given only what was left of the 1500 ms, less than its 1 s.
        m = re.search(r"did not answer within (\d+) ms", err["message"])
        self.assertIsNotNone(m, err["message"])
        self.assertLess(int(m.group(1)), 1000, err["message"])
        line = self.access_line(rid)
        # It did retry after the first 1 s attempt, and no third attempt was started.
        self.assertIn(" upstreamCalls=2 ", line)
        self.assertTrue(line.endswith(" retries=1"), line)
        self.assertEqual(self.fake.stats()["apiRequests"], 2)

    def test_webex_create_is_not_retried_after_sending(self):
        key = 'flowgate_upstream_retries_total{connector="webex",operation="createTrainingSession"}'
        before = scrape(self.gateway).get(key, 0)
        self.fake.configure(webexRaw={"status": 503, "body": "<html>busy</html>", "times": 1})
        r = self.webex("createTrainingSession", session=WEBEX_SESSION)
        err = self.assertError(r, 502, "upstream_error")
        self.assertEqual(err["upstream"]["status"], 503)
        self.assertEqual(self.fake.stats()["webexRequests"], 1)
        self.assertEqual(scrape(self.gateway).get(key, 0), before)

    def test_webex_read_is_retried(self):
        self.fake.configure(webexRaw={"status": 503, "body": "<html>busy</html>", "times": 1})
        r = self.webex("getTrainingSession", sessionKey="76736484")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["sessionKey"], "76736484")
        self.assertEqual(self.fake.stats()["webexRequests"], 2)

    def test_connect_failure_is_retried_even_for_a_create(self):
        # Nothing was sent: a refused connection is retried for a non-idempotent call too.
        key = 'flowgate_upstream_retries_total{connector="webex",operation="createTrainingSession"}'
        before = scrape(self.gateway).get(key, 0)
        rid = new_request_id()
        r = self.gateway.post("webex_createTrainingSession",
                              dict(WEBEX_CREDENTIALS, siteUrl=f"http://127.0.0.1:{closed_port()}",
                                   session=WEBEX_SESSION),
                              headers={"X-Request-ID": rid})
        self.assertError(r, 502, "upstream_unavailable")
        self.assertEqual(scrape(self.gateway).get(key, 0) - before, 2)
        self.assertTrue(self.access_line(rid).endswith(" retries=2"))


class RetryLimit(ResilienceCase):
    extra = ("upstream:\n  requestTimeout: 1s\n"
             "  retry: {maxAttempts: 2, initialBackoff: 10ms}\n"
             "  suspendOnFailure: {failures: 0}\n")

    def test_max_attempts_exhausted_gives_the_mapped_error(self):
        self.fake.configure(apiFailure={"status": 503, "body": "maintenance", "times": 5})
        r = self.gateway.post(PROXY, self.seed())
        err = self.assertError(r, 502, "upstream_error")
        self.assertEqual(err["upstream"]["status"], 503)
        self.assertEqual(self.fake.stats()["apiRequests"], 2)


class AttemptTimeout(ResilienceCase):
    extra = ("upstream:\n  requestTimeout: 500ms\n  retry: {maxAttempts: 1}\n"
             "  suspendOnFailure: {failures: 0}\n")

    def test_request_timeout_per_attempt(self):
        self.fake.configure(apiDelayMs=2000)
        r = self.gateway.post(PROXY, self.seed())
        err = self.assertError(r, 504, "upstream_timeout")
        # The 500 ms of the attempt ran out (the fake would have answered 200 after 2 s).
        self.assertIn("did not answer within 500 ms", err["message"])
        self.assertEqual(self.fake.stats()["apiRequests"], 1)
        self.fake.configure(apiDelayMs=0)
        r = self.gateway.post(PROXY, self.seed())
        self.assertEqual(r.status, 200, r)


FAST_STEP_UPSTREAM = "    upstream: {requestTimeout: 300ms, retry: {maxAttempts: 1}}\n"


def proxy_with_step_upstream(name, upstream_block):
    """The shipped getSessionById proxy renamed, with `upstream_block` (indented lines)
    added to its operation step."""
    with open(os.path.join(PROXIES, f"{PROXY}.yaml")) as f:
        text = f.read()
    text = re.sub(r"^name: \S+", f"name: {name}", text, count=1, flags=re.M)
    marker = '      sessionKey:   "{$ctx:sessionKey}"\n'
    assert marker in text, "the shipped proxy changed: update this test"
    return text.replace(marker, marker + upstream_block, 1)


class StepOverride(ResilienceCase):
    extra = "upstream:\n  requestTimeout: 5s\n  suspendOnFailure: {failures: 0}\n"

    @classmethod
    def setUpClass(cls):
        cls.proxies_dir = tempfile.mkdtemp(prefix="flowgate-resil-proxies-")
        shutil.copy(os.path.join(PROXIES, f"{PROXY}.yaml"), cls.proxies_dir)
        with open(os.path.join(cls.proxies_dir, "gotowebinar_fast.yaml"), "w") as f:
            f.write(proxy_with_step_upstream("gotowebinar_fast", FAST_STEP_UPSTREAM))
        cls.gateway_extra = cls.extra
        cls.fake = Fake()
        cls.gateway = Gateway(gateway_config(cls.fake, cls.gateway_extra),
                              proxies=cls.proxies_dir)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.proxies_dir, ignore_errors=True)

    def test_step_override_applies_to_its_step_only(self):
        self.fake.configure(apiDelayMs=1000)
        r = self.gateway.post("gotowebinar_fast", self.seed())
        err = self.assertError(r, 504, "upstream_timeout")
        # The step's 300 ms applied (the class's 5 s would have let the 1 s answer through).
        self.assertIn("did not answer within 300 ms", err["message"])
        self.assertEqual(self.fake.stats()["apiRequests"], 1)  # retry.maxAttempts: 1 applied

        started = time.monotonic()
        r = self.gateway.post(PROXY, self.seed())
        slow = time.monotonic() - started
        self.assertEqual(r.status, 200, r)
        self.assertGreaterEqual(slow, 0.9)  # a lower bound: a busy machine only adds to it

    def test_check_rejects_unknown_keys_in_a_step_upstream(self):
        block = ("    upstream:\n"
                 "      requestTimeout: 300ms\n"
                 "      retyr: {maxAttempts: 1}\n"
                 "      retry: {maxAttempts: 1, jitter: full}\n")
        text = proxy_with_step_upstream("gotowebinar_bad", block)
        lines = text.splitlines()
        retyr_line = next(i for i, l in enumerate(lines) if "retyr:" in l) + 1
        jitter_line = next(i for i, l in enumerate(lines) if "jitter:" in l) + 1
        jitter_col = lines[jitter_line - 1].index("jitter") + 1
        with tempfile.TemporaryDirectory(prefix="flowgate-resil-check-") as d:
            os.mkdir(os.path.join(d, "proxies"))
            path = os.path.join(d, "proxies", "gotowebinar_bad.yaml")
            with open(path, "w") as f:
                f.write(text)
            config = os.path.join(d, "gateway.yaml")
            with open(config, "w") as f:
                f.write("logging: {level: warn}\n")
            r = subprocess.run([FLOWGATE, "check", "--config", config,
                                "--proxies", os.path.join(d, "proxies")],
                               capture_output=True, text=True, timeout=30)
            out = r.stdout + r.stderr
            self.assertEqual(r.returncode, 1, out)
            self.assertRegex(out, rf"gotowebinar_bad\.yaml:{retyr_line}:7: .*retyr")
            self.assertRegex(out, rf"gotowebinar_bad\.yaml:{jitter_line}:{jitter_col}: .*jitter")

            # The same file with only known keys passes.
            with open(path, "w") as f:
                f.write(proxy_with_step_upstream("gotowebinar_bad", FAST_STEP_UPSTREAM))
            r = subprocess.run([FLOWGATE, "check", "--config", config,
                                "--proxies", os.path.join(d, "proxies")],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class Suspension(ResilienceCase):
    # A suspension long enough that the checks made while it lasts (a few calls to the fake,
    # the gateway and /metrics) fit in it on a busy machine; its end is waited for on the
    # flowgate_upstream_suspended gauge, which /metrics renders from the time left.
    extra = ("upstream:\n  requestTimeout: 1s\n  retry: {maxAttempts: 1}\n"
             "  suspendOnFailure: {failures: 2, initialDuration: 2s, progressionFactor: 2,"
             " maxDuration: 20s}\n")
    INITIAL_MS = 2000

    # Each test has its own fake: suspension is per upstream host:port and lasts across tests.
    def setUp(self):
        self.upstream = Fake()
        self.addCleanup(self.upstream.stop)
        self.key = f"http://127.0.0.1:{self.upstream.port}"

    def call(self):
        return self.gateway.post(PROXY, dict(SEED, apiUrl=self.upstream.url))

    def suspended_for(self):
        """A call answered 503 upstream_suspended without reaching the fake; the ms left."""
        before = self.upstream.stats()
        err = self.assertError(self.call(), 503, "upstream_suspended")
        after = self.upstream.stats()
        self.assertEqual(after["apiRequests"], before["apiRequests"])
        # no connection either (the stats call itself is the only new one)
        self.assertEqual(after["connectionsAccepted"], before["connectionsAccepted"] + 1)
        return int(re.search(r"suspended for another (\d+) ms", err["message"]).group(1))

    def gauge(self):
        return scrape(self.gateway).get(f'flowgate_upstream_suspended{{upstream="{self.key}"}}')

    def wait_suspension_over(self):
        self.gateway.wait_for_metric(
            f'flowgate_upstream_suspended{{upstream="{self.key}"}}', lambda v: v == 0)

    def logged_suspension_ms(self, nth):
        """The duration of the nth suspension of this upstream, as the gateway's warning
        gives it ("upstream KEY suspended for N ms after ...")."""
        pattern = re.compile(rf"upstream {re.escape(self.key)} suspended for (\d+) ms")
        found = []

        def enough():
            found[:] = [m for m in map(pattern.search, list(self.gateway.process.lines)) if m]
            return len(found) >= nth

        self.assertTrue(wait_until(enough), f"no suspension #{nth} of {self.key} logged")
        return int(found[nth - 1].group(1))

    def fail_once(self):
        served = self.upstream.stats()["faultsServed"]
        r = self.call()
        self.assertError(r, 502, "upstream_unavailable")
        # +2 when the request went out on a pooled keep-alive connection: a close without
        # any answer looks stale, and an idempotent GET is sent once more on a fresh one.
        self.assertIn(self.upstream.stats()["faultsServed"] - served, (1, 2))

    def test_the_management_api_shows_the_suspension(self):
        self.upstream.configure(apiFault={"kind": "close_no_answer", "times": 100})
        self.fail_once()
        self.fail_once()
        conn = http.client.HTTPConnection("127.0.0.1", self.gateway.admin_port, timeout=30)
        conn.request("GET", "/management/upstreams")
        resp = conn.getresponse()
        body = json.loads(resp.read())
        conn.close()
        self.assertEqual(resp.status, 200, body)
        mine = [u for u in body["upstreams"] if u["upstream"] == self.key]
        self.assertEqual(len(mine), 1, body)
        self.assertTrue(mine[0]["suspended"])
        self.assertGreater(mine[0]["retryInMs"], 0)
        self.assertLessEqual(mine[0]["retryInMs"], self.INITIAL_MS)
        self.assertGreaterEqual(mine[0]["consecutiveFailures"], 2)
        self.assertEqual(mine[0]["idleConnections"], 0)  # each attempt's connection was closed

    def test_suspended_after_consecutive_failures_then_recovers(self):
        self.upstream.configure(apiFault={"kind": "close_no_answer", "times": 100})
        self.fail_once()
        self.assertEqual(self.gauge(), 0)
        self.fail_once()
        self.assertLessEqual(self.suspended_for(), self.INITIAL_MS)
        m = scrape(self.gateway)
        self.assertEqual(m.get(f'flowgate_upstream_suspended{{upstream="{self.key}"}}'), 1)
        self.assertEqual(m.get(f'flowgate_upstream_suspensions_total{{upstream="{self.key}"}}'), 1)
        self.assertEqual(
            m.get(f'flowgate_upstream_suspended_rejections_total{{upstream="{self.key}"}}'), 1)
        self.assertEqual(self.logged_suspension_ms(1), self.INITIAL_MS)

        self.upstream.configure(apiFault=None)
        self.wait_suspension_over()
        r = self.call()
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.gauge(), 0)

    def test_suspension_grows_while_failures_continue(self):
        self.upstream.configure(apiFault={"kind": "close_no_answer"})
        self.fail_once()
        self.fail_once()
        self.assertLessEqual(self.suspended_for(), self.INITIAL_MS)
        self.assertEqual(self.logged_suspension_ms(1), self.INITIAL_MS)
        self.wait_suspension_over()
        # Still failing once the suspension ends: suspended again at once, for 2 x 2 s.
        self.fail_once()
        left = self.suspended_for()
        self.assertEqual(self.logged_suspension_ms(2), 2 * self.INITIAL_MS)
        # Still suspended, and for longer than a first suspension would last: the time left
        # only shrinks while the checks run, so a busy machine cannot push it above.
        self.assertGreater(left, 0)
        self.assertLessEqual(left, 2 * self.INITIAL_MS)
        self.assertEqual(scrape(self.gateway).get(
            f'flowgate_upstream_suspensions_total{{upstream="{self.key}"}}'), 2)

        # An answer closes the circuit and resets the progression.
        self.upstream.configure(apiFault=None)
        self.wait_suspension_over()
        self.assertEqual(self.call().status, 200)
        self.upstream.configure(apiFault={"kind": "close_no_answer"})
        self.fail_once()
        self.fail_once()
        self.assertLessEqual(self.suspended_for(), self.INITIAL_MS)
        self.assertEqual(self.logged_suspension_ms(3), self.INITIAL_MS)


class ClientDisconnect(ResilienceCase):
    # requestTimeout and the fake's delay are both far beyond the waits for the access line:
    # a 499 line at all shows that the client's going away ended the upstream call.
    extra = "upstream:\n  requestTimeout: 120s\n  suspendOnFailure: {failures: 0}\n"
    UPSTREAM_DELAY_MS = 120000

    def test_client_disconnect_cancels_the_upstream_call(self):
        self.fake.configure(apiDelayMs=self.UPSTREAM_DELAY_MS)
        rid = new_request_id()
        body = post_bytes(f"/services/{PROXY}", json.dumps(self.seed()), rid)
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.gateway.port), timeout=WAIT_TIMEOUT) as s:
            s.sendall(body)
            self.fake.wait_for_stats(lambda st: st["apiRequests"] >= 1)  # in flight upstream
        line = self.access_line(rid)
        self.assertLess(time.monotonic() - started, self.UPSTREAM_DELAY_MS / 1000)
        self.assertIn(" status=499 ", line)
        self.assertIn(" error=client_closed_request ", line)
        self.assertEqual(scrape(self.gateway).get("flowgate_in_flight_requests"), 0)
        self.fake.configure(apiDelayMs=0)
        self.assertEqual(self.gateway.post(PROXY, self.seed()).status, 200)


    def test_client_disconnect_is_seen_on_every_request_of_a_connection(self):
        # The watch is set up anew for each request: a client leaving during its third
        # request on a kept-alive connection is seen as well as one leaving during its first.
        with socket.create_connection(("127.0.0.1", self.gateway.port), timeout=WAIT_TIMEOUT) as s:
            for _ in range(2):
                s.sendall(post_bytes(f"/services/{PROXY}", json.dumps(self.seed())))
                status, body = read_one_response(s)
                self.assertEqual(status, 200, body)
            self.fake.configure(apiDelayMs=self.UPSTREAM_DELAY_MS)
            rid = new_request_id()
            started = time.monotonic()
            s.sendall(post_bytes(f"/services/{PROXY}", json.dumps(self.seed()), rid))
            self.fake.wait_for_stats(lambda st: st["apiRequests"] >= 3)  # in flight upstream
        line = self.access_line(rid)
        self.assertLess(time.monotonic() - started, self.UPSTREAM_DELAY_MS / 1000)
        self.assertIn(" status=499 ", line)
        self.fake.configure(apiDelayMs=0)
        self.assertEqual(self.gateway.post(PROXY, self.seed()).status, 200)

    def test_a_pipelined_request_is_not_taken_for_a_disconnect(self):
        # The watch peeks at the socket: bytes of a next request there mean "still here".
        # The first request is held by the fake until the second has been sent (the delay is
        # taken when a request arrives: the second one gets none).
        self.fake.configure(apiDelayMs=3000)
        try:
            with socket.create_connection(("127.0.0.1", self.gateway.port), timeout=WAIT_TIMEOUT) as s:
                s.sendall(post_bytes(f"/services/{PROXY}", json.dumps(self.seed())))
                # the first request is in flight, its watch armed
                self.fake.wait_for_stats(lambda st: st["apiRequests"] >= 1)
                self.fake.configure(apiDelayMs=0)
                s.sendall(post_bytes(f"/services/{PROXY}", json.dumps(self.seed()),
                                     keep_alive=False))
                responses, closed = read_http_responses(s)
        finally:
            self.fake.configure(apiDelayMs=0)
        self.assertEqual([r[0] for r in responses], [200, 200], responses)
        self.assertTrue(closed)


class ServerLimits(ResilienceCase):
    extra = "server:\n  maxConnections: 5\n  maxPipelined: 2\n"

    def wait_open_connections(self, n, timeout=WAIT_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            value = scrape(self.gateway).get("flowgate_open_connections")
            if value == n or time.monotonic() > deadline:
                return value
            time.sleep(0.02)

    def setUp(self):
        super().setUp()
        self.assertEqual(self.wait_open_connections(0), 0)

    def test_max_connections(self):
        rejected = scrape(self.gateway).get("flowgate_rejected_connections_total", 0)
        idle = []
        try:
            for _ in range(5):
                idle.append(socket.create_connection(("127.0.0.1", self.gateway.port), timeout=WAIT_TIMEOUT))
            self.assertEqual(self.wait_open_connections(5), 5)
            with socket.create_connection(("127.0.0.1", self.gateway.port), timeout=WAIT_TIMEOUT) as sixth:
                responses, closed = read_http_responses(sixth)
            self.assertEqual(len(responses), 1, responses)
            status, headers, body = responses[0]
            self.assertEqual(status, 503)
            self.assertIn(b'"server_busy"', body)
            self.assertTrue(closed)
            self.assertEqual(scrape(self.gateway).get("flowgate_rejected_connections_total"),
                             rejected + 1)
        finally:
            for s in idle:
                s.close()
        self.assertEqual(self.wait_open_connections(0), 0)
        r = self.gateway.post(PROXY, self.seed())
        self.assertEqual(r.status, 200, r)

    def test_max_pipelined(self):
        body = json.dumps(self.seed())
        with socket.create_connection(("127.0.0.1", self.gateway.port), timeout=WAIT_TIMEOUT) as s:
            s.sendall(b"".join(post_bytes(f"/services/{PROXY}", body) for _ in range(4)))
            responses, closed = read_http_responses(s)
        self.assertTrue(closed, responses)
        self.assertGreaterEqual(len(responses), 1)
        self.assertLessEqual(len(responses), 3, [r[:2] for r in responses])
        for status, headers, _ in responses:
            self.assertEqual(status, 200)
        self.assertEqual(responses[-1][1].get("connection", "").lower(), "close")
        for _, headers, _ in responses[:-1]:
            self.assertNotEqual(headers.get("connection", "").lower(), "close")


if __name__ == "__main__":
    unittest.main()
