"""The management API under /management/ on the admin listener (README "Operations console"):
the artifact list and detail, the log level read and changed at run time, reload with its
last result, and the token rules (reads free on a loopback listener, mutating calls and every
call on another address need admin.token, refusals are 401/403 envelopes with an audit line)."""

import http.client
import json
import os
import shutil
import tempfile
import unittest

import yaml

from harness import PROXIES, Fake, Gateway, gateway_config

TOKEN = "s3cret-admin-token-0123456789"


def call(gateway, method, path, body=None, token=None):
    conn = http.client.HTTPConnection("127.0.0.1", gateway.admin_port, timeout=30)
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        body = body if isinstance(body, str) else json.dumps(body)
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), json.loads(raw) if raw else None


def shipped_artifacts():
    """(kind, name) of every YAML artifact under proxies/ (endpoints are only counted)."""
    found = set()
    for root, _, files in os.walk(PROXIES):
        for name in files:
            if name.endswith((".yaml", ".yml")):
                with open(os.path.join(root, name)) as f:
                    doc = yaml.safe_load(f)
                kind = doc.get("kind", "proxy")
                if kind != "endpoint":
                    found.add((kind, doc["name"]))
    return found


class ManagementWithToken(unittest.TestCase):
    """A loopback admin listener with admin.token set (from FLOWGATE_ADMIN_TOKEN)."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()
        cls.gateway = Gateway(gateway_config(cls.fake), env={"FLOWGATE_ADMIN_TOKEN": TOKEN})

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.fake.stop()

    def assertRefused(self, status, body, code):
        self.assertEqual(body["error"]["code"], code, body)
        self.assertEqual(body["error"]["status"], status)
        self.assertNotIn(TOKEN, json.dumps(body))

    def test_every_shipped_artifact_is_listed_with_its_file(self):
        status, _, body = call(self.gateway, "GET", "/management/artifacts")
        self.assertEqual(status, 200, body)
        listed = {(a["kind"], a["name"]) for a in body["artifacts"]}
        self.assertEqual(listed, shipped_artifacts())
        for a in body["artifacts"]:
            self.assertTrue(os.path.exists(os.path.join(os.path.dirname(PROXIES), a["file"]))
                            or os.path.exists(a["file"]), a)
        proxy = next(a for a in body["artifacts"] if a["name"] == "gotowebinar_getSessionById")
        self.assertEqual(proxy["path"], "/services/gotowebinar_getSessionById")
        self.assertIn("sessionKey", proxy["properties"])
        api = next(a for a in body["artifacts"] if a["kind"] == "api" and a["name"] == "customers")
        self.assertEqual(api["context"], "/customers")
        self.assertIn("/{id}", [r["resource"] for r in api["resources"]])

    def test_an_artifact_shows_its_yaml(self):
        status, _, body = call(self.gateway, "GET", "/management/artifacts/customers")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["kind"], "api")
        self.assertEqual(yaml.safe_load(body["yaml"])["name"], "customers")

    def test_an_unknown_artifact_or_endpoint_is_404(self):
        status, _, body = call(self.gateway, "GET", "/management/artifacts/nope")
        self.assertEqual(status, 404)
        self.assertEqual(body["error"]["code"], "not_found")
        self.assertIn("nope", body["error"]["message"])
        status, _, body = call(self.gateway, "GET", "/management/what")
        self.assertEqual(status, 404)
        self.assertIn("/management/artifacts", body["error"]["message"])

    def test_reads_on_a_loopback_listener_need_no_token(self):
        status, _, body = call(self.gateway, "GET", "/management/logging")
        self.assertEqual(status, 200, body)
        self.assertIn(body["level"], ("trace", "debug", "info", "warn", "error", "off"))

    def test_a_mutating_call_without_token_is_401_and_audited(self):
        status, headers, body = call(self.gateway, "PUT", "/management/logging", {"level": "debug"})
        self.assertEqual(status, 401, body)
        self.assertRefused(401, body, "unauthorized")
        self.assertEqual(headers.get("WWW-Authenticate"), "Bearer")
        self.gateway.process.wait_for(
            r"management call refused who=anonymous what=PUT /management/logging "
            r"from=127\.0\.0\.1 status=401")

    def test_a_wrong_token_is_403_and_audited(self):
        status, _, body = call(self.gateway, "POST", "/management/reload", token="x" * 20)
        self.assertEqual(status, 403, body)
        self.assertRefused(403, body, "forbidden")
        self.gateway.process.wait_for(
            r"management call refused who=wrong token what=POST /management/reload .*status=403")

    def test_the_log_level_changes_at_run_time_and_takes_effect(self):
        self.addCleanup(call, self.gateway, "PUT", "/management/logging", {"level": "info"}, TOKEN)
        status, _, body = call(self.gateway, "PUT", "/management/logging", {"level": "error"},
                               token=TOKEN)
        self.assertEqual((status, body), (200, {"level": "error"}))
        self.assertEqual(call(self.gateway, "GET", "/management/logging")[2], {"level": "error"})
        quiet = self.gateway.request("GET", "/customers/1", headers={"X-Request-ID": "quiet-1"})
        self.assertIn(quiet.status, (200, 502))
        status, _, body = call(self.gateway, "PUT", "/management/logging", {"level": "info"},
                               token=TOKEN)
        self.assertEqual((status, body), (200, {"level": "info"}))
        loud = self.gateway.request("GET", "/customers/1", headers={"X-Request-ID": "loud-1"})
        self.assertIn(loud.status, (200, 502))
        self.gateway.process.wait_for(r"access requestId=loud-1 ")
        # Access lines are info: the request answered at level error left none.
        self.assertNotIn("requestId=quiet-1", self.gateway.process.output())
        self.gateway.process.wait_for(r"management: log level changed .*before=error level=info")

    def test_a_bad_level_or_body_is_refused_with_what_is_wrong(self):
        for body, code in (({"level": "loud"}, "invalid_parameter"), ({}, "missing_parameter"),
                           ("{not json", "invalid_json")):
            status, _, answer = call(self.gateway, "PUT", "/management/logging", body, token=TOKEN)
            self.assertEqual(status, 400, answer)
            self.assertEqual(answer["error"]["code"], code)
            self.assertIn("level", answer["error"]["message"] + json.dumps(body))

    def test_a_method_that_does_not_apply_is_405(self):
        status, _, body = call(self.gateway, "DELETE", "/management/logging", token=TOKEN)
        self.assertEqual(status, 405, body)
        self.assertEqual(body["error"]["code"], "method_not_allowed")


class ManagementReload(unittest.TestCase):
    """POST /management/reload over a proxies folder of the test's own."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="flowgate-mgmt-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        for name in ("customers_api.yaml", "customer_by_id.yaml"):
            shutil.copy(os.path.join(PROXIES, "examples", name), self.dir)
        self.fake = Fake()
        self.addCleanup(self.fake.stop)
        self.gateway = Gateway(gateway_config(self.fake), proxies=self.dir,
                               env={"FLOWGATE_ADMIN_TOKEN": TOKEN})
        self.addCleanup(self.gateway.stop)

    def test_reload_applies_or_reports_file_line_col(self):
        broken = os.path.join(self.dir, "broken.yaml")
        with open(broken, "w") as f:
            f.write("name: broken\nsequence:\n  - nosuchstep: {}\n")
        status, _, body = call(self.gateway, "POST", "/management/reload", token=TOKEN)
        self.assertEqual(status, 200, body)
        self.assertFalse(body["ok"])
        self.assertTrue(any(e.startswith(broken + ":3:") for e in body["errors"]), body)
        status, _, last = call(self.gateway, "GET", "/management/reload")
        self.assertEqual((status, last["ok"], last["errors"]), (200, False, body["errors"]))
        # The set that was serving still serves.
        self.assertIn(self.gateway.request("GET", "/customers/1").status, (200, 502))

        os.remove(broken)
        status, _, body = call(self.gateway, "POST", "/management/reload", token=TOKEN)
        self.assertEqual((status, body["ok"], body["errors"]), (200, True, []))
        self.assertIn("1 APIs", body["summary"])
        self.gateway.process.wait_for(r"management: reload .*result=applied")


