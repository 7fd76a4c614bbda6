#!/usr/bin/env bash
# The README's second command: install, build, and run every test (unit + integration), then
# the sanitizer build and the fuzzers (scripts/sanitize.sh; FLOWGATE_SKIP_SANITIZE=1 skips them).
# Exits non-zero on any failure. .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
bash scripts/build.sh -DFLOWGATE_BENCH=ON  # also the micro-benchmarks: smoke-tested below
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j "${JOBS:-$(nproc)}" "$@"
# Then the ASan/UBSan build, the same tests on it and short fuzz runs (tests/fuzz/README.md).
if [ "${FLOWGATE_SKIP_SANITIZE:-0}" != 1 ]; then
  cd "$OLDPWD"  # the repository root
  bash scripts/sanitize.sh "$@"
fi
