"""Operations: metrics, access log, secret masking, hot reload (SIGHUP, proxies.watch, under
load), graceful shutdown and `flowgate health`."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import unittest

from harness import (FLOWGATE, PROXIES, SEED, WAIT_TIMEOUT, EnvelopeAssertions, Fake, Gateway,
                     GatewayTestCase, gateway_config, wait_until)

SECRET = "s3cr3t-client-secret-value"


def copy_proxies(names=None):
    """A temporary proxies dir holding copies of shipped proxies (all by default)."""
    d = tempfile.mkdtemp(prefix="flowgate-proxies-")
    for f in os.listdir(PROXIES):
        if names is None or f in names:
            shutil.copy(os.path.join(PROXIES, f), d)
    return d


def renamed_proxy(src_name, new_name):
    with open(os.path.join(PROXIES, src_name)) as f:
        text = f.read()
    return re.sub(r"^name: \S+", f"name: {new_name}", text, count=1, flags=re.M)


def metric_value(text, name, labels=""):
    """The value of `name{labels}` in Prometheus text (labels as written, in order)."""
    pattern = r"^" + re.escape(name + ("{" + labels + "}" if labels else "")) + r" (\S+)$"
    m = re.search(pattern, text, re.M)
    return float(m.group(1)) if m else None


def shipped_proxy_count():
    """The kind: proxy artifacts (no `kind:` line, or kind: proxy) under proxies/."""
    count = 0
    for dirpath, _, files in os.walk(PROXIES):
        for name in files:
            if not name.endswith((".yaml", ".yml")):
                continue
            with open(os.path.join(dirpath, name)) as f:
                kind = re.search(r"(?m)^kind:\s*(\w+)", f.read())
            count += kind is None or kind.group(1) == "proxy"
    return count


class MetricsAndLogsTest(GatewayTestCase):
    gateway_extra = "logging: {level: debug}\n"

    def metrics(self):
        status, raw = self.gateway.admin("/metrics")
        self.assertEqual(status, 200)
        return raw.decode()

    def test_metrics_count_requests_latency_upstream_calls_and_connections(self):
        before = self.metrics()
        ok = metric_value(before, "flowgate_requests_total",
                          'proxy="gotowebinar_getSessionById",status="200"') or 0
        for _ in range(3):
            self.assertEqual(self.gateway.post("gotowebinar_getSessionById", self.seed()).status, 200)
        self.assertEqual(self.gateway.post("nope", {}).status, 404)
        text = self.metrics()
        self.assertEqual(metric_value(text, "flowgate_requests_total",
                                      'proxy="gotowebinar_getSessionById",status="200"'), ok + 3)
        self.assertGreaterEqual(metric_value(text, "flowgate_requests_total",
                                             'proxy="-",status="404"'), 1)
        self.assertIn("# TYPE flowgate_request_duration_seconds histogram", text)
        self.assertGreaterEqual(metric_value(text, "flowgate_request_duration_seconds_count",
                                             'proxy="gotowebinar_getSessionById"'), 3)
        self.assertGreaterEqual(
            metric_value(text, "flowgate_upstream_requests_total",
                         'connector="gotowebinar",operation="getSessionById",status="200"'), 3)
        self.assertIn("flowgate_upstream_request_duration_seconds_bucket{connector=\"gotowebinar\"",
                      text)
        self.assertEqual(metric_value(text, "flowgate_in_flight_requests"), 0)
        self.assertIsNotNone(metric_value(text, "flowgate_open_connections"))
        self.assertIn("# TYPE flowgate_upstream_suspended gauge", text)
        self.assertEqual(metric_value(text, "flowgate_proxies_loaded"), shipped_proxy_count())

    def test_open_connections_gauge_follows_keep_alive_connections(self):
        conns = [self.gateway.connection() for _ in range(3)]
        for c in conns:
            self.gateway.post("gotowebinar_getSessionById", self.seed(), conn=c)
        self.assertGreaterEqual(metric_value(self.metrics(), "flowgate_open_connections"), 3)
        for c in conns:
            c.close()
        self.assertTrue(wait_until(
            lambda: metric_value(self.metrics(), "flowgate_open_connections") == 0))

    def test_token_refreshes_are_counted(self):
        self.fake.configure(tokens={"expired-token": "expired"})
        before = metric_value(self.metrics(), "flowgate_token_refreshes_total",
                              'connector="gotowebinar",result="ok"') or 0
        resp = self.gateway.post("gotowebinar_getSessionById", self.seed(accessToken="expired-token"))
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(metric_value(self.metrics(), "flowgate_token_refreshes_total",
                                      'connector="gotowebinar",result="ok"'), before + 1)

    def test_access_line_has_request_id_proxy_status_durations(self):
        resp = self.gateway.post("gotowebinar_getSessionById", self.seed(),
                                 headers={"X-Request-ID": "trace-abc.123"})
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.headers["X-Request-ID"], "trace-abc.123")
        line = self.gateway.process.wait_for(r"access requestId=trace-abc\.123 .*").group(0)
        self.assertRegex(line, r"proxy=gotowebinar_getSessionById method=POST status=200 error=- "
                               r"durationMs=\d+\.\d+ upstreamMs=\d+\.\d+ upstreamCalls=1 retries=0")
        total = float(re.search(r"durationMs=(\S+)", line).group(1))
        upstream = float(re.search(r"upstreamMs=(\S+)", line).group(1))
        self.assertGreater(upstream, 0)
        self.assertLessEqual(upstream, total)

    def test_generated_request_id_when_none_or_invalid(self):
        resp = self.gateway.post("gotowebinar_getSessionById", self.seed(),
                                 headers={"X-Request-ID": "bad id with spaces"})
        rid = resp.headers["X-Request-ID"]
        self.assertRegex(rid, r"^[0-9a-f]{32}$")
        self.gateway.process.wait_for(rf"access requestId={rid} ")

    def test_secrets_never_reach_the_log_or_error_messages(self):
        # The token endpoint echoes secrets in its error body; the gateway must mask them.
        self.fake.configure(
            tokens={"expired-token": "expired"},
            tokenFailure={"status": 400, "body": {"error": "invalid_client",
                                                  "client_secret": SECRET,
                                                  "access_token": SECRET}})
        resp = self.gateway.post("gotowebinar_getSessionById",
                                 self.seed(accessToken="expired-token", clientSecret=SECRET,
                                           refreshToken=SECRET),
                                 headers={"X-Request-ID": "secrets-1"})
        self.assertGreaterEqual(resp.status, 400, resp)
        self.assertNotIn(SECRET.encode(), resp.raw)
        self.assertIn(b'"client_secret":"***"', resp.raw)
        # A secret parameter of the wrong type is described without its value.
        resp = self.gateway.post("gotowebinar_getSessionById",
                                 self.seed(clientSecret={"nested": SECRET}),
                                 headers={"X-Request-ID": "secrets-2"})
        self.assertNotIn(SECRET.encode(), resp.raw)
        # Everything both requests logged is written before their access lines.
        self.gateway.process.wait_for(r"access requestId=secrets-1 ")
        self.gateway.process.wait_for(r"access requestId=secrets-2 ")
        self.assertNotIn(SECRET, self.gateway.process.output())
        self.assertNotIn(SEED["accessToken"], self.gateway.process.output())


class JsonLogTest(unittest.TestCase):
    def test_every_line_is_one_json_object(self):
        fake = Fake()
        gw = Gateway(gateway_config(fake, "logging: {format: json}\n"))
        try:
            gw.post("gotowebinar_getSessionById", dict(SEED, apiUrl=fake.url),
                    headers={"X-Request-ID": "json-1"})
            gw.post("nope", {})
            gw.process.wait_for(r'"msg":"access".*"status":404')
        finally:
            gw.stop()
            fake.stop()
        records = [json.loads(line) for line in gw.process.lines if line.strip()]
        access = [r for r in records if r.get("msg") == "access"]
        self.assertEqual(len(access), 2)
        self.assertEqual(access[0]["requestId"], "json-1")
        self.assertEqual(access[0]["proxy"], "gotowebinar_getSessionById")
        self.assertEqual(access[0]["status"], 200)
        self.assertEqual(access[0]["upstreamCalls"], 1)
        self.assertGreater(access[0]["upstreamMs"], 0)
        for r in records:
            self.assertIn("time", r)
            self.assertIn("level", r)


class ReloadTest(EnvelopeAssertions, unittest.TestCase):
    def setUp(self):
        self.fake = Fake()
        self.dir = copy_proxies({"gotowebinar_getSessionById.yaml"})

    def tearDown(self):
        self.gateway.stop()
        self.fake.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, extra=""):
        self.gateway = Gateway(gateway_config(self.fake, extra), proxies=self.dir)

    def body(self):
        return dict(SEED, apiUrl=self.fake.url)

    def reload(self):
        self.gateway.process.proc.send_signal(signal.SIGHUP)

    def test_sighup_adds_a_proxy_and_refuses_an_invalid_set(self):
        self.start()
        self.assertEqual(self.gateway.post("extra_proxy", self.body()).status, 404)
        with open(os.path.join(self.dir, "extra.yaml"), "w") as f:
            f.write(renamed_proxy("gotowebinar_getSessionById.yaml", "extra_proxy"))
        self.reload()
        self.assertTrue(wait_until(
            lambda: self.gateway.post("extra_proxy", self.body()).status == 200))
        self.gateway.process.wait_for(r"reloaded: 2 proxies")

        # An invalid file: refused with FILE:LINE:COL, the current set keeps serving.
        bad = os.path.join(self.dir, "bad.yaml")
        with open(bad, "w") as f:
            f.write("name: bad\nsequence:\n  - gotowebinar.nosuch: {}\n")
        self.reload()
        self.gateway.process.wait_for(re.escape(bad) + r":3:5: unknown operation 'nosuch'")
        self.assertEqual(self.gateway.post("extra_proxy", self.body()).status, 200)
        status, raw = self.gateway.admin("/readyz")
        self.assertEqual(status, 200)
        self.assertIn("unknown operation", json.loads(raw)["lastReloadError"])
        metrics = self.gateway.admin("/metrics")[1].decode()
        self.assertEqual(metric_value(metrics, "flowgate_reloads_total", 'result="error"'), 1)
        self.assertEqual(metric_value(metrics, "flowgate_reloads_total", 'result="ok"'), 1)

        os.remove(bad)
        os.remove(os.path.join(self.dir, "extra.yaml"))
        self.reload()
        self.assertTrue(wait_until(
            lambda: self.gateway.post("extra_proxy", self.body()).status == 404))
        self.assertNotIn("lastReloadError", json.loads(self.gateway.admin("/readyz")[1]))

    def test_reload_applies_hot_settings_and_names_those_needing_a_restart(self):
        self.start("server: {maxBodyBytes: 1MiB}\n")
        big = dict(self.body(), padding="x" * 5000)
        self.assertEqual(self.gateway.post("gotowebinar_getSessionById", big).status, 200)
        with open(self.gateway.config_path, "w") as f:
            f.write("admin:\n  listen: 127.0.0.1:0\n" + gateway_config(self.fake) +
                    "server: {maxBodyBytes: 2KiB, threads: 1}\n")
        self.reload()
        self.gateway.process.wait_for(r"reloaded: 1 proxies; changes to server\.threads take "
                                      r"effect at the next restart")
        self.assertError(self.gateway.post("gotowebinar_getSessionById", big), 413,
                         "payload_too_large")

    def test_watch_reloads_when_a_file_changes(self):
        self.start("proxies: {watch: true, watchInterval: 50ms}\n")
        with open(os.path.join(self.dir, "watched.yaml"), "w") as f:
            f.write(renamed_proxy("gotowebinar_getSessionById.yaml", "watched_proxy"))
        self.assertTrue(wait_until(
            lambda: self.gateway.post("watched_proxy", self.body()).status == 200))
        self.gateway.process.wait_for(r"proxies\.watch: a file changed, reloading")

    def test_reload_under_load_loses_no_request(self):
        """Continuous requests on 4 connections while the proxies are reloaded 20 times."""
        self.start()
        stop = threading.Event()
        results = []
        lock = threading.Lock()

        def client():
            conn = self.gateway.connection(timeout=WAIT_TIMEOUT)
            while not stop.is_set():
                try:
                    resp = self.gateway.post("gotowebinar_getSessionById", self.body(), conn=conn)
                    status = resp.status
                except Exception as e:  # a dropped connection is a failure too
                    status = repr(e)
                    conn.close()
                    conn = self.gateway.connection(timeout=WAIT_TIMEOUT)
                with lock:
                    results.append(status)
            conn.close()

        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        path = os.path.join(self.dir, "gotowebinar_getSessionById.yaml")
        with open(path) as f:
            original = f.read()
        reloads = 'flowgate_reloads_total{result="ok"}'
        for i in range(20):
            # Each reload swaps in a freshly compiled set (the description changes).
            with open(path, "w") as f:
                f.write(original.replace("description:", f"description: (rev {i})", 1))
            self.reload()
            # This reload is done (a count, unlike a log line, cannot be matched by an
            # earlier reload's), then requests are answered by the new set before the next one.
            self.gateway.wait_for_metric(reloads, lambda v, n=i + 1: v == n)
            with lock:
                served = len(results)
            self.assertTrue(wait_until(lambda n=served + 6: len(results) >= n),
                            f"no requests answered after reload {i + 1}")
        stop.set()
        for t in threads:
            t.join()
        failures = [s for s in results if s != 200]
        print(f"\nreload under load: {len(results)} requests during 20 reloads, "
              f"{len(failures)} failed")
        self.assertGreater(len(results), 100)
        self.assertEqual(failures, [])


class ShutdownTest(unittest.TestCase):
    def test_sigterm_drains_in_flight_requests_then_exits_0(self):
        fake = Fake()
        gw = Gateway(gateway_config(fake))
        try:
            # The fake's delay is the window in which /readyz is seen draining: the request
            # is held that long after it reached the fake (the wait below), whatever the load.
            fake.configure(apiDelayMs=5000)
            result = {}

            def slow():
                result["resp"] = gw.post("gotowebinar_getSessionById", dict(SEED, apiUrl=fake.url))

            t = threading.Thread(target=slow)
            t.start()
            fake.wait_for_stats(lambda s: s["apiRequests"] >= 1)  # the request is in flight
            self.assertEqual(gw.metrics().get("flowgate_in_flight_requests"), 1)
            gw.process.proc.send_signal(signal.SIGTERM)
            self.assertTrue(wait_until(lambda: gw.admin("/readyz")[0] == 503))
            self.assertEqual(json.loads(gw.admin("/readyz")[1])["status"], "draining")
            t.join(timeout=WAIT_TIMEOUT)
            self.assertEqual(result["resp"].status, 200)
            self.assertEqual(gw.process.proc.wait(timeout=WAIT_TIMEOUT), 0)
            # No new connections once draining.
            with self.assertRaises(OSError):
                gw.post("gotowebinar_getSessionById", dict(SEED, apiUrl=fake.url), timeout=10)
        finally:
            gw.stop()
            fake.stop()

    def test_drain_timeout_bounds_the_wait(self):
        fake = Fake()
        gw = Gateway(gateway_config(fake, "server: {drainTimeout: 300ms}\n"))
        try:
            # The fake would answer after 10 minutes: an exit while the client still waits
            # shows that drainTimeout, not the request, ended the wait.
            fake.configure(apiDelayMs=600000)
            result = {}

            def slow():
                try:
                    result["resp"] = gw.post("gotowebinar_getSessionById",
                                             dict(SEED, apiUrl=fake.url), timeout=WAIT_TIMEOUT)
                except Exception as e:  # the gateway exits without answering
                    result["error"] = e

            t = threading.Thread(target=slow)
            t.start()
            fake.wait_for_stats(lambda s: s["apiRequests"] >= 1)  # the request is in flight
            gw.process.proc.send_signal(signal.SIGTERM)
            self.assertEqual(gw.process.proc.wait(timeout=WAIT_TIMEOUT), 0)
            self.assertNotIn("resp", result, "the request was answered: no drain timeout")
            gw.process.wait_for(r"server\.drainTimeout reached with 1 request")
            t.join(timeout=WAIT_TIMEOUT)
            self.assertFalse(t.is_alive())
            self.assertNotIn("resp", result)
        finally:
            gw.stop()
            fake.stop()


class HealthCommandTest(unittest.TestCase):
    def test_health_is_0_when_up_and_1_when_down(self):
        gw = Gateway("")
        try:
            ok = subprocess.run([FLOWGATE, "health", "--admin", f"127.0.0.1:{gw.admin_port}"],
                                capture_output=True, text=True, timeout=10)
            self.assertEqual(ok.returncode, 0, ok.stderr)
            self.assertIn("answered 200", ok.stdout)
        finally:
            gw.stop()
        down = subprocess.run([FLOWGATE, "health", "--admin", f"127.0.0.1:{gw.admin_port}"],
                              capture_output=True, text=True, timeout=10)
        self.assertEqual(down.returncode, 1)
        self.assertIn("cannot connect", down.stderr)


if __name__ == "__main__":
    unittest.main()
