"""Replicas sharing GoToWebinar tokens through a real redis-server (tokenStore kind redis):
one refresh for all, Redis outages survived and reported, shared mode resumed."""

import json
import os
import shutil
import tempfile
import threading
import unittest

from harness import SEED, Fake, Gateway, Process, closed_port, gateway_config, wait_until

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


class Redis:
    def __init__(self, port):
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="flowgate-redis-")
        self.process = Process([REDIS, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", self.dir])
        self.process.wait_for(r"Ready to accept connections")

    def stop(self):
        self.process.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@unittest.skipUnless(os.path.exists(REDIS), "redis-server is not installed (scripts/setup.sh)")
class SharedTokensTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis_port = closed_port()
        cls.redis = Redis(cls.redis_port)
        cls.fake = Fake()
        store = f"tokenStore: {{kind: redis, url: 'redis://127.0.0.1:{cls.redis_port}'}}\n"
        cls.gateways = [Gateway(gateway_config(cls.fake, store)) for _ in range(2)]

    @classmethod
    def tearDownClass(cls):
        for g in cls.gateways:
            g.stop()
        cls.fake.stop()
        cls.redis.stop()

    def setUp(self):
        self.fake.reset()

    def burst(self, token, count=40):
        """`count` concurrent requests with `token`, split across both replicas."""
        body = dict(SEED, apiUrl=self.fake.url, accessToken=token)
        statuses = [None] * count
        barrier = threading.Barrier(count)

        def one(i):
            barrier.wait()
            gw = self.gateways[i % 2]
            statuses[i] = gw.post("gotowebinar_getSessionById", body, timeout=30).status

        threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return statuses

    def store_check(self, gw):
        status, raw = gw.admin("/readyz")
        return status, json.loads(raw)["checks"]["tokenStore"]

    def test_1_one_refresh_across_replicas(self):
        self.fake.configure(tokens={"expired-1": "expired"}, tokenDelayMs=300)
        statuses = self.burst("expired-1")
        self.assertEqual(statuses, [200] * 40)
        self.assertEqual(self.fake.stats()["tokenGrants"], 1)
        self.assertEqual(self.fake.stats()["tokenRequests"], 1)
        for gw in self.gateways:
            status, check = self.store_check(gw)
            self.assertEqual(status, 200)
            self.assertTrue(check["ok"], check)
            self.assertIn("connected", check["detail"])
            # The management API's view of the store: shared, reachable, a count, no token.
            status, raw = gw.admin("/management/tokenstore")
            view = json.loads(raw)
            self.assertEqual(status, 200)
            self.assertEqual((view["kind"], view["shared"], view["connected"]),
                             ("redis", True, True), view)
            self.assertIn(f"127.0.0.1:{self.redis_port}", view["detail"])
            cached = {c["connector"]: c["cachedTokens"] for c in view["connectors"]}
            self.assertGreaterEqual(cached["gotowebinar"], 1)
            self.assertNotIn("expired-1", raw.decode())

    def test_2_redis_down_then_back(self):
        type(self).redis.stop()
        try:
            # Requests keep working: each replica refreshes on its own.
            self.fake.configure(tokens={"expired-2": "expired"})
            self.assertEqual(self.burst("expired-2", count=10), [200] * 10)
            self.assertGreaterEqual(self.fake.stats()["tokenGrants"], 1)
            for gw in self.gateways:
                self.assertTrue(wait_until(lambda: not self.store_check(gw)[1]["ok"]))
                status, check = self.store_check(gw)
                self.assertEqual(status, 200)  # degraded, still serving
                self.assertIn("down", check["detail"])
                view = json.loads(gw.admin("/management/tokenstore")[1])
                self.assertFalse(view["connected"], view)
                self.assertIn("down", view["detail"])
                metrics = gw.admin("/metrics")[1].decode()
                self.assertIn("flowgate_token_store_up 0", metrics)
                gw.process.wait_for(r"token store \(redis .*\): down")
        finally:
            type(self).redis = Redis(self.redis_port)
        # Back: both replicas reconnect by themselves and share again.
        for gw in self.gateways:
            self.assertTrue(wait_until(lambda: self.store_check(gw)[1]["ok"]))
        self.fake.reset()
        self.fake.configure(tokens={"expired-3": "expired"}, tokenDelayMs=300)
        self.assertEqual(self.burst("expired-3"), [200] * 40)
        self.assertEqual(self.fake.stats()["tokenRequests"], 1)
        self.assertIn("flowgate_token_store_up 1",
                      self.gateways[0].admin("/metrics")[1].decode())


if __name__ == "__main__":
    unittest.main()
