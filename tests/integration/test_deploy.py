"""Containerized deployment (docker/, .dockerignore) checked without a Docker engine or a
cluster: the Dockerfile's build steps really run (docker/build-steps.sh on the existing build
tree, staged into a temporary DESTDIR), the runtime stage's COPY instructions are replayed into
a temporary root and its CMD is validated there with `flowgate check`, the runtime packages are
derived from `ldd` + `dpkg -S`, and the compose and Kubernetes files are checked against
config/gateway.yaml, proxies/ and each other. A ConfigMap volume update (the kubelet's
..data symlink swap) is replayed against a real gateway with proxies.watch."""

import http.client
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import unittest

import yaml

from harness import FAKE, FLOWGATE, PROXIES, SHIPPED_CONFIGS, SOURCE, Process

DOCKER = os.path.join(SOURCE, "docker")
K8S = os.path.join(DOCKER, "k8s")
DOCKERFILE = os.path.join(DOCKER, "Dockerfile")
CONFIG = os.path.join(SOURCE, "config", "gateway.yaml")

# Packages the runtime stage may install although no library of the binaries is in them.
NOT_A_LIBRARY = {"ca-certificates": "the system trust store, for HTTPS upstreams"}


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def proxy_count(texts):
    """How many of the artifact `texts` are proxies (no `kind:`, or `kind: proxy`): what
    `check` and a reload report as "N proxies" (APIs, endpoints and sequences apart)."""
    kinds = [re.search(r"(?m)^kind:\s*(\w+)", text) for text in texts]
    return sum(m is None or m.group(1) == "proxy" for m in kinds)


def proxy_files():
    """Every artifact file under proxies/, subfolders included (the gateway loads them
    recursively), keyed as docker/k8s/render-configmaps.sh flattens them for the ConfigMap:
    proxies/examples/x.yaml is the key examples__x.yaml. -> {key: path}."""
    out = {}
    for root, dirs, names in os.walk(PROXIES):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if name.startswith(".") or not name.endswith((".yaml", ".yml")):
                continue
            path = os.path.join(root, name)
            out[os.path.relpath(path, PROXIES).replace(os.sep, "__")] = path
    return out


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def port_of(endpoint):
    return int(str(endpoint).rsplit(":", 1)[1])


def seconds(duration):
    m = re.fullmatch(r"(\d+)(ms|s|m|h)", str(duration))
    assert m, f"not a duration: {duration!r}"
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def project_version():
    return re.search(r"project\(flowgate VERSION ([\d.]+)", read(os.path.join(SOURCE, "CMakeLists.txt"))).group(1)


def clean_env(extra=None):
    """The environment without FLOWGATE_* variables (those of ctest too), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWGATE_")}
    env.update(extra or {})
    return env


def close(process):
    code = process.stop()
    process.proc.stdout.close()
    return code


def flowgate(*args, env=None, binary=FLOWGATE):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60,
                          env=clean_env(env))


# --- config keys and their environment variables ------------------------------------------------

def config_key_paths():
    """Every key path of config/gateway.yaml, and those of the README's configuration table."""
    paths = set()

    def walk(node, prefix):
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, prefix + key + ".")
            else:
                paths.add(prefix + key)

    walk(load_yaml(CONFIG), "")
    readme = read(os.path.join(SOURCE, "README.md"))
    paths.update(re.findall(r"^\| `([A-Za-z0-9_.]+)` \|", readme, re.M))
    return paths


def env_name(path):
    return "FLOWGATE_" + "_".join(part.upper() for part in path.split("."))


ENV_TO_KEY = {env_name(p): p for p in config_key_paths()}


def env_overrides_work():
    """Whether this binary applies FLOWGATE_<KEY> variables (then the values below are validated
    by `flowgate check` for real)."""
    r = flowgate("check", "--config", CONFIG, "--proxies", PROXIES,
                 env={"FLOWGATE_LOGGING_FORMAT": "xml"})
    return r.returncode != 0


# --- Dockerfile ----------------------------------------------------------------------------------

class Stage:
    def __init__(self, base, name):
        self.base, self.name, self.instructions = base, name, []

    def all(self, keyword):
        return [args for kw, args in self.instructions if kw == keyword]

    def one(self, keyword):
        found = self.all(keyword)
        assert len(found) == 1, f"{keyword}: expected once in stage {self.name or self.base}"
        return found[0]


def parse_dockerfile(path=DOCKERFILE):
    stages, logical = [], ""
    for raw in read(path).splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not logical):
            continue
        if stripped.endswith("\\"):
            logical += stripped[:-1] + " "
            continue
        logical += stripped
        keyword, _, args = logical.partition(" ")
        keyword, args, logical = keyword.upper(), args.strip(), ""
        if keyword == "FROM":
            words = args.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        else:
            stages[-1].instructions.append((keyword, args))
    return stages


