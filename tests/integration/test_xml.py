"""XML and SOAP messages in flows, on the real binary: the shipped SOAP calculator example
under `serve --sandbox`, our own flows against flowgate-fake's SOAP calculator and XML quote
service (and backend.py's /echo to see the exact wire), hostile XML in and out, and
`flowgate check` of XPath expressions."""

import http.client
import os
import shutil
import subprocess
import tempfile
import textwrap
import threading
import unittest
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from backend import Backend
from harness import FLOWGATE, EnvelopeAssertions, Fake, Gateway
from test_apis import line_of, write_artifacts

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
TEMPURI = "http://tempuri.org/"
STOCK = "http://example.com/stock"
XML = {"Content-Type": "application/xml"}
INT_MIN, INT_MAX = -2**31, 2**31 - 1

ADD_XML = ('<Add xmlns=\\"http://tempuri.org/\\"><intA>${payload.a}</intA>'
           '<intB>${payload.b}</intB></Add>')
ORDER_XML = ('<order xmlns=\\"http://example.com/stock\\" side=\\"${payload.side}\\">'
             '<symbol>${payload.symbol}</symbol><quantity>${payload.quantity}</quantity></order>')

# name -> (url, more YAML): the endpoints, one file each.
ENDPOINTS = {
    "calc_add": ("${configs.fakeUrl}/calculator.asmx",
                 'soap: {version: "1.1", action: "http://tempuri.org/Add"}'),
    "calc11": ("${configs.fakeUrl}/calculator.asmx", 'soap: {version: "1.1"}'),
    "calc12": ("${configs.fakeUrl}/calculator.asmx", 'soap: {version: "1.2"}'),
    "wire11": ("${configs.backendUrl}/echo/soap11",
               'soap: {version: "1.1", action: "http://tempuri.org/Add"}'),
    "wire12": ("${configs.backendUrl}/echo/soap12", 'soap: {version: "1.2"}'),
    "quote": ("${configs.fakeUrl}/xml/quotes/${params.pathParams.symbol}", "method: GET"),
    "orders": ("${configs.fakeUrl}/xml/quotes/orders", "method: POST"),
    "echo": ("${configs.backendUrl}/echo/xml", ""),
    "answers": ("${configs.answersUrl}/${params.pathParams.name}", "method: GET"),
}

