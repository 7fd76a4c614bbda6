"""`flowgate import-synapse` end to end: the corpus of tests/data/synapse/ is imported, the
report says what did not convert (file, line, element) and the exit status that the import is
incomplete; what converted passes `flowgate check`; the seed's sample proxy, imported, answers
exactly as the shipped gotowebinar_getSessionById does, against the fake."""

import datetime
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import FLOWGATE, SEED, Fake, Gateway, closed_port, gateway_config

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(SOURCE, "tests", "data", "synapse")


def run(*args):
    return subprocess.run([FLOWGATE, *args], capture_output=True, text=True, timeout=120)



def point_at(out, placeholder, url):
    """Rewrites the backend URL the corpus names (placeholder) to the fake's in every imported file."""
    for name in os.listdir(out):
        path = os.path.join(out, name)
        with open(path) as f:
            text = f.read().replace(placeholder, url)
        with open(path, "w") as f:
            f.write(text)

class ImportCorpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="flowgate-import-")
        cls.out = os.path.join(cls.dir, "out")
        cls.report_path = os.path.join(cls.dir, "report.json")
        cls.result = run("import-synapse", "-o", cls.out, "--report", cls.report_path, CORPUS)
        with open(cls.report_path) as f:
            cls.report = json.load(f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def findings(self, name):
        return [f for f in self.report["findings"] if os.path.basename(f["file"]) == name]

    def test_the_exit_status_says_the_import_is_incomplete(self):
        self.assertEqual(self.result.returncode, 1, self.result.stdout + self.result.stderr)
        self.assertFalse(self.report["complete"])
        self.assertIn("the import is NOT complete", self.result.stdout)

    def test_every_artifact_is_one_file_with_its_source_in_a_header(self):
        outputs = {a["output"] for a in self.report["artifacts"]}
        self.assertEqual(outputs, set(os.listdir(self.out)))
        for name in ("api_CustomerApi.yaml", "endpoint_CustomerEndpoint.yaml",
                     "proxy_gotowebinar_getSessionById.yaml", "sequence_Greet.yaml",
                     "proxy_SessionsByConfigKey.yaml", "proxy_AddNumbers.yaml"):
            self.assertIn(name, outputs)
        with open(os.path.join(self.out, "api_CustomerApi.yaml")) as f:
            first = f.readline()
        self.assertRegex(first, r"^# Imported by flowgate import-synapse from .*customer_api\.xml:3 ")
        # a <definitions> of 200 sequences: 200 files
        self.assertEqual(len([o for o in outputs if o.startswith("sequence_Step")]), 200)

    def test_what_did_not_convert_is_reported_with_its_line(self):
        got = {(f["line"], f["element"], f["converted"]) for f in self.findings("unconvertible.xml")}
        self.assertEqual(got, {(4, "script", False), (5, "class", False), (6, "xslt", False),
                               (7, "property", False), (8, "header", False),
                               (9, "property", False), (10, "salesforce.query", False)})
        for f in self.findings("unconvertible.xml"):
            self.assertTrue(f["why"])
        self.assertIn("unconvertible.xml:4: <script>:", self.result.stdout)

    def test_other_xml_of_a_project_is_skipped_with_a_note(self):
        [pom] = self.findings("pom.xml")
        self.assertTrue(pom["converted"])  # a note: it does not make the import incomplete
        self.assertIn("not a Synapse artifact", pom["why"])

    def test_unreadable_files_are_reported_not_skipped(self):
        [doctype] = self.findings("doctype.xml")
        self.assertIn("DOCTYPE", doctype["why"])
        self.assertFalse(doctype["converted"])
        [malformed] = self.findings("malformed.xml")
        self.assertIn("malformed XML", malformed["why"])

    def test_a_marker_step_fails_check_pointing_at_the_original(self):
        r = run("check", "--proxies", self.out)
        self.assertEqual(r.returncode, 1)
        self.assertIn("sequence_Legacy.yaml:5:5: not converted by import-synapse: <script> at ",
                      r.stderr)
        self.assertIn("unconvertible.xml:4", r.stderr)
        # Only the markers are problems: everything else that converted loads.
        problems = [l for l in r.stderr.splitlines() if ".yaml:" in l]
        self.assertTrue(problems)
        for line in problems:
            self.assertRegex(line, r"(sequence_Legacy|api_SecuredApi|api_PassThrough|api_PetCardApi|proxy_SplitOrders|proxy_OrderQueue|proxy_ToAddressProxy)"
                             r"\.yaml:\d+:\d+: not converted")
        # An API's handlers concern every resource: the marker comes first in each.
        self.assertIn("api_SecuredApi.yaml:10:9: not converted by import-synapse: <handlers>",
                      r.stderr)

    def test_allow_partial_turns_markers_into_throw_error(self):
        out = os.path.join(self.dir, "partial")
        r = run("import-synapse", "-o", out, "--allow-partial",
                os.path.join(CORPUS, "unconvertible.xml"))
        self.assertEqual(r.returncode, 1)  # still not complete
        with open(os.path.join(out, "sequence_Legacy.yaml")) as f:
            text = f.read()
        self.assertIn("throwError:", text)
        self.assertIn("not_migrated", text)
        self.assertEqual(run("check", "--proxies", out).returncode, 0)

    def test_a_complete_import_exits_0(self):
        out = os.path.join(self.dir, "seed")
        r = run("import-synapse", "-o", out,
                os.path.join(CORPUS, "gotowebinar_getSessionById_proxy.xml"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("the import is complete", r.stdout)

    def test_usage_errors_exit_2(self):
        self.assertEqual(run("import-synapse").returncode, 2)
        self.assertEqual(run("import-synapse", "--nope", CORPUS).returncode, 2)


class SeedProxyAnswersAsBefore(unittest.TestCase):
    """The seed's sample proxy, imported, next to the shipped proxy of the same name."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="flowgate-import-seed-")
        out = os.path.join(cls.dir, "proxies")
        r = run("import-synapse", "-o", out,
                os.path.join(CORPUS, "gotowebinar_getSessionById_proxy.xml"))
        assert r.returncode == 0, r.stdout + r.stderr
        # The imported proxy under another name, beside the shipped one.
        path = os.path.join(out, "proxy_gotowebinar_getSessionById.yaml")
        with open(path) as f:
            text = f.read().replace("name: gotowebinar_getSessionById", "name: imported_getSessionById")
        with open(path, "w") as f:
            f.write(text)
        shutil.copy(os.path.join(SOURCE, "proxies", "gotowebinar_getSessionById.yaml"), out)
        cls.fake = Fake()
        cls.gateway = Gateway(gateway_config(cls.fake), proxies=out)

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.fake.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def both(self, body):
        self.fake.reset()
        shipped = self.gateway.post("gotowebinar_getSessionById", body)
        shipped_calls = [r["target"] for r in self.fake.stats()["requests"]]
        self.fake.reset()
        imported = self.gateway.post("imported_getSessionById", body)
        imported_calls = [r["target"] for r in self.fake.stats()["requests"]]
        return shipped, imported, shipped_calls, imported_calls

    def test_the_sample_request_gets_the_same_answer_and_upstream_calls(self):
        body = dict(SEED, apiUrl=self.fake.url, registryPath="connectors/GoToWebinar",
                    intervalTime="3300000")
        shipped, imported, a, b = self.both(body)
        self.assertEqual(shipped.status, 200, shipped)
        self.assertEqual(imported.status, shipped.status, imported)
        self.assertEqual(imported.json, shipped.json)
        self.assertEqual(b, a)

    def test_a_missing_parameter_is_refused_the_same_way(self):
        body = dict(SEED, apiUrl=self.fake.url)
        body.pop("sessionKey")
        shipped, imported, _, b = self.both(body)
        self.assertEqual(imported.status, shipped.status)
        self.assertEqual(imported.json["error"]["code"], shipped.json["error"]["code"])
        self.assertEqual(b, [])


class ImportedFlowsRun(unittest.TestCase):
    """The runnable imports of the corpus, served against the fake's customers and SOAP
    calculator services (their endpoint URLs pointed at the fake)."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="flowgate-import-run-")
        out = os.path.join(cls.dir, "proxies")
        r = run("import-synapse", "-o", out, *[os.path.join(CORPUS, f) for f in
                ("customer_api.xml", "customer_endpoint.xml", "soap_proxy.xml", "project")])
        assert r.returncode == 0, r.stdout + r.stderr
        cls.fake = Fake()
        point_at(out, "http://127.0.0.1:9", cls.fake.url)
        cls.gateway = Gateway(gateway_config(cls.fake), proxies=out)

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.fake.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_the_api_calls_its_endpoint_and_reshapes_the_answer(self):
        r = self.gateway.request("GET", "/legacy/customers/1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"id": "1", "name": "Ada Lovelace", "source": "legacy"})

    def test_a_path_parameter_reaches_the_payload(self):
        r = self.gateway.request("GET", "/hello/Ada%20L")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"greeting": "hello Ada L"})

    def test_the_soap_proxy_calls_the_calculator(self):
        r = self.gateway.post("AddNumbers", {"a": 2, "b": 3})
        self.assertEqual(r.status, 200, r)
        # xpath() gives the AddResult element's text: a string (MI would insert it unquoted)
        self.assertEqual(r.json, {"result": "5"})


class ImportedMi44Forms(unittest.TestCase):
    """MI 4.4's forms (tests/data/synapse/mi44_inline_api.xml): variables, inline ${...} in a
    JSON and an XML payloadFactory, enrich of inline JSON into a property; imported with
    --allow-partial, so the resource holding what does not convert answers not_migrated."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="flowgate-import-mi44-")
        out = os.path.join(cls.dir, "proxies")
        cls.result = run("import-synapse", "--allow-partial", "-o", out,
                         os.path.join(CORPUS, "mi44_inline_api.xml"))
        cls.fake = Fake()
        cls.gateway = Gateway(gateway_config(cls.fake), proxies=out)

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.fake.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_the_import_is_partial_and_says_why(self):
        self.assertEqual(self.result.returncode, 1, self.result.stdout)
        self.assertIn("mi44_inline_api.xml:42: <variable>", self.result.stdout)
        self.assertIn('action="child"', self.result.stdout)
        self.assertIn("<log> after a respond or drop: never runs in MI", self.result.stdout)

    def test_inline_expressions_keep_mi_types_in_and_out_of_strings(self):
        r = self.gateway.request("POST", "/petcard/card",
                                 body={"owner": "Ada", "pet": {"name": "Rex", "age": 3}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {
            "serial": 41, "serialText": "41", "batch": "0.50", "owner": "Ada",
            "greeting": "Hello Ada!", "pet": {"name": "Rex", "age": 3},
            "petText": '{"name":"Rex","age":3}', "flag": True})

    def test_inline_json_enriched_into_a_property_reaches_an_xml_payload(self):
        r = self.gateway.request("POST", "/petcard/tags", body={"owner": "Ada & co"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["Content-Type"], "application/xml")
        self.assertEqual(r.raw, b'<card xmlns=""><owner>Ada &amp; co</owner><tag>new</tag></card>')

    def test_what_did_not_convert_answers_not_migrated(self):
        r = self.gateway.request("POST", "/petcard/unconvertible", body={})
        self.assertEqual(r.status, 500, r)
        self.assertEqual(r.json["error"]["code"], "not_migrated")
        self.assertIn("mi44_inline_api.xml:42", r.json["error"]["message"])


class ImportedNestedTemplates(unittest.TestCase):
    """tests/data/synapse/nested_templates.xml: a template that calls another still reads its
    own parameter afterwards (MI's function stack), served against nothing but the gateway."""

    def test_each_call_template_keeps_its_own_parameters(self):
        tmp = tempfile.mkdtemp(prefix="flowgate-import-templates-")
        self.addCleanup(shutil.rmtree, tmp, True)
        out = os.path.join(tmp, "proxies")
        r = run("import-synapse", "-o", out, os.path.join(CORPUS, "nested_templates.xml"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        fake = Fake()
        self.addCleanup(fake.stop)
        gateway = Gateway(gateway_config(fake), proxies=out)
        self.addCleanup(gateway.stop)
        resp = gateway.post("BadgeProxy", {"name": "Ada"})
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json, {"badge": "Ada", "stamp": "stamp-Ada"})


class ImportedFaultSequence(unittest.TestCase):
    """A fault sequence's makefault: the client gets MI's SOAP Fault and status."""

    def test_an_unreachable_backend_answers_a_soap_fault_with_500(self):
        tmp = tempfile.mkdtemp(prefix="flowgate-import-fault-")
        self.addCleanup(shutil.rmtree, tmp, True)
        out = os.path.join(tmp, "proxies")
        r = run("import-synapse", "-o", out, os.path.join(CORPUS, "fault_proxy.xml"),
                os.path.join(CORPUS, "customer_endpoint.xml"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        endpoint = os.path.join(out, "endpoint_CustomerEndpoint.yaml")
        with open(endpoint) as f:
            text = f.read().replace("http://127.0.0.1:9/", f"http://127.0.0.1:{closed_port()}/")
        with open(endpoint, "w") as f:
            f.write(text)
        fake = Fake()
        self.addCleanup(fake.stop)
        gateway = Gateway(gateway_config(fake), proxies=out)
        self.addCleanup(gateway.stop)
        r = gateway.post("QuoteProxy", {"q": 1})
        self.assertEqual(r.status, 500, r)
        self.assertTrue(r.headers["Content-Type"].startswith("text/xml"), r.headers)
        body = r.raw.decode()
        self.assertIn("<faultcode>soapenv:Server</faultcode>", body)
        self.assertIn("<detail>backend failed</detail>", body)
        self.assertIn("http://schemas.xmlsoap.org/soap/envelope/", body)


class ImportedMiTreeRuns(unittest.TestCase):
    """An MI 4.x synapse-configs/default tree (tests/data/synapse/mi_default/): it imports
    completely (the stock main sequence and registry.xml are notes) and its APIs and proxies
    answer against the fake's customers service as MI would."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="flowgate-import-mi-")
        out = os.path.join(cls.dir, "proxies")
        cls.report_path = os.path.join(cls.dir, "report.json")
        r = run("import-synapse", "-o", out, "--report", cls.report_path,
                os.path.join(CORPUS, "mi_default"))
        assert r.returncode == 0, r.stdout + r.stderr
        with open(cls.report_path) as f:
            cls.report = json.load(f)
        cls.fake = Fake()
        point_at(out, "http://127.0.0.1:9/", cls.fake.url + "/")
        cls.gateway = Gateway(gateway_config(cls.fake), proxies=out)

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.fake.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.fake.reset()

    def upstream(self):
        return [(r["method"], r["target"]) for r in self.fake.stats()["requests"]]

    def test_the_stock_main_sequence_and_the_registry_are_notes(self):
        by_file = {os.path.basename(f["file"]): f for f in self.report["findings"]}
        self.assertTrue(by_file["main.xml"]["converted"])
        self.assertIn("main sequence", by_file["main.xml"]["why"])
        self.assertTrue(by_file["registry.xml"]["converted"])
        outputs = {a["output"] for a in self.report["artifacts"]}
        self.assertIn("sequence_fault.yaml", outputs)
        self.assertNotIn("sequence_main.yaml", outputs)

    def test_http_method_turns_a_post_into_the_backend_get(self):
        r = self.gateway.request("POST", "/routing/1.0/dispatch", {"action": "lookup", "id": "1"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"customer": {"id": "1", "name": "Ada Lovelace"},
                                  "via": "lookup"})
        self.assertEqual(self.upstream(), [("GET", "/customers/1")])

    def test_transport_headers_removed_keep_the_backend_headers_from_the_client(self):
        r = self.gateway.request("POST", "/routing/1.0/dispatch",
                                 {"action": "create", "name": "Grace Hopper",
                                  "email": "grace@example.com"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["name"], "Grace Hopper")
        self.assertNotIn("Location", r.headers)
        self.assertEqual(self.upstream(), [("POST", "/customers")])

    def test_http_sc_and_mi_string_property_in_an_error_answer(self):
        r = self.gateway.request("POST", "/routing/1.0/dispatch", {"action": "nope"})
        self.assertEqual(r.status, 400, r)
        # "007" stays the string MI's property holds (not the number 7)
        self.assertEqual(r.json, {"error": "unknown action nope", "code": "007"})
        self.assertEqual(self.upstream(), [])

    def test_a_named_in_sequence_falls_through_to_the_target_endpoint(self):
        r = self.gateway.post("CustomerListProxy", {})
        self.assertEqual(r.status, 200, r)
        self.assertIn("customers", r.json)
        self.assertEqual(self.upstream(), [("GET", "/customers")])

    def test_the_named_fault_sequence_answers_with_mi_codes(self):
        self.fake.configure(customersFault="close_no_answer")
        try:
            r = self.gateway.post("CustomerListProxy", {})
        finally:
            self.fake.configure(customersFault="none")
        self.assertEqual(r.status, 503, r)
        self.assertIn(r.json["fault"]["code"], (101503, 101504, "bad_upstream_response"))
        self.assertTrue(r.json["fault"]["message"])

    def test_force_sc_accepted_answers_202_without_a_body(self):
        r = self.gateway.post("CustomerSignupProxy",
                              {"name": "Grace Hopper", "email": "grace@example.com"})
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.raw, b"")
        self.assertEqual(self.upstream(), [("POST", "/customers")])

    def test_an_in_sequence_without_send_goes_to_the_target_then_the_out_sequence(self):
        r = self.gateway.post("CustomerEchoProxy", {"customerId": "1"})
        self.assertEqual(r.status, 200, r)
        today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        self.assertEqual(r.json["name"], "Ada Lovelace")
        self.assertEqual(r.json["asked"], {"customerId": "1"})
        self.assertIn(r.json["on"], (today, (datetime.datetime.now(datetime.timezone.utc) -
                                             datetime.timedelta(minutes=1)).strftime("%Y-%m-%d")))
        self.assertEqual(self.upstream(), [("GET", "/customers/1")])


class UnconvertibleMiShapes(unittest.TestCase):
    """loadbalance/failover endpoints, iterate/aggregate and a JMS proxy are reported."""

    def test_each_is_reported_with_its_line(self):
        tmp = tempfile.mkdtemp(prefix="flowgate-import-unconv-")
        self.addCleanup(shutil.rmtree, tmp, True)
        report = os.path.join(tmp, "report.json")
        r = run("import-synapse", "-o", os.path.join(tmp, "out"), "--report", report,
                os.path.join(CORPUS, "unconvertible_mi.xml"))
        self.assertEqual(r.returncode, 1, r.stdout)
        with open(report) as f:
            blocking = {(f["line"], f["element"]) for f in json.load(f)["findings"]
                        if not f["converted"]}
        self.assertEqual(blocking, {(4, "endpoint"), (10, "endpoint"), (19, "iterate"),
                                    (27, "outSequence"), (36, "proxy"), (39, "property"),
                                    (40, "header"), (50, "property"), (52, "send")})


if __name__ == "__main__":
    unittest.main()
