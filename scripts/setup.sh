#!/usr/bin/env bash
# Installs what Flowgate needs to build and run (and, with --test, to run every test), from
# Debian 12 packages. Idempotent: does nothing when everything is already installed.
#   bash scripts/setup.sh          build + run (scripts/run.sh, the image's build stage)
#   bash scripts/setup.sh --test   also the test tools (scripts/test.sh, .ci/run)
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libboost1.81-dev libssl-dev rapidjson-dev libxml2-dev libyaml-cpp-dev libspdlog-dev
  libhiredis-dev  # tokenStore kind redis
  libre2-dev  # filter/switch regexes: linear time, no recursion on hostile input
  prometheus-cpp-dev  # /metrics: prometheus-cpp's core library (Registry, TextSerializer) only
  libyaml-dev  # the config and artifact files' parser (libyaml); yaml-cpp keeps the tree
  libmimalloc-dev  # the binary's allocator: glibc's malloc was 40 % of a start, 15 % of a request
  libsimdjson-dev  # checks pass-through JSON in fewer instructions than RapidJSON
  doctest-dev
  python3 openssl ca-certificates curl
)
if [ "${1:-}" = "--test" ]; then
  packages+=(
    python3-yaml  # tests/integration/test_deploy.py reads the compose and k8s manifests
    python3-jsonschema  # tests/integration/test_openapi.py: the OpenAPI 3.0 JSON Schema
    libbenchmark-dev  # bench/micro, built and smoke-tested by scripts/test.sh
    redis-server  # tests/integration/test_redis.py starts a real one
    clang-14 libclang-rt-14-dev llvm-14  # scripts/sanitize.sh: ASan/UBSan, libFuzzer, symbolizer
    chromium chromium-driver python3-selenium  # tests/integration/test_console.py: the dashboard in a real browser
  )
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