def exec_form(args):
    assert args.startswith("["), f"not the exec (JSON) form: {args}"
    return json.loads(args)


def apt_install_list(run_args):
    """The packages of `apt-get install` in a RUN line."""
    packages = []
    for command in re.split(r"&&|;", run_args):
        words = shlex.split(command)
        if "apt-get" in words and "install" in words:
            packages += [w for w in words[words.index("install") + 1:] if not w.startswith("-")]
    return packages


def env_instructions(stage):
    env = {}
    for args in stage.all("ENV"):
        for word in shlex.split(args):
            key, _, value = word.partition("=")
            env[key] = value
    return env


def newer_sources(binary):
    """The build inputs changed since `binary` was linked (new files included)."""
    built = os.path.getmtime(binary)
    paths = [os.path.join(SOURCE, "CMakeLists.txt")]
    for top in ("app", "gateway", "connectors", "importer", "tests"):
        for dirpath, dirnames, files in os.walk(os.path.join(SOURCE, top)):
            dirnames[:] = [d for d in dirnames if d not in ("integration", "unit", "data", "fuzz")]
            paths += [os.path.join(dirpath, f) for f in files
                      if f.endswith((".cpp", ".hpp", ".h", "CMakeLists.txt"))]
    return sorted(os.path.relpath(p, SOURCE) for p in paths if os.path.getmtime(p) > built)


