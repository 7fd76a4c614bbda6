"""One GoToWebinar list call is bounded (issue 11, item 2): against a fake that always
reports more pages, the real binary stops at connectors.gotowebinar.maxPages with 502
bad_upstream_response, at the step's totalTimeout (which spans all pages) with 504, and
refuses a maxItems over maxItemsLimit with 400 before any call; the client's own maxItems
is still a normal truncation."""

import unittest

from harness import SEED, EnvelopeAssertions, Fake, Gateway, GatewayTestCase, gateway_config

PROXY = "gotowebinar_listSessions"
PAGING_WEBINAR = "1111111111111111111"  # 450 sessions in the fake's seed


def api_requests(fake):
    return [x for x in fake.stats()["requests"] if x["target"].startswith("/G2W/")]


class EndlessPages(GatewayTestCase):
    """The default limits: maxItemsLimit 10000, maxPages 100, maxListBytes 32MiB."""

    def list(self, **changes):
        return self.gateway.post(PROXY, self.seed(webinarKey=PAGING_WEBINAR, **changes))

    def test_an_upstream_that_always_reports_more_pages_is_stopped_at_max_pages(self):
        self.fake.configure(endlessPages=1)  # one item per page, always "one more page"
        r = self.list()
        err = self.assertError(r, 502, "bad_upstream_response")
        self.assertIn("kept reporting more pages of listSessions after 100 pages", err["message"])
        self.assertIn("connectors.gotowebinar.maxPages", err["message"])
        self.assertEqual(err["step"], "gotowebinar.listSessions")
        self.assertEqual(self.fake.stats()["apiRequests"], 100)
        # The gateway keeps serving: the same list from an honest upstream.
        self.fake.configure(endlessPages=0)
        r = self.list()
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json), 450)

    def test_max_items_over_the_limit_is_refused_before_any_call(self):
        r = self.list(maxItems=4294967295)
        err = self.assertError(r, 400, "invalid_parameter")
        self.assertIn("at most 10000 (connectors.gotowebinar.maxItemsLimit)", err["message"])
        self.assertEqual(api_requests(self.fake), [])

    def test_the_clients_max_items_truncates_endless_full_pages_without_error(self):
        self.fake.configure(endlessPages=200)
        r = self.list(maxItems=1000)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json), 1000)
        self.assertEqual(self.fake.stats()["apiRequests"], 5)


class ConfiguredBounds(EnvelopeAssertions, unittest.TestCase):
    """maxPages from gateway.yaml, and totalTimeout across the pages of one call."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        self.fake.reset()

    def body(self):
        return dict(SEED, apiUrl=self.fake.url, webinarKey=PAGING_WEBINAR)

    def serve(self, connector_keys="", extra=""):
        gateway = Gateway(gateway_config(self.fake, connector_keys) + extra)
        self.addCleanup(gateway.stop)
        return gateway

    def test_configured_max_pages(self):
        gateway = self.serve("    maxPages: 7\n")
        self.fake.configure(endlessPages=3)
        r = gateway.post(PROXY, self.body())
        err = self.assertError(r, 502, "bad_upstream_response")
        self.assertIn("after 7 pages (connectors.gotowebinar.maxPages)", err["message"])
        self.assertEqual(self.fake.stats()["apiRequests"], 7)

    def test_total_timeout_spans_all_the_pages_of_one_call(self):
        # Each page takes 150 ms; per page, 1 s would never run out. For the whole call it
        # does after a handful of pages, long before maxPages (100000) is reached.
        gateway = self.serve("    maxPages: 100000\n",
                             "upstream:\n  totalTimeout: 1s\n  retry: {maxAttempts: 1}\n"
                             "  suspendOnFailure: {failures: 0}\n")
        self.fake.configure(endlessPages=1, apiDelayMs=150)
        r = gateway.post(PROXY, self.body())
        err = self.assertError(r, 504, "upstream_timeout")
        self.assertIn("upstream.totalTimeout", err["message"])
        calls = self.fake.stats()["apiRequests"]
        self.assertGreaterEqual(calls, 1)
        self.assertLessEqual(calls, 8)  # 1000 ms / 150 ms, plus the one cut short


if __name__ == "__main__":
    unittest.main()
