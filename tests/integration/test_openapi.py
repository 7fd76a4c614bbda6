"""The OpenAPI document (`flowgate openapi`, GET /management/openapi.json) is valid against the
official OpenAPI 3.0 JSON Schema (tests/data/openapi/, validated with python3-jsonschema) and
describes what is served."""

import http.client
import json
import os
import subprocess
import unittest

import jsonschema

from harness import FLOWGATE, PROXIES, SOURCE, Fake, Gateway, gateway_config

SCHEMA = os.path.join(SOURCE, "tests", "data", "openapi", "oas-3.0-schema.json")
CONFIG = os.path.join(SOURCE, "config", "gateway.yaml")


def validator():
    with open(SCHEMA) as f:
        schema = json.load(f)
    return jsonschema.Draft4Validator(schema)


class OpenApiDocument(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        r = subprocess.run([FLOWGATE, "openapi", "--config", CONFIG, "--proxies", PROXIES],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        cls.doc = json.loads(r.stdout)

    def test_valid_against_the_openapi_3_0_schema(self):
        errors = sorted(validator().iter_errors(self.doc), key=lambda e: list(e.path))
        self.assertEqual([f"{list(e.path)}: {e.message}" for e in errors], [])

    def test_the_validator_is_not_a_no_op(self):
        broken = dict(self.doc)
        del broken["info"]
        self.assertFalse(validator().is_valid(broken))
        broken = dict(self.doc, paths={"no-slash": {}})
        self.assertFalse(validator().is_valid(broken))

    def test_every_proxy_and_api_resource_is_described(self):
        paths = self.doc["paths"]
        op = paths["/services/gotowebinar_getSessionById"]["post"]
        body = op["requestBody"]["content"]["application/json"]["schema"]
        self.assertIn("sessionKey", body["properties"])
        self.assertEqual(op["responses"]["default"], {"$ref": "#/components/responses/Error"})
        get = paths["/customers/{id}"]["get"]
        self.assertEqual(get["parameters"][0]["name"], "id")
        self.assertEqual(get["parameters"][0]["in"], "path")
        self.assertIn("Error", self.doc["components"]["schemas"])

    def test_the_admin_listener_serves_the_same_document(self):
        fake = Fake()
        self.addCleanup(fake.stop)
        gateway = Gateway(gateway_config(fake))
        self.addCleanup(gateway.stop)
        conn = http.client.HTTPConnection("127.0.0.1", gateway.admin_port, timeout=30)
        conn.request("GET", "/management/openapi.json")
        resp = conn.getresponse()
        served = json.loads(resp.read())
        conn.close()
        self.assertEqual(resp.status, 200)
        self.assertEqual(validator().is_valid(served), True)
        self.assertEqual(set(served["paths"]), set(self.doc["paths"]))


if __name__ == "__main__":
    unittest.main()