ARTIFACTS = {
    **{f"endpoints/{name}.yaml": f'kind: endpoint\nname: {name}\nurl: "{url}"\n{more}\n'
       for name, (url, more) in ENDPOINTS.items()},
    "apis/x.yaml": """
        kind: api
        name: x
        context: /x
        resources:
          - methods: [POST]
            uriTemplate: /add11/{to}
            sequence:
              - header: {name: SOAPAction, value: "urn:the-endpoints-action-wins"}
              - payload: {xml: "ADD_XML"}
              - switch:
                  source: "${params.pathParams.to}"
                  cases:
                    - regex: fake
                      sequence:
                        - call: {endpoint: calc_add}
                        - payload: {json: {result: "${xpath('number(//t:AddResult)')}"}}
                          namespaces: {t: "http://tempuri.org/"}
                  default:
                    - call: {endpoint: wire11}
          - methods: [POST]
            uriTemplate: /multiply12
            sequence:
              - header: {name: SOAPAction, value: "http://tempuri.org/Multiply"}
              - payload: {xml: "<Multiply xmlns=\\"http://tempuri.org/\\">${payload}</Multiply>"}
              - call: {endpoint: calc12}
          - methods: [POST]
            uriTemplate: /add11-envelope
            sequence:
              - payload: {soap: {version: "1.1", body: "ADD_XML",
                                 headers: "<trace xmlns='urn:t'>${payload.trace}</trace>"}}
              - call: {endpoint: calc_add}
          - {methods: [POST], uriTemplate: /soap11, sequence: [{call: {endpoint: calc11}}]}
          - {methods: [POST], uriTemplate: /soap12/fake, sequence: [{call: {endpoint: calc12}}]}
          - methods: [POST, PUT]
            uriTemplate: /soap12/wire
            sequence: [{call: {endpoint: wire12}}]
          - methods: [POST]
            uriTemplate: /build/xml
            sequence: [payload: {xml: "<v a='${payload.t}' b=\\"${payload.t}\\">${payload.t}</v>"}]
          - methods: [POST]
            uriTemplate: /build/soap11
            sequence: [{payload: {soap: {version: "1.1", body: "<v>${payload.t}</v>"}}}]
          - methods: [POST]
            uriTemplate: /build/soap12
            sequence: [{payload: {soap: {version: "1.2", body: "<v>${payload.t}</v>"}}}]
          - methods: [GET]
            uriTemplate: /quote/{symbol}
            sequence:
              - call: {endpoint: quote}
              - payload:
                  json:
                    symbol: "${xpath('string(/s:quote/s:symbol)')}"
                    price: "${xpath('number(/s:quote/s:price)')}"
                    currency: "${xpath('string(//s:currency)')}"
                    tags: "${xmlToJson(payload, 'tag').quote.tags.tag}"
                    document: "${xmlToJson(payload, 'tag')}"
                namespaces: {s: "http://example.com/stock"}
          - methods: [POST]
            uriTemplate: /order
            sequence:
              - payload: {xml: "ORDER_XML"}
              - call: {endpoint: orders}
          - {methods: [POST], uriTemplate: /echo, sequence: [{call: {endpoint: echo}}]}
          - {methods: [GET], uriTemplate: "/answer/{name}", sequence: [{call: {endpoint: answers}}]}
          - methods: [POST]
            uriTemplate: /xpath-over-json
            sequence: [{variable: {name: v, value: "${xpath('//a')}"}}]
          - methods: [POST]
            uriTemplate: /path-over-xml
            sequence: [{payload: {json: {v: "${payload.a}"}}}]
    """.replace("ADD_XML", ADD_XML).replace("ORDER_XML", ORDER_XML),
}


# --- helpers -------------------------------------------------------------------------------

def ctype(resp):
    return next((v for k, v in resp.headers.items() if k.lower() == "content-type"), None)


