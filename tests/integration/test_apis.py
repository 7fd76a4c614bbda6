"""APIs (`kind: api`), endpoints (`kind: endpoint`), the `call` step and gateway.yaml
`configs:`, on the real binary against the hostile test backend (backend.py) and a closed
port, plus the shipped customers example against flowgate-fake's customers backend.

Pending: named pending_test_apis.py (outside ctest's test_*.py glob) until the feature lands;
rename it to test_apis.py then."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
import unittest

from backend import TEXT_BODY, TEXT_TYPE, Backend
from harness import (FLOWGATE, EnvelopeAssertions, Fake, Gateway, Response, closed_port,
                     gateway_config)

TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")
CLIENT_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_TRACEPARENT = f"00-{CLIENT_TRACE_ID}-00f067aa0ba902b7-01"

# --- the artifacts -------------------------------------------------------------------------

ARTIFACTS = {
    "endpoints/backend_echo.yaml": """
        kind: endpoint
        name: backend_echo
        url: "${configs.backendUrl}/echo/${params.pathParams.id}?q=${params.queryParams.q}"
        method: GET
        headers: {X-Api-Key: "k-${vars.tenant}"}
        upstream: {requestTimeout: 2s, retry: {maxAttempts: 1}, suspendOnFailure: {failures: 0}}
    """,
    "endpoints/echo_any.yaml": """
        kind: endpoint
        name: echo_any
        url: "${configs.backendUrl}/echo/any"
    """,
    "endpoints/backend_status.yaml": """
        kind: endpoint
        name: backend_status
        url: "${configs.backendUrl}/status/${params.pathParams.code}"
    """,
    "endpoints/backend_route.yaml": """
        kind: endpoint
        name: backend_route
        url: "${configs.backendUrl}/${params.pathParams.route}"
        method: GET
    """,
    "endpoints/backend_slow.yaml": """
        kind: endpoint
        name: backend_slow
        url: "${configs.backendUrl}/slow/${params.pathParams.ms}"
        method: GET
        upstream: {requestTimeout: 300ms, retry: {maxAttempts: 1}}
    """,
    "endpoints/backend_big.yaml": """
        kind: endpoint
        name: backend_big
        url: "${configs.backendUrl}/big/50"
        method: GET
    """,
    "endpoints/backend_close_mid.yaml": """
        kind: endpoint
        name: backend_close_mid
        url: "${configs.backendUrl}/close-mid"
        method: GET
        upstream: {retry: {maxAttempts: 1}}
    """,
    "endpoints/backend_close_mid_post.yaml": """
        kind: endpoint
        name: backend_close_mid_post
        url: "${configs.backendUrl}/close-mid"
        method: POST
        upstream: {retry: {maxAttempts: 3, initialBackoff: 10ms}}
    """,
    "endpoints/refused_once.yaml": """
        kind: endpoint
        name: refused_once
        url: "${configs.refusedUrl}/nothing"
        method: GET
        upstream: {retry: {maxAttempts: 1}}
    """,
    "endpoints/refused_get.yaml": """
        kind: endpoint
        name: refused_get
        url: "${configs.refusedUrl}/nothing"
        method: GET
        upstream: {retry: {maxAttempts: 2, initialBackoff: 10ms, budgetPercent: 100}}
    """,
    "endpoints/refused_suspend.yaml": """
        kind: endpoint
        name: refused_suspend
        url: "${configs.suspendUrl}/nothing"
        method: GET
        upstream: {retry: {maxAttempts: 1}, suspendOnFailure: {failures: 2, initialDuration: 30s}}
    """,
    "endpoints/dynamic_target.yaml": """
        kind: endpoint
        name: dynamic_target
        url: 'http://${headers["X-Target-Host"]}:${configs.backendPort}/echo/dynamic'
        method: GET
        allowedHosts: [127.0.0.1]
        upstream: {requestTimeout: 2s, retry: {maxAttempts: 1}}
    """,
    "apis/shop.yaml": """
        kind: api
        name: shop
        context: /shop
        resources:
          - methods: [GET]
            uriTemplate: "/items/{id}"
            sequence:
              - variable: {name: tenant, value: acme}
              - call: {endpoint: backend_echo}
          - methods: [GET]
            uriTemplate: "/items/special"
            sequence:
              - payload: {json: {r: special}}
          - methods: [POST]
            uriTemplate: "/items"
            accepts: [text/csv]
            sequence:
              - call: {endpoint: echo_any}
          - methods: [PUT, PATCH, DELETE]
            uriTemplate: "/things/{id}"
            sequence:
              - call: {endpoint: echo_any}
          - methods: [GET]
            uriTemplate: "/search?q={q}"
            sequence:
              - payload: {json: {r: search, q: "${params.queryParams.q}"}}
          - methods: [GET]
            urlMapping: "/files/exact"
            sequence:
              - payload: {json: {r: files-exact}}
          - methods: [GET]
            uriTemplate: "/files/{name}"
            sequence:
              - payload: {json: {r: files-template, name: "${params.pathParams.name}"}}
          - methods: [GET]
            urlMapping: "/files/*"
            sequence:
              - payload: {json: {r: files-prefix}}
          - methods: [GET]
            urlMapping: "*.json"
            sequence:
              - payload: {json: {r: json-suffix}}
          - methods: [GET]
            uriTemplate: "/config"
            sequence:
              - payload: {json: {region: "${configs.region}"}}
          - methods: [GET]
            uriTemplate: "/status/{code}"
            sequence:
              - call: {endpoint: backend_status}
          - methods: [POST]
            uriTemplate: "/wrapped/{code}"
            sequence:
              - call: {endpoint: backend_status, responseVariable: r}
              - payload:
                  json:
                    got: "${vars.r.attributes.statusCode}"
                    from: "${vars.r.payload.from}"
                    backendType: '${vars.r.headers["Content-Type"]}'
                    original: "${payload}"
          - methods: [GET]
            uriTemplate: "/route/{route}"
            sequence:
              - call: {endpoint: backend_route}
              - header: {name: X-After-Call, value: "set-${params.pathParams.route}"}
          - methods: [GET]
            uriTemplate: "/slow/{ms}"
            sequence:
              - call: {endpoint: backend_slow}
          - methods: [GET]
            uriTemplate: "/slow-handled/{ms}"
            sequence:
              - call: {endpoint: backend_slow}
            onError:
              - payload: {json: {fallback: true, code: "${error.code}"}}
              - respond: {status: 200}
          - methods: [GET]
            uriTemplate: "/big"
            sequence:
              - call: {endpoint: backend_big}
          - methods: [GET]
            uriTemplate: "/close-mid"
            sequence:
              - call: {endpoint: backend_close_mid}
          - methods: [POST]
            uriTemplate: "/close-mid"
            sequence:
              - call: {endpoint: backend_close_mid_post}
          - methods: [GET]
            uriTemplate: "/refused"
            sequence:
              - call: {endpoint: refused_once}
          - methods: [GET]
            uriTemplate: "/refused-retry"
            sequence:
              - call: {endpoint: refused_get}
          - methods: [GET]
            uriTemplate: "/suspend"
            sequence:
              - call: {endpoint: refused_suspend}
          - methods: [GET]
            uriTemplate: "/dynamic"
            sequence:
              - call: {endpoint: dynamic_target}
          - methods: [POST]
            uriTemplate: "/inline"
            sequence:
              - call:
                  endpoint:
                    url: "${configs.backendUrl}/echo/inline?tag=${payload.tag}"
                    method: PUT
                    headers: {X-Inline: "yes-${payload.tag}"}
    """,
    "apis/ops.yaml": """
        kind: api
        name: ops
        context: /ops
        resources:
          - methods: [GET]
            uriTemplate: "/fail"
            sequence:
              - throwError: {code: broken_thing, status: 422, message: "it broke"}
          - methods: [GET]
            uriTemplate: "/fail-own"
            sequence:
              - throwError: {code: broken_thing, status: 422, message: "it broke"}
            onError:
              - payload: {json: {handledBy: resource, code: "${error.code}"}}
        onError:
          - payload: {json: {handledBy: api, code: "${error.code}", status: "${error.status}"}}
    """,
    "apis/misc.yaml": """
        kind: api
        name: misc
        context: /misc
        resources:
          - methods: [GET]
            sequence:
              - payload: {json: {r: star}}
    """,
    "ping.yaml": """
        name: ping
        sequence:
          - payload: {json: {pong: true}}
    """,
}


def write_artifacts(directory, files):
    for name, text in files.items():
        path = os.path.join(directory, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text).lstrip())


class FakeBackendAddress:
    """What gateway_yaml reads of a Backend, for a config that nothing calls."""

    def __init__(self, url, port):
        self.url, self.port = url, port


def gateway_yaml(backend, refused, suspend):
    return textwrap.dedent(f"""\
        configs:
          backendUrl: "{backend.url}"
          backendPort: "{backend.port}"
          refusedUrl: "http://127.0.0.1:{refused}"
          suspendUrl: "http://127.0.0.1:{suspend}"
          region: eu-1
        upstream:
          maxResponseBytes: 1048576
          retry: {{maxAttempts: 1}}
          suspendOnFailure: {{failures: 0}}
        """)


# --- helpers -------------------------------------------------------------------------------

def send(gw, method, path, body=None, headers=None, conn=None, timeout=30):
    """One request with exactly these headers (no default Content-Type, unlike
    Gateway.request); a dict or list body is sent as JSON text."""
    own = conn is None
    conn = conn or gw.connection(timeout)
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    raw = resp.read()
    if own:
        conn.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return Response(resp.status, dict(resp.getheaders()), raw, parsed)


def header(resp, name):
    """A response header, case-insensitively (None when absent)."""
    for k, v in resp.headers.items():
        if k.lower() == name.lower():
            return v
    return None


def allow_set(resp):
    value = header(resp, "Allow")
    return None if value is None else {m.strip() for m in value.split(",")}


_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def metric(series, name, **labels):
    """The sum of the series of `name` whose labels include `labels` (in any order); None
    when none matches."""
    total = None
    for key, value in series.items():
        base, _, rest = key.partition("{")
        if base != name:
            continue
        got = dict(_LABEL.findall(rest))
        if all(got.get(k) == v for k, v in labels.items()):
            total = (total or 0) + value
    return total


def line_of(text, needle):
    """The 1-based line of the dedented `text` that first contains `needle`."""
    for n, line in enumerate(textwrap.dedent(text).lstrip().splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in the test's own YAML")


class ApiCase(EnvelopeAssertions, unittest.TestCase):
    """One backend, two closed ports and one gateway for the class; the backend's request
    log is cleared before each test."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="flowgate-apis-")
        write_artifacts(cls.dir, ARTIFACTS)
        cls.backend = Backend()
        cls.refused_port = closed_port()
        cls.suspend_port = closed_port()
        try:
            cls.gateway = Gateway(gateway_yaml(cls.backend, cls.refused_port, cls.suspend_port),
                                  proxies=cls.dir)
        except BaseException:
            cls.backend.stop()
            shutil.rmtree(cls.dir, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.backend.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.backend.reset()

    def get(self, path, **kw):
        return send(self.gateway, "GET", path, **kw)

    def only_request(self):
        """The one request the backend received for this test."""
        reqs = self.backend.wait_for_requests(1)
        self.assertEqual(len(reqs), 1, reqs)
        return reqs[0]

    def assertNoBackendRequest(self):
        self.assertEqual(self.backend.requests, [])

    def assertFramedByTheGateway(self, req):
        """The body's framing is the gateway's own: a Content-Length that counts what was
        sent (never the client's), or chunked."""
        lengths = req.header_values("Content-Length")
        if lengths:
            self.assertEqual(lengths, [str(len(req.body))])
        else:
            self.assertEqual(req.header_values("Transfer-Encoding"), ["chunked"])


# --- dispatch ------------------------------------------------------------------------------

class Dispatch(ApiCase):
    def test_a_call_answer_becomes_the_clients_answer(self):
        r = self.get("/shop/items/1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(header(r, "Content-Type"), "application/json")
        self.assertEqual((r.json["method"], r.json["path"]), ("GET", "/echo/1"))
        req = self.only_request()
        self.assertEqual((req.method, req.path), ("GET", "/echo/1"))

    def test_a_path_param_is_percent_encoded_into_the_endpoint_url(self):
        for sent, expected in (("a%20b%2Fc", "a%20b%2Fc"),        # "a b/c"
                               ("caf%C3%A9", "caf%C3%A9"),        # "café"
                               ("a-b.c_d~e", "a-b.c_d~e"),        # unreserved: untouched
                               ("!*'()", "%21%2A%27%28%29"),      # reserved: encoded
                               ("x%3Fy%23z%26", "x%3Fy%23z%26")):  # "x?y#z&": no injection
            with self.subTest(id=sent):
                self.backend.reset()
                r = self.get(f"/shop/items/{sent}")
                self.assertEqual(r.status, 200, r)
                req = self.only_request()
                self.assertEqual(req.path, f"/echo/{expected}")
                self.assertEqual(req.query, "q=")

    def test_a_query_param_is_decoded_once_and_re_encoded(self):
        for sent, expected in (("x+y%26z%3D1", "x%20y%26z%3D1"),   # '+' is a space
                               ("%2541", "%2541"),                 # decoded once: "%41"
                               ("a%2Bb", "a%2Bb")):                # a real plus
            with self.subTest(q=sent):
                self.backend.reset()
                r = self.get(f"/shop/items/7?q={sent}")
                self.assertEqual(r.status, 200, r)
                req = self.only_request()
                self.assertEqual((req.path, req.query), ("/echo/7", f"q={expected}"))

    def test_an_absent_query_param_is_empty_text_in_the_url(self):
        self.assertEqual(self.get("/shop/items/3").status, 200)
        self.assertEqual(self.only_request().query, "q=")

    def test_a_literal_segment_beats_a_variable(self):
        r = self.get("/shop/items/special")
        self.assertEqual((r.status, r.json), (200, {"r": "special"}))
        self.assertNoBackendRequest()

    def test_exact_mapping_then_template_then_prefix(self):
        for path, want in (("/shop/files/exact", {"r": "files-exact"}),
                           ("/shop/files/abc", {"r": "files-template", "name": "abc"}),
                           ("/shop/files/a%20b", {"r": "files-template", "name": "a b"}),
                           ("/shop/files/a/b/c", {"r": "files-prefix"})):
            with self.subTest(path=path):
                r = self.get(path)
                self.assertEqual((r.status, r.json), (200, want))

    def test_an_extension_mapping_serves_what_nothing_else_matches(self):
        r = self.get("/shop/reports/q1.json")
        self.assertEqual((r.status, r.json), (200, {"r": "json-suffix"}))

    def test_a_query_template_matches_only_with_its_parameter(self):
        r = self.get("/shop/search?q=books+and%20more")
        self.assertEqual((r.status, r.json), (200, {"r": "search", "q": "books and more"}))
        for path in ("/shop/search", "/shop/search?other=1"):
            with self.subTest(path=path):
                self.assertError(self.get(path), 404, "not_found")

    def test_a_trailing_slash_and_double_slashes_are_ignored(self):
        for path in ("/shop/items/1/", "/shop//items//1", "//shop/items/1"):
            with self.subTest(path=path):
                self.backend.reset()
                r = self.get(path)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(self.only_request().path, "/echo/1")

    def test_a_malformed_escape_is_400(self):
        for path in ("/shop/items/%zz", "/shop/items/%4", "/shop/items/%", "/shop/items/1?q=%g1"):
            with self.subTest(path=path):
                self.assertError(self.get(path), 400, "bad_request")
        self.assertNoBackendRequest()

    def test_a_dot_segment_is_400(self):
        # %2E%2E decodes to "..", which RFC 6570 would re-insert unencoded ('.' is
        # unreserved): a path traversal on the backend unless refused like a plain "..".
        for path in ("/shop/./items/1", "/shop/items/..", "/shop/items/1/.",
                     "/shop/x/../items/1", "/shop/items/%2E%2E", "/shop/items/%2e"):
            with self.subTest(path=path):
                self.assertError(self.get(path), 400, "bad_request")
        self.assertNoBackendRequest()

    def test_no_resource_for_the_path_is_404(self):
        for path in ("/shop/nothing", "/shop/items/1/extra", "/shopping/items/1", "/shop",
                     "/nowhere"):
            with self.subTest(path=path):
                self.assertError(self.get(path), 404, "not_found")
        self.assertNoBackendRequest()

    def test_a_wrong_method_is_405_with_allow(self):
        for method, path, allow in (("POST", "/shop/items/1", {"GET", "HEAD", "OPTIONS"}),
                                    ("DELETE", "/shop/items/1", {"GET", "HEAD", "OPTIONS"}),
                                    ("GET", "/shop/things/1",
                                     {"PUT", "PATCH", "DELETE", "OPTIONS"})):
            with self.subTest(method=method, path=path):
                r = send(self.gateway, method, path, body=b"{}" if method == "POST" else None,
                         headers={"Content-Type": "application/json"})
                self.assertError(r, 405, "method_not_allowed")
                self.assertEqual(allow_set(r), allow)
        self.assertNoBackendRequest()

    def test_options_without_an_options_resource_is_204_with_allow(self):
        r = send(self.gateway, "OPTIONS", "/shop/items/1")
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.raw, b"")
        self.assertEqual(allow_set(r), {"GET", "HEAD", "OPTIONS"})
        self.assertNoBackendRequest()

    def test_head_is_served_by_the_get_resource_without_a_body(self):
        r = send(self.gateway, "HEAD", "/shop/items/5")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.raw, b"")
        self.assertEqual(header(r, "Content-Type"), "application/json")
        req = self.only_request()
        self.assertEqual((req.method, req.path), ("GET", "/echo/5"))  # the endpoint's method

    def test_a_resource_without_template_or_mapping_serves_the_whole_context(self):
        for path in ("/misc/any/thing", "/misc/x"):
            with self.subTest(path=path):
                r = self.get(path)
                self.assertEqual((r.status, r.json), (200, {"r": "star"}))

    def test_proxies_are_still_served_beside_apis(self):
        r = self.gateway.post("ping", {})
        self.assertEqual((r.status, r.json), (200, {"pong": True}))

    def test_configs_are_read_in_a_flow(self):
        r = self.get("/shop/config")
        self.assertEqual((r.status, r.json), (200, {"region": "eu-1"}))


