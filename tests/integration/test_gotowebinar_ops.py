"""The webinar, panelist, registrant, attendee and co-organizer operations through the shipped
proxies, v1 and v2, against the fake: upstream calls, bodies, answers and error answers."""

import datetime
import json
import unittest

from harness import GatewayTestCase

ORGANIZER = "3697511743350317068"
WEBINAR = "6487648931392511233"
SESSION = "2167614"
BASE = {"v1": "/G2W/rest", "v2": "/G2W/rest/v2"}
W = f"/organizers/{ORGANIZER}/webinars/{WEBINAR}"


def iso(days, hours=0):
    """A time `days` from now, ISO 8601 UTC (v2's upcoming range is the next 365 days)."""
    t = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0, second=0, minute=0)
    return (t + datetime.timedelta(days=days, hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


class WebinarOpsV2(GatewayTestCase):
    version = "v2"

    def call(self, op, **changes):
        return self.gateway.post(f"gotowebinar_{op}", self.seed(apiVersion=self.version, **changes))

    def api_requests(self):
        return [r for r in self.fake.stats()["requests"] if r["target"].startswith("/G2W/")]

    def last_request(self):
        return self.api_requests()[-1]

    def target(self, path):
        return BASE[self.version] + path

    def assertKey(self, value):
        self.assertIsInstance(value, str)
        self.assertTrue(value.isdigit(), value)

    # ---- webinars ----

    def test_get_webinar_by_id(self):
        r = self.call("getWebinarById")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["webinarKey"], WEBINAR)
        self.assertIsInstance(r.json["times"], list)
        self.assertEqual(self.last_request()["target"], self.target(W))

    def test_unknown_webinar_is_404(self):
        for op in ("getWebinarById", "getAudioInformation", "listRegistrants", "cancelWebinar"):
            with self.subTest(op=op):
                r = self.call(op, webinarKey="42")
                err = self.assertError(r, 404, "upstream_not_found")
                self.assertIn("webinar 42", err["message"])

    def test_webinar_lists(self):
        hist = self.call("listHistoricalWebinars", fromTime="2015-01-01T00:00:00Z",
                         toTime="2016-12-31T00:00:00Z")
        self.assertEqual(hist.status, 200, hist)
        self.assertIn(WEBINAR, [w["webinarKey"] for w in hist.json])
        for op in ("getAllWebinars", "listUpcomingWebinars"):
            with self.subTest(op=op):
                r = self.call(op)
                self.assertEqual(r.status, 200, r)
                self.assertIsInstance(r.json, list)  # the seed's webinars are all past
        targets = [x["target"] for x in self.api_requests()]
        if self.version == "v2":
            for t in targets:  # no upcoming/historical in v2: the list with a range
                self.assertTrue(t.startswith(self.target(f"/organizers/{ORGANIZER}/webinars?fromTime=")), t)
                self.assertIn("page=0&size=200", t)
        else:
            self.assertIn("/historicalWebinars?fromTime=", targets[0])
            self.assertTrue(targets[1].endswith(f"/organizers/{ORGANIZER}/webinars"))
            self.assertTrue(targets[2].endswith("/upcomingWebinars"))

    def test_create_update_cancel_webinar(self):
        start, end = iso(30), iso(30, 1)
        r = self.call("createWebinar", subject="Launch", webinarStartTime=start,
                      webinarEndTime=end, timeZone="UTC")
        self.assertEqual(r.status, 200, r)
        key = r.json["webinarKey"]
        self.assertKey(key)
        self.assertGreater(int(key), 2 ** 53)  # exact
        req = self.last_request()
        self.assertEqual(req["method"], "POST")
        self.assertEqual(json.loads(req["body"])["times"],
                         [{"startTime": start, "endTime": end}])
        upcoming = self.call("listUpcomingWebinars")
        self.assertIn(key, [w["webinarKey"] for w in upcoming.json])

        r = self.call("updateWebinar", webinarKey=key, subject="Renamed", notifyParticipants=True,
                      times=[{"startTime": iso(40), "endTime": iso(40, 2)}])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {})  # 202 without a body
        self.assertTrue(self.last_request()["target"].endswith("?notifyParticipants=true"))
        got = self.call("getWebinarById", webinarKey=key)
        self.assertEqual(got.json["subject"], "Renamed")
        self.assertEqual(got.json["times"][0]["endTime"], iso(40, 2))
        times = self.call("getWebinarMeetingTimes", webinarKey=key)
        self.assertEqual(times.json, got.json["times"])

        r = self.call("cancelWebinar", webinarKey=key, sendCancellationEmails=False)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {})  # 204
        self.assertEqual(self.last_request()["method"], "DELETE")
        self.assertError(self.call("getWebinarById", webinarKey=key), 404, "upstream_not_found")

    def test_create_webinar_bad_input(self):
        r = self.call("createWebinar", subject="S")
        err = self.assertError(r, 400, "missing_parameter")
        self.assertIn("times", err["message"])
        r = self.call("createWebinar", subject="S", times="not an array")
        self.assertError(r, 400, "invalid_parameter")
        r = self.call("createWebinar", subject="S", webinarStartTime="2030-01-01T12:00:00Z",
                      webinarEndTime="2030-01-01T11:00:00Z")
        err = self.assertError(r, 400, "upstream_rejected")  # the fake checks the order
        self.assertEqual(err["upstream"]["status"], 400)
        self.assertEqual(len(self.api_requests()), 1)  # a write is never resent

    def test_audio(self):
        r = self.call("getAudioInformation")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["type"], "Hybrid")
        r = self.call("updateAudioInformation", type="PSTN", tollFreeCountries=["US", "DE"],
                      tollCountries=["FR"], notifyParticipants=False)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(json.loads(self.last_request()["body"]),
                         {"type": "PSTN", "pstnInfo": {"tollFreeCountries": ["US", "DE"],
                                                       "tollCountries": ["FR"]}})
        self.assertEqual(self.call("getAudioInformation").json["pstnInfo"]["tollCountries"], ["FR"])
        self.assertError(self.call("updateAudioInformation", type="Satellite"), 400,
                         "invalid_parameter")
        r = self.call("updateAudioInformation", type="PSTN", tollCountries=["FRA"])
        self.assertError(r, 400, "upstream_rejected")

    def test_performance_and_attendees_of_all_sessions(self):
        r = self.call("getPerformanceForAllWebinarSessions")
        self.assertEqual(r.status, 200, r)
        self.assertIn(SESSION, r.json)
        r = self.call("getAttendeesForAllWebinarSessions")
        self.assertEqual(r.status, 200, r)
        self.assertGreater(len(r.json), 0)
        for a in r.json:
            self.assertKey(a["registrantKey"])
            self.assertKey(a["sessionKey"])

    def test_panelists(self):
        r = self.call("getWebinarPanelists")
        self.assertEqual(r.status, 200, r)
        before = len(r.json)
        r = self.call("createPanelists", name="Pat", email="pat2@example.com")
        self.assertEqual(r.status, 200, r)
        key = r.json[0]["panelistKey"]
        self.assertKey(key)
        self.assertEqual(json.loads(self.last_request()["body"]),
                         [{"name": "Pat", "email": "pat2@example.com"}])
        r = self.call("createPanelists", panelists=[{"name": "A", "email": "a@x"},
                                                    {"name": "B", "email": "b@x"}])
        self.assertEqual(len(r.json), 2)
        self.assertEqual(len(self.call("getWebinarPanelists").json), before + 3)
        self.assertEqual(self.call("resendPanelistInvitation", panelistKey=key).json, {})
        self.assertEqual(self.call("deletePanelist", panelistKey=key).json, {})
        self.assertError(self.call("deletePanelist", panelistKey=key), 404, "upstream_not_found")
        self.assertError(self.call("createPanelists", name="NoMail"), 400, "missing_parameter")

    # ---- registrants ----

    def test_registrant_lifecycle(self):
        r = self.call("getRegistrationFields")
        self.assertEqual(r.status, 200, r)
        self.assertIn("questions", r.json)
        r = self.call("createRegistrant", firstName="Ada", lastName="Lovelace",
                      email="ada@example.com", organization="ACME",
                      responses=[{"questionKey": 777, "responseText": "curiosity"}])
        self.assertEqual(r.status, 200, r)
        key = r.json["registrantKey"]
        self.assertKey(key)
        self.assertIn("joinUrl", r.json)
        body = json.loads(self.last_request()["body"])
        self.assertEqual(body["responses"], [{"questionKey": 777, "responseText": "curiosity"}])
        self.assertIn(key, [x["registrantKey"] for x in self.call("listRegistrants").json])
        got = self.call("getRegistrantById", registrantKey=key)
        self.assertEqual(got.json["email"], "ada@example.com")

        dup = self.call("createRegistrant", firstName="Ada", lastName="L", email="ADA@example.com")
        err = self.assertError(dup, 409, "upstream_rejected")
        self.assertEqual(err["upstream"]["body"]["errorCode"], "DuplicateRegistrant")
        again = self.call("createRegistrant", firstName="Ada", lastName="L",
                          email="ada@example.com", resendConfirmation=True)
        self.assertEqual(again.status, 200, again)
        self.assertEqual(again.json["registrantKey"], key)
        self.assertTrue(self.last_request()["target"].endswith("/registrants?resendConfirmation=true"))

        self.assertEqual(self.call("deleteRegistrant", registrantKey=key).json, {})
        self.assertError(self.call("getRegistrantById", registrantKey=key), 404,
                         "upstream_not_found")
        self.assertError(self.call("deleteRegistrant", registrantKey=key), 404,
                         "upstream_not_found")

    def test_create_registrant_needs_its_fields(self):
        r = self.call("createRegistrant", firstName="A", lastName="B")
        err = self.assertError(r, 400, "missing_parameter")
        self.assertIn("$.email", err["message"])
        self.assertError(self.call("createRegistrant", firstName="A", lastName="B", email="e@x",
                                   responses={"q": 1}), 400, "invalid_parameter")
        self.assertEqual(self.api_requests(), [])

    # ---- attendees ----

    def test_attendee_operations(self):
        attendees = self.call("getSessionAttendees")
        self.assertEqual(attendees.status, 200, attendees)
        rk = attendees.json[0]["registrantKey"]
        r = self.call("getAttendee", registrantKey=rk)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["registrantKey"], rk)
        for op in ("getAttendeePollAnswers", "getAttendeeQuestions", "getAttendeeSurveyAnswers"):
            with self.subTest(op=op):
                r = self.call(op, registrantKey=rk)
                self.assertEqual(r.status, 200, r)
                self.assertIsInstance(r.json, list)
        self.assertTrue(self.last_request()["target"].endswith(
            f"/sessions/{SESSION}/attendees/{rk}/surveys"))
        self.assertError(self.call("getAttendee", registrantKey="1"), 404, "upstream_not_found")

    # ---- co-organizers ----

    def test_coorganizers(self):
        r = self.call("listCOOrganizers")
        self.assertEqual(r.status, 200, r)
        internal = r.json[0]["memberKey"]
        r = self.call("createCOOrganizer", external=False, coorganizerOrganizerKey="1234567")
        self.assertEqual(r.status, 200, r)
        req = self.last_request()
        self.assertEqual(req["target"], self.target(W + "/coorganizers"))  # the caller's path
        self.assertEqual(json.loads(req["body"]), [{"external": False, "organizerKey": 1234567}])
        r = self.call("createCOOrganizer", external=True, givenName="Ed", email="ed@example.com")
        self.assertEqual(r.status, 200, r)
        external = r.json[0]["memberKey"]
        self.assertKey(external)
        self.assertEqual(self.call("resendInvitation", coorganizerKey=external, external=True).json, {})
        self.assertTrue(self.last_request()["target"].endswith(f"/{external}/resendInvitation?external=true"))
        # Without external=true an external co-organizer is not found (as the API says).
        self.assertError(self.call("deleteCOOrganizer", coorganizerKey=external, external=False),
                         404, "upstream_not_found")
        self.assertEqual(self.call("deleteCOOrganizer", coorganizerKey=external, external=True).json, {})
        self.assertEqual(self.call("deleteCOOrganizer", coorganizerKey=internal).json, {})
        self.assertError(self.call("createCOOrganizer", external=False), 400, "missing_parameter")


class WebinarOpsV1(WebinarOpsV2):
    version = "v1"


class Sandbox(unittest.TestCase):
    """The write operations are served by `flowgate serve --sandbox` too (the same fake)."""

    def test_sandbox_registers(self):
        from harness import Gateway, SEED
        gw = Gateway("", extra_args=["--sandbox-listen", "127.0.0.1:0"])
        try:
            m = gw.process.wait_for(r"sandbox upstreams .* on (http://[\d.]+:\d+)")
            body = dict(SEED, apiUrl=m.group(1), firstName="S", lastName="B",
                        email="sandbox@example.com")
            r = gw.post("gotowebinar_createRegistrant", body)
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.json["registrantKey"].isdigit())
            err = gw.post("gotowebinar_createRegistrant", body)
            self.assertEqual(err.status, 409, err)
        finally:
            gw.stop()


if __name__ == "__main__":
    unittest.main()
