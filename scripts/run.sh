#!/usr/bin/env bash
# The README's first command: install, build, and start the gateway on config/gateway.yaml
# and proxies/ with the sandbox upstreams, so that the README's curl works offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec ./${BUILD_DIR:-build}/flowgate serve --config config/gateway.yaml --proxies proxies --sandbox "$@"
