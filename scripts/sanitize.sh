#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer build (clang-14) of every target into
# ${SANITIZE_BUILD_DIR:-build-asan}, the whole ctest suite on it (unit + integration: the
# integration tests start the sanitized flowgate and flowgate-fake), then a short bounded run of
# each libFuzzer target of tests/fuzz on a copy of its seed corpus. Non-zero on any failure or
# sanitizer report. scripts/test.sh calls it after the normal tests (FLOWGATE_SKIP_SANITIZE=1
# skips it there). Arguments are passed to ctest. See tests/fuzz/README.md.
#   SANITIZE_OPT    optimization/debug flags (default "-O0 -g": half the build time of
#                   "-O1 -g", which runs the tests and fuzzers ~2x faster; CI time is
#                   dominated by the build)
#   FUZZ_SECONDS    per fuzz target (default 20); JOBS: parallel compiles, tests and fuzzers
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build_dir=${SANITIZE_BUILD_DIR:-build-asan}
jobs=${JOBS:-$(nproc)}
fuzz_seconds=${FUZZ_SECONDS:-20}
fuzz_targets=(fuzz_webex_response fuzz_proxy_yaml fuzz_expression fuzz_router fuzz_xml_payload
  fuzz_json_check fuzz_g2w_keys)

SECONDS=0
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="${SANITIZE_CXX:-clang++-14}" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="${SANITIZE_OPT:--O0 -g}" \
  -DCMAKE_CXX_FLAGS="-Wno-ambiguous-reversed-operator" \
  -DFLOWGATE_SANITIZE=ON -DFLOWGATE_FUZZ=ON >/dev/null
cmake --build "$build_dir" -j "$jobs"
echo "sanitize: build ${SECONDS}s"
build_dir=$(cd "$build_dir" && pwd)

# Any report is fatal (abort_on_error: the process dies, its test fails). Reports are also
# written to $logs/<tool>.<pid>, because the integration harness does not look at the exit
# status of the servers it stops (LeakSanitizer runs when they exit on SIGTERM): any file
# there fails the run.
logs=$build_dir/sanitizer-logs
rm -rf "$logs" && mkdir -p "$logs"
common="halt_on_error=1:abort_on_error=1:print_summary=1"
if symbolizer=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer); then
  common="$common:external_symbolizer_path=$symbolizer"
fi
asan="$common:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1"
asan="$asan:strict_init_order=1"
export LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="$common:print_stacktrace=1:log_path=$logs/ubsan"
export ASAN_OPTIONS="$asan:log_path=$logs/asan"
# The soak under ASan: shorter (it is the longest test by far), and without its RSS-growth
# check, which measures the sanitizer's quarantine and shadow memory here (test_soak.py).
export FLOWGATE_SANITIZED=1
export FLOWGATE_SOAK_SECONDS=${FLOWGATE_SOAK_SECONDS:-20}

print_logs() {
  local f found=1
  for f in "$logs"/*; do
    [ -e "$f" ] || continue
    found=0
    echo "==== sanitizer report $f" >&2
    cat "$f" >&2
  done
  return $found
}

SECONDS=0
status=0
(cd "$build_dir" && ctest --output-on-failure -j "$jobs" "$@") || status=$?
echo "sanitize: ctest ${SECONDS}s"
if print_logs; then
  echo "sanitize: sanitizer reports above (logs in $logs)" >&2
  status=1
fi
[ "$status" -eq 0 ] || exit "$status"

# The fuzzers, $jobs at a time: reports go to their own log (libFuzzer saves the crashing
# input). Every target runs even when one fails, so that one run shows every finding.
export UBSAN_OPTIONS="$common:print_stacktrace=1"
export ASAN_OPTIONS="$asan"
fuzz_one() {
  local target=$1 corpus=$build_dir/fuzz/corpus/$1 rc=0
  mkdir -p "$corpus" "$build_dir/fuzz/artifacts"
  cp "$root/tests/fuzz/corpus/$target"/* "$corpus"/
  "$build_dir/fuzz/$target" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$build_dir/fuzz/artifacts/$target-" "$corpus" \
    >"$build_dir/fuzz/$target.log" 2>&1 || rc=$?
  echo "$rc" >"$build_dir/fuzz/$target.status"
}
SECONDS=0
for ((i = 0; i < ${#fuzz_targets[@]}; i += jobs)); do
  for target in "${fuzz_targets[@]:i:jobs}"; do
    fuzz_one "$target" &
  done
  wait
done
failed=()
for target in "${fuzz_targets[@]}"; do
  log=$build_dir/fuzz/$target.log
  if [ "$(cat "$build_dir/fuzz/$target.status")" = 0 ]; then
    echo "sanitize: $target ok:" \
      "$(grep -o 'number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs," \
      "$(grep -o 'cov: [0-9]*' "$log" | tail -n1), $(ls "$build_dir/fuzz/corpus/$target" | wc -l)" \
      "corpus files"
  else
    grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|INITED)|NEW_FUNC' "$log" | tail -n 60 >&2
    echo "sanitize: $target FAILED (log $log; replay: $build_dir/fuzz/$target" \
      "$build_dir/fuzz/artifacts/$target-<crash-...>; see tests/fuzz/README.md)" >&2
    failed+=("$target")
  fi
done
echo "sanitize: fuzz ${SECONDS}s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "sanitize: fuzz targets FAILED: ${failed[*]}" >&2
  exit 1
fi