class Dockerfile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stages = parse_dockerfile()
        cls.build = cls.stages[0]
        cls.runtime = cls.stages[-1]
        cls.config = load_yaml(CONFIG)

    def test_stages(self):
        self.assertEqual(len(self.stages), 2)
        self.assertEqual(self.build.name, "build")
        self.assertIn("bookworm", self.build.base, "scripts/setup.sh installs Debian 12 packages")
        self.assertEqual(self.runtime.base, "debian:bookworm-slim")
        runs = self.build.all("RUN")
        self.assertIn("bash scripts/setup.sh", runs, "the README's install script")
        self.assertTrue(any("docker/build-steps.sh" in r for r in runs))
        self.assertLess(runs.index("bash scripts/setup.sh"),
                        next(i for i, r in enumerate(runs) if "build-steps" in r))

    def destdir(self):
        run = next(r for r in self.build.all("RUN") if "docker/build-steps.sh" in r)
        m = re.search(r"\bDESTDIR=(\S+)", run)
        self.assertTrue(m, run)
        return m.group(1)

    def test_build_steps_and_container_filesystem(self):
        """docker/build-steps.sh on the existing build tree (nothing to rebuild), then the
        runtime stage's COPYs replayed into a temporary root, where the CMD validates."""
        build_dir = os.path.dirname(os.path.abspath(FLOWGATE))
        stale = newer_sources(FLOWGATE)
        if stale:
            # build-steps.sh would rebuild the tree the other tests are running from.
            self.skipTest(f"{build_dir} is older than {stale[0]} (and {len(stale) - 1} more): "
                          "build first (scripts/test.sh does)")
        work = tempfile.mkdtemp(prefix="flowgate-deploy-")
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        stage_out = os.path.join(work, "out")
        r = subprocess.run(["bash", os.path.join(DOCKER, "build-steps.sh")], cwd=work,
                           capture_output=True, text=True, timeout=1800,
                           env=clean_env({"BUILD_DIR": build_dir, "DESTDIR": stage_out,
                                          "JOBS": os.environ.get("JOBS", "2")}))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"flowgate \d+\.\d+\.\d+")
        for exe in ("flowgate", "flowgate-fake"):
            path = os.path.join(stage_out, "usr/local/bin", exe)
            self.assertTrue(os.access(path, os.X_OK), path)
        fake = Process([os.path.join(stage_out, "usr/local/bin/flowgate-fake"),
                        "--listen", "127.0.0.1:0"])
        try:
            fake.wait_for(r"flowgate-fake listening on 127\.0\.0\.1:\d+")
        finally:
            close(fake)

        # The runtime stage's filesystem: COPY --from=build reads what build-steps.sh staged
        # under DESTDIR, the other COPYs read the build context (the repository).
        destdir = self.destdir()
        root = os.path.join(work, "rootfs")
        for args in self.runtime.all("COPY"):
            words = shlex.split(args)
            flags = [w for w in words if w.startswith("--")]
            srcs, dest = [w for w in words if not w.startswith("--")][:-1], words[-1]
            from_build = "--from=build" in flags
            for src in srcs:
                if from_build:
                    self.assertTrue(src.startswith(destdir + "/"),
                                    f"COPY --from=build {src}: build-steps.sh stages into {destdir}")
                    src_path = os.path.join(stage_out, src[len(destdir) + 1:])
                else:
                    src_path = os.path.join(SOURCE, src)
                self.assertTrue(os.path.exists(src_path), f"COPY source {src} ({src_path})")
                dest_path = os.path.join(root, dest.lstrip("/"))
                if os.path.isdir(src_path):
                    shutil.copytree(src_path, dest_path, dirs_exist_ok=True)
                else:
                    if dest.endswith("/") or len(srcs) > 1:
                        dest_path = os.path.join(dest_path, os.path.basename(src))
                    os.makedirs(os.path.dirname(dest_path), exist_ok=True)
                    shutil.copy2(src_path, dest_path)

        def in_root(path):
            return os.path.join(root, path.lstrip("/"))

        def resolve(program):
            if program.startswith("/"):
                return in_root(program)
            for d in ("/usr/local/bin", "/usr/bin", "/bin"):
                if os.path.exists(in_root(f"{d}/{program}")):
                    return in_root(f"{d}/{program}")
            self.fail(f"{program} is not in the image's PATH")

        cmd = exec_form(self.runtime.one("CMD"))
        self.assertEqual(cmd[:2], ["flowgate", "serve"])
        binary = resolve(cmd[0])
        check = ["check"] + [in_root(a) if a.startswith("/") else a for a in cmd[2:]]
        r = flowgate(*check, binary=binary, env=env_instructions(self.runtime))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f"{proxy_count(read(p) for p in proxy_files().values())} proxies",
                      r.stdout)
        self.assertEqual(read(in_root(cmd[cmd.index("--config") + 1])), read(CONFIG))

        health = self.healthcheck_command()
        resolve(health[0])
        self.assertTrue(os.path.isfile(in_root(health[health.index("--config") + 1])))

    def healthcheck_command(self):
        args = self.runtime.one("HEALTHCHECK")
        return exec_form(args[args.index("CMD") + 3:].strip())

    def test_user_ports_signals_healthcheck(self):
        user = self.runtime.one("USER")
        self.assertRegex(user, r"^\d+(:\d+)?$", "numeric, so that runAsNonRoot can verify it")
        uid = int(user.split(":")[0])
        self.assertNotEqual(uid, 0)
        self.assertTrue(any(f"--uid {uid}" in r for r in self.runtime.all("RUN")))
        exposed = {int(p.split("/")[0]) for p in self.runtime.one("EXPOSE").split()}
        self.assertEqual(exposed, {port_of(self.config["server"]["listen"]),
                                   port_of(self.config["admin"]["listen"])})
        self.assertEqual(self.runtime.one("STOPSIGNAL"), "SIGTERM")
        self.assertEqual(self.healthcheck_command()[:2], ["flowgate", "health"])
        env = env_instructions(self.runtime)
        self.assertEqual(env.get("FLOWGATE_ADMIN_LISTEN"),
                         f"0.0.0.0:{port_of(self.config['admin']['listen'])}")
        for name in env:
            if name.startswith("FLOWGATE_"):
                self.assertIn(name, ENV_TO_KEY)
        # exec form: flowgate is PID 1 and receives SIGTERM/SIGHUP itself
        self.assertEqual(exec_form(self.runtime.one("CMD"))[0], "flowgate")


# --- runtime packages ----------------------------------------------------------------------------

def resolved_libraries(binary):
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    libs = []
    for line in out.splitlines():
        line = line.strip()
        if "=>" in line:
            name, _, rest = line.partition("=>")
            path = rest.strip().split(" (")[0].strip()
            assert path != "not found", f"{binary}: {name.strip()} not found"
            if path:
                libs.append(path)
        elif line.startswith("/"):
            libs.append(line.split(" (")[0])
    return libs


def owning_packages(paths):
    """{library path: package}, through dpkg -S (trying the /usr-merged spellings)."""
    candidates = {}
    for p in paths:
        c = [p, os.path.realpath(p)]
        c += [q[4:] if q.startswith("/usr/") else "/usr" + q for q in list(c)]
        candidates[p] = c
    queries = sorted({q for c in candidates.values() for q in c})
    out = subprocess.run(["dpkg-query", "-S", *queries], capture_output=True, text=True).stdout
    owner = {}
    for line in out.splitlines():
        if line.startswith("diversion"):
            continue
        pkgs, _, path = line.partition(": ")
        owner[path.strip()] = pkgs.split(",")[0].split(":")[0].strip()
    result = {}
    for p, c in candidates.items():
        found = [owner[q] for q in c if q in owner]
        assert found, f"no Debian package owns {p}"
        result[p] = found[0]
    return result


