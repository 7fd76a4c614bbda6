"""OAuth token handling: refresh on an invalid-token answer, proactively, once under
concurrency, with the refreshed token cached for later requests, and failed refreshes."""

import concurrent.futures
import time
import unittest

from harness import SEED, GatewayTestCase

SEED_TOKEN = SEED["accessToken"]


class Tokens(GatewayTestCase):
    def get(self, **changes):
        return self.gateway.post("gotowebinar_getSessionById", self.seed(**changes))

    def expire_seed_token(self):
        self.fake.configure(tokens={SEED_TOKEN: "expired"})

    def test_valid_token_needs_no_refresh(self):
        r = self.get(accessToken="valid-token-1")
        # An unknown token is rejected by the fake; register it first.
        self.fake.configure(tokens={"valid-token-1": "valid"})
        r = self.get(accessToken="valid-token-1")
        self.assertEqual(r.status, 200, r)

    def test_refresh_on_invalid_token_then_retry(self):
        self.fake.configure(tokens={"old-1": "expired"})
        r = self.get(accessToken="old-1")
        self.assertEqual(r.status, 200, r)
        stats = self.fake.stats()
        self.assertEqual(stats["tokenGrants"], 1)
        api = [x for x in stats["requests"] if x["target"].startswith("/G2W/")]
        self.assertEqual(len(api), 2)  # rejected call, then the retry with the new token
        token_calls = [x for x in stats["requests"] if x["target"].startswith("/oauth/")]
        self.assertEqual(token_calls[0]["auth"], "basic")

    def test_later_requests_with_the_old_token_use_the_refreshed_one(self):
        self.fake.configure(tokens={"old-2": "expired"})
        self.assertEqual(self.get(accessToken="old-2").status, 200)
        self.assertEqual(self.get(accessToken="old-2").status, 200)
        self.assertEqual(self.get(accessToken="old-2").status, 200)
        stats = self.fake.stats()
        self.assertEqual(stats["tokenGrants"], 1)
        api = [x for x in stats["requests"] if x["target"].startswith("/G2W/")]
        self.assertEqual(len(api), 4)  # 1 rejected + 3 successful, no more rejections

    def test_cache_key_includes_every_token_parameter(self):
        self.fake.configure(tokens={"old-3": "expired"})
        self.assertEqual(self.get(accessToken="old-3").status, 200)
        # Same old token but another client: not the same cache entry, so a new refresh.
        r = self.get(accessToken="old-3", clientId="test-client", clientSecret="test-secret",
                     refreshToken="test-refresh")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.fake.stats()["tokenGrants"], 2)

    def test_single_flight_under_concurrency(self):
        self.fake.configure(tokens={"old-4": "expired"}, tokenDelayMs=300)
        body = self.seed(accessToken="old-4")
        with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(
                lambda _: self.gateway.post("gotowebinar_getSessionById", body), range(20)))
        self.assertEqual([r.status for r in results], [200] * 20, results)
        stats = self.fake.stats()
        self.assertEqual(stats["tokenRequests"], 1)
        self.assertEqual(stats["tokenGrants"], 1)

    def test_proactive_refresh_after_interval_time(self):
        self.fake.configure(tokens={"fresh-5": "valid"})
        self.assertEqual(self.get(accessToken="fresh-5", intervalTime=300).status, 200)
        self.assertEqual(self.fake.stats()["tokenGrants"], 0)
        time.sleep(0.4)  # the token's age passes intervalTime (not a synchronization sleep)
        r = self.get(accessToken="fresh-5", intervalTime=300)
        self.assertEqual(r.status, 200, r)
        stats = self.fake.stats()
        self.assertEqual(stats["tokenGrants"], 1)
        api = [x for x in stats["requests"] if x["target"].startswith("/G2W/")]
        self.assertEqual(len(api), 2)  # no rejected call: the refresh came first

    def test_proactive_refresh_when_expires_in_passes(self):
        self.fake.configure(tokens={"old-6": "expired"}, expiresIn=2)
        self.assertEqual(self.get(accessToken="old-6").status, 200)
        # expires_in 2 s minus the safety margin (60 s, at most half the lifetime): due
        # again after one second.
        time.sleep(1.2)
        self.assertEqual(self.get(accessToken="old-6").status, 200)
        stats = self.fake.stats()
        self.assertEqual(stats["tokenGrants"], 2)

    def test_failed_refresh_is_401_with_the_token_endpoint_error(self):
        self.fake.configure(tokens={"old-7": "expired"})
        r = self.get(accessToken="old-7", refreshToken="not-a-refresh-token")
        err = self.assertError(r, 401, "upstream_unauthorized")
        self.assertIn("invalid_grant", err["message"])
        self.assertEqual(err["upstream"]["body"]["error"], "invalid_grant")
        self.assertNotIn("not-a-refresh-token", r.raw.decode())

    def test_bad_client_secret_is_401(self):
        self.fake.configure(tokens={"old-8": "expired"})
        r = self.get(accessToken="old-8", clientId="test-client", clientSecret="wrong",
                     refreshToken="test-refresh")
        err = self.assertError(r, 401, "upstream_unauthorized")
        self.assertIn("invalid_client", err["message"])
        self.assertNotIn("wrong", err["message"])

    def test_no_refresh_token_is_401(self):
        self.fake.configure(tokens={"old-9": "expired"})
        r = self.get(accessToken="old-9", refreshToken=None)
        self.assertError(r, 401, "upstream_unauthorized")
        self.assertEqual(self.fake.stats()["tokenRequests"], 0)

    def test_invalid_token_answered_with_401_also_refreshes(self):
        self.fake.configure(tokens={"old-10": "expired"}, invalidTokenStatus=401)
        r = self.get(accessToken="old-10")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.fake.stats()["tokenGrants"], 1)

    def test_v1_refresh(self):
        self.fake.configure(tokens={"old-11": "expired"})
        r = self.get(accessToken="old-11", apiVersion="v1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.fake.stats()["tokenGrants"], 1)


if __name__ == "__main__":
    unittest.main()