# --- request bodies ------------------------------------------------------------------------

class RequestBody(ApiCase):
    def post_items(self, body, content_type="application/json", extra=None):
        headers = {} if content_type is None else {"Content-Type": content_type}
        headers.update(extra or {})
        return send(self.gateway, "POST", "/shop/items", body=body, headers=headers)

    def test_a_json_body_is_sent_on_as_json(self):
        text = '{ "a" : [1, 2],\n  "b": "x" }'
        r = self.post_items(text)
        self.assertEqual(r.status, 200, r)
        req = self.only_request()
        self.assertEqual((req.method, req.path), ("POST", "/echo/any"))  # the incoming method
        # Nothing in the flow read it: the body goes on byte for byte, never re-serialized.
        self.assertEqual(req.body, text.encode())
        self.assertEqual(req.header_values("Content-Type"), ["application/json"])
        self.assertFramedByTheGateway(req)

    def test_any_json_value_is_a_payload(self):
        for value in ([1, "two", None], 42, "text", True):
            with self.subTest(value=value):
                self.backend.reset()
                r = self.post_items(json.dumps(value))
                self.assertEqual(r.status, 200, r)
                self.assertEqual(json.loads(self.only_request().body), value)

    def test_a_plus_json_media_type_with_parameters_is_json(self):
        for ctype in ("application/merge-patch+json; charset=utf-8",
                      "application/vnd.api+json", "Application/JSON; charset=UTF-8"):
            with self.subTest(ctype=ctype):
                self.backend.reset()
                r = self.post_items('{"k": "v"}', ctype)
                self.assertEqual(r.status, 200, r)
                req = self.only_request()
                self.assertEqual(json.loads(req.body), {"k": "v"})
                # Passed on unread: with its own media type (a merge patch stays one).
                self.assertEqual(req.header_values("Content-Type"), [ctype])

    def test_invalid_json_is_400(self):
        for text in ('{"a":', "[1,", "nope"):
            with self.subTest(text=text):
                self.assertError(self.post_items(text), 400, "invalid_json")
        self.assertNoBackendRequest()
        # Not "the document is empty": the body is there, its first byte is wrong.
        err = self.assertError(self.post_items(","), 400, "invalid_json")
        self.assertIn("Invalid value. (at byte 0)", err["message"])

    def test_an_empty_body_is_a_null_payload_and_sends_no_body(self):
        r = self.post_items(b"")
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json["body"])
        req = self.only_request()
        self.assertEqual(req.body, b"")
        self.assertIn(req.header("Content-Length"), (None, "0"))
        self.assertIsNone(req.header("Transfer-Encoding"))

    def test_a_body_without_content_type_is_parsed_as_json(self):
        r = self.post_items('{"b": 2}', content_type=None)
        self.assertEqual(r.status, 200, r)
        req = self.only_request()
        self.assertEqual(json.loads(req.body), {"b": 2})
        self.assertEqual(req.header_values("Content-Type"), ["application/json"])
        self.assertError(self.post_items("a,b", content_type=None), 400, "invalid_json")

    def test_another_media_type_is_415(self):
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "image/png"):
            with self.subTest(ctype=ctype):
                self.assertError(self.post_items("a=1", ctype), 415, "unsupported_media_type")
        self.assertNoBackendRequest()

    def test_an_xml_body_is_parsed_as_xml(self):
        # XML media types make an XML payload (test_xml.py has the rest): checked first.
        for ctype in ("application/xml", "text/xml; charset=utf-8", "application/soap+xml"):
            with self.subTest(ctype=ctype):
                self.assertError(self.post_items("a=1", ctype), 400, "invalid_xml")
        self.assertNoBackendRequest()

    def test_an_accepted_text_type_is_passed_on_untouched(self):
        csv = b'id,name\r\n1,"Ada, Countess"\n2,{"not":"json"}\n'
        r = self.post_items(csv, "text/csv")
        self.assertEqual(r.status, 200, r)
        req = self.only_request()
        self.assertEqual(req.body, csv)
        self.assertEqual(req.header_values("Content-Type"), ["text/csv"])

    def test_a_get_call_sends_no_body(self):
        r = send(self.gateway, "GET", "/shop/items/9", body='{"x": 1}',
                 headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r)
        req = self.only_request()
        self.assertEqual(req.body, b"")
        self.assertIn(req.header("Content-Length"), (None, "0"))

    def test_the_default_method_is_the_incoming_one(self):
        for method in ("PUT", "PATCH", "DELETE"):
            with self.subTest(method=method):
                self.backend.reset()
                r = send(self.gateway, method, "/shop/things/7", body='{"m": 1}',
                         headers={"Content-Type": "application/json"})
                self.assertEqual(r.status, 200, r)
                req = self.only_request()
                self.assertEqual((req.method, req.path), (method, "/echo/any"))
                self.assertEqual(json.loads(req.body), {"m": 1})

    def test_an_inline_endpoint_is_called(self):
        r = send(self.gateway, "POST", "/shop/inline", body='{"tag": "a+b"}',
                 headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r)
        req = self.only_request()
        self.assertEqual((req.method, req.path, req.query), ("PUT", "/echo/inline", "tag=a%2Bb"))
        self.assertEqual(req.header("X-Inline"), "yes-a+b")
        self.assertEqual(json.loads(req.body), {"tag": "a+b"})