class ManagementWithoutToken(unittest.TestCase):
    """No admin.token: reads work on loopback, mutating calls are refused."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()
        cls.gateway = Gateway(gateway_config(cls.fake))

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.fake.stop()

    def test_mutating_calls_need_a_token_to_be_set(self):
        self.assertEqual(call(self.gateway, "GET", "/management/artifacts")[0], 200)
        status, _, body = call(self.gateway, "PUT", "/management/logging", {"level": "debug"},
                               token="anything-at-all-here")
        self.assertEqual(status, 403, body)
        self.assertEqual(body["error"]["code"], "forbidden")
        self.assertIn("admin.token", body["error"]["message"])


class ManagementOffLoopback(unittest.TestCase):
    """admin.listen on 0.0.0.0: every management call needs the token, reads included."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()
        cls.gateway = Gateway(gateway_config(cls.fake),
                              env={"FLOWGATE_ADMIN_TOKEN": TOKEN,
                                   "FLOWGATE_ADMIN_LISTEN": "0.0.0.0:0"})

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.fake.stop()

    def test_reads_need_the_token(self):
        status, _, body = call(self.gateway, "GET", "/management/artifacts")
        self.assertEqual(status, 401, body)
        self.assertEqual(body["error"]["code"], "unauthorized")
        status, _, body = call(self.gateway, "GET", "/management/artifacts", token=TOKEN)
        self.assertEqual(status, 200, body)
        # /healthz and /readyz stay open (probes carry no token).
        self.assertEqual(self.gateway.admin("/healthz")[0], 200)


class TokenConfig(unittest.TestCase):
    def test_a_short_token_is_a_check_error(self):
        import subprocess
        from harness import FLOWGATE
        d = tempfile.mkdtemp(prefix="flowgate-mgmt-check-")
        self.addCleanup(shutil.rmtree, d, True)
        path = os.path.join(d, "gateway.yaml")
        with open(path, "w") as f:
            f.write("admin:\n  listen: 127.0.0.1:9164\n  token: short\n")
        r = subprocess.run([FLOWGATE, "check", "--config", path, "--proxies", PROXIES],
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(f"{path}:3:10: admin.token: at least 16 characters", r.stdout + r.stderr)
        self.assertNotIn("short\n", r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
