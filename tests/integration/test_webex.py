"""Every WebEx training-session operation through the shipped proxies, the real binary and
the fake XML service; FAILURE answers, malformed and hostile XML."""

import os
import time
import unittest

from harness import SOURCE, EnvelopeAssertions, Fake, Gateway

CREDENTIALS = {"webExID": "hostid", "password": "hostpassword", "siteID": "0000",
               "partnerID": "9999", "email": "johnsmith@xyz.com"}
WEBEX_DATA = os.path.join(SOURCE, "tests", "data", "webex")


def read(name):
    with open(os.path.join(WEBEX_DATA, name)) as f:
        return f.read()


class WebEx(EnvelopeAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()
        cls.gateway = Gateway("connectors:\n  webex:\n    allowedHosts: [127.0.0.1]\n"
                              "upstream:\n  requestTimeout: 2s\n")

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.fake.stop()

    def setUp(self):
        self.fake.reset()

    def call(self, op, **params):
        body = dict(CREDENTIALS, siteUrl=self.fake.url)
        for k, v in params.items():
            if v is None:
                body.pop(k, None)
            else:
                body[k] = v
        return self.gateway.post(f"webex_{op}", body)

    def test_get_training_session_is_typed_json(self):
        r = self.call("getTrainingSession", sessionKey="76736484")
        self.assertEqual(r.status, 200, r)
        s = r.json
        self.assertEqual(s["sessionKey"], "76736484")
        self.assertEqual(s["eventID"], "10765492")
        self.assertEqual(s["hostType"], "1019001")
        self.assertEqual(s["accessControl"]["sessionPassword"], "111111")
        self.assertIs(s["schedule"]["duration"], 60)
        self.assertIs(s["schedule"]["timeZoneID"], 46)
        self.assertIs(s["schedule"]["joinTeleconfBeforeHost"], False)
        self.assertIs(s["enableOptions"]["nativeClient"], True)
        self.assertIs(s["enableOptions"]["autoDeleteAfterMeetingEnd"], True)  # "true\n" trimmed
        self.assertEqual(s["schedule"]["startDate"], "04/11/2004 10:00:00")
        self.assertEqual(s["schedule"]["startDateIso"], "2004-04-11T10:00:00+08:00")
        self.assertEqual(s["repeat"]["expirationDateIso"], "2004-05-09T10:00:00+08:00")
        self.assertEqual(s["repeat"]["dayInWeek"]["day"], ["SUNDAY"])
        self.assertEqual(s["remind"]["emails"]["email"], ["String"])
        self.assertEqual(len(s["presenters"]["participants"]["participant"]), 2)
        attendees = s["attendees"]["participants"]["participant"]
        self.assertEqual(len(attendees), 1)  # one participant is still an array
        self.assertEqual(attendees[0]["contactID"], "13118048")
        self.assertEqual(attendees[0]["person"]["phones"]["phone"], "121212")
        self.assertIs(s["attendeeOptions"]["maxRegistrations"], 10)
        self.assertEqual(s["tracking"]["trackingCode1"], "trackingCode1")

    def test_request_envelope(self):
        self.assertEqual(self.call("getTrainingSession", sessionKey="76736484").status, 200)
        last = self.fake.control("GET", "/__fake/webex/last")
        self.assertEqual(last["operation"], "GetTrainingSession")
        body = last["body"]
        self.assertIn('xmlns:serv="http://www.webex.com/schemas/2002/06/service"', body)
        self.assertIn('java:com.webex.service.binding.training.GetTrainingSession', body)
        order = [body.index(f"<{t}>") for t in ("webExID", "password", "siteID", "partnerID", "email")]
        self.assertEqual(order, sorted(order))
        self.assertNotIn("<siteName", body)  # empty ones are omitted

    def test_create_get_set_delete_round_trip(self):
        title = "R&D </confName><x> \"quoted\" 'too'"
        session = {"metaData": {"confName": title, "agenda": "a < b"},
                   "schedule": {"startDate": "2030-01-15T09:30:00+01:00", "duration": 45,
                                "timeZoneID": 21},
                   "accessControl": {"sessionPassword": "0012"}}
        r = self.call("createTrainingSession", session=session)
        self.assertEqual(r.status, 200, r)
        key = r.json["sessionKey"]
        self.assertTrue(key.isdigit())
        self.assertTrue(r.json["guestToken"])

        got = self.call("getTrainingSession", sessionKey=key)
        self.assertEqual(got.status, 200, got)
        self.assertEqual(got.json["metaData"]["confName"], title)  # arrived as literal text
        self.assertEqual(got.json["metaData"]["agenda"], "a < b")
        self.assertEqual(got.json["schedule"]["startDate"], "01/15/2030 09:30:00")
        self.assertEqual(got.json["accessControl"]["sessionPassword"], "0012")

        # What Get returns, Set accepts: modify and send it back.
        changed = got.json
        changed["metaData"]["confName"] = "renamed"
        changed["schedule"]["duration"] = 90
        r = self.call("setTrainingSession", sessionKey=key, session=changed)
        self.assertEqual(r.status, 200, r)
        again = self.call("getTrainingSession", sessionKey=key)
        self.assertEqual(again.json["metaData"]["confName"], "renamed")
        self.assertIs(again.json["schedule"]["duration"], 90)

        r = self.call("delTrainingSession", sessionKey=key)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"sessionKey": key, "deleted": True})
        gone = self.call("getTrainingSession", sessionKey=key)
        err = self.assertError(gone, 404, "upstream_not_found")
        self.assertEqual(err["upstream"]["exceptionID"], "000015")

    def test_seed_session_round_trips_through_set(self):
        got = self.call("getTrainingSession", sessionKey="76736484")
        r = self.call("setTrainingSession", sessionKey="76736484", session=got.json)
        self.assertEqual(r.status, 200, r)
        again = self.call("getTrainingSession", sessionKey="76736484")
        self.assertEqual(again.json, got.json)

    def test_list_summary(self):
        r = self.call("lstsummaryTrainingSession", startFrom=1, maximumNum=10)
        self.assertEqual(r.status, 200, r)
        self.assertIsInstance(r.json["sessions"], list)
        self.assertGreaterEqual(len(r.json["sessions"]), 1)
        self.assertIn("76736484", [s["sessionKey"] for s in r.json["sessions"]])
        self.assertIsInstance(r.json["matchingRecords"]["total"], int)

    def test_list_with_no_records_is_an_empty_list(self):
        r = self.call("lstsummaryTrainingSession", hostWebExID="otherhost",
                      dateScope={"startDateStart": "01/01/1990 00:00:00",
                                 "startDateEnd": "01/02/1990 00:00:00"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["sessions"], [])
        self.assertEqual(r.json["matchingRecords"]["total"], 0)

    def test_wrong_password_is_401(self):
        r = self.call("getTrainingSession", sessionKey="76736484", password="nope")
        err = self.assertError(r, 401, "upstream_unauthorized")
        self.assertEqual(err["upstream"]["exceptionID"], "030002")
        self.assertIn("Incorrect user or password", err["upstream"]["reason"])
        self.assertNotIn("nope", r.raw.decode())

    def test_another_hosts_session_is_403(self):
        r = self.call("getTrainingSession", sessionKey="11111111")
        err = self.assertError(r, 403, "upstream_rejected")
        self.assertEqual(err["upstream"]["exceptionID"], "000001")

    def test_unknown_session_is_404(self):
        r = self.call("getTrainingSession", sessionKey="12345")
        err = self.assertError(r, 404, "upstream_not_found")
        self.assertEqual(err["upstream"]["exceptionID"], "000015")

    def test_malformed_xml_names_the_line(self):
        self.fake.configure(webexRaw={"body": read("get_training_session_seed.xml")})
        r = self.call("getTrainingSession", sessionKey="76736484")
        err = self.assertError(r, 502, "bad_upstream_response")
        self.assertRegex(err["message"], r"line \d+")

    def test_billion_laughs_fails_fast(self):
        self.fake.configure(webexRaw={"body": read("billion_laughs.xml")})
        started = time.monotonic()
        r = self.call("getTrainingSession", sessionKey="76736484")
        self.assertError(r, 502, "bad_upstream_response")
        # Not a timing assertion on the gateway: the fake is not slow either; a billion
        # laughs expanded would not come back within the 2 s request timeout at all.
        self.assertLess(time.monotonic() - started, 30)
        # and the gateway is fine afterwards
        self.fake.configure(webexRaw=None)
        self.assertEqual(self.call("getTrainingSession", sessionKey="76736484").status, 200)

    def test_http_500_is_upstream_error(self):
        self.fake.configure(webexRaw={"status": 500, "body": "<html>down</html>"})
        r = self.call("getTrainingSession", sessionKey="76736484")
        err = self.assertError(r, 502, "upstream_error")
        self.assertEqual(err["upstream"]["status"], 500)

    def test_site_not_allowed(self):
        r = self.gateway.post("webex_getTrainingSession",
                              dict(CREDENTIALS, siteUrl="https://evil.example.com",
                                   sessionKey="1"))
        self.assertError(r, 403, "upstream_not_allowed")

    def test_missing_session_key(self):
        r = self.call("getTrainingSession")
        err = self.assertError(r, 400, "missing_parameter")
        self.assertIn("$.sessionKey", err["message"])

    def test_unknown_session_field_is_400(self):
        r = self.call("createTrainingSession",
                      session={"metaData": {"confName": "x", "colour": "red"}})
        err = self.assertError(r, 400, "invalid_parameter")
        self.assertIn("colour", err["message"])


if __name__ == "__main__":
    unittest.main()