def direct(port, method, path, body=None, headers=None):
    """One request straight to a fake (not through the gateway): (status, type, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    out = (resp.status, resp.getheader("Content-Type"), resp.read())
    conn.close()
    return out


def nested(depth):
    return b"<a>" * depth + b"</a>" * depth


def billion_laughs():
    ents = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    return f'<?xml version="1.0"?><!DOCTYPE lolz [{ents}]><lolz>&lol9;</lolz>'.encode()


def external_entities(url):
    """Documents that would make a parser fetch `url` (an entity, a DTD, a parameter
    entity)."""
    return {"external entity": f'<!DOCTYPE a [<!ENTITY x SYSTEM "{url}/x">]><a>&x;</a>',
            "external DTD": f'<!DOCTYPE a SYSTEM "{url}/dtd"><a/>',
            "parameter entity": f'<!DOCTYPE a [<!ENTITY % p SYSTEM "{url}/p"> %p;]><a/>'}


def int32_result(op, a, b):
    """What the calculator computes (Divide truncates toward zero), None outside 32 bits."""
    if op == "divide":
        q = abs(a) // abs(b)
        r = q if (a >= 0) == (b > 0) else -q
    else:
        r = {"add": a + b, "subtract": a - b, "multiply": a * b}[op]
    return r if INT_MIN <= r <= INT_MAX else None


def soap_body(raw, ns):
    """The one element in the Body of a SOAP envelope of namespace `ns`."""
    root = ET.fromstring(raw)
    assert root.tag == f"{{{ns}}}Envelope", raw
    body = root.find(f"{{{ns}}}Body")
    assert body is not None and len(body) == 1, raw
    return body[0]


class XmlAnswers:
    """A loopback backend of fixed answers (`answers`: name -> (status, type, body)) and of
    big-<mib>: a well-formed XML document of that many MiB, streamed with its length."""

    def __init__(self):
        answers = self.answers = {}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            log_message = lambda *args: None  # noqa: E731 (quiet)

            def do_GET(self):
                name = self.path.strip("/")
                mib = int(name[4:]) if name.startswith("big-") else 0
                status, content_type, body = answers.get(name, (200, "application/xml", b""))
                size = mib << 20 if mib else len(body)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(size))
                self.end_headers()
                try:
                    if not mib:
                        return self.wfile.write(body)
                    self.wfile.write(b"<big>")
                    for left in range(size - len(b"<big></big>"), 0, -65536):
                        self.wfile.write(b"x" * min(left, 65536))
                    self.wfile.write(b"</big>")
                except OSError:  # the gateway stopped reading, as it should
                    self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class SandboxFakes(Fake):
    """The fakes `flowgate serve --sandbox` runs (the same control API), not our process."""

    def __init__(self, url):
        self.tls, self.url, self.port = False, url, int(url.rsplit(":", 1)[1])

    def stop(self):
        pass


# --- the shipped example: proxies/examples/soap_calculator.yaml ----------------------------

class CalculatorExample(EnvelopeAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gateway = Gateway("", extra_args=["--sandbox-listen", "127.0.0.1:0"])
        m = cls.gateway.process.wait_for(r"sandbox upstreams .* on (http://[\d.]+:\d+)")
        cls.fake = SandboxFakes(m.group(1))

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()

    def setUp(self):
        self.fake.reset()

    def calc(self, op, a, b):
        return self.gateway.request("POST", f"/calculator/{op}", {"a": a, "b": b})

    def test_every_operation_answers_the_services_result(self):
        cases = [(op, a, b) for op in ("add", "subtract", "multiply", "divide")
                 for a, b in ((2, 3), (-7, 2), (7, -2), (123456, 789), (INT_MAX, 1))]
        cases = [c for c in cases if int32_result(*c) is not None]
        for n, (op, a, b) in enumerate(cases, 1):
            with self.subTest(op=op, a=a, b=b):
                r = self.calc(op, a, b)
                self.assertEqual((r.status, ctype(r)), (200, "application/json"), r)
                self.assertEqual(r.json, {"operation": op, "result": int32_result(op, a, b)})
                stats = self.fake.wait_for_stats(lambda s: s["soapRequests"] >= n)
                self.assertEqual(stats["soapRequests"], n)  # one SOAP call per request
                last = stats["requests"][-1]
                self.assertEqual((last["method"], last["target"], last["service"]),
                                 ("POST", "/calculator.asmx", "calculator"))

    def test_a_fault_of_the_service_is_422_calculation_failed(self):
        for op, a, b, words in (("divide", 1, 0, "divide by zero"),
                                ("add", INT_MAX, 1, "overflow"),
                                ("multiply", 65536, 65536, "overflow"),
                                ("divide", INT_MIN, -1, "overflow")):
            with self.subTest(op=op, a=a, b=b):
                self.fake.reset()
                r = self.calc(op, a, b)
                self.assertEqual(r.status, 422, r)
                err = r.json["error"]
                self.assertEqual((err["code"], err["status"]), ("calculation_failed", 422))
                self.assertIn("soap:Server: ", err["message"])  # faultcode: faultstring
                self.assertIn(words, err["message"])
                self.assertEqual(self.fake.stats()["soapRequests"], 1)

    def test_an_unknown_operation_is_404_without_a_call(self):
        for op in ("power", "Add", "addition"):
            with self.subTest(op=op):
                err = self.assertError(self.calc(op, 1, 2), 404, "unknown_operation")
                self.assertIn(op, err["message"])
        self.assertEqual(self.fake.stats()["soapRequests"], 0)

    def test_a_non_integer_is_400_validation_failed(self):
        for a in (1.5, "1", None, True, INT_MAX + 1, INT_MIN - 1):
            with self.subTest(a=a):
                self.assertError(self.calc("add", a, 2), 400, "validation_failed")
        self.assertError(self.gateway.request("POST", "/calculator/add", {"a": 1}), 400,
                         "validation_failed")
        self.assertEqual(self.fake.stats()["soapRequests"], 0)


# --- our own flows against the fakes -------------------------------------------------------

class XmlFlows(EnvelopeAssertions, unittest.TestCase):
    """flowgate-fake (SOAP calculator, XML quotes), backend.py (/echo shows the wire), a
    backend of XML answers, a listener nothing may connect to, and one gateway."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="flowgate-xml-")
        write_artifacts(cls.dir, ARTIFACTS)
        cls.fake, cls.backend, cls.answers = Fake(), Backend(), XmlAnswers()
        cls.listener = Backend()  # what an external entity or DTD would fetch
        fault = (f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><s:Fault><faultcode>s:Client'
                 '</faultcode><faultstring>no &amp; never</faultstring><faultactor>urn:me'
                 '</faultactor><detail><why>because</why></detail></s:Fault></s:Body>'
                 '</s:Envelope>').encode()
        cls.answers.answers.update({
            "malformed": (200, "application/xml", b"<a><b></a>"),
            "doctype": (200, "text/xml", b"<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>"),
            "bomb": (200, "application/xml", billion_laughs()),
            "deep": (200, "application/soap+xml", nested(10000)),
            "fault-at-200": (200, "text/xml; charset=utf-8", fault),
            **{f"fetch-{i}": (200, "application/xml", doc.encode()) for i, doc in
               enumerate(external_entities(cls.listener.url).values())}})
        config = (f'configs:\n  fakeUrl: "{cls.fake.url}"\n  backendUrl: "{cls.backend.url}"\n'
                  f'  answersUrl: "{cls.answers.url}"\n'
                  "upstream:\n  maxResponseBytes: 32MiB\n  retry: {maxAttempts: 1}\n"
                  "  suspendOnFailure: {failures: 0}\n")
        try:
            cls.gateway = Gateway(config, proxies=cls.dir)
        except BaseException:
            cls.tearDownServers()
            raise

    @classmethod
    def tearDownServers(cls):
        for s in (cls.fake, cls.backend, cls.answers, cls.listener):
            s.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.tearDownServers()

    def setUp(self):
        self.fake.reset()
        self.backend.reset()

    def post(self, path, body, headers=None):
        return self.gateway.request("POST", path, body, headers=headers)

    def only_request(self):
        reqs = self.backend.wait_for_requests(1)
        self.assertEqual(len(reqs), 1, reqs)
        return reqs[0]

    def assertNothingFetched(self):
        self.assertEqual(self.listener.connections_accepted, 0, self.listener.requests)

    def assertStillServing(self):
        """The process runs, and a SOAP round trip through it still gives the right sum."""
        self.assertIsNone(self.gateway.process.proc.poll(), self.gateway.process.output())
        r = self.post("/x/add11/fake", {"a": 40, "b": 2})
        self.assertEqual((r.status, r.json), (200, {"result": 42}), r)

    # SOAP --------------------------------------------------------------------------------

    def test_soap_1_1_call_reaches_the_calculator(self):
        for n, (a, b) in enumerate(((2, 3), (-10, 4), (INT_MAX - 1, 1)), 1):
            with self.subTest(a=a, b=b):
                r = self.post("/x/add11/fake", {"a": a, "b": b})
                self.assertEqual((r.status, r.json), (200, {"result": a + b}), r)
                stats = self.fake.wait_for_stats(lambda s: s["soapRequests"] >= n)
                last = stats["requests"][-1]
                self.assertEqual((last["method"], last["target"], last["service"]),
                                 ("POST", "/calculator.asmx", "calculator"))

    def test_soap_1_1_on_the_wire(self):
        r = self.post("/x/add11/wire", {"a": 5, "b": "<7&>"})
        self.assertEqual(r.status, 200, r)
        req = self.only_request()
        self.assertEqual((req.method, req.path), ("POST", "/echo/soap11"))
        self.assertEqual(req.header("Content-Type"), "text/xml; charset=utf-8")
        # The endpoint's action, quoted, once: not the SOAPAction header the flow set.
        self.assertEqual(req.header_values("SOAPAction"), ['"http://tempuri.org/Add"'])
        op = soap_body(req.body, SOAP11)
        self.assertEqual(op.tag, f"{{{TEMPURI}}}Add")
        self.assertEqual([(c.tag, c.text) for c in op],
                         [(f"{{{TEMPURI}}}intA", "5"), (f"{{{TEMPURI}}}intB", "<7&>")])

    def test_soap_1_2_call_with_an_object_as_elements_passes_the_answer_through(self):
        r = self.post("/x/multiply12", {"intA": -6, "intB": 7})
        self.assertEqual((r.status, ctype(r)), (200, "application/soap+xml; charset=utf-8"), r)
        result = soap_body(r.raw, SOAP12)
        self.assertEqual(result.tag, f"{{{TEMPURI}}}MultiplyResponse")
        self.assertEqual(result.findtext(f"{{{TEMPURI}}}MultiplyResult"), str(-6 * 7))
        self.fake.wait_for_stats(lambda s: s["soapRequests"] == 1)

    def test_soap_1_2_on_the_wire_with_a_json_payload_converted(self):
        body = {"Multiply": {"intA": 6, "intB": 7}}
        r = self.gateway.request("PUT", "/x/soap12/wire", body,
                                 {"SOAPAction": '"http://tempuri.org/Multiply"'})
        self.assertEqual(r.status, 200, r)
        req = self.only_request()
        self.assertEqual((req.method, req.path), ("POST", "/echo/soap12"))  # SOAP: POST
        self.assertEqual(req.header("Content-Type"), "application/soap+xml; charset=utf-8; "
                                                     'action="http://tempuri.org/Multiply"')
        self.assertEqual(req.header_values("SOAPAction"), [])  # 1.2: the action is in the type
        op = soap_body(req.body, SOAP12)
        self.assertEqual((op.tag, [(c.tag, c.text) for c in op]),
                         ("Multiply", [("intA", "6"), ("intB", "7")]))
        # The fake sees that element (JSON carries no namespace) and says so in its fault.
        r = self.post("/x/soap12/fake", body, {"SOAPAction": "http://tempuri.org/Multiply"})
        err = self.assertError(r, 502, "soap_fault")
        self.assertIn("{}Multiply", err["message"])
        self.assertEqual(err["details"]["soapVersion"], "1.2")

    def test_a_client_xml_body_is_wrapped_or_passed_as_an_envelope(self):
        add = f'<Add xmlns="{TEMPURI}"><intA>20</intA><intB>22</intB></Add>'
        envelope = f'<e:Envelope xmlns:e="{SOAP11}"><e:Body>{add}</e:Body></e:Envelope>'
        action = {"SOAPAction": '"http://tempuri.org/Add"'}
        for name, body, kind in (("fragment", add, "application/xml"),
                                 ("declaration", '<?xml version="1.0"?>\n' + add, "text/xml"),
                                 ("envelope", envelope, "text/xml; charset=utf-8")):
            with self.subTest(name):
                r = self.post("/x/soap11", body, dict(action, **{"Content-Type": kind}))
                self.assertEqual((r.status, ctype(r)), (200, "text/xml; charset=utf-8"), r)
                self.assertEqual(soap_body(r.raw, SOAP11).findtext(f"{{{TEMPURI}}}AddResult"),
                                 "42")
        # a 1.1 envelope for a 1.2 endpoint: refused, never re-wrapped
        r = self.post("/x/soap12/fake", envelope, dict(action, **XML))
        self.assertEqual(self.assertError(r, 500, "expression_error")["step"], "call")
        self.assertEqual(self.fake.stats()["soapRequests"], 3)
        # an envelope a payload soap step built is sent as it is too
        r = self.post("/x/add11-envelope", {"a": 3, "b": 4, "trace": "<t&1>"})
        self.assertEqual(soap_body(r.raw, SOAP11).findtext(f"{{{TEMPURI}}}AddResult"), "7", r)

    def test_payload_xml_and_soap_escape_values_and_set_their_types(self):
        value = "a\"b'<c>&d ]]> é😀"
        for kind, media, ns in (("xml", "application/xml", None),
                                ("soap11", "text/xml; charset=utf-8", SOAP11),
                                ("soap12", "application/soap+xml; charset=utf-8", SOAP12)):
            with self.subTest(kind):
                r = self.post(f"/x/build/{kind}", {"t": value})
                self.assertEqual((r.status, ctype(r)), (200, media), r)
                v = ET.fromstring(r.raw) if ns is None else soap_body(r.raw, ns)
                self.assertEqual((v.tag, v.text), ("v", value))
                if ns is None:
                    self.assertEqual(v.attrib, {"a": value, "b": value})

    def test_a_fault_without_on_error_is_502_soap_fault(self):
        for version, path, code in (("1.1", "/x/soap11", "soap:Server"),
                                    ("1.2", "/x/soap12/fake", "soap:Receiver")):
            with self.subTest(version):
                r = self.post(path, f'<Divide xmlns="{TEMPURI}"><intA>1</intA><intB>0</intB>'
                                    '</Divide>', {"SOAPAction": f"{TEMPURI}Divide", **XML})
                err = self.assertError(r, 502, "soap_fault")
                self.assertEqual(err["step"], "call")
                details = err["details"]
                self.assertEqual((details["faultcode"], details["soapVersion"]), (code, version))
                self.assertIn("divide by zero", details["faultstring"])
                self.assertIn(f"{code}: {details['faultstring']}", err["message"])
                self.assertEqual(err["upstream"]["status"], 500)  # as ASMX answers faults
                self.assertIn(details["faultstring"], err["upstream"]["body"])
        r = self.gateway.request("GET", "/x/answer/fault-at-200")  # any status, any endpoint
        err = self.assertError(r, 502, "soap_fault")
        self.assertIn("s:Client: no & never", err["message"])
        self.assertEqual(err["details"], {"faultcode": "s:Client", "faultstring": "no & never",
                                          "faultactor": "urn:me", "detail": "because",
                                          "soapVersion": "1.1"})
        fault = self.answers.answers["fault-at-200"][2].decode()
        self.assertEqual(err["upstream"], {"status": 200, "body": fault})

    def test_a_client_body_in_another_encoding_reaches_a_soap_service_as_utf8(self):
        # The gateway reads such a body correctly; wrapped in a UTF-8 envelope it must be
        # UTF-8 too (or be refused before anything is sent), never its bytes as they came.
        add = f'<Add xmlns="{TEMPURI}"><!-- café --><intA>1</intA><intB>2</intB></Add>'
        for encoding in ("ISO-8859-1", "UTF-16"):
            with self.subTest(encoding):
                self.fake.reset()
                body = f'<?xml version="1.0" encoding="{encoding}"?>{add}'.encode(encoding)
                r = self.post("/x/soap11", body, {"SOAPAction": f"{TEMPURI}Add", **XML})
                if r.status == 200:
                    self.assertEqual(soap_body(r.raw, SOAP11).findtext(
                        f"{{{TEMPURI}}}AddResult"), "3")
                else:
                    self.assertTrue(400 <= r.status < 500, r)
                    self.assertEqual(self.fake.stats()["soapRequests"], 0, r)

    # plain XML ---------------------------------------------------------------------------

    def test_a_quote_becomes_json_by_xpath_and_xml_to_json(self):
        for symbol in ("IBM", "SAP", "T"):
            with self.subTest(symbol):
                status, _, raw = direct(self.fake.port, "GET", f"/xml/quotes/{symbol}")
                self.assertEqual(status, 200)
                q = ET.fromstring(raw)
                text = {c.tag.split("}")[1]: c.text for c in q if c.text is not None}
                tags = [t.text for t in q.iter(f"{{{STOCK}}}tag")]
                r = self.gateway.request("GET", f"/x/quote/{symbol}")
                self.assertEqual((r.status, ctype(r)), (200, "application/json"), r)
                self.assertEqual(r.json, {
                    "symbol": symbol, "price": float(text["price"]),
                    "currency": text["currency"], "tags": tags,
                    "document": {"quote": dict(text, tags={"tag": tags})}})

    def test_an_order_is_built_as_xml_and_its_answer_passed_through_untouched(self):
        r = self.post("/x/order", {"symbol": "IBM", "quantity": 12, "side": "sell"})
        self.assertEqual((r.status, ctype(r)), (201, "application/xml"), r)
        accepted = ET.fromstring(r.raw)
        self.assertEqual((accepted.tag, accepted.get("id")), (f"{{{STOCK}}}orderAccepted", "ord-1"))
        self.assertEqual([c.text for c in accepted], ["IBM", "12", "sell"])
        self.fake.reset()  # the same order straight to the fake: the same bytes back
        order = (f'<order xmlns="{STOCK}" side="sell"><symbol>IBM</symbol>'
                 "<quantity>12</quantity></order>")
        self.assertEqual(direct(self.fake.port, "POST", "/xml/quotes/orders", order, XML),
                         (201, "application/xml", r.raw))

    def test_order_values_with_markup_characters_arrive_as_values(self):
        symbol = 'A<B&"C\'D ]]> é'
        r = self.post("/x/order", {"symbol": symbol, "quantity": 1, "side": "buy"})
        self.assertEqual((r.status, ctype(r)), (422, "application/xml"), r)  # well-formed
        answer = ET.fromstring(r.raw)
        self.assertEqual(answer.findtext("code"), "unknown_symbol")
        self.assertEqual(answer.findtext("message"), f"unknown symbol '{symbol}'")
        r = self.post("/x/order", {"symbol": "IBM", "quantity": 1, "side": 'buy" side="sell'})
        self.assertEqual((r.status, ET.fromstring(r.raw).findtext("code")),
                         (422, "invalid_side"), r)
        r = self.post("/x/order", {"symbol": "IBM\u0007", "quantity": 1, "side": "buy"})
        self.assertEqual(self.assertError(r, 400, "invalid_expression_input")["step"], "payload")
        self.assertEqual(self.fake.stats()["soapRequests"], 2)

    # hostile input -----------------------------------------------------------------------

    def test_bad_xml_bodies_are_400_invalid_xml_before_the_flow_runs(self):
        good = b'<?xml version="1.0"?><a x="1">t &amp; u</a>'  # sent on as it came
        self.assertEqual(self.post("/x/echo", good, {"Content-Type": "application/x+xml"}).status,
                         200)
        req = self.only_request()
        self.assertEqual((req.body, req.header("Content-Type")), (good, "application/x+xml"))
        self.backend.reset()
        cases = {"malformed": (b"<a><b></a>", "application/xml", "malformed XML"),
                 "two roots": (b"<a/><b/>", "text/xml", "malformed XML"),
                 "DOCTYPE": (b"<!DOCTYPE a><a/>", "application/xml", "DOCTYPE"),
                 "billion laughs": (billion_laughs(), "text/xml; charset=utf-8", "DOCTYPE"),
                 "10,000 levels": (nested(10000), "application/soap+xml", "128"),
                 "129 levels": (nested(129), "application/xml", "128"),
                 "invalid UTF-8": (b"<a>\xff\xfe</a>", "application/atom+xml", "UTF-8")}
        cases.update({name: (doc.encode(), "application/xml", "DOCTYPE")
                      for name, doc in external_entities(self.listener.url).items()})
        for name, (body, kind, words) in cases.items():
            with self.subTest(name):
                err = self.assertError(self.post("/x/echo", body, {"Content-Type": kind}),
                                       400, "invalid_xml")
                self.assertIn(words, err["message"])
                self.assertNotIn("step", err)  # refused before the first step
        self.assertEqual(self.backend.requests, [])
        self.assertNothingFetched()
        self.assertStillServing()

    def test_bad_xml_answers_are_502_bad_upstream_response(self):
        names = ["malformed", "doctype", "bomb", "deep"]
        names += [n for n in self.answers.answers if n.startswith("fetch-")]
        for name in names:
            with self.subTest(name):
                err = self.assertError(self.gateway.request("GET", f"/x/answer/{name}"), 502,
                                       "bad_upstream_response")
                self.assertIn("not acceptable XML", err["message"])
        self.assertNothingFetched()
        self.assertStillServing()

    def test_a_50_mib_xml_answer_is_refused_and_the_gateway_keeps_serving(self):
        err = self.assertError(self.gateway.request("GET", "/x/answer/big-50"), 502,
                               "bad_upstream_response")
        self.assertIn("maxResponseBytes", err["message"])
        self.assertStillServing()
        # Under maxResponseBytes (32 MiB) but over the XML parser's own 16 MiB limit.
        err = self.assertError(self.gateway.request("GET", "/x/answer/big-20"), 502,
                               "bad_upstream_response")
        self.assertIn("byte limit", err["message"])
        self.assertStillServing()

    def test_xpath_over_json_or_a_path_over_xml_is_500_naming_the_step(self):
        for path, body, headers, step, words in (
                ("/x/xpath-over-json", {"a": 1}, None, "variable", "not XML"),
                ("/x/path-over-xml", b"<a>1</a>", XML, "payload", "the payload is XML")):
            with self.subTest(path):
                err = self.assertError(self.post(path, body, headers), 500, "expression_error")
                self.assertEqual(err["step"], step)
                self.assertIn(words, err["message"])

    def test_zz_after_everything_the_gateway_still_serves(self):  # runs last in the class
        self.assertStillServing()
        conn = self.gateway.connection()  # and a 400 leaves the connection usable
        try:
            self.assertEqual(self.gateway.request("POST", "/x/echo", b"<a>", XML, conn=conn)
                             .status, 400)
            self.assertEqual(self.gateway.request("GET", "/x/quote/IBM", conn=conn).status, 200)
        finally:
            conn.close()
        status, _ = self.gateway.admin("/healthz")
        self.assertEqual(status, 200)