def installed_packages():
    """{package: (essential, [dependency alternatives])} of the installed packages."""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package}\t${db:Status-Abbrev}\t${Essential}\t"
         "${Pre-Depends}, ${Depends}\n"], capture_output=True, text=True, check=True).stdout
    pkgs = {}
    for line in out.splitlines():
        name, status, essential, deps = line.split("\t")
        if not status.startswith("ii"):
            continue
        alternatives = []
        for dep in deps.split(","):
            alts = [a.strip().split(" ")[0].split(":")[0] for a in dep.split("|") if a.strip()]
            if alts:
                alternatives.append(alts)
        pkgs[name] = (essential == "yes", alternatives)
    return pkgs


def depends_closure(roots, pkgs):
    seen, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        if p in seen or p not in pkgs:
            continue
        seen.add(p)
        for alts in pkgs[p][1]:
            todo.append(next((a for a in alts if a in pkgs), alts[0]))
    return seen


class RuntimePackages(unittest.TestCase):
    def test_runtime_stage_installs_exactly_what_the_binaries_load(self):
        cache = os.path.join(os.path.dirname(os.path.abspath(FLOWGATE)), "CMakeCache.txt")
        if os.path.exists(cache) and "FLOWGATE_SANITIZE:BOOL=ON" in read(cache):
            self.skipTest("a sanitizer build: the image ships the Release build")
        if not shutil.which("dpkg-query"):
            self.skipTest("not a Debian system")
        fake = FAKE if os.path.exists(FAKE) else os.path.join(os.path.dirname(FLOWGATE),
                                                             "flowgate-fake")
        libs = resolved_libraries(FLOWGATE) + resolved_libraries(fake)
        by_lib = owning_packages(sorted(set(libs)))
        needed = set(by_lib.values())

        pkgs = installed_packages()
        # debian:bookworm-slim = the Essential packages and apt, with their dependencies
        # (libc6, libgcc-s1, libstdc++6, zlib1g, liblzma5, ...).
        base = depends_closure([p for p, (ess, _) in pkgs.items() if ess] + ["apt"], pkgs)
        runtime = parse_dockerfile()[-1]
        listed = [p for r in runtime.all("RUN") for p in apt_install_list(r)]
        self.assertEqual(len(listed), len(set(listed)))
        provided = depends_closure(set(listed) | base, pkgs)
        missing = {lib: pkg for lib, pkg in by_lib.items() if pkg not in provided}
        self.assertEqual(missing, {}, "libraries the runtime stage would lack")

        # set_default_verify_paths (upstream.caFile empty) reads OPENSSLDIR/certs: its link to
        # /etc/ssl/certs is in the openssl package, which ca-certificates depends on.
        if shutil.which("openssl"):
            openssldir = re.search(r'"(.*)"', subprocess.run(
                ["openssl", "version", "-d"], capture_output=True, text=True).stdout).group(1)
            for path in (os.path.join(openssldir, "certs"), "/etc/ssl/certs/ca-certificates.crt"):
                owners = subprocess.run(["dpkg-query", "-S", path], capture_output=True,
                                        text=True).stdout.split(": ")[0]
                owners = {o.split(":")[0].strip() for o in owners.split(",") if o.strip()}
                if path.startswith("/etc/ssl/certs/"):
                    owners = owners or {"ca-certificates"}  # generated by its postinst
                self.assertTrue(owners & provided, f"{path} ({owners}) is not in the image")

        allowed = dict(NOT_A_LIBRARY)
        # The Redis token store (libhiredis0.14) is listed ahead of the code that links it;
        # once CMakeLists.txt uses hiredis, the binary must load it like any other library.
        cmakelists = os.path.join(SOURCE, "CMakeLists.txt")
        if ("hiredis" not in read(cmakelists).lower()
                or os.path.getmtime(FLOWGATE) < os.path.getmtime(cmakelists)):
            allowed["libhiredis0.14"] = "tokenStore kind redis (not linked yet)"
        unneeded = set(listed) - needed - set(allowed)
        self.assertEqual(unneeded, set(), "packages no library of the binaries is in")
        for p in listed:
            known = p in pkgs or subprocess.run(["apt-cache", "show", p],
                                                capture_output=True).returncode == 0
            self.assertTrue(known, f"{p}: no such Debian package")


# --- .dockerignore -------------------------------------------------------------------------------

