"""The command line: version, check (FILE:LINE:COL), serve refusing a bad config,
serve --sandbox answering the seed's sample request offline, and describe (the registry's
reference, which the README's operation tables and step reference are checked against)."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import sys
import unittest

from harness import FLOWGATE, PROXIES, SEED, SOURCE, Gateway


def run(*args):
    return subprocess.run([FLOWGATE, *args], capture_output=True, text=True, timeout=30)


class Cli(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="flowgate-cli-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_version(self):
        r = run("version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^flowgate \d+\.\d+\.\d+\n")
        # The allocator the binary runs on: mimalloc, in use (it replaced malloc), unless the
        # build leaves it out (the sanitizer build: CMake's FLOWGATE_MIMALLOC is then off).
        allocator = re.search(r"^allocator: (.*)$", r.stdout, re.M)
        self.assertIsNotNone(allocator, r.stdout)
        if os.environ.get("FLOWGATE_EXPECTED_ALLOCATOR", "mimalloc") == "mimalloc":
            self.assertRegex(allocator.group(1), r"^mimalloc \d+\.\d+\.\d+$")
        else:
            self.assertEqual(allocator.group(1), "system malloc")

    def test_unknown_command(self):
        r = run("frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage", r.stderr)

    def test_check_accepts_the_shipped_config(self):
        r = run("check", "--config", os.path.join(SOURCE, "config", "gateway.yaml"),
                "--proxies", PROXIES)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("OK", r.stdout)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_check_reports_every_problem_with_its_position(self):
        config = self.write("gateway.yaml", "server:\n  listen: nowhere\n  colour: red\n")
        self.write("proxies/a.yaml",
                   "name: a\nproperties:\n  k: json-eval($.k[x])\nsequence:\n"
                   "  - gotowebinar.getSessionById:\n      webinarKey: w\n")
        r = run("check", "--config", config, "--proxies", os.path.join(self.dir, "proxies"))
        self.assertEqual(r.returncode, 1)
        lines = r.stderr.strip().splitlines()
        self.assertIn(f"{config}:2:11: server.listen: expected HOST:PORT", r.stderr)
        self.assertIn(f"{config}:3:3: unknown key 'colour' in server", r.stderr)
        self.assertIn("a.yaml:3:20: in property 'k'", r.stderr)
        self.assertIn("a.yaml:5:5: gotowebinar.getSessionById needs gotowebinar.init", r.stderr)
        self.assertIn("needs parameter 'sessionKey'", r.stderr)
        self.assertTrue(lines[-1].startswith("flowgate: 5 problem(s)"), lines)

    def test_serve_refuses_an_invalid_config(self):
        config = self.write("gateway.yaml", "logging: {format: xml}\n")
        r = run("serve", "--config", config, "--proxies", PROXIES, "--listen", "127.0.0.1:0")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{config}:1:19: logging.format: must be one of json, text", r.stderr)

    def assert_check_and_serve_refuse(self, config, expected, serve_listen=True, env=None):
        """`check` exits 1 naming the problem where it is; `serve` refuses the same file."""
        full_env = dict(os.environ, **(env or {}))
        r = subprocess.run([FLOWGATE, "check", "--config", config, "--proxies", PROXIES],
                           capture_output=True, text=True, timeout=30, env=full_env)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(expected, r.stderr)
        args = [FLOWGATE, "serve", "--config", config, "--proxies", PROXIES]
        if serve_listen:
            args += ["--listen", "127.0.0.1:0"]
        r = subprocess.run(args, capture_output=True, text=True, timeout=30, env=full_env)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(expected, r.stderr)

    def test_check_refuses_what_serve_cannot_run(self):
        # Issue 11, item 6: each of these passed `check`, then `serve` exited 1 or failed later.
        missing_ca = os.path.join(self.dir, "missing-ca.pem")
        not_pem = self.write("not.pem", "not a certificate\n")
        cases = [
            ("redis-port", "admin: {listen: 127.0.0.1:0}\n"
             "tokenStore:\n  kind: redis\n  url: redis://127.0.0.1:abc\n",
             ":4:8: tokenStore.url: the port must be a number from 1 to 65535", True),
            ("redis-scheme", "admin: {listen: 127.0.0.1:0}\n"
             "tokenStore: {kind: redis, url: \"http://127.0.0.1:6379\"}\n",
             ":2:32: tokenStore.url: must start with redis://", True),
            ("redis-without-url", "admin: {listen: 127.0.0.1:0}\ntokenStore:\n  kind: redis\n",
             ":3:9: tokenStore: kind redis needs a url", True),
            ("ca-missing", f"admin: {{listen: 127.0.0.1:0}}\nupstream:\n  caFile: {missing_ca}\n",
             f":3:11: upstream.caFile: no such file '{missing_ca}'", True),
            ("ca-not-pem", f"admin: {{listen: 127.0.0.1:0}}\nupstream:\n  caFile: {not_pem}\n",
             ":3:11: upstream.caFile: '" + not_pem + "' is not a PEM bundle", True),
            ("listen-name", "admin: {listen: 127.0.0.1:0}\nserver:\n  listen: localhost:0\n",
             ":3:11: server.listen: a listener needs an IP address", False),
            ("admin-name", "admin:\n  listen: localhost:0\n",
             ":2:11: admin.listen: a listener needs an IP address", True),
            ("same-port", "server: {listen: 127.0.0.1:39164}\nadmin:\n  listen: 0.0.0.0:39164\n",
             ":3:11: server.listen (127.0.0.1:39164) and admin.listen (0.0.0.0:39164) "
             "cannot both be bound", False),
        ]
        for name, text, expected, serve_listen in cases:
            with self.subTest(name):
                config = self.write(name + ".yaml", text)
                self.assert_check_and_serve_refuse(config, config + expected, serve_listen)

    def test_check_names_the_variable_of_a_bad_environment_value(self):
        config = self.write("gateway.yaml", "admin: {listen: 127.0.0.1:0}\ntokenStore: {kind: redis}\n")
        self.assert_check_and_serve_refuse(
            config, "$FLOWGATE_TOKENSTORE_URL: tokenStore.url: the port must be a number",
            env={"FLOWGATE_TOKENSTORE_URL": "redis://:secret@127.0.0.1:six"})

    def test_listen_option_is_checked_like_the_key(self):
        config = self.write("gateway.yaml", "admin: {listen: 127.0.0.1:0}\n")
        r = run("serve", "--config", config, "--proxies", PROXIES, "--listen", "localhost:0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("--listen: server.listen: a listener needs an IP address", r.stderr)

    def check_refuses_proxy(self, text, expected):
        """`flowgate check` of one proxy file refuses it with `expected` after FILE:."""
        proxy = self.write("proxies/p.yaml", text)
        r = run("check", "--proxies", os.path.dirname(proxy))
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{proxy}:{expected}", r.stderr)
        self.assertNotIn("terminate called", r.stderr)

    def test_an_empty_value_is_reported_on_its_own_line(self):
        # The YAML parser (libyaml) places an empty value right after its key's colon, not
        # at the next line's key.
        self.check_refuses_proxy(
            "kind: proxy\nname: p\nsequence:\n  - call:\n      endpoint:\n"
            "  - log: {message: hi}\n",
            "5:16: call: endpoint is an endpoint's name")

    def test_malformed_yaml_names_its_position_and_what_was_open(self):
        self.check_refuses_proxy(
            "kind: proxy\nname: p\nsequence:\n  - log: {message: \"hi\"\n",
            "5:1: while parsing a flow mapping from 4:10: did not find expected ',' or '}'")

    def test_a_self_containing_alias_is_refused_not_followed(self):
        # It used to crash check and serve: a stack overflow walking a tree that contains itself.
        self.check_refuses_proxy(
            "kind: proxy\nname: p\nsequence: &s\n  - log: {message: hi}\n  - filter: *s\n",
            "5:13: the alias *s is inside the node it names")

    def test_serve_says_how_long_it_took_to_be_ready(self):
        gw = Gateway()
        try:
            m = gw.process.wait_for(r"listening on .*, ready in (\d+\.\d) ms$")
            self.assertGreater(float(m.group(1)), 0.0)
        finally:
            gw.stop()

    def test_a_directory_given_as_the_config_is_an_error_not_a_crash(self):
        r = run("check", "--config", self.dir, "--proxies", PROXIES)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{self.dir}: cannot read the config file", r.stderr)
        self.assertNotIn("terminate called", r.stderr)

    def test_explicit_missing_config_is_an_error(self):
        r = run("check", "--config", os.path.join(self.dir, "nope.yaml"), "--proxies", PROXIES)
        self.assertEqual(r.returncode, 1)
        self.assertIn("config file not found", r.stderr)

    def test_check_refuses_a_value_outside_an_enum(self):
        config = self.write("gateway.yaml", "admin: {listen: 127.0.0.1:0}\n")
        proxy = self.write("proxies/p.yaml",
                           "name: p\nsequence:\n"
                           "  - gotowebinar.init:\n"
                           "      accessToken: t\n"
                           "      organizerKey: o\n"
                           "      apiVersion: v3\n"
                           "  - webex.init: {siteUrl: \"https://acme.webex.com\"}\n"
                           "  - webex.lstsummaryTrainingSession: {listMethod: XOR}\n")
        r = run("check", "--config", config, "--proxies", os.path.join(self.dir, "proxies"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"{proxy}:6:19: parameter 'apiVersion' of gotowebinar.init must be one "
                      "of v1, v2, got string \"v3\"", r.stderr)
        self.assertIn(f"{proxy}:8:51: parameter 'listMethod' of "
                      "webex.lstsummaryTrainingSession must be one of AND, OR (any case), got "
                      "string \"XOR\"", r.stderr)


def describe(*args):
    r = run("describe", *args)
    if r.returncode != 0:
        raise AssertionError(f"flowgate describe {' '.join(args)}: exit {r.returncode}: "
                             f"{r.stderr}")
    return r.stdout


def readme():
    with open(os.path.join(SOURCE, "README.md")) as f:
        return f.read()


def readme_section(text, heading):
    """The lines of `## heading` up to the next `## ` heading."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else len(text)]


