"""Names that resolve inward (issue 11): allowedHosts is checked on the URL's host and then
on every address the name resolves to; an internal address is reached only when the list
names it (an IP literal or a CIDR entry). Offline: "127.1" is a host name to allowedHosts,
and the system resolver reads it as 127.0.0.1 without /etc/hosts or DNS."""

import socket
import unittest

from harness import SEED, EnvelopeAssertions, Fake, Gateway


def resolves_inward(name):
    try:
        infos = socket.getaddrinfo(name, 80, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    return bool(infos) and all(info[4][0] == "127.0.0.1" for info in infos)


@unittest.skipUnless(resolves_inward("127.1"), "this resolver does not read 127.1 as 127.0.0.1")
class NamesThatResolveInward(EnvelopeAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def gateway(self, hosts):
        gw = Gateway(f"connectors:\n  gotowebinar:\n    allowedHosts: [{hosts}]\n"
                     f"    tokenUrl: {self.fake.url}/oauth/token\n")
        self.addCleanup(gw.stop)
        return gw

    def call(self, gw):
        body = dict(SEED, apiUrl=f"http://127.1:{self.fake.port}")
        return gw.post("gotowebinar_getSessionById", body)

    def test_an_allowed_name_that_resolves_to_loopback_is_refused(self):
        self.fake.reset()
        r = self.call(self.gateway('"127.1"'))
        err = self.assertError(r, 403, "upstream_not_allowed")
        self.assertIn("'127.1'", err["message"])
        self.assertIn("127.0.0.1 (loopback)", err["message"])
        self.assertEqual(self.fake.stats()["apiRequests"], 0)

    def test_a_cidr_entry_names_the_internal_address(self):
        self.fake.reset()
        r = self.call(self.gateway('"127.1", 127.0.0.0/8'))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["sessionKey"], SEED["sessionKey"])
        self.assertEqual(self.fake.stats()["apiRequests"], 1)

    def test_another_range_does_not(self):
        self.fake.reset()
        r = self.call(self.gateway('"127.1", 10.0.0.0/8'))
        self.assertError(r, 403, "upstream_not_allowed")
        self.assertEqual(self.fake.stats()["apiRequests"], 0)


if __name__ == "__main__":
    unittest.main()
