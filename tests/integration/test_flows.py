"""Flows: the two example proxies (proxies/examples/) and the step kinds with temporary
proxies, on the real binary against the GoToWebinar fake. Expected values come from the
fake's own answers (through the shipped single-operation proxies), never from guesses."""

import os
import re
import shutil
import signal
import tempfile
import textwrap
import unittest
from decimal import ROUND_HALF_UP, Decimal

from harness import (SEED, EnvelopeAssertions, Fake, Gateway, GatewayTestCase, gateway_config,
                     wait_until)

WEBINAR = SEED["webinarKey"]
PAGED_WEBINAR = "1111111111111111111"
ORGANIZER = SEED["organizerKey"]
BASE = "/G2W/rest/v2"


def api_requests(fake):
    return [r for r in fake.stats()["requests"] if r["target"].startswith("/G2W/")]


def path_of(target):
    return target.split("?", 1)[0]


def mi_average(values, count):
    """The report's average as the engine computes it: `+` on decimals (MI's BigDecimal),
    `/` in binary, round(x, 2) half up on the shortest decimal form of x."""
    if count == 0:
        return 0
    total = sum((Decimal(repr(float(v))) for v in values), Decimal(0))
    quotient = float(total) / count
    return float(Decimal(repr(quotient)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --- the dispatch example ------------------------------------------------------------------

SESSION = f"{BASE}/organizers/{ORGANIZER}/webinars/{WEBINAR}/sessions/{SEED['sessionKey']}"
DISPATCH_CASES = {
    "urn:getSessionById": ("getSessionById", SESSION),
    "urn:listSessions": ("listSessions", f"{BASE}/organizers/{ORGANIZER}/webinars/{WEBINAR}/sessions"),
    "urn:listSessionAttendees": ("listSessionAttendees", SESSION + "/attendees"),
    "urn:getOrganizerSessions": ("getOrganizerSessions", f"{BASE}/organizers/{ORGANIZER}/sessions"),
    "urn:getSessionPerformance": ("getSessionPerformance", SESSION + "/performance"),
    "urn:getSessionPolls": ("getSessionPolls", SESSION + "/polls"),
    "urn:getSessionQuestions": ("getSessionQuestions", SESSION + "/questions"),
    "urn:getSessionSurveys": ("getSessionSurveys", SESSION + "/surveys"),
}
TIMES = {"fromTime": "2015-05-09T16:45:58Z", "toTime": "2016-05-09T16:45:58Z"}


class DispatchExample(GatewayTestCase):
    def dispatch(self, action, body=None, headers=None):
        headers = dict(headers or {})
        if action is not None:
            headers["Action"] = action
        return self.gateway.post("gotowebinar_dispatch", body or self.seed(**TIMES),
                                 headers=headers)

    def test_every_case_reaches_its_operation_upstream(self):
        for action, (op, path) in DISPATCH_CASES.items():
            with self.subTest(action=action):
                direct = self.gateway.post(f"gotowebinar_{op}", self.seed(**TIMES))
                self.assertEqual(direct.status, 200, direct)
                self.fake.reset()
                r = self.dispatch(action)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json, direct.json)  # the same answer as the direct proxy
                self.assertEqual(r.headers.get("X-GoToWebinar-Operation"), op)
                reqs = api_requests(self.fake)
                self.assertTrue(reqs, "no upstream call")
                self.assertEqual({path_of(x["target"]) for x in reqs}, {path}, reqs)
                self.assertEqual({x["auth"] for x in reqs}, {"bearer"})
                if op == "getOrganizerSessions":
                    self.assertIn("fromTime=2015-05-09T16%3A45%3A58Z", reqs[0]["target"])

    def test_the_header_name_is_case_insensitive_and_the_match_is_full(self):
        r = self.gateway.post("gotowebinar_dispatch", self.seed(),
                              headers={"action": "urn:getSessionById"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["sessionKey"], SEED["sessionKey"])
        # A regex is a full match (Synapse's rule): a longer value matches no case.
        self.fake.reset()
        r = self.dispatch("urn:getSessionByIdX")
        self.assertError(r, 400, "unknown_action")
        self.assertEqual(api_requests(self.fake), [])

    def test_an_unknown_action_is_a_400_naming_the_value(self):
        r = self.dispatch("urn:deleteEverything")
        err = self.assertError(r, 400, "unknown_action")
        self.assertIn("urn:deleteEverything", err["message"])
        self.assertIn("urn:getSessionById", err["message"])  # says what is expected
        self.assertEqual(err["step"], "throwError")
        self.assertEqual(err["proxy"], "gotowebinar_dispatch")
        self.assertNotIn("X-GoToWebinar-Operation", r.headers)
        self.assertEqual(api_requests(self.fake), [])

    def test_no_action_header_says_so(self):
        err = self.assertError(self.dispatch(None), 400, "unknown_action")
        self.assertIn("no Action header", err["message"])

    def test_inputs_still_come_from_the_request_json(self):
        r = self.dispatch("urn:getSessionById", self.seed(sessionKey=None))
        err = self.assertError(r, 400, "missing_parameter")
        self.assertIn("$.sessionKey", err["message"])
        self.assertEqual(err["step"], "gotowebinar.getSessionById")

    def test_each_request_logs_its_action(self):
        self.dispatch("urn:getSessionPolls", headers={"X-Request-ID": "dispatch-log-1"})
        line = self.gateway.process.wait_for(r"gotowebinar_dispatch urn:getSessionPolls .*"
                                             r"requestId=dispatch-log-1.*").group(0)
        self.assertIn("proxy=gotowebinar_dispatch", line)
        self.assertIn("action=urn:getSessionPolls", line)
        self.assertIn(f"webinarKey={WEBINAR}", line)


# --- the session report example ------------------------------------------------------------

class SessionReportExample(GatewayTestCase):
    def expected(self, webinar, max_items=None):
        """The report computed here from the fake's answers (via the shipped proxies)."""
        extra = {} if max_items is None else {"maxItems": max_items}
        sessions = self.gateway.post("gotowebinar_listSessions",
                                     self.seed(webinarKey=webinar, sessionKey=None, **extra))
        self.assertEqual(sessions.status, 200, sessions)
        lines = []
        for s in sessions.json:
            perf = self.gateway.post("gotowebinar_getSessionPerformance",
                                     self.seed(webinarKey=webinar, sessionKey=s["sessionKey"]))
            self.assertEqual(perf.status, 200, perf)
            a = perf.json["attendance"]
            lines.append({"sessionKey": s["sessionKey"], "startTime": s["startTime"],
                          "registrantCount": a["registrantCount"],
                          "attended": s["registrantsAttended"],
                          "percentageAttendance": a["percentageAttendance"],
                          "averageAttendanceTimeSeconds": a["averageAttendanceTimeSeconds"]})
        self.fake.reset()
        return {"webinarKey": webinar, "sessionCount": len(lines),
                "attended": sum(x["attended"] for x in lines),
                "averagePercentageAttendance":
                    mi_average([x["percentageAttendance"] for x in lines], len(lines)),
                "sessions": lines}

    def report(self, **changes):
        return self.gateway.post("gotowebinar_session_report", self.seed(sessionKey=None, **changes))

    def test_the_report_is_exact_for_the_seed_webinar(self):
        want = self.expected(WEBINAR)
        self.assertEqual(want["sessionCount"], 2)  # the dataset the README's output shows
        r = self.report()
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, want)
        self.assertEqual(list(r.json), ["webinarKey", "sessionCount", "attended",
                                        "averagePercentageAttendance", "sessions"])
        # Session order is the list's, whatever order the parallel calls finished in.
        self.assertEqual([s["sessionKey"] for s in r.json["sessions"]], ["2167614", "6571792"])

    def test_one_upstream_call_per_session_in_parallel_and_bounded(self):
        want = self.expected(PAGED_WEBINAR, max_items=20)
        self.assertEqual(want["sessionCount"], 20)
        # Each answer is held a moment, so calls that run at once overlap for sure: a
        # sequential loop would reuse one keep-alive connection, 8 at once need 8.
        self.fake.configure(apiDelayMs=150)
        before = self.fake.stats()["connectionsAccepted"]
        r = self.report(webinarKey=PAGED_WEBINAR, maxItems=20)
        after = self.fake.stats()["connectionsAccepted"]
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, want)
        targets = [path_of(x["target"]) for x in api_requests(self.fake)]
        perf = [t for t in targets if t.endswith("/performance")]
        self.assertEqual(len(targets), 1 + 20, targets)  # one list page + one per session
        self.assertEqual(sorted(perf), sorted(
            f"{BASE}/organizers/{ORGANIZER}/webinars/{PAGED_WEBINAR}/sessions/{s['sessionKey']}"
            "/performance" for s in want["sessions"]))
        upstream_connections = after - before - 1  # the second stats call is one
        self.assertGreaterEqual(upstream_connections, 2, "the iterations did not overlap")
        self.assertLessEqual(upstream_connections, 8 + 1, "more than maxConcurrency at once")

    def test_a_single_session_report(self):
        want = self.expected(WEBINAR, max_items=1)
        self.assertEqual(want["sessionCount"], 1)
        r = self.report(maxItems=1)
        self.assertEqual(r.json, want)

    def test_on_error_answers_the_custom_body_with_the_error_status(self):
        # Until the fake is reset (retries of the idempotent GET see it too).
        failure = {"status": 503, "body": '{"msg":"maintenance"}'}
        self.fake.configure(apiFailure=failure)
        standard = self.gateway.post("gotowebinar_listSessions", self.seed(sessionKey=None))
        self.assertGreaterEqual(standard.status, 500, standard)
        self.fake.configure(apiFailure=failure)
        r = self.report(webinarKey=WEBINAR)
        self.assertEqual(r.status, standard.status, r)
        self.assertEqual(r.json, {"report": None, "error": standard.error_code(),
                                  "detail": standard.json["error"]["message"]})
        self.assertEqual(r.headers.get("Content-Type"), "application/json")

    def test_on_error_for_an_unknown_webinar_and_a_rejected_token(self):
        r = self.report(webinarKey="1")
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.json["report"], None)
        self.assertEqual(r.json["error"], "upstream_not_found")
        self.assertIn("webinar 1", r.json["detail"])
        r = self.report(accessToken="not-a-token", refreshToken=None, clientId=None)
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.json["error"], "upstream_unauthorized")
        self.assertNotIn("not-a-token", r.raw.decode())