# --- headers -------------------------------------------------------------------------------

class Headers(ApiCase):
    HOP = {"Connection": "keep-alive, X-Conn-Named", "X-Conn-Named": "1",
           "Keep-Alive": "timeout=9", "TE": "trailers", "Upgrade": "websocket",
           "Proxy-Authorization": "Basic Zm9vOmJhcg==", "Proxy-Connection": "keep-alive",
           "Accept-Encoding": "gzip", "Expect": "100-continue"}

    def test_a_call_sends_client_headers_minus_hop_by_hop_and_framing(self):
        body = '{ "a" : 1 }'
        headers = dict(self.HOP, **{"Content-Type": "application/json", "X-Custom": "kept",
                                    "X-Request-ID": "api-hdr-1"})
        r = send(self.gateway, "POST", "/shop/items", body=body, headers=headers)
        self.assertEqual(r.status, 200, r)
        req = self.only_request()
        self.assertEqual(req.header("X-Custom"), "kept")
        for name in ("X-Conn-Named", "Keep-Alive", "TE", "Upgrade", "Proxy-Authorization",
                     "Proxy-Connection", "Accept-Encoding", "Expect"):
            self.assertEqual(req.header_values(name), [], name)
        for value in req.header_values("Connection"):
            self.assertNotIn("x-conn-named", value.lower())
        self.assertEqual(req.header_values("Host"), [f"127.0.0.1:{self.backend.port}"])
        self.assertFramedByTheGateway(req)  # the client's said 11 bytes
        self.assertEqual(json.loads(req.body), {"a": 1})
        self.assertEqual(req.header_values("X-Request-ID"), ["api-hdr-1"])

    def test_endpoint_headers_replace_client_ones(self):
        r = self.get("/shop/items/1", headers={"X-Api-Key": "from-the-client"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.only_request().header_values("X-Api-Key"), ["k-acme"])

    def test_the_request_id_and_traceparent_reach_the_backend(self):
        r = self.get("/shop/items/1")
        self.assertEqual(r.status, 200, r)
        req = self.only_request()
        self.assertEqual(req.header_values("X-Request-ID"), [header(r, "X-Request-ID")])
        self.assertRegex(req.header("traceparent") or "", TRACEPARENT)
        # A client's trace is continued: its trace id, the gateway's own span id.
        self.backend.reset()
        r = self.get("/shop/items/2", headers={"traceparent": CLIENT_TRACEPARENT})
        self.assertEqual(r.status, 200, r)
        m = TRACEPARENT.match(self.only_request().header("traceparent") or "")
        self.assertIsNotNone(m)
        self.assertEqual(m.group(1), CLIENT_TRACE_ID)
        self.assertNotEqual(m.group(2), "00f067aa0ba902b7")

    def test_answer_headers_reach_the_client_minus_hop_by_hop(self):
        r = self.get("/shop/route/hop")
        self.assertEqual((r.status, r.json), (200, {"ok": True}))
        self.assertEqual(header(r, "X-Backend"), "yes")
        self.assertEqual(header(r, "X-After-Call"), "set-hop")  # a header step after the call
        for name in ("X-Hop-Secret", "Keep-Alive", "Proxy-Authenticate", "Trailer", "Upgrade"):
            self.assertIsNone(header(r, name), name)
        self.assertNotIn("x-hop-secret", (header(r, "Connection") or "").lower())

    def test_a_repeated_answer_header_reaches_the_client_each_time(self):
        conn = self.gateway.connection()
        try:
            conn.request("GET", "/shop/route/hop")
            resp = conn.getresponse()
            resp.read()
            cookies = [v for k, v in resp.getheaders() if k.lower() == "set-cookie"]
        finally:
            conn.close()
        self.assertEqual(resp.status, 200)
        self.assertEqual(cookies, ["a=1; Path=/", "b=2; Path=/"])

    def test_client_request_headers_never_reach_the_response(self):
        for path in ("/shop/items/1", "/shop/route/hop", "/shop/status/404"):
            with self.subTest(path=path):
                r = self.get(path, headers={"X-Client-Only": "1"})
                self.assertIn(r.status, (200, 404), r)
                self.assertIsNone(header(r, "X-Client-Only"))


# --- answers -------------------------------------------------------------------------------

class Answers(ApiCase):
    def test_a_backend_error_status_is_an_answer_not_an_envelope(self):
        for code in (404, 500, 503, 201, 409):
            with self.subTest(code=code):
                r = self.get(f"/shop/status/{code}")
                self.assertEqual(r.status, code, r)
                self.assertEqual(r.json, {"status": code, "from": "backend"})
                self.assertNotIn("error", r.json)

    def test_a_204_answer_has_an_empty_body(self):
        r = self.get("/shop/status/204")
        self.assertEqual((r.status, r.raw), (204, b""))

    def test_an_empty_answer_gives_an_empty_body(self):
        r = self.get("/shop/route/empty")
        self.assertEqual((r.status, r.raw), (200, b""))
        self.assertIn(header(r, "Content-Length"), (None, "0"))

    def test_a_text_answer_is_passed_back_untouched(self):
        r = self.get("/shop/route/text")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.raw, TEXT_BODY)
        self.assertEqual(header(r, "Content-Type"), TEXT_TYPE)

    def test_invalid_json_from_the_backend_is_502(self):
        self.assertError(self.get("/shop/route/json-bad"), 502, "bad_upstream_response")

    def test_a_response_variable_leaves_the_message_unchanged(self):
        r = send(self.gateway, "POST", "/shop/wrapped/404", body='{"order": 7}',
                 headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r)  # not the call's 404
        self.assertEqual(r.json, {"got": 404, "from": "backend",
                                  "backendType": "application/json", "original": {"order": 7}})
        self.assertEqual(self.only_request().path, "/status/404")