# --- flowgate check ------------------------------------------------------------------------

BAD_XPATHS = """
    kind: api
    name: c
    context: /c
    resources:
      - methods: [POST]
        uriTemplate: /x
        sequence:
          - payload: {xml: "<q/>"}
          - variable:
              name: syntax
              value: "${xpath('//q[')}"
          - variable: {name: prefix, value: "${1 + xpath('//m:q')}"}
            namespaces: {s: "urn:s"}
          - variable: {name: function, value: "${xpath('nosuch(1)')}"}
"""


class CheckXPath(unittest.TestCase):
    def check(self, files):
        root = tempfile.mkdtemp(prefix="flowgate-xml-check-")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        config = os.path.join(root, "gateway.yaml")
        with open(config, "w") as f:
            f.write("configs:\n" + "".join(f'  {name}: "http://127.0.0.1:9"\n'
                                           for name in ("fakeUrl", "backendUrl", "answersUrl")))
        write_artifacts(os.path.join(root, "p"), files)
        r = subprocess.run([FLOWGATE, "check", "--config", config, "--proxies",
                            os.path.join(root, "p")], capture_output=True, text=True, timeout=30)
        return r, os.path.join(root, "p")

    def test_this_files_flows_pass_check(self):
        r, _ = self.check(ARTIFACTS)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_an_xpath_that_does_not_compile_is_refused_at_file_line_col(self):
        r, proxies = self.check({"c.yaml": BAD_XPATHS})
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = textwrap.dedent(BAD_XPATHS).lstrip().splitlines()
        for needle, words in (("//q[", "XPath"), ("//m:q", "prefix 'm' is not declared"),
                              ("nosuch(1)", "xpath")):
            with self.subTest(needle):
                line = line_of(BAD_XPATHS, needle)
                start = lines[line - 1].index(needle) + 1  # the XPath text's first column
                prefix = f"{os.path.join(proxies, 'c.yaml')}:{line}:"
                found = [ln for ln in r.stderr.splitlines() if ln.startswith(prefix)]
                self.assertEqual(len(found), 1, r.stderr)
                col = int(found[0][len(prefix):].split(":", 1)[0])
                self.assertTrue(start <= col <= start + len(needle), (col, start, r.stderr))
                self.assertIn(words, found[0])
        # the undeclared prefix is pointed at exactly
        line = line_of(BAD_XPATHS, "//m:q")
        self.assertIn(f"c.yaml:{line}:{lines[line - 1].index('m:q') + 1}: ", r.stderr)


if __name__ == "__main__":
    unittest.main()