# --- step kinds with temporary proxies -----------------------------------------------------

TEMP_PROXIES = {
    "flow_log.yaml": """
        name: flow_log
        properties:
          user:         json-eval($.user)
          clientSecret: json-eval($.clientSecret)
        sequence:
          - log:
              level: info
              message: "hello ${vars.user}"
              properties:
                user:   "${vars.user}"
                items:  "${length(payload.items)}"
                secret: "${vars.clientSecret}"
                absent: "${payload.nothing}"
          - log: {level: debug, message: "never at info ${vars.user}"}
          - payload: {json: {ok: true}}
    """,
    "flow_headers.yaml": """
        name: flow_headers
        sequence:
          - header: {name: X-Order, value: "order-${payload.id}"}
          - header: {name: X-Temp, value: "gone soon"}
          - header: {name: X-Temp, action: remove}
          - header: {name: X-Count, value: "${length(payload.items)}"}
          - payload: {json: {id: "${payload.id}"}}
          - respond: {status: 201}
    """,
    "flow_drop.yaml": """
        name: flow_drop
        sequence:
          - log: {message: "accepted ${payload.id}"}
          - drop
    """,
    "flow_validate.yaml": """
        name: flow_validate
        sequence:
          - validate:
              schema:
                type: object
                required: [id, qty]
                properties:
                  id:  {type: string}
                  qty: {type: integer, minimum: 1}
          - payload: {json: {valid: true, id: "${payload.id}"}}
    """,
    "flow_throw.yaml": """
        name: flow_throw
        sequence:
          - filter:
              if: "${payload.total <= 0}"
              then:
                - throwError: {code: invalid_order, status: 422,
                               message: "total must be positive, got ${payload.total}"}
          - payload: {json: {total: "${payload.total}"}}
    """,
    "shared/stamp.yaml": """
        kind: sequence
        name: stamp
        sequence:
          - header: {name: X-Stamped-By, value: "${vars.who}"}
          - payload: {json: {stampedBy: "${vars.who}", input: "${payload}"}}
    """,
    "shared/flow_seq_a.yaml": """
        name: flow_seq_a
        sequence:
          - variable: {name: who, value: proxy-a}
          - sequence: stamp
    """,
    "shared/nested/flow_seq_b.yaml": """
        name: flow_seq_b
        sequence:
          - variable: {name: who, value: "b-${payload.n}"}
          - sequence: stamp
          - respond: {status: 203}
    """,
}