# --- call failures -------------------------------------------------------------------------

class CallFailures(ApiCase):
    def test_connection_refused_is_502_upstream_unavailable(self):
        r = self.get("/shop/refused")
        self.assertError(r, 502, "upstream_unavailable")
        # An API's envelope names the API and the resource, not a proxy.
        error = r.json["error"]
        self.assertEqual((error.get("api"), error.get("step")), ("shop", "call"))
        self.assertNotIn("proxy", error)
        self.assertIn("resource", error)

    def test_a_timeout_is_504_upstream_timeout(self):
        # 20 s at the backend: only the endpoint's 300ms requestTimeout answers in time.
        self.assertError(self.get("/shop/slow/20000"), 504, "upstream_timeout")
        self.assertEqual(self.only_request().path, "/slow/20000")

    def test_on_error_answers_a_timeout(self):
        r = self.get("/shop/slow-handled/20000")
        self.assertEqual((r.status, r.json), (200, {"fallback": True, "code": "upstream_timeout"}))

    def test_an_answer_over_max_response_bytes_is_502(self):
        err = self.assertError(self.get("/shop/big"), 502, "bad_upstream_response")
        self.assertIn("maxResponseBytes", err["message"])
        self.assertEqual(self.get("/shop/items/1").status, 200)

    def test_a_truncated_answer_is_502_and_the_gateway_keeps_serving(self):
        self.assertError(self.get("/shop/close-mid"), 502, "bad_upstream_response")
        self.assertEqual([q.path for q in self.backend.requests], ["/close-mid"])
        r = self.get("/shop/items/1")
        self.assertEqual((r.status, r.json["path"]), (200, "/echo/1"))

    def test_an_upstream_is_suspended_after_consecutive_failures(self):
        self.assertError(self.get("/shop/suspend"), 502, "upstream_unavailable")
        self.assertError(self.get("/shop/suspend"), 502, "upstream_unavailable")
        self.assertError(self.get("/shop/suspend"), 503, "upstream_suspended")
        gauge = f'flowgate_upstream_suspended{{upstream="http://127.0.0.1:{self.suspend_port}"}}'
        self.assertEqual(self.gateway.metrics().get(gauge), 1)

    def test_a_refused_get_is_retried(self):
        labels = {"connector": "endpoint", "operation": "refused_get"}
        before = metric(self.gateway.metrics(), "flowgate_upstream_retries_total", **labels) or 0
        self.assertError(self.get("/shop/refused-retry"), 502, "upstream_unavailable")
        self.assertEqual(
            metric(self.gateway.metrics(), "flowgate_upstream_retries_total", **labels), before + 1)

    def test_a_post_is_not_retried_after_sending(self):
        labels = {"connector": "endpoint", "operation": "backend_close_mid_post"}
        before = metric(self.gateway.metrics(), "flowgate_upstream_retries_total", **labels) or 0
        r = send(self.gateway, "POST", "/shop/close-mid", body='{"pay": 1}',
                 headers={"Content-Type": "application/json"})
        self.assertError(r, 502, "bad_upstream_response")
        reqs = [q for q in self.backend.requests if q.path == "/close-mid"]
        self.assertEqual([q.method for q in reqs], ["POST"])
        self.assertEqual(
            metric(self.gateway.metrics(), "flowgate_upstream_retries_total", **labels) or 0,
            before)


