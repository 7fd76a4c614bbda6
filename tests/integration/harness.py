"""Starts the real flowgate binary and the fake upstreams on loopback ports chosen by the OS,
and talks HTTP to them (stdlib only)."""

import http.client
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

FLOWGATE = os.environ.get("FLOWGATE_BIN", "../../build/flowgate")
FAKE = os.environ.get("FLOWGATE_FAKE_BIN", "../../build/flowgate-fake")
SOURCE = os.environ.get("FLOWGATE_SOURCE_DIR", os.path.abspath("../.."))
PROXIES = os.path.join(SOURCE, "proxies")
TLS_DIR = os.path.join(SOURCE, "tests", "data", "tls")

# The seed's sample request (WSO2 GoToWebinar connector page), minus apiUrl.
SEED = {
    "accessToken": "UEGGrwswKRwB07lTOr0EoppdaxKo",
    "organizerKey": "3697511743350317068",
    "clientId": "IJfcaqp3xC034WXD1GGlstejnJS41huo",
    "refreshToken": "MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm",
    "webinarKey": "6487648931392511233",
    "sessionKey": "2167614",
}

# The configs the shipped proxies need (config/gateway.yaml sets them): the customers
# example's backend. A test config that loads proxies/ and sets no configs of its own gets it.
SHIPPED_CONFIGS = ("configs:\n  customersUrl: http://127.0.0.1:8291\n"
                   "  calculatorUrl: http://127.0.0.1:8291/calculator.asmx\n")

STARTUP_TIMEOUT = 30
# The longest a test waits for a condition (a log line, a metric, a counter of the fake). A
# generous bound: it costs nothing when the condition comes, and a busy machine (a parallel
# ctest, a sanitizer build, CPU pressure) is slow, not broken.
WAIT_TIMEOUT = 30

_SERIES = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$")


def wait_until(predicate, timeout=WAIT_TIMEOUT, interval=0.02):
    """Polls `predicate` until it returns something true (returned) or `timeout` passes (then
    its last result, false). For conditions that leave no log line to wait for."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def parse_metrics(text):
    """Prometheus text as {series: value}, a series being `name` or `name{labels}` as rendered."""
    out = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = _SERIES.match(line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


class Process:
    """A child process whose stdout is read line by line on a thread."""

    def __init__(self, args, env=None):
        self.args = args
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines = []
        self._queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern, timeout=STARTUP_TIMEOUT):
        """Returns the first match of `pattern` in the output (already seen or to come)."""
        regex = re.compile(pattern)
        for line in list(self.lines):
            m = regex.search(line)
            if m:
                return m
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.args[0]}: no line matching {pattern!r}; output:\n"
                                     + "\n".join(self.lines))
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"{self.args[0]} exited ({self.proc.wait()}) before "
                                     f"{pattern!r}; output:\n" + "\n".join(self.lines))
            m = regex.search(line)
            if m:
                return m

    def output(self):
        return "\n".join(self.lines)

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)
        return self.proc.returncode


class Fake:
    """The flowgate-fake process (GoToWebinar + token endpoint + WebEx)."""

    def __init__(self, tls=False):
        args = [FAKE, "--listen", "127.0.0.1:0"]
        if tls:
            args += ["--cert", os.path.join(TLS_DIR, "server.pem"),
                     "--key", os.path.join(TLS_DIR, "server-key.pem")]
        self.tls = tls
        self.process = Process(args)
        m = self.process.wait_for(r"listening on [\d.]+:(\d+)")
        self.port = int(m.group(1))
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.tls_url = f"https://127.0.0.1:{self.port}"  # the test certificate has IP:127.0.0.1

    def control(self, method, path, body=None):
        if self.tls:
            import ssl
            ctx = ssl.create_default_context(cafile=os.path.join(TLS_DIR, "ca.pem"))
            conn = http.client.HTTPSConnection("localhost", self.port, timeout=WAIT_TIMEOUT,
                                               context=ctx)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT_TIMEOUT)
        data = json.dumps(body) if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        text = resp.read()
        conn.close()
        assert resp.status == 200, f"fake control {path}: {resp.status} {text!r}"
        return json.loads(text)

    def configure(self, **settings):
        return self.control("POST", "/__fake/config", settings)

    def stats(self):
        return self.control("GET", "/__fake/stats")

    def wait_for_stats(self, predicate, timeout=WAIT_TIMEOUT):
        """The first stats for which predicate(stats) holds, e.g. "the request reached the
        fake" (`lambda s: s["apiRequests"] >= 1`); raises with the last stats otherwise."""
        seen = []

        def check():
            seen[:] = [self.stats()]
            return predicate(seen[0])

        if not wait_until(check, timeout):
            stats = dict(seen[0], requests=f"<{len(seen[0]['requests'])} entries>")
            raise AssertionError(f"the fake's stats never met the condition in {timeout} s: "
                                 f"{stats}")
        return seen[0]

    def reset(self):
        return self.control("POST", "/__fake/reset", {})

    def stop(self):
        self.process.stop()