class Describe(unittest.TestCase):
    def steps(self, *args):
        return {s["name"]: s for s in json.loads(describe("--json", *args))["steps"]}

    def test_text_lists_every_step_kind_and_operation_with_parameters(self):
        out = describe()
        for name in ("variable", "switch", "foreach", "respond", "drop", "gotowebinar.init",
                     "gotowebinar.getSessionById", "webex.lstsummaryTrainingSession"):
            self.assertRegex(out, rf"(?m)^{re.escape(name)}$")
        block = describe("gotowebinar.getSessionById")
        self.assertTrue(block.startswith("gotowebinar.getSessionById\n"), block)
        self.assertRegex(block, r"(?m)^  webinarKey +string +required +The key of the webinar\.$")
        self.assertRegex(block, r"(?m)^  responseVariable +string +optional ")
        self.assertNotIn("gotowebinar.listSessions", block)
        self.assertIn("One of: v1, v2.", describe("gotowebinar.init"))
        self.assertIn("(no parameters)", describe("drop"))

    def test_json_has_a_stable_shape(self):
        doc = json.loads(describe("--json"))
        self.assertEqual(list(doc), ["steps"])
        names = [s["name"] for s in doc["steps"]]
        self.assertEqual(len(names), len(set(names)))
        for step in doc["steps"]:
            self.assertEqual(set(step), {"name", "description", "params"}, step["name"])
            for p in step["params"]:
                self.assertTrue({"name", "type", "required", "description"} <= set(p) <=
                                {"name", "type", "required", "description", "allowed"}, p)
                self.assertIn(p["type"], {"string", "integer", "boolean", "object", "array",
                                          "any"})
                self.assertIsInstance(p["required"], bool)
        steps = {s["name"]: s for s in doc["steps"]}
        for name in ("variable", "log", "header", "payload", "validate", "filter", "switch",
                     "foreach", "sequence", "throwError", "respond", "drop"):
            self.assertIn(name, steps)
        op = {p["name"]: p for p in steps["gotowebinar.getSessionById"]["params"]}
        self.assertEqual(op["webinarKey"], {"name": "webinarKey", "type": "string",
                                            "required": True,
                                            "description": "The key of the webinar."})
        self.assertFalse(op["responseVariable"]["required"])
        init = {p["name"]: p for p in steps["gotowebinar.init"]["params"]}
        self.assertEqual(init["apiVersion"]["allowed"], ["v1", "v2"])
        self.assertNotIn("allowed", init["apiUrl"])
        switch = {p["name"]: p for p in steps["switch"]["params"]}
        self.assertTrue(switch["source"]["required"])

    def test_one_step_as_json(self):
        self.assertEqual(list(self.steps("switch")), ["switch"])
        self.assertEqual(list(self.steps("webex.getTrainingSession")),
                         ["webex.getTrainingSession"])

    def test_unknown_step_names_close_ones(self):
        for wanted, close in (("getSesionById", "gotowebinar.getSessionById"),
                              ("gotowebinar.getSessionByID", "gotowebinar.getSessionById"),
                              ("swtich", "switch"), ("listSessions", "gotowebinar.listSessions")):
            with self.subTest(wanted):
                r = run("describe", wanted)
                self.assertEqual(r.returncode, 1, r.stdout)
                self.assertEqual(r.stdout, "")
                self.assertIn(f"unknown step kind or operation '{wanted}'", r.stderr)
                self.assertIn(close, r.stderr)
        r = run("describe", "--json", "zzzzzzzzzzzz")
        self.assertEqual(r.returncode, 1)
        self.assertIn("flowgate describe lists them all", r.stderr)
        r = run("describe", "a", "b")
        self.assertEqual(r.returncode, 2)

    def readme_operations(self, section):
        """{operation: [inputs]} of a README operations table: backticked names only."""
        ops = {}
        for line in readme_section(readme(), section).splitlines():
            m = re.match(r"^\| `(\w+)` \| ([^|]*) \|", line)
            if m:
                ops[m.group(1)] = re.findall(r"`(\w+)`", m.group(2))
        return ops

    def readme_init(self, section, connector):
        """(names, required names) of the `<connector>.init` parameters paragraph."""
        text = readme_section(readme(), section)
        start = text.index(f"`{connector}.init` parameters:")
        paragraph = text[start:text.index("\n\n", start)]
        names = set(re.findall(r"`(\w+)`", paragraph))
        required = set(re.findall(r"`(\w+)` \(required", paragraph))
        return names, required

    def test_readme_operation_tables_match_the_registry(self):
        steps = self.steps()
        for section, connector in (("GoToWebinar operations", "gotowebinar"),
                                   ("WebEx operations", "webex")):
            with self.subTest(connector):
                registry = {}
                for name, step in steps.items():
                    if name.startswith(connector + ".") and name != connector + ".init":
                        registry[name.split(".", 1)[1]] = [
                            p["name"] for p in step["params"] if p["name"] != "responseVariable"]
                documented = self.readme_operations(section)
                self.assertEqual(list(documented), list(registry), "operations (in order)")
                for op, inputs in registry.items():
                    self.assertEqual(documented[op], inputs, f"inputs of {op} (in order)")
                init = steps[connector + ".init"]["params"]
                names, required = self.readme_init(section, connector)
                for p in init:
                    self.assertIn(p["name"], names, f"{connector}.init parameter")
                self.assertEqual(required, {p["name"] for p in init if p["required"]},
                                 f"required {connector}.init parameters")

    def test_readme_step_reference_is_generated(self):
        script = os.path.join(SOURCE, "scripts", "gen-step-reference.py")
        r = subprocess.run([sys.executable, script, "--flowgate", FLOWGATE], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("#### `switch`", r.stdout)
        self.assertNotIn("gotowebinar.", r.stdout.replace("gotowebinar.getSessionById", ""))
        text = readme()
        begin = "<!-- step reference: begin -->\n"
        end = "<!-- step reference: end -->"
        self.assertIn(begin, text)
        generated = text[text.index(begin) + len(begin):text.index(end)]
        self.assertEqual(generated, r.stdout,
                         "README's step reference is stale: run scripts/gen-step-reference.py "
                         "--write README.md")


class Sandbox(unittest.TestCase):
    def test_seed_request_works_offline(self):
        gw = Gateway("", extra_args=["--sandbox-listen", "127.0.0.1:0"])
        try:
            m = gw.process.wait_for(r"sandbox upstreams .* on (http://[\d.]+:\d+)")
            body = dict(SEED, apiUrl=m.group(1))
            r = gw.post("gotowebinar_getSessionById", body)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["sessionKey"], "2167614")
            # The sandbox enforces the contract too: an unknown session is a 404.
            r = gw.post("gotowebinar_getSessionById", dict(body, sessionKey="1"))
            self.assertEqual(r.status, 404, r)
            self.assertEqual(gw.stop(), 0)
        finally:
            gw.stop()


if __name__ == "__main__":
    unittest.main()
