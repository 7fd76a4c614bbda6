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
    """(kind, name) of every YAML artifact under proxies/."""
    found = set()
    for root, _, files in os.walk(PROXIES):
        for name in files:
            if name.endswith((".yaml", ".yml")):
                with open(os.path.join(root, name)) as f:
                    doc = yaml.safe_load(f)
                found.add((doc.get("kind", "proxy"), doc["name"]))
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
        self.assertEqual((status, body), (200, {"level": "error", "artifacts": {}}))
        self.assertEqual(call(self.gateway, "GET", "/management/logging")[2]["level"], "error")
        quiet = self.gateway.request("GET", "/customers/1", headers={"X-Request-ID": "quiet-1"})
        self.assertIn(quiet.status, (200, 502))
        status, _, body = call(self.gateway, "PUT", "/management/logging", {"level": "info"},
                               token=TOKEN)
        self.assertEqual((status, body["level"]), (200, "info"))
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


class ManagementOnTheSandbox(unittest.TestCase):
    """The calls that act on traffic (activate/deactivate, try, live figures) and the console's
    files, on a gateway serving the shipped artifacts against the sandbox upstreams."""

    @classmethod
    def setUpClass(cls):
        cls.gateway = Gateway("", extra_args=["--sandbox-listen", "127.0.0.1:0"],
                              env={"FLOWGATE_ADMIN_TOKEN": TOKEN})

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()

    def activate(self, name):
        return call(self.gateway, "POST", f"/management/artifacts/{name}/activate", token=TOKEN)

    def deactivate(self, name):
        self.addCleanup(self.activate, name)
        return call(self.gateway, "POST", f"/management/artifacts/{name}/deactivate", token=TOKEN)

    def listed_status(self, name):
        artifacts = call(self.gateway, "GET", "/management/artifacts")[2]["artifacts"]
        return next(a["status"] for a in artifacts if a["name"] == name)

    def test_a_deactivated_api_answers_503_until_activated_and_a_reload_keeps_it(self):
        self.assertEqual(self.gateway.request("GET", "/customers/1").status, 200)
        status, _, body = self.deactivate("customers")
        self.assertEqual((status, body), (200, {"kind": "api", "name": "customers",
                                               "status": "inactive"}))
        self.gateway.process.wait_for(
            r"management: artifact deactivated what=POST /management/artifacts/customers/"
            r"deactivate from=127\.0\.0\.1 artifact=customers before=active")
        for path in ("/customers/1", "/customers/2"):
            answer = self.gateway.request("GET", path)
            self.assertEqual(answer.status, 503, answer)
            self.assertEqual(answer.error_code(), "artifact_inactive")
            self.assertIn("customers", answer.json["error"]["message"])
        self.assertEqual(self.listed_status("customers"), "inactive")
        # Other artifacts are untouched.
        self.assertEqual(self.listed_status("gotowebinar_getSessionById"), "active")
        # A reload compiles the API again; the switch is kept.
        status, _, body = call(self.gateway, "POST", "/management/reload", token=TOKEN)
        self.assertEqual((status, body["ok"]), (200, True), body)
        self.assertEqual(self.gateway.request("GET", "/customers/1").status, 503)
        status, _, body = self.activate("customers")
        self.assertEqual((status, body["status"]), (200, "active"))
        self.assertEqual(self.gateway.request("GET", "/customers/1").status, 200)

    def test_a_deactivated_proxy_answers_503(self):
        name = "gotowebinar_getSessionById"
        self.assertEqual(self.deactivate(name)[0], 200)
        answer = self.gateway.request("POST", f"/services/{name}",
                                      body={"sessionKey": "1", "webinarKey": "2"})
        self.assertEqual(answer.status, 503, answer)
        self.assertEqual(answer.error_code(), "artifact_inactive")
        self.assertEqual(self.activate(name)[0], 200)
        self.assertNotEqual(self.gateway.request("POST", f"/services/{name}",
                                                 body={"sessionKey": "1"}).status, 503)

    def test_activate_refusals(self):
        status, _, body = call(self.gateway, "POST", "/management/artifacts/customers/deactivate")
        self.assertEqual((status, body["error"]["code"]), (401, "unauthorized"))
        self.assertEqual(self.listed_status("customers"), "active")
        status, _, body = call(self.gateway, "POST", "/management/artifacts/customers/deactivate",
                               token="w" * 24)
        self.assertEqual((status, body["error"]["code"]), (403, "forbidden"))
        status, _, body = call(self.gateway, "POST", "/management/artifacts/nope/deactivate",
                               token=TOKEN)
        self.assertEqual((status, body["error"]["code"]), (404, "not_found"))
        self.assertIn("nope", body["error"]["message"])
        status, _, body = call(self.gateway, "GET", "/management/artifacts/customers/deactivate",
                               token=TOKEN)
        self.assertEqual((status, body["error"]["code"]), (405, "method_not_allowed"))
        self.assertEqual(self.listed_status("customers"), "active")

    def test_try_sends_a_real_request_through_the_proxy_listener(self):
        status, _, body = call(self.gateway, "POST", "/management/try",
                               {"method": "GET", "path": "/customers/1",
                                "headers": {"X-Request-ID": "try-it-1"}}, token=TOKEN)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["status"], 200)
        self.assertEqual(json.loads(body["body"])["name"], "Ada Lovelace")
        headers = {n.lower(): v for n, v in body["headers"]}
        self.assertEqual(headers["x-request-id"], "try-it-1")
        self.assertEqual(headers["content-type"], "application/json")
        self.assertGreaterEqual(body["ms"], 0)
        # It went through the proxy listener: an access line and the API's figures show it.
        self.gateway.process.wait_for(r"access requestId=try-it-1 ")
        # An error answer is passed on as it came, not turned into a management error.
        status, _, body = call(self.gateway, "POST", "/management/try",
                               {"method": "POST", "path": "/services/gotowebinar_getSessionById",
                                "body": "{not json"}, token=TOKEN)
        self.assertEqual((status, body["status"]), (200, 400), body)
        self.assertEqual(json.loads(body["body"])["error"]["code"], "invalid_json")

    def test_try_without_a_method_sends_a_get(self):
        status, _, body = call(self.gateway, "POST", "/management/try", {"path": "/customers/2"},
                               token=TOKEN)
        self.assertEqual((status, body["status"]), (200, 200), body)
        self.assertIn("Grace", body["body"])

    def test_try_refuses_what_it_cannot_send(self):
        status, _, body = call(self.gateway, "POST", "/management/try",
                               {"method": "GET", "path": "/customers/1"})
        self.assertEqual((status, body["error"]["code"]), (401, "unauthorized"))
        for request, named in (
                ("{nope", "JSON"),
                ([], "object"),
                ({"method": 7, "path": "/customers/1"}, "method"),
                ({"method": "GE T", "path": "/customers/1"}, "method"),
                ({"method": "GET"}, "path"),
                ({"method": "GET", "path": "customers/1"}, "path"),
                ({"method": "GET", "path": "/a b"}, "path"),
                ({"method": "GET", "path": "/x", "headers": {"X-A": "1\r\nX-B: 2"}}, "X-A"),
                ({"method": "GET", "path": "/x", "headers": {"bad name": "1"}}, "bad name"),
                ({"method": "GET", "path": "/x", "headers": {"X-A": 1}}, "X-A"),
                ({"method": "POST", "path": "/x", "body": {"a": 1}}, "body")):
            with self.subTest(request=request):
                status, _, body = call(self.gateway, "POST", "/management/try", request,
                                       token=TOKEN)
                self.assertEqual(status, 400, body)
                self.assertIn(body["error"]["code"], ("bad_request", "invalid_json",
                                                      "invalid_parameter", "missing_parameter"))
                self.assertIn(named.lower(), body["error"]["message"].lower())
        status, _, body = call(self.gateway, "GET", "/management/try", token=TOKEN)
        self.assertEqual((status, body["error"]["code"]), (405, "method_not_allowed"))

    def test_figures_count_requests_by_status_over_the_last_minute(self):
        before = call(self.gateway, "GET", "/management/artifacts/customers")[2]
        resource = lambda a: next(r for r in a["resources"] if r["resource"] == "/{id}")
        self.assertEqual(len(before["figures"]["perSecond"]), 60)
        for i in range(3):
            self.assertEqual(self.gateway.request("GET", f"/customers/{i + 1}").status, 200)
        self.assertEqual(self.gateway.request("GET", "/customers/999").status, 404)
        after = call(self.gateway, "GET", "/management/artifacts/customers")[2]
        self.assertEqual(after["figures"]["requests"] - before["figures"]["requests"], 4)
        by_before, by_after = before["figures"]["byStatus"], after["figures"]["byStatus"]
        self.assertEqual(by_after.get("200", 0) - by_before.get("200", 0), 3)
        self.assertEqual(by_after.get("404", 0) - by_before.get("404", 0), 1)
        minute = after["figures"]["lastMinute"]
        self.assertGreaterEqual(minute["requests"], 4)
        self.assertGreaterEqual(minute["errors"], 1)
        self.assertGreater(minute["p99Ms"], 0)
        self.assertGreaterEqual(minute["p99Ms"], minute["p50Ms"])
        self.assertGreaterEqual(sum(after["figures"]["perSecond"]), 4)
        # The API's figures are its resources' summed; the list carries them too.
        self.assertEqual(resource(after)["figures"]["requests"]
                         - resource(before)["figures"]["requests"], 4)
        listed = next(a for a in call(self.gateway, "GET", "/management/artifacts")[2]["artifacts"]
                      if a["name"] == "customers")
        self.assertGreaterEqual(listed["figures"]["requests"], after["figures"]["requests"])
        self.assertNotIn("perSecond", listed["figures"])

    def test_upstreams_show_their_pooled_connections(self):
        for i in range(3):
            self.assertEqual(self.gateway.request("GET", f"/customers/{i + 1}").status, 200)
        sandbox = self.gateway.process.wait_for(r"sandbox upstreams .* on (http://[\d.:]+)")[1]
        status, _, body = call(self.gateway, "GET", "/management/upstreams")
        self.assertEqual(status, 200, body)
        mine = [u for u in body["upstreams"] if u["upstream"] == sandbox]
        self.assertEqual(len(mine), 1, body)
        # Kept alive after the answers: at least one, at most one per request and worker.
        self.assertGreaterEqual(mine[0]["idleConnections"], 1)
        self.assertLessEqual(mine[0]["idleConnections"], 3)
        self.assertEqual((mine[0]["suspended"], mine[0]["consecutiveFailures"]), (False, 0))
        status, _, body = call(self.gateway, "POST", "/management/upstreams", {}, token=TOKEN)
        self.assertEqual((status, body["error"]["code"]), (405, "method_not_allowed"))

    def set_level(self, body):
        return call(self.gateway, "PUT", "/management/logging", body, token=TOKEN)

    def test_one_artifact_gets_its_own_log_level(self):
        self.addCleanup(self.set_level, {"level": "inherit", "artifact": "customers"})
        status, _, body = self.set_level({"level": "debug", "artifact": "customers"})
        self.assertEqual((status, body), (200, {"level": "info", "artifacts": {"customers": "debug"}}))
        self.gateway.process.wait_for(
            r"management: log level changed .*artifact=customers before=inherit level=debug")
        listed = call(self.gateway, "GET", "/management/artifacts/customers")[2]
        self.assertEqual(listed["logLevel"], "debug")
        process = self.gateway.process
        # customers writes its debug lines (one per upstream call); the calculator does not:
        # its call comes before its access line, so once that is there the absence is settled.
        seen = len(process.lines)
        self.assertEqual(self.gateway.request("POST", "/calculator/add", body={"a": 1, "b": 2},
                                              headers={"X-Request-ID": "own-level-calc"}).status,
                         200)
        process.wait_for(r"access requestId=own-level-calc ")
        self.assertFalse([line for line in process.lines[seen:] if "upstream call" in line])
        self.assertEqual(self.gateway.request("GET", "/customers/3",
                                              headers={"X-Request-ID": "own-level-cust"}).status,
                         200)
        process.wait_for(r"upstream call .*url=http://127\.0\.0\.1:\d+/customers/3 result=200")
        process.wait_for(r"access requestId=own-level-cust ")
        # A reload keeps it (the gateway's level comes from the config again).
        self.assertEqual(call(self.gateway, "POST", "/management/reload", token=TOKEN)[0], 200)
        self.assertEqual(call(self.gateway, "GET", "/management/logging")[2]["artifacts"],
                         {"customers": "debug"})
        # Quieter than the gateway: no access line for customers, one for the others.
        self.assertEqual(self.set_level({"level": "error", "artifact": "customers"})[0], 200)
        self.gateway.request("GET", "/customers/1", headers={"X-Request-ID": "own-level-quiet"})
        self.gateway.request("POST", "/calculator/add", body={"a": 1, "b": 2},
                             headers={"X-Request-ID": "own-level-after"})
        process.wait_for(r"access requestId=own-level-after ")
        self.assertNotIn("requestId=own-level-quiet", process.output())
        status, _, body = self.set_level({"level": "inherit", "artifact": "customers"})
        self.assertEqual((status, body["artifacts"]), (200, {}))
        self.assertNotIn("logLevel", call(self.gateway, "GET", "/management/artifacts/customers")[2])

    def test_an_artifact_level_names_what_is_wrong(self):
        for body, status, code, named in (
                ({"level": "debug", "artifact": "nope"}, 404, "not_found", "nope"),
                ({"level": "debug", "artifact": 5}, 400, "invalid_parameter", "artifact"),
                ({"level": "loud", "artifact": "customers"}, 400, "invalid_parameter", "inherit"),
                ({"level": "inherit"}, 400, "invalid_parameter", "level"),
                ({"artifact": "customers"}, 400, "missing_parameter", "level")):
            with self.subTest(body=body):
                got, _, answer = self.set_level(body)
                self.assertEqual((got, answer["error"]["code"]), (status, code), answer)
                self.assertIn(named, answer["error"]["message"])
        # A client's name is quoted cut to 64 bytes, as valid UTF-8.
        status, _, answer = self.set_level({"level": "debug", "artifact": "\u00e9" * 3000})
        self.assertEqual(status, 404, answer)
        self.assertLess(len(answer["error"]["message"]), 200)
        self.assertIn("\u00e9" * 32 + "...", answer["error"]["message"])
        status, _, answer = call(self.gateway, "GET", "/management/artifacts/" + "a" * 3000)
        self.assertEqual(status, 404, answer)
        self.assertLess(len(answer["error"]["message"]), 200)
        status, _, body = call(self.gateway, "PUT", "/management/logging",
                               {"level": "debug", "artifact": "customers"})
        self.assertEqual(status, 401)
        self.assertEqual(call(self.gateway, "GET", "/management/logging")[2]["artifacts"], {})

    def test_the_token_store_shows_counts_never_tokens(self):
        token = "UEGGrwswKRwB07lTOr0EoppdaxKo"  # the sandbox's (README)
        sandbox = self.gateway.process.wait_for(r"sandbox upstreams .* on (http://[\d.:]+)")[1]
        answer = self.gateway.request("POST", "/services/gotowebinar_getSessionById", body={
            "apiUrl": sandbox, "accessToken": token,
            "organizerKey": "3697511743350317068", "webinarKey": "6487648931392511233",
            "sessionKey": "2167614"})
        self.assertEqual(answer.status, 200, answer)
        status, _, view = call(self.gateway, "GET", "/management/tokenstore")
        self.assertEqual(status, 200, view)
        self.assertEqual((view["kind"], view["shared"], view["connected"]),
                         ("memory", False, True))
        cached = {c["connector"]: c["cachedTokens"] for c in view["connectors"]}
        self.assertEqual(set(cached), {"gotowebinar", "webex"})
        self.assertGreaterEqual(cached["gotowebinar"], 1)
        self.assertNotIn(token, json.dumps(view))
        self.assertEqual(call(self.gateway, "PUT", "/management/tokenstore", {}, TOKEN)[0], 405)

    def test_an_endpoint_is_listed_and_described(self):
        listed = {a["name"]: a for a in call(self.gateway, "GET", "/management/artifacts")[2]
                  ["artifacts"] if a["kind"] == "endpoint"}
        self.assertEqual(set(listed), {"customer_by_id", "calculator"})
        status, _, body = call(self.gateway, "GET", "/management/artifacts/customer_by_id")
        self.assertEqual(status, 200, body)
        self.assertEqual((body["kind"], body["method"]), ("endpoint", "GET"))
        self.assertIn("/customers/${params.pathParams.id}", body["url"])
        self.assertEqual(body["upstream"], {"connectTimeoutMs": 1000, "requestTimeoutMs": 2000,
                                            "totalTimeoutMs": 5000, "maxAttempts": 2,
                                            "suspendAfterFailures": 5})
        self.assertEqual(yaml.safe_load(body["yaml"])["name"], "customer_by_id")
        self.assertEqual(listed["calculator"]["soap"], "1.1")
        # An API and an endpoint may share a name: ?kind= says which one.
        self.assertEqual(call(self.gateway, "GET", "/management/artifacts/calculator")[2]["kind"],
                         "api")
        status, _, body = call(self.gateway, "GET", "/management/artifacts/calculator?kind=endpoint")
        self.assertEqual((status, body["kind"], body["soap"]), (200, "endpoint", "1.1"), body)
        status, _, body = call(self.gateway, "GET", "/management/artifacts/customers?kind=proxy")
        self.assertEqual((status, body["error"]["code"]), (404, "not_found"))
        self.assertIn("no proxy named 'customers'", body["error"]["message"])
        status, _, body = call(self.gateway, "GET", "/management/artifacts/customers?kind=thing")
        self.assertEqual((status, body["error"]["code"]), (400, "invalid_parameter"))
        status, _, body = call(self.gateway, "POST",
                               "/management/artifacts/customer_by_id/deactivate", token=TOKEN)
        self.assertEqual(status, 400, body)
        self.assertIn("endpoint", body["error"]["message"])

    def test_the_detail_shows_the_compiled_steps(self):
        body = call(self.gateway, "GET", "/management/artifacts/gotowebinar_getSessionById")[2]
        self.assertEqual(body["compiled"]["steps"],
                         ["gotowebinar.init", "gotowebinar.getSessionById", "respond"])
        self.assertTrue(body["compiled"]["suspends"])
        api = call(self.gateway, "GET", "/management/artifacts/customers")[2]
        by_id = next(r for r in api["resources"] if r["resource"] == "/{id}")
        self.assertIn("call", by_id["compiled"]["steps"])

    def test_the_console_is_served_with_a_strict_policy(self):
        for path, media in (("/", "text/html"), ("/index.html", "text/html"),
                            ("/console.css", "text/css"), ("/console.js", "javascript")):
            with self.subTest(path=path):
                conn = http.client.HTTPConnection("127.0.0.1", self.gateway.admin_port, timeout=30)
                conn.request("GET", path)
                resp = conn.getresponse()
                raw = resp.read()
                conn.close()
                self.assertEqual(resp.status, 200)
                self.assertIn(media, resp.getheader("Content-Type"))
                self.assertIn("default-src 'self'", resp.getheader("Content-Security-Policy"))
                self.assertEqual(resp.getheader("X-Content-Type-Options"), "nosniff")
                self.assertGreater(len(raw), 100)
                # Nothing is fetched from outside: no absolute URL in the page or its files.
                self.assertNotRegex(raw.decode(), r"(src|href)=\"(https?:)?//")
        status, headers, body = call(self.gateway, "POST", "/", "x")
        self.assertEqual((status, body["error"]["code"]), (405, "method_not_allowed"))
        self.assertEqual(call(self.gateway, "GET", "/nope.js")[0], 404)


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
