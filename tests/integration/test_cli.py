"""The command line: version, check (FILE:LINE:COL), serve refusing a bad config, and
serve --sandbox answering the seed's sample request offline."""

import os
import shutil
import subprocess
import tempfile
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
        self.assertRegex(r.stdout, r"^flowgate \d+\.\d+\.\d+")

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

    def test_explicit_missing_config_is_an_error(self):
        r = run("check", "--config", os.path.join(self.dir, "nope.yaml"), "--proxies", PROXIES)
        self.assertEqual(r.returncode, 1)
        self.assertIn("config file not found", r.stderr)


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