def write_proxies(directory, files):
    for name, text in files.items():
        path = os.path.join(directory, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text).lstrip())


class FlowSteps(EnvelopeAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="flowgate-flows-")
        write_proxies(cls.dir, TEMP_PROXIES)
        cls.fake = Fake()
        cls.gateway = Gateway(gateway_config(cls.fake), proxies=cls.dir)

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.fake.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_log_writes_structured_fields_and_masks_a_secret_property(self):
        secret = "flow-s3cr3t-value-42"
        r = self.gateway.post("flow_log", {"user": "alice", "items": [1, 2, 3],
                                           "clientSecret": secret},
                              headers={"X-Request-ID": "flow-log-1"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"ok": True})
        line = self.gateway.process.wait_for(r".*hello alice .*requestId=flow-log-1.*").group(0)
        self.assertRegex(line, r" info hello alice proxy=flow_log requestId=flow-log-1 "
                               r"user=alice items=3 secret=\*\*\*$")
        self.assertNotIn("absent=", line)  # an absent value leaves its field out
        self.gateway.process.wait_for(r"access requestId=flow-log-1 ")
        log = self.gateway.process.output()
        self.assertNotIn(secret, log)
        self.assertNotIn("never at info", log)  # below the level: not written

    def test_header_steps_reach_the_answer(self):
        r = self.gateway.post("flow_headers", {"id": 7, "items": ["a", "b"]})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json, {"id": 7})
        self.assertEqual(r.headers.get("X-Order"), "order-7")
        self.assertEqual(r.headers.get("X-Count"), "2")
        self.assertNotIn("X-Temp", r.headers)

    def test_client_headers_are_not_echoed(self):
        r = self.gateway.post("flow_headers", {"id": 1, "items": []},
                              headers={"X-Secret-Client": "mine"})
        self.assertNotIn("X-Secret-Client", r.headers)

    def test_drop_answers_202_with_no_body(self):
        r = self.gateway.post("flow_drop", {"id": 3})
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.raw, b"")
        self.assertIn(r.headers.get("Content-Length"), ("0", None))
        self.assertIsNotNone(r.headers.get("X-Request-ID"))

    def test_validate_failure_is_the_envelope_with_pointer_and_keyword(self):
        r = self.gateway.post("flow_validate", {"id": "a-1", "qty": 2})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"valid": True, "id": "a-1"})
        for body, pointer, keyword, schema in (
                ({"id": 5, "qty": 1}, "/id", "type", "#/properties/id"),
                ({"id": "x", "qty": 0}, "/qty", "minimum", "#/properties/qty"),
                ({"id": "x"}, "", "required", "#")):
            with self.subTest(body=body):
                r = self.gateway.post("flow_validate", body)
                err = self.assertError(r, 400, "validation_failed")
                self.assertEqual(err["details"], {"instancePath": pointer, "keyword": keyword,
                                                  "schemaPath": schema})
                self.assertEqual(err["step"], "validate")
                self.assertEqual(err["proxy"], "flow_validate")
                self.assertIn(f"'{keyword}'", err["message"])

    def test_throw_error_gives_its_status_code_and_message(self):
        r = self.gateway.post("flow_throw", {"total": -5})
        err = self.assertError(r, 422, "invalid_order")
        self.assertEqual(err["message"], "total must be positive, got -5")
        self.assertEqual(err["step"], "throwError")
        r = self.gateway.post("flow_throw", {"total": 12.5})
        self.assertEqual((r.status, r.json), (200, {"total": 12.5}))

    def test_a_type_error_from_the_payload_is_a_400(self):
        r = self.gateway.post("flow_throw", {"total": "lots"})
        err = self.assertError(r, 400, "invalid_expression_input")
        self.assertIn("payload.total", err["message"])

    def test_one_sequence_serves_two_proxies(self):
        a = self.gateway.post("flow_seq_a", {"x": 1})
        self.assertEqual(a.status, 200, a)
        self.assertEqual(a.json, {"stampedBy": "proxy-a", "input": {"x": 1}})
        self.assertEqual(a.headers.get("X-Stamped-By"), "proxy-a")
        b = self.gateway.post("flow_seq_b", {"n": 2})
        self.assertEqual(b.status, 203, b)
        self.assertEqual(b.json, {"stampedBy": "b-2", "input": {"n": 2}})
        self.assertEqual(b.headers.get("X-Stamped-By"), "b-2")

    def test_subfolders_are_loaded(self):
        self.assertEqual(self.gateway.post("flow_seq_b", {"n": 1}).status, 203)  # nested/
        status, raw = self.gateway.admin("/readyz")
        self.assertEqual(status, 200)
        self.assertIn(b'"proxies":7', raw)  # 7 proxies; the sequence is no proxy


