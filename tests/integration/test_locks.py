"""Performance round 2: steady traffic takes no process-wide lock on the request path.

flowgate_request_path_locks_total counts every mutex still taken by the structures a request
goes through (metric families, the upstreams' suspension table and retry budget, the
GoToWebinar token cache). Once each worker thread has served the proxy (its first request
creates the series, the upstream's state and the token entry), it must not move."""

import unittest

from harness import GatewayTestCase

PROXY = "gotowebinar_getSessionById"
LOCKS = "flowgate_request_path_locks_total"
OK = f'flowgate_requests_total{{proxy="{PROXY}",status="200"}}'
THREADS = 2
WARM_UP = 20  # one connection each: the listener hands connections to the workers in turn
REQUESTS = 200


class RequestPathLocksTest(GatewayTestCase):
    gateway_extra = f"server: {{threads: {THREADS}}}\n"

    def answered(self, n):
        """Waits until the gateway counted `n` answered requests of the proxy in all (its
        metrics are updated before the answer is written, the access line after)."""
        return self.gateway.wait_for_metric(OK, lambda v: (v or 0) >= n)

    def send(self, conn=None):
        resp = self.gateway.post(PROXY, self.seed(), conn=conn)
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json["sessionKey"], "2167614")

    def test_no_lock_after_warm_up(self):
        before = self.gateway.metrics()
        self.assertIn(LOCKS, before)
        start = before.get(OK, 0)

        for _ in range(WARM_UP):
            self.send()
        self.answered(start + WARM_UP)
        warm = self.gateway.metrics()[LOCKS]
        # The warm-up did lock (first sight on each worker): the counter is wired.
        self.assertGreater(warm, before[LOCKS])

        # New connections (every worker in turn) and a few kept alive.
        kept = [self.gateway.connection() for _ in range(THREADS * 2)]
        for i in range(REQUESTS):
            if i % 2:
                self.send(conn=kept[i % len(kept)])
            else:
                self.send()
        for conn in kept:
            conn.close()
        self.answered(start + WARM_UP + REQUESTS)
        after = self.gateway.metrics()
        self.assertEqual(after[OK], start + WARM_UP + REQUESTS)
        self.assertEqual(after[LOCKS], warm,
                         f"{after[LOCKS] - warm:.0f} lock(s) taken during {REQUESTS} warm requests")
        # The upstream was called each time, through the token cache and the upstream policy.
        self.assertGreaterEqual(after['flowgate_upstream_requests_total{connector="gotowebinar",'
                                      'operation="getSessionById",status="200"}'],
                                WARM_UP + REQUESTS)


if __name__ == "__main__":
    unittest.main()