def dockerignore_rules():
    rules = []
    for line in read(os.path.join(SOURCE, ".dockerignore")).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**", i):
                regex += ".*"
                i += 2
                if pattern.startswith("/", i):
                    regex = regex[:-2] + "(.*/)?"
                    i += 1
            elif pattern[i] == "*":
                regex += "[^/]*"
                i += 1
            elif pattern[i] == "?":
                regex += "[^/]"
                i += 1
            else:
                regex += re.escape(pattern[i])
                i += 1
        rules.append((re.compile(regex + "$"), negate))
    return rules


def ignored(path, rules):
    """Docker's rule: the last matching pattern wins; a pattern matching a parent directory
    excludes what is inside it."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    result = False
    for regex, negate in rules:
        if any(regex.match(p) for p in prefixes):
            result = not negate
    return result


class DockerIgnore(unittest.TestCase):
    def test_excludes_build_trees_vcs_and_bench_outputs(self):
        rules = dockerignore_rules()
        for path in ("build/flowgate", "build-asan/CMakeCache.txt", "build-image/x.o", ".git/HEAD",
                     "bench/last-results.md", "tests/integration/__pycache__/harness.pyc",
                     "docker/k8s/deployment.yaml", "docker/compose.yaml"):
            self.assertTrue(ignored(path, rules), path)

    def test_keeps_what_the_image_build_needs(self):
        rules = dockerignore_rules()
        needed = ["CMakeLists.txt", "scripts/setup.sh", "docker/build-steps.sh"]
        for top in ("app", "gateway", "connectors", "importer", "tests", "config", "proxies"):
            for dirpath, dirnames, files in os.walk(os.path.join(SOURCE, top)):
                dirnames[:] = [d for d in dirnames if d != "__pycache__"]
                rel = os.path.relpath(dirpath, SOURCE)
                needed += [os.path.join(rel, f) for f in files if not f.endswith(".pyc")]
        for path in needed:
            self.assertFalse(ignored(path, rules), path)


# --- compose -------------------------------------------------------------------------------------

class Compose(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.compose = load_yaml(os.path.join(DOCKER, "compose.yaml"))
        cls.services = cls.compose["services"]
        cls.config = load_yaml(CONFIG)
        cls.env = {k: str(v) for k, v in cls.services["flowgate"]["environment"].items()}

    def test_services_build_the_image(self):
        self.assertEqual(set(self.services), {"flowgate", "fakes", "redis"})
        for name in ("flowgate", "fakes"):
            svc = self.services[name]
            build = svc["build"]
            context = os.path.normpath(os.path.join(DOCKER, build["context"]))
            self.assertEqual(context, os.path.normpath(SOURCE))
            self.assertTrue(os.path.samefile(os.path.join(context, build["dockerfile"]), DOCKERFILE))
            self.assertEqual(svc["image"], f"flowgate:{project_version()}")
        self.assertTrue(self.services["redis"]["image"].startswith("redis:"))

    def test_ports_healthcheck_and_order(self):
        gw = self.services["flowgate"]
        server_port = port_of(self.config["server"]["listen"])
        self.assertIn(f"{server_port}:{server_port}", gw["ports"])
        test = gw["healthcheck"]["test"]
        self.assertEqual(test[:3], ["CMD", "flowgate", "health"])
        self.assertEqual(gw["depends_on"]["redis"]["condition"], "service_healthy")
        self.assertIn("fakes", gw["depends_on"])
        self.assertTrue(self.services["fakes"]["healthcheck"]["disable"])
        self.assertEqual(self.services["redis"]["healthcheck"]["test"][1:], ["redis-cli", "ping"])
        self.assertGreater(seconds(gw["stop_grace_period"]),
                           seconds(self.config["server"]["drainTimeout"]))
        admin = self.env.get("FLOWGATE_ADMIN_LISTEN", self.config["admin"]["listen"])
        self.assertEqual(port_of(admin), port_of(self.config["admin"]["listen"]))

    def test_environment_points_at_redis_and_the_fakes(self):
        for name in self.env:
            self.assertIn(name, ENV_TO_KEY, f"{name} names no config key")
        command = self.services["fakes"]["command"]
        self.assertEqual(command[:2], ["flowgate-fake", "--listen"])
        fakes_port = port_of(command[2])
        self.assertEqual(self.env["FLOWGATE_TOKENSTORE_KIND"], "redis")
        self.assertEqual(self.env["FLOWGATE_TOKENSTORE_URL"], "redis://redis:6379")
        self.assertEqual(self.env["FLOWGATE_CONNECTORS_GOTOWEBINAR_TOKENURL"],
                         f"http://fakes:{fakes_port}/oauth/token")
        for connector in ("GOTOWEBINAR", "WEBEX"):
            hosts = self.env[f"FLOWGATE_CONNECTORS_{connector}_ALLOWEDHOSTS"].split(",")
            self.assertIn("fakes", hosts)
        self.assertIn(f'"apiUrl": "http://fakes:{fakes_port}"', read(os.path.join(DOCKER, "README.md")))

    def test_environment_passes_flowgate_check(self):
        """The image's config with the compose environment applied."""
        env = dict(env_instructions(parse_dockerfile()[-1]), **self.env)
        r = flowgate("check", "--config", CONFIG, "--proxies", PROXIES, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        if not env_overrides_work():
            self.skipTest("this flowgate ignores FLOWGATE_<KEY> variables: values not validated")


# --- Kubernetes ----------------------------------------------------------------------------------

def k8s_documents():
    docs = {}
    for name in sorted(os.listdir(K8S)):
        if name.endswith(".yaml"):
            with open(os.path.join(K8S, name), encoding="utf-8") as f:
                docs[name] = [d for d in yaml.safe_load_all(f) if d is not None]
    return docs


class Kubernetes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.files = k8s_documents()
        cls.by_kind = {}
        for docs in cls.files.values():
            for d in docs:
                cls.by_kind.setdefault(d["kind"], []).append(d)
        cls.deployment = cls.by_kind["Deployment"][0]
        cls.pod = cls.deployment["spec"]["template"]["spec"]
        cls.container = cls.pod["containers"][0]
        cls.config = load_yaml(CONFIG)
        maps = {c["metadata"]["name"]: c for c in cls.by_kind["ConfigMap"]}
        cls.volumes = {}  # mountPath -> ConfigMap
        for mount in cls.container["volumeMounts"]:
            volume = next(v for v in cls.pod["volumes"] if v["name"] == mount["name"])
            if "configMap" in volume:
                cls.volumes[mount["mountPath"]] = maps[volume["configMap"]["name"]]
        args = cls.container["args"]
        cls.config_path = args[args.index("--config") + 1]
        cls.proxies_path = args[args.index("--proxies") + 1]
        cls.config_map = cls.volumes[os.path.dirname(cls.config_path)]
        cls.pod_config = yaml.safe_load(
            cls.config_map["data"][os.path.basename(cls.config_path)])

    def env_value(self, name, default=None):
        for e in self.container.get("env", []):
            if e["name"] == name:
                return e.get("value")
        return default

    def port(self, ref):
        if isinstance(ref, int):
            return ref
        return next(p["containerPort"] for p in self.container["ports"] if p["name"] == ref)

    def effective(self, path, default=None):
        """A setting as the pods get it: the Deployment's env, else the ConfigMap's file."""
        value = self.env_value(env_name(path))
        if value is not None:
            return value
        node = self.pod_config
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def test_every_manifest_parses_and_kustomization_lists_them(self):
        for name, docs in self.files.items():
            self.assertTrue(docs, name)
            for d in docs:
                self.assertTrue(d.get("apiVersion") and d.get("kind"), name)
        kustomization = self.files["kustomization.yaml"][0]
        resources = kustomization["resources"]
        expected = set(self.files) - {"kustomization.yaml", "secret.example.yaml"}
        self.assertEqual(set(resources), expected)

    def test_image_command_and_volumes(self):
        name, _, tag = self.container["image"].rpartition(":")
        self.assertEqual((name, tag), ("flowgate", project_version()))
        runtime = parse_dockerfile()[-1]
        cmd = exec_form(runtime.one("CMD"))
        self.assertEqual(os.path.basename(self.container["command"][0]), cmd[0])
        self.assertTrue(self.container["command"][0].startswith("/usr/local/bin/"))
        self.assertEqual(self.container["args"][0], "serve")
        for mount in self.container["volumeMounts"]:
            self.assertNotIn("subPath", mount, "subPath mounts never see ConfigMap updates")
            self.assertTrue(mount.get("readOnly"))
        self.assertIn(self.proxies_path, self.volumes)
        self.assertEqual(self.volumes[self.proxies_path]["metadata"]["name"], "flowgate-proxies")
        self.assertIs(self.effective("proxies.watch"), True)

    def test_ports_and_probes(self):
        server = port_of(self.config["server"]["listen"])
        admin = port_of(self.config["admin"]["listen"])
        self.assertEqual(port_of(self.effective("server.listen")), server)
        admin_listen = self.effective("admin.listen")
        self.assertEqual(admin_listen, f"0.0.0.0:{admin}", "probes come from the kubelet")
        ports = {p["name"]: p["containerPort"] for p in self.container["ports"]}
        self.assertEqual(ports, {"http": server, "admin": admin})
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
            get = self.container[probe]["httpGet"]
            self.assertEqual(get["path"], path)
            self.assertEqual(self.port(get["port"]), admin)
        service = self.by_kind["Service"][0]["spec"]
        self.assertEqual(service.get("type", "ClusterIP"), "ClusterIP")
        self.assertEqual([(p["port"], self.port(p["targetPort"])) for p in service["ports"]],
                         [(server, server)])

    def test_shutdown_fits_the_grace_period(self):
        drain = seconds(self.effective("server.drainTimeout", self.config["server"]["drainTimeout"]))
        sleep = self.container["lifecycle"]["preStop"]["sleep"]["seconds"]
        self.assertGreater(sleep, 0)
        self.assertGreater(self.pod["terminationGracePeriodSeconds"], drain + sleep)

    def test_security_and_resources(self):
        pod_sc, sc = self.pod.get("securityContext", {}), self.container["securityContext"]
        merged = dict(pod_sc, **sc)
        user = parse_dockerfile()[-1].one("USER")
        self.assertIs(merged["runAsNonRoot"], True)
        self.assertEqual(merged["runAsUser"], int(user.split(":")[0]))
        self.assertIs(sc["readOnlyRootFilesystem"], True)
        self.assertIs(sc["allowPrivilegeEscalation"], False)
        self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
        resources = self.container["resources"]
        for kind in ("requests", "limits"):
            self.assertTrue({"cpu", "memory"} <= set(resources[kind]), kind)
        cpu_limit = str(resources["limits"]["cpu"])
        cores = int(cpu_limit[:-1]) / 1000 if cpu_limit.endswith("m") else float(cpu_limit)
        threads = int(self.effective("server.threads", 0))
        self.assertTrue(1 <= threads <= max(1, cores),
                        "server.threads 0 would start one thread per node core")

    def test_selectors_match(self):
        labels = self.deployment["spec"]["template"]["metadata"]["labels"]
        selector = self.deployment["spec"]["selector"]["matchLabels"]
        self.assertLessEqual(selector.items(), labels.items())
        self.assertEqual(self.deployment["spec"]["replicas"], 3)
        self.assertLessEqual(self.by_kind["Service"][0]["spec"]["selector"].items(), labels.items())
        pdb = self.by_kind["PodDisruptionBudget"][0]
        self.assertEqual(pdb["apiVersion"], "policy/v1")
        self.assertLessEqual(pdb["spec"]["selector"]["matchLabels"].items(), labels.items())
        self.assertTrue("minAvailable" in pdb["spec"] or "maxUnavailable" in pdb["spec"])
        hpa = self.by_kind["HorizontalPodAutoscaler"][0]
        self.assertEqual(hpa["apiVersion"], "autoscaling/v2")
        target = hpa["spec"]["scaleTargetRef"]
        self.assertEqual((target["kind"], target["name"]),
                         ("Deployment", self.deployment["metadata"]["name"]))
        cpu = next(m["resource"] for m in hpa["spec"]["metrics"] if m["type"] == "Resource")
        self.assertEqual((cpu["name"], cpu["target"]["averageUtilization"]), ("cpu", 70))
        self.assertGreaterEqual(hpa["spec"]["minReplicas"], 2)

    def test_environment_and_secrets(self):
        secrets = {s["metadata"]["name"]: s for s in self.by_kind.get("Secret", [])}
        for e in self.container.get("env", []):
            if e["name"].startswith("FLOWGATE_"):
                self.assertIn(e["name"], ENV_TO_KEY, f"{e['name']} names no config key")
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                self.assertIn(ref["key"], secrets[ref["name"]]["stringData"])
        self.assertEqual(self.env_value("FLOWGATE_TOKENSTORE_KIND"), "redis")
        url = next(e for e in self.container["env"] if e["name"] == "FLOWGATE_TOKENSTORE_URL")
        self.assertIn("secretKeyRef", url["valueFrom"])

    def test_pod_config_passes_flowgate_check(self):
        """The ConfigMap's gateway.yaml with the pod's environment (Secrets and {$env:NAME}
        references get dummy values), against proxies/ and against the proxies ConfigMap."""
        text = self.config_map["data"][os.path.basename(self.config_path)]
        env = dict(env_instructions(parse_dockerfile()[-1]))
        for name in re.findall(r"\{\$env:([A-Za-z0-9_]+)\}", text):
            env[name] = "dummy"
        for e in self.container.get("env", []):
            env[e["name"]] = e.get("value", "redis://127.0.0.1:6379")
        work = tempfile.mkdtemp(prefix="flowgate-k8s-")
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        config = os.path.join(work, "gateway.yaml")
        with open(config, "w") as f:
            f.write(text)
        proxies = os.path.join(work, "proxies")
        os.mkdir(proxies)
        for name, body in self.volumes[self.proxies_path]["data"].items():
            with open(os.path.join(proxies, name), "w") as f:
                f.write(body)
        for directory in (PROXIES, proxies):
            r = flowgate("check", "--config", config, "--proxies", directory, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
        if not env_overrides_work():
            self.skipTest("this flowgate ignores FLOWGATE_<KEY> variables: env not validated")

    def test_proxies_config_map_is_proxies_dir(self):
        """Every file under proxies/ (the examples/ subfolder under flat keys), verbatim."""
        data = self.volumes[self.proxies_path]["data"]
        files = proxy_files()
        self.assertIn("examples__gotowebinar_dispatch.yaml", files)
        self.assertEqual(sorted(data), sorted(files), "run docker/k8s/render-configmaps.sh")
        for name, path in files.items():
            self.assertEqual(data[name], read(path),
                             f"{name} differs: run docker/k8s/render-configmaps.sh")


# --- a ConfigMap volume update, as the kubelet writes it ----------------------------------------

def publish(directory, files, generation):
    """The kubelet's AtomicWriter: the data in a new ..<timestamp> directory, the ..data symlink
    swapped to it atomically, each visible name a symlink through ..data."""
    os.makedirs(directory, exist_ok=True)
    stamp = f"..2026_01_01_00_00_{generation:02d}.{generation:09d}"
    os.mkdir(os.path.join(directory, stamp))
    for name, text in files.items():
        with open(os.path.join(directory, stamp, name), "w") as f:
            f.write(text)
    old = os.readlink(os.path.join(directory, "..data")) if os.path.lexists(
        os.path.join(directory, "..data")) else None
    os.symlink(stamp, os.path.join(directory, "..data_tmp"))
    os.replace(os.path.join(directory, "..data_tmp"), os.path.join(directory, "..data"))
    for name in files:
        if not os.path.lexists(os.path.join(directory, name)):
            os.symlink(os.path.join("..data", name), os.path.join(directory, name))
    for name in os.listdir(directory):
        if not name.startswith("..") and name not in files:
            os.unlink(os.path.join(directory, name))
    if old:
        shutil.rmtree(os.path.join(directory, old))


class ConfigMapVolumeReload(unittest.TestCase):
    def test_proxies_watch_follows_configmap_updates(self):
        work = tempfile.mkdtemp(prefix="flowgate-cm-")
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        config_dir, proxies_dir = os.path.join(work, "config"), os.path.join(work, "proxies")
        config = ("admin: {listen: 127.0.0.1:0}\nlogging: {level: info}\n"
                  "proxies: {watch: true, watchInterval: 100ms}\n" + SHIPPED_CONFIGS)
        shipped = {key: read(path) for key, path in proxy_files().items()}  # flat
        publish(config_dir, {"gateway.yaml": config}, 1)
        first = {k: v for k, v in shipped.items() if k != "webex_delTrainingSession.yaml"}
        publish(proxies_dir, first, 1)
        gw = Process([FLOWGATE, "serve", "--config", os.path.join(config_dir, "gateway.yaml"),
                      "--proxies", proxies_dir, "--listen", "127.0.0.1:0"], env=clean_env())
        self.addCleanup(close, gw)
        port = int(gw.wait_for(r"listening on [\d.]+:(\d+)").group(1))

        def status(proxy):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", f"/services/{proxy}", body="{}",
                         headers={"Content-Type": "application/json"})
            code = conn.getresponse().status
            conn.close()
            return code

        def reloads():
            return sum("reloaded:" in line for line in list(gw.lines))

        def wait(condition, what):
            deadline = time.monotonic() + 10
            while not condition():
                self.assertLess(time.monotonic(), deadline, f"{what}:\n" + gw.output())
                time.sleep(0.05)

        # A new proxy appears, the config changes, a proxy goes: each without a restart.
        self.assertEqual(status("webex_delTrainingSession"), 404)
        before = reloads()
        publish(proxies_dir, shipped, 2)
        wait(lambda: reloads() > before and status("webex_delTrainingSession") == 400,
             "the added proxy is not served")  # 400 missing_parameter: the proxy runs
        self.assertIn(f"reloaded: {proxy_count(shipped.values())} proxies", gw.output())

        before = reloads()
        publish(config_dir, {"gateway.yaml": config.replace("level: info", "level: debug")}, 2)
        wait(lambda: reloads() > before, "no reload after the config changed")

        before = reloads()
        publish(proxies_dir, first, 3)
        wait(lambda: reloads() > before and status("webex_delTrainingSession") == 404,
             "the removed proxy is still served")
        self.assertEqual(gw.stop(), 0, gw.output())


if __name__ == "__main__":
    unittest.main()