class ReloadWithSubfolders(EnvelopeAssertions, unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="flowgate-flows-reload-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        write_proxies(self.dir, {k: v for k, v in TEMP_PROXIES.items() if k.startswith("shared/")})
        self.gateway = Gateway("", proxies=self.dir)
        self.addCleanup(self.gateway.stop)

    def reloaded(self, count):
        self.gateway.process.proc.send_signal(signal.SIGHUP)
        return self.gateway.process.wait_for(rf"reloaded: {count} proxies")

    def test_sighup_reloads_new_and_changed_files_in_subfolders(self):
        self.assertEqual(self.gateway.post("flow_seq_a", {}).status, 200)
        self.assertEqual(self.gateway.post("flow_drop", {}).status, 404)
        # A new proxy two folders down, and the shared sequence changed in place.
        write_proxies(self.dir, {"more/deeper/flow_drop.yaml": TEMP_PROXIES["flow_drop.yaml"],
                                 "shared/stamp.yaml": """
                                     kind: sequence
                                     name: stamp
                                     sequence:
                                       - payload: {json: {stampedBy: "v2 ${vars.who}"}}
                                 """})
        self.reloaded(3)
        self.assertEqual(self.gateway.post("flow_drop", {"id": 1}).status, 202)
        r = self.gateway.post("flow_seq_a", {})
        self.assertEqual(r.json, {"stampedBy": "v2 proxy-a"})
        # A broken file in a subfolder is refused and the old set keeps serving.
        write_proxies(self.dir, {"more/broken.yaml": "name: broken\nsequence:\n  - nope: {}\n"})
        self.gateway.process.proc.send_signal(signal.SIGHUP)
        self.gateway.process.wait_for(r"reload refused")
        self.assertIn("unknown step kind 'nope'",
                      self.gateway.process.wait_for(r".*broken\.yaml.*").group(0))
        self.assertEqual(self.gateway.post("flow_drop", {"id": 2}).status, 202)
        os.remove(os.path.join(self.dir, "more", "broken.yaml"))
        self.gateway.process.proc.send_signal(signal.SIGHUP)
        self.assertTrue(wait_until(lambda: sum("reloaded: 3 proxies" in line
                                               for line in list(self.gateway.process.lines)) >= 2),
                        self.gateway.process.output())


if __name__ == "__main__":
    unittest.main()
