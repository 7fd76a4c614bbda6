#!/usr/bin/env bash
# Installs what Flowgate needs to build, test and run, from Debian 12 packages.
# Idempotent: does nothing when everything is already installed.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libboost1.81-dev libssl-dev rapidjson-dev libxml2-dev libyaml-cpp-dev libspdlog-dev
  doctest-dev
  python3 python3-yaml openssl ca-certificates curl
  libhiredis-dev redis-server  # tokenStore kind redis, and its tests
  clang-14 libclang-rt-14-dev llvm-14  # scripts/sanitize.sh: ASan/UBSan, libFuzzer, symbolizer
)

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