class Gateway:
    """The real flowgate binary on 127.0.0.1:0 with a config written for the test."""

    def __init__(self, config_text="", proxies=PROXIES, extra_args=(), env=None):
        self.dir = tempfile.mkdtemp(prefix="flowgate-it-")
        self.config_path = os.path.join(self.dir, "gateway.yaml")
        base = "admin:\n  listen: 127.0.0.1:0\n"
        if not re.search(r"(?m)^configs:", config_text):
            base += SHIPPED_CONFIGS
        with open(self.config_path, "w") as f:
            f.write(base + config_text)
        args = [FLOWGATE, "serve", "--config", self.config_path, "--proxies", proxies,
                "--listen", "127.0.0.1:0", *extra_args]
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self.process = Process(args, env=full_env)
        m = self.process.wait_for(r"listening on [\d.]+:(\d+) \(admin [\d.]+:(\d+)\)")
        self.port = int(m.group(1))
        self.admin_port = int(m.group(2))

    def connection(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, conn=None, timeout=30):
        own = conn is None
        conn = conn or self.connection(timeout)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        if own:
            conn.close()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return Response(resp.status, dict(resp.getheaders()), raw, parsed)

    def post(self, proxy, body, **kw):
        return self.request("POST", f"/services/{proxy}", body, **kw)

    def admin(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=WAIT_TIMEOUT)
        conn.request("GET", path)
        resp = conn.getresponse()
        raw = resp.read()
        conn.close()
        return resp.status, raw

    def metrics(self):
        """/metrics as {series: value} (see parse_metrics)."""
        status, raw = self.admin("/metrics")
        assert status == 200, (status, raw)
        return parse_metrics(raw.decode())

    def wait_for_metric(self, series, predicate, timeout=WAIT_TIMEOUT):
        """Waits until predicate(value of `series`, None when absent) holds; returns the value
        (raises with the last value when it never does)."""
        seen = []

        def check():
            seen[:] = [self.metrics().get(series)]
            return predicate(seen[0])

        if not wait_until(check, timeout):
            raise AssertionError(f"{series} never met the condition in {timeout} s; "
                                 f"last value {seen[0]!r}")
        return seen[0]

    def stop(self):
        code = self.process.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        return code


class Response:
    def __init__(self, status, headers, raw, json_body):
        self.status = status
        self.headers = headers
        self.raw = raw
        self.json = json_body

    def error_code(self):
        return (self.json or {}).get("error", {}).get("code")

    def __repr__(self):
        return f"<{self.status} {self.raw[:300]!r}>"


def closed_port():
    """A loopback port nobody listens on (bound once by the OS, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def gateway_config(fake, extra=""):
    """A config that allows the fake (by IP) as an upstream and points tokenUrl at it."""
    return (f"connectors:\n  gotowebinar:\n    allowedHosts: [127.0.0.1, localhost]\n"
            f"    tokenUrl: {fake.url}/oauth/token\n" + extra)


class EnvelopeAssertions:
    """assertError for test cases: status, code and the envelope's fixed members."""

    def assertError(self, resp, status, code):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.error_code(), code, resp)
        err = resp.json["error"]
        self.assertEqual(err["status"], status)
        self.assertTrue(err["message"])
        self.assertEqual(err["requestId"], resp.headers.get("X-Request-ID"))
        return err


class GatewayTestCase(EnvelopeAssertions, unittest.TestCase):
    """One fake and one gateway for the whole class; the fake is reset before each test."""

    gateway_extra = ""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()
        cls.gateway = Gateway(gateway_config(cls.fake, cls.gateway_extra))

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.fake.stop()

    def setUp(self):
        self.fake.reset()

    def seed(self, **changes):
        body = dict(SEED, apiUrl=self.fake.url)
        for k, v in changes.items():
            if v is None:
                body.pop(k, None)
            else:
                body[k] = v
        return body