class HostsFromRequests(ApiCase):
    def test_a_request_time_host_must_be_allowed(self):
        r = self.get("/shop/dynamic", headers={"X-Target-Host": "127.0.0.1"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.only_request().path, "/echo/dynamic")
        for host in ("localhost", "127.0.0.2", "169.254.169.254", "10.0.0.1", "blocked.invalid"):
            with self.subTest(host=host):
                r = self.get("/shop/dynamic", headers={"X-Target-Host": host})
                self.assertError(r, 403, "upstream_not_allowed")
        self.assertEqual(len(self.backend.requests), 1)

    def test_a_host_expression_cannot_smuggle_another_authority(self):
        for host in ("127.0.0.1@169.254.169.254", "169.254.169.254#", "127.0.0.1:1@10.0.0.1"):
            with self.subTest(host=host):
                r = self.get("/shop/dynamic", headers={"X-Target-Host": host})
                self.assertIn(r.status, (400, 403), r)
                self.assertEqual((r.json or {}).get("error", {}).get("status"), r.status, r)
        self.assertNoBackendRequest()


# --- the pool, metrics, the access log -----------------------------------------------------

class Observability(ApiCase):
    def test_sequential_calls_reuse_backend_connections(self):
        accepted = self.backend.connections_accepted
        conn = self.gateway.connection()
        self.addCleanup(conn.close)
        for i in range(20):
            r = send(self.gateway, "GET", f"/shop/items/{i}", conn=conn)
            self.assertEqual(r.status, 200, r)
        reqs = self.backend.wait_for_requests(20)
        self.assertEqual(len(reqs), 20)
        self.assertLessEqual(len({q.client_port for q in reqs}), 2, [q.client_port for q in reqs])
        self.assertLessEqual(self.backend.connections_accepted - accepted, 2)

    def test_api_requests_are_counted_by_api_resource_and_status(self):
        name = "flowgate_api_requests_total"
        cases = [("/shop/items/1", {"api": "shop", "resource": "/items/{id}", "status": "200"}),
                 ("/shop/items/2", {"api": "shop", "resource": "/items/{id}", "status": "200"}),
                 ("/shop/files/a/b", {"api": "shop", "resource": "/files/*", "status": "200"}),
                 ("/shop/status/404",
                  {"api": "shop", "resource": "/status/{code}", "status": "404"}),
                 ("/misc/x/y", {"api": "misc", "resource": "*", "status": "200"})]
        before = self.gateway.metrics()
        for path, _ in cases:
            self.get(path)
        after = self.gateway.metrics()
        expected = {}
        for _, labels in cases:
            key = tuple(sorted(labels.items()))
            expected[key] = expected.get(key, 0) + 1
        for key, n in expected.items():
            labels = dict(key)
            with self.subTest(**labels):
                self.assertEqual(metric(after, name, **labels), (metric(before, name, **labels)
                                                                 or 0) + n)
        raw = [k for k in after if "/shop/" in k or "/items/1" in k or "/misc/x" in k]
        self.assertEqual(raw, [], "a raw path in a metric label")

    def test_endpoint_calls_are_counted_as_upstream_requests(self):
        name = "flowgate_upstream_requests_total"
        labels = {"connector": "endpoint", "operation": "backend_echo", "status": "200"}
        before = metric(self.gateway.metrics(), name, **labels) or 0
        for i in range(2):
            self.assertEqual(self.get(f"/shop/items/{i}").status, 200)
        self.assertEqual(metric(self.gateway.metrics(), name, **labels), before + 2)
        labels = {"connector": "endpoint", "operation": "backend_status", "status": "500"}
        before = metric(self.gateway.metrics(), name, **labels) or 0
        self.assertEqual(self.get("/shop/status/500").status, 500)
        self.assertEqual(metric(self.gateway.metrics(), name, **labels), before + 1)

    def test_the_access_line_names_the_api_and_resource(self):
        r = self.get("/shop/items/42", headers={"X-Request-ID": "api-access-1"})
        self.assertEqual(r.status, 200, r)
        line = self.gateway.process.wait_for(r"access requestId=api-access-1 .*").group(0)
        self.assertIn("/items/{id}", line)
        self.assertRegex(line, r"(?<![/\w])shop\b")  # the API's name, not only the path
        self.assertIn("status=200", line)


class OnError(ApiCase):
    def test_the_api_wide_on_error_handles_a_resource_without_one(self):
        r = self.get("/ops/fail")
        self.assertEqual(r.status, 422, r)  # the error's status, kept by the handler
        self.assertEqual(r.json, {"handledBy": "api", "code": "broken_thing", "status": 422})

    def test_a_resource_on_error_wins_over_the_api_wide_one(self):
        r = self.get("/ops/fail-own")
        self.assertEqual((r.status, r.json),
                         (422, {"handledBy": "resource", "code": "broken_thing"}))


# --- flowgate check ------------------------------------------------------------------------

CHECK_CONFIG = 'configs:\n  backendUrl: "http://127.0.0.1:9"\n'
ECHO_ENDPOINT = """
    kind: endpoint
    name: echo
    url: "${configs.backendUrl}/echo"
"""
API_A = """
    kind: api
    name: a
    context: /a
    resources:
      - methods: [GET]
        uriTemplate: "/x"
        sequence:
          - call: {endpoint: echo}
"""
API_B = """
    kind: api
    name: b
    context: /a/b
    resources:
      - methods: [GET]
        uriTemplate: "/y"
        sequence:
          - payload: {json: {b: true}}
"""
TWO_TEMPLATES = """
    kind: api
    name: a
    context: /a
    resources:
      - methods: [GET]
        uriTemplate: "/{id}"
        sequence:
          - payload: {json: {r: 1}}
      - methods: [%s]
        uriTemplate: "/{key}"
        sequence:
          - payload: {json: {r: 2}}
"""
UNKNOWN_CALL = """
    kind: api
    name: a
    context: /a
    resources:
      - methods: [GET]
        uriTemplate: "/x"
        sequence:
          - log: {message: before}
          - call: {endpoint: nope_endpoint}
"""
DYNAMIC_NO_LIST = """
    kind: endpoint
    name: dyn
    url: 'http://${headers["X-Target"]}/echo'
"""
_PROBLEM = re.compile(r"^(.+?):(\d+):(\d+): (.*)$")


class Check(unittest.TestCase):
    """`flowgate check` refuses each mistake with FILE:LINE:COL at the mistake, and only
    the mistake: every other file of the set is valid."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="flowgate-apis-check-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.config = os.path.join(self.dir, "gateway.yaml")
        with open(self.config, "w") as f:
            f.write(CHECK_CONFIG)
        self.proxies = os.path.join(self.dir, "proxies")
        os.makedirs(self.proxies)

    def check(self, files, config=None):
        write_artifacts(self.proxies, files)
        return subprocess.run([FLOWGATE, "check", "--config", config or self.config,
                               "--proxies", self.proxies],
                              capture_output=True, text=True, timeout=30)

    def assertRefused(self, files, where, words):
        """Exit 1; every problem line is at one of `where` ({(file, line)}) and contains
        each of `words`."""
        r = self.check(files)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        problems = [m for m in map(_PROBLEM.match, r.stderr.splitlines()) if m]
        self.assertTrue(problems, r.stderr)
        allowed = {(os.path.join(self.proxies, f), line) for f, line in where}
        for m in problems:
            self.assertIn((m.group(1), int(m.group(2))), allowed, r.stderr)
            for word in words:
                self.assertIn(word, m.group(4), r.stderr)
        return problems

    def test_the_test_artifacts_pass_check(self):
        config = os.path.join(self.dir, "full.yaml")
        with open(config, "w") as f:  # check makes no call: any URLs do
            f.write(gateway_yaml(FakeBackendAddress("http://127.0.0.1:9", 9), 10, 11))
        r = self.check(ARTIFACTS, config)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("OK", r.stdout)

    def test_a_host_from_configs_needs_no_allowed_hosts(self):
        r = self.check({"echo.yaml": ECHO_ENDPOINT, "a.yaml": API_A})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_one_template_with_two_methods_passes_check(self):
        r = self.check({"api.yaml": TWO_TEMPLATES % "DELETE"})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_overlapping_contexts_are_refused(self):
        self.assertRefused({"echo.yaml": ECHO_ENDPOINT, "a.yaml": API_A, "b.yaml": API_B},
                           {("a.yaml", line_of(API_A, "context:")),
                            ("b.yaml", line_of(API_B, "context:"))}, ["/a"])

    def test_a_context_under_services_is_refused(self):
        for context in ("/services", "/services/a"):
            with self.subTest(context=context):
                text = API_A.replace("context: /a", f"context: {context}")
                self.assertRefused({"echo.yaml": ECHO_ENDPOINT, "a.yaml": text},
                                   {("a.yaml", line_of(text, "context:"))}, ["/services"])

    def test_equivalent_templates_with_one_method_are_refused(self):
        text = TWO_TEMPLATES % "GET"
        second = line_of(text, "r: 2") - 3  # the second resource's "- methods:" line
        self.assertRefused({"api.yaml": text},
                           {("api.yaml", second), ("api.yaml", second + 1)}, ["{"])

    def test_a_call_to_an_unknown_endpoint_is_refused(self):
        self.assertRefused({"echo.yaml": ECHO_ENDPOINT, "a.yaml": UNKNOWN_CALL},
                           {("a.yaml", line_of(UNKNOWN_CALL, "nope_endpoint"))},
                           ["nope_endpoint"])

    def test_a_request_time_host_needs_allowed_hosts(self):
        self.assertRefused({"dyn.yaml": DYNAMIC_NO_LIST},
                           {("dyn.yaml", line_of(DYNAMIC_NO_LIST, "url:"))}, ["allowedHosts"])

    def test_unknown_keys_are_refused(self):
        api_key = API_A + "    colour: red\n"
        endpoint_key = ECHO_ENDPOINT + "    colour: red\n"
        resource_key = API_A.replace('uriTemplate: "/x"', 'uriTemplate: "/x"\n        colour: red')
        for what, files, where in (
                ("api", {"echo.yaml": ECHO_ENDPOINT, "a.yaml": api_key},
                 ("a.yaml", line_of(api_key, "colour"))),
                ("endpoint", {"echo.yaml": endpoint_key, "a.yaml": API_A},
                 ("echo.yaml", line_of(endpoint_key, "colour"))),
                ("resource", {"echo.yaml": ECHO_ENDPOINT, "a.yaml": resource_key},
                 ("a.yaml", line_of(resource_key, "colour")))):
            with self.subTest(what=what):
                shutil.rmtree(self.proxies)
                os.makedirs(self.proxies)
                self.assertRefused(files, {where}, ["colour"])


# --- the shipped example: proxies/examples/customers_api.yaml ------------------------------

class CustomersExample(EnvelopeAssertions, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()
        config = (f'configs:\n  customersUrl: "{cls.fake.url}"\n'
                  f'  calculatorUrl: "{cls.fake.url}/calculator.asmx"\n' + gateway_config(cls.fake))
        try:
            cls.gateway = Gateway(config)  # the real proxies/ dir, examples included
        except BaseException:
            cls.fake.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        cls.fake.stop()

    def setUp(self):
        self.fake.reset()

    def assertReachedTheFake(self):
        """The answer came through the example's call (not a gateway 404 for a missing API)."""
        self.assertGreaterEqual(self.fake.stats()["customersRequests"], 1)

    def test_get_a_customer_answers_its_reshaped_json(self):
        r = send(self.gateway, "GET", "/customers/1")
        self.assertEqual(r.status, 200, r)
        self.assertIsInstance(r.json, dict, r)
        values = [str(v) for v in r.json.values()]
        self.assertIn("1", values, r.json)
        self.assertIn("Ada Lovelace", values, r.json)
        self.assertReachedTheFake()

    def test_an_unknown_customer_is_404(self):
        r = send(self.gateway, "GET", "/customers/999")
        self.assertEqual(r.status, 404, r)
        self.assertReachedTheFake()

    def test_creating_a_customer_is_201(self):
        r = send(self.gateway, "POST", "/customers",
                 body={"name": "Grace Hopper", "email": "grace@example.com"},
                 headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 201, r)
        self.assertReachedTheFake()

    def test_a_create_without_email_is_422_passed_through(self):
        r = send(self.gateway, "POST", "/customers", body={"name": "Grace Hopper"},
                 headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 422, r)
        self.assertReachedTheFake()

    def test_a_slow_backend_is_answered_by_the_examples_on_error(self):
        self.fake.configure(customersDelayMs=10000)
        r = send(self.gateway, "GET", "/customers/1")
        self.assertEqual(r.status, 504, r)
        self.assertIsNotNone(r.json, r)
        self.assertIn("upstream_timeout", r.raw.decode())
        self.assertReachedTheFake()


class ThousandApis(EnvelopeAssertions, unittest.TestCase):
    """1,000 generated APIs (3 resources each) load, pass check and route exactly: the router
    finds a context by path segments, whatever the number of APIs (bench/RESULTS.md has its
    instruction counts at 1 and 1,000 APIs)."""

    COUNT = 1000

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="flowgate-apis-1000-")
        files = {}
        for i in range(cls.COUNT):
            files[f"api{i:04d}.yaml"] = f"""
                kind: api
                name: api{i:04d}
                context: /tenants/t{i:04d}
                resources:
                  - methods: [GET]
                    uriTemplate: /items/{{id}}
                    sequence:
                      - payload: {{json: {{api: {i}, item: "${{params.pathParams.id}}"}}}}
                  - methods: [GET]
                    uriTemplate: /items/recent
                    sequence:
                      - payload: {{json: {{api: {i}, recent: true}}}}
                  - methods: [POST]
                    urlMapping: /files/*
                    sequence:
                      - payload: {{json: {{api: {i}, file: true}}}}
                """
        write_artifacts(cls.dir, files)
        cls.gw = Gateway("", proxies=cls.dir)

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_check_accepts_them_and_counts_them(self):
        r = subprocess.run([FLOWGATE, "check", "--config", self.gw.config_path, "--proxies",
                            self.dir], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("0 proxies, 1000 APIs", r.stdout)

    def test_every_hundredth_api_routes_to_itself(self):
        conn = self.gw.connection()
        self.addCleanup(conn.close)
        for i in list(range(0, self.COUNT, 100)) + [self.COUNT - 1]:
            with self.subTest(api=i):
                r = send(self.gw, "GET", f"/tenants/t{i:04d}/items/x{i}", conn=conn)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json, {"api": i, "item": f"x{i}"})
                r = send(self.gw, "GET", f"/tenants/t{i:04d}/items/recent", conn=conn)
                self.assertEqual(r.json, {"api": i, "recent": True})
                r = send(self.gw, "POST", f"/tenants/t{i:04d}/files/a/b", body={}, conn=conn,
                         headers={"Content-Type": "application/json"})
                self.assertEqual(r.json, {"api": i, "file": True})

    def test_paths_beside_the_contexts_are_not_found(self):
        for path in ("/tenants/t1000/items/1", "/tenants/t0001x/items/1", "/tenants",
                     "/tenants/t0001/other"):
            with self.subTest(path=path):
                self.assertError(send(self.gw, "GET", path), 404, "not_found")
        r = send(self.gw, "DELETE", "/tenants/t0500/items/1")
        self.assertError(r, 405, "method_not_allowed")
        self.assertEqual(allow_set(r), {"GET", "HEAD", "OPTIONS"})


if __name__ == "__main__":
    unittest.main()
