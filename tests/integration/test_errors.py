"""The error table of DESIGN.md, row by row, through the real binary; and bad requests
never disturb other connections."""

import socket
import unittest

from harness import Gateway, GatewayTestCase, closed_port, gateway_config


class RequestErrors(GatewayTestCase):
    gateway_extra = "server:\n  maxBodyBytes: 4096\nupstream:\n  requestTimeout: 500ms\n"

    def test_malformed_json(self):
        r = self.gateway.post("gotowebinar_getSessionById", '{"accessToken": ')
        err = self.assertError(r, 400, "invalid_json")
        self.assertIn("not valid JSON", err["message"])

    def test_a_stray_colon_at_the_root_is_an_invalid_value_not_an_empty_body(self):
        r = self.gateway.post("gotowebinar_getSessionById", "  :")
        err = self.assertError(r, 400, "invalid_json")
        self.assertIn("Invalid value. (at byte 2)", err["message"])

    def test_nul_byte_after_the_json_is_refused_where_it_is(self):
        body = b'{"accessToken": "t"}\x00{"more": 1}'
        r = self.gateway.post("gotowebinar_getSessionById", body)
        err = self.assertError(r, 400, "invalid_json")
        self.assertIn("(at byte 20)", err["message"])

    def test_non_ascii_body_is_validated_as_utf8(self):
        r = self.gateway.post("gotowebinar_getSessionById", b'{"accessToken": "\xff"}')
        err = self.assertError(r, 400, "invalid_json")
        self.assertIn("Invalid encoding", err["message"])

    def test_body_must_be_an_object(self):
        r = self.gateway.post("gotowebinar_getSessionById", "[1, 2]")
        self.assertError(r, 400, "invalid_json")

    def test_missing_parameter_names_its_source(self):
        r = self.gateway.post("gotowebinar_getSessionById", self.seed(webinarKey=None))
        err = self.assertError(r, 400, "missing_parameter")
        self.assertIn("'webinarKey'", err["message"])
        self.assertIn("$.webinarKey", err["message"])
        self.assertEqual(err["step"], "gotowebinar.getSessionById")

    def test_null_is_missing_not_the_string_null(self):
        r = self.gateway.post("gotowebinar_getSessionById", self.seed(sessionKey=None) | {"sessionKey": None})
        self.assertError(r, 400, "missing_parameter")
        self.assertEqual(self.fake.stats()["apiRequests"], 0)

    def test_mistyped_parameter(self):
        r = self.gateway.post("gotowebinar_getSessionById", self.seed(webinarKey={"a": 1}))
        err = self.assertError(r, 400, "invalid_parameter")
        self.assertIn("webinarKey", err["message"])

    def test_invalid_api_version(self):
        r = self.gateway.post("gotowebinar_getSessionById", self.seed(apiVersion="v3"))
        self.assertError(r, 400, "invalid_parameter")

    def test_unknown_proxy(self):
        r = self.gateway.post("no_such_proxy", {})
        err = self.assertError(r, 404, "not_found")
        self.assertIn("no_such_proxy", err["message"])

    def test_other_path(self):
        r = self.gateway.request("GET", "/")
        self.assertError(r, 404, "not_found")

    def test_wrong_method(self):
        r = self.gateway.request("GET", "/services/gotowebinar_getSessionById")
        self.assertError(r, 405, "method_not_allowed")
        self.assertEqual(r.headers.get("Allow"), "POST")

    def test_body_too_large(self):
        big = self.seed(padding="x" * 5000)
        r = self.gateway.post("gotowebinar_getSessionById", big)
        self.assertError(r, 413, "payload_too_large")

    def test_chunked_body_too_large(self):
        conn = self.gateway.connection()
        conn.putrequest("POST", "/services/gotowebinar_getSessionById")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.putheader("Content-Type", "application/json")
        conn.endheaders()
        chunk = b"x" * 3000
        try:
            for _ in range(2):
                conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.send(b"0\r\n\r\n")
        except OSError:
            pass
        resp = conn.getresponse()
        self.assertEqual(resp.status, 413)
        conn.close()

    def test_host_not_allowed_makes_no_connection(self):
        r = self.gateway.post("gotowebinar_getSessionById",
                              self.seed(apiUrl="http://169.254.169.254"))
        err = self.assertError(r, 403, "upstream_not_allowed")
        self.assertIn("169.254.169.254", err["message"])

    def test_upstream_refused(self):
        r = self.gateway.post("gotowebinar_getSessionById",
                              self.seed(apiUrl=f"http://127.0.0.1:{closed_port()}"))
        self.assertError(r, 502, "upstream_unavailable")

    def test_upstream_timeout(self):
        self.fake.configure(apiDelayMs=3000)
        r = self.gateway.post("gotowebinar_getSessionById", self.seed())
        self.assertError(r, 504, "upstream_timeout")

    def test_upstream_5xx(self):
        self.fake.configure(apiFailure={"status": 503, "body": "maintenance"})
        r = self.gateway.post("gotowebinar_getSessionById", self.seed())
        err = self.assertError(r, 502, "upstream_error")
        self.assertEqual(err["upstream"]["status"], 503)

    def test_upstream_other_4xx_keeps_its_status(self):
        self.fake.configure(apiFailure={"status": 409, "body": '{"errorCode":"Conflict"}'})
        r = self.gateway.post("gotowebinar_getSessionById", self.seed())
        err = self.assertError(r, 409, "upstream_rejected")
        self.assertEqual(err["upstream"]["body"]["errorCode"], "Conflict")

    def test_upstream_unparsable_body(self):
        self.fake.configure(apiFailure={"status": 200, "body": "<html>not json</html>"})
        r = self.gateway.post("gotowebinar_getSessionById", self.seed())
        self.assertError(r, 502, "bad_upstream_response")

    def test_upstream_numbers_that_break_full_precision_parsing(self):
        # RapidJSON 1.1's full-precision parse read 0e-171 as 2.66e36 and crashed on the
        # other one; the gateway answers with the numbers as sent and keeps serving.
        body = '{"sessionKey":"1","x":34.00000000000000047758045e-344,"y":0e-171,"webinarKey":7}'
        self.fake.configure(apiFailure={"status": 200, "body": body})
        r = self.gateway.post("gotowebinar_getSessionById", self.seed())
        self.assertEqual(r.status, 200, r.json)
        self.assertEqual(r.json, {"sessionKey": "1", "x": 0.0, "y": 0.0, "webinarKey": "7"})
        self.fake.configure(apiFailure=None)
        self.assertEqual(self.gateway.post("gotowebinar_getSessionById", self.seed()).status, 200)

    def test_request_id_is_echoed_or_generated(self):
        r = self.gateway.post("no_such_proxy", {}, headers={"X-Request-ID": "abc-123"})
        self.assertEqual(r.headers["X-Request-ID"], "abc-123")
        self.assertEqual(r.json["error"]["requestId"], "abc-123")
        r = self.gateway.post("no_such_proxy", {})
        self.assertEqual(len(r.headers["X-Request-ID"]), 32)

    def test_bad_requests_do_not_disturb_a_keep_alive_connection(self):
        conn = self.gateway.connection()
        good = self.seed()
        for body in ('{"bad', good, "[]", good, '{"accessToken": 1}', good):
            r = self.gateway.post("gotowebinar_getSessionById", body, conn=conn)
            self.assertIn(r.status, (200, 400), r)
            if body is good:
                self.assertEqual(r.status, 200, r)
        conn.close()

    def test_garbage_http_gets_400_and_the_server_keeps_serving(self):
        s = socket.create_connection(("127.0.0.1", self.gateway.port), timeout=30)
        s.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        data = s.recv(4096)
        s.close()
        self.assertIn(b"400", data.split(b"\r\n")[0])
        r = self.gateway.post("gotowebinar_getSessionById", self.seed())
        self.assertEqual(r.status, 200, r)

    def test_admin_endpoints(self):
        status, body = self.gateway.admin("/healthz")
        self.assertEqual(status, 200)
        status, body = self.gateway.admin("/readyz")
        self.assertEqual(status, 200)


class TlsUpstream(unittest.TestCase):
    """Certificate verification against a TLS fake: trusted with caFile, refused without."""

    @classmethod
    def setUpClass(cls):
        from harness import Fake, TLS_DIR
        import os
        cls.fake = Fake(tls=True)
        cls.ca = os.path.join(TLS_DIR, "ca.pem")

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def body(self, api_url):
        from harness import SEED
        return dict(SEED, apiUrl=api_url)

    def test_verified_with_ca_file(self):
        gw = Gateway(gateway_config(self.fake) + f"upstream:\n  caFile: {self.ca}\n")
        try:
            r = gw.post("gotowebinar_getSessionById", self.body(self.fake.tls_url))
            self.assertEqual(r.status, 200, r)
        finally:
            gw.stop()

    def test_refused_with_the_system_store(self):
        gw = Gateway(gateway_config(self.fake))
        try:
            r = gw.post("gotowebinar_getSessionById", self.body(self.fake.tls_url))
            self.assertEqual(r.status, 502, r)
            self.assertEqual(r.error_code(), "upstream_unavailable")
            self.assertIn("certificate", r.json["error"]["message"])
        finally:
            gw.stop()


if __name__ == "__main__":
    unittest.main()
