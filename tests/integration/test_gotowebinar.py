"""Every GoToWebinar operation through the shipped proxies, the real binary and the fake."""

import concurrent.futures
import unittest

from harness import SEED, GatewayTestCase

WEBINAR = "6487648931392511233"
PAGED_WEBINAR = "1111111111111111111"


class OperationsV2(GatewayTestCase):
    version = "v2"

    def call(self, op, **changes):
        body = self.seed(apiVersion=self.version, **changes)
        return self.gateway.post(f"gotowebinar_{op}", body)

    def api_requests(self):
        return [r for r in self.fake.stats()["requests"] if r["target"].startswith("/G2W/")]

    def expected_base(self):
        return "/G2W/rest/v2" if self.version == "v2" else "/G2W/rest"

    def test_get_session_by_id(self):
        r = self.call("getSessionById")
        self.assertEqual(r.status, 200, r)
        self.assertIsInstance(r.json, dict)
        self.assertEqual(r.json["sessionKey"], "2167614")
        self.assertEqual(r.json["webinarKey"], WEBINAR)  # exact, as a string
        self.assertIn("registrantsAttended", r.json)
        [req] = self.api_requests()
        self.assertEqual(req["target"], f"{self.expected_base()}/organizers/3697511743350317068"
                                        f"/webinars/{WEBINAR}/sessions/2167614")
        self.assertEqual(req["auth"], "bearer" if self.version == "v2" else "raw")

    def test_list_sessions(self):
        r = self.call("listSessions", sessionKey=None)
        self.assertEqual(r.status, 200, r)
        self.assertIsInstance(r.json, list)
        keys = {s["sessionKey"] for s in r.json}
        self.assertIn("2167614", keys)
        for s in r.json:
            self.assertIsInstance(s["sessionKey"], str)
            self.assertEqual(s["webinarKey"], WEBINAR)

    def test_list_session_attendees(self):
        r = self.call("listSessionAttendees")
        self.assertEqual(r.status, 200, r)
        self.assertIsInstance(r.json, list)
        self.assertGreater(len(r.json), 0)
        for a in r.json:
            self.assertIsInstance(a["registrantKey"], str)
            self.assertIn("email", a)

    def test_get_organizer_sessions(self):
        r = self.call("getOrganizerSessions", webinarKey=None, sessionKey=None,
                      fromTime="2015-05-09T16:45:58Z", toTime="2016-05-09T16:45:58Z")
        self.assertEqual(r.status, 200, r)
        self.assertIsInstance(r.json, list)
        self.assertGreater(len(r.json), 0)
        for s in r.json:
            self.assertTrue("2015-05-09T16:45:58Z" <= s["startTime"] <= "2016-05-09T16:45:58Z")
        target = self.api_requests()[0]["target"]
        self.assertIn("fromTime=2015-05-09T16%3A45%3A58Z", target)
        self.assertIn("toTime=2016-05-09T16%3A45%3A58Z", target)

    def test_get_organizer_sessions_needs_both_times(self):
        r = self.call("getOrganizerSessions", fromTime="2015-05-09T16:45:58Z")
        err = self.assertError(r, 400, "missing_parameter")
        self.assertIn("'toTime'", err["message"])
        self.assertIn("$.toTime", err["message"])
        self.assertEqual(self.api_requests(), [])

    def test_get_session_performance(self):
        r = self.call("getSessionPerformance")
        self.assertEqual(r.status, 200, r)
        self.assertIn("registrantCount", r.json["attendance"])
        self.assertIn("pollCount", r.json["pollsAndSurveys"])

    def test_get_session_polls_questions_surveys(self):
        for op, field in (("getSessionPolls", "responses"), ("getSessionSurveys", "responses"),
                          ("getSessionQuestions", "answers")):
            with self.subTest(op=op):
                r = self.call(op)
                self.assertEqual(r.status, 200, r)
                self.assertIsInstance(r.json, list)
                self.assertGreater(len(r.json), 0)
                self.assertIn(field, r.json[0])
                self.assertIn("question", r.json[0])

    def test_unknown_session_is_404_with_upstream_body(self):
        r = self.call("getSessionById", sessionKey="999")
        err = self.assertError(r, 404, "upstream_not_found")
        self.assertEqual(err["upstream"]["status"], 404)
        self.assertEqual(err["upstream"]["body"]["errorCode"], "NotFound")
        self.assertEqual(err["proxy"], "gotowebinar_getSessionById")
        self.assertEqual(err["step"], "gotowebinar.getSessionById")

    def test_keys_are_percent_encoded(self):
        r = self.call("getSessionById", sessionKey="21/67?614")
        self.assertEqual(r.status, 404, r)
        [req] = self.api_requests()
        self.assertTrue(req["target"].endswith("/sessions/21%2F67%3F614"), req)


class OperationsV1(OperationsV2):
    version = "v1"

    def test_v1_get_session_by_id_is_a_session_object(self):
        r = self.call("getSessionById")
        self.assertEqual(r.status, 200, r)
        self.assertIsInstance(r.json["attendees"], list)
        self.assertEqual(r.json["registrantsAttended"], len(r.json["attendees"]))


class Paging(GatewayTestCase):
    def call(self, **changes):
        return self.gateway.post("gotowebinar_listSessions",
                                 self.seed(webinarKey=PAGED_WEBINAR, **changes))

    def test_follows_all_pages(self):
        r = self.call()
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json), 450)
        self.assertEqual(len({s["sessionKey"] for s in r.json}), 450)
        targets = [x["target"] for x in self.fake.stats()["requests"]
                   if x["target"].startswith("/G2W/")]
        self.assertEqual(len(targets), 3)
        for page, target in enumerate(targets):
            self.assertIn(f"page={page}", target)
            self.assertIn("size=200", target)

    def test_max_items_truncates_and_stops_early(self):
        r = self.call(maxItems=250)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json), 250)
        targets = [x for x in self.fake.stats()["requests"] if x["target"].startswith("/G2W/")]
        self.assertEqual(len(targets), 2)

    def test_max_items_must_be_an_integer(self):
        r = self.call(maxItems="lots")
        self.assertError(r, 400, "invalid_parameter")

    def test_v1_lists_are_plain_arrays_with_exact_keys(self):
        r = self.call(apiVersion="v1", maxItems=5)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json), 5)
        self.assertEqual(r.json[0]["webinarKey"], PAGED_WEBINAR)


if __name__ == "__main__":
    unittest.main()
