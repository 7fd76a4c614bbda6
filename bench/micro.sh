#!/usr/bin/env bash
# Flowgate micro-benchmarks (issue 5): ns per operation of the mediation pieces, one table.
#
#   bash bench/micro.sh               # about 30 s once built
#   bash bench/micro.sh --callgrind   # also instructions per operation (about 1 min in all)
#
# Installs libbenchmark-dev from Debian when missing (valgrind too with --callgrind; apt-get,
# as root or with sudo, like scripts/setup.sh), configures and builds build-bench/ with
# -DFLOWGATE_BENCH=ON (Release), runs build-bench/flowgate_micro (Google Benchmark, 3
# repetitions, medians reported), prints a markdown table to stdout and writes it to
# bench/micro-results.md. Progress and Google Benchmark's own output go to stderr.
# See bench/micro/README.md.
#
# Environment (all optional):
#   MICRO_BUILD_DIR=build-bench   build directory
#   MICRO_FILTER=.                --benchmark_filter (regex on the benchmark names)
#   MICRO_REPETITIONS=3           --benchmark_repetitions (the median is reported)
#   MICRO_MIN_TIME=0.5            --benchmark_min_time, seconds per repetition
#   MICRO_CPU                     CPU to pin the benchmark to with taskset (default: none)
#   MICRO_CALLGRIND_N=1000        operations per piece under callgrind
#   MICRO_KEEP=1                  keep the temporary directory (JSON output, callgrind files)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

log() { printf 'micro: %s\n' "$*" >&2; }
die() { printf 'micro: error: %s\n' "$*" >&2; exit 1; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

CALLGRIND=""
for arg in "$@"; do
  case $arg in
    --callgrind) CALLGRIND=1 ;;
    -h | --help) sed -n '2,21p' "$0"; exit 0 ;;
    *) die "unknown argument '$arg' (--callgrind or nothing)" ;;
  esac
done

BUILD=${MICRO_BUILD_DIR:-$ROOT/build-bench}
FILTER=${MICRO_FILTER:-.}
REPS=${MICRO_REPETITIONS:-3}
MIN_TIME=${MICRO_MIN_TIME:-0.5}
CG_N=${MICRO_CALLGRIND_N:-1000}
is_uint "$REPS" && ((REPS >= 1 && REPS <= 20)) || die "MICRO_REPETITIONS must be 1..20"
is_uint "$CG_N" && ((CG_N >= 1)) || die "MICRO_CALLGRIND_N must be a whole number >= 1"
[[ $MIN_TIME =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "MICRO_MIN_TIME must be a number of seconds"

# ---------------------------------------------------------------------------------------
# Tools: the build tool chain (scripts/setup.sh), Google Benchmark, valgrind (--callgrind).
# ---------------------------------------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
if ! command -v cmake >/dev/null 2>&1 || ! command -v ninja >/dev/null 2>&1 ||
  ! command -v python3 >/dev/null 2>&1; then
  log "build tools missing: scripts/setup.sh"
  timeout 1800 bash scripts/setup.sh
fi
missing=()
installed libbenchmark-dev || missing+=(libbenchmark-dev)
if [ -n "$CALLGRIND" ]; then
  command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
fi
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "missing ${missing[*]}: run as root or install sudo"
    sudo="sudo"
  fi
  log "installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  timeout 900 $sudo apt-get update -qq || die "apt-get update failed"
  timeout 900 $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
fi

# ---------------------------------------------------------------------------------------
# Build (incremental): Release, the micro-benchmark targets only.
# ---------------------------------------------------------------------------------------
log "configuring and building $BUILD (Release, FLOWGATE_BENCH=ON)"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFLOWGATE_BENCH=ON >&2
targets=(--target flowgate_micro)
[ -n "$CALLGRIND" ] && targets+=(--target flowgate_micro_count)
cmake --build "$BUILD" -j2 "${targets[@]}" >&2

WORK=$(mktemp -d "${TMPDIR:-/tmp}/flowgate-micro.XXXXXX")
cleanup() {
  if [ "${MICRO_KEEP:-}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

PIN=()
if [ -n "${MICRO_CPU:-}" ]; then
  is_uint "$MICRO_CPU" || die "MICRO_CPU must be a CPU number"
  PIN=(taskset -c "$MICRO_CPU")
fi

# ---------------------------------------------------------------------------------------
# Google Benchmark: repetitions, aggregates only, JSON for the table.
# ---------------------------------------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
log "running flowgate_micro ($REPS repetitions of ${MIN_TIME}s per benchmark)"
timeout 600 "${PIN[@]}" "$BUILD/flowgate_micro" \
  --benchmark_filter="$FILTER" \
  --benchmark_repetitions="$REPS" \
  --benchmark_report_aggregates_only=true \
  --benchmark_min_time="$MIN_TIME" \
  --benchmark_out="$WORK/micro.json" --benchmark_out_format=json >&2 ||
  die "flowgate_micro failed"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------
# callgrind: instructions per operation, N operations of each piece in measuredLoop().
# ---------------------------------------------------------------------------------------
# benchmark name -> flowgate_micro_count piece
declare -A PIECE=(
  [BM_JsonPathCompile/webinarKey]=jsonpath_compile
  [BM_JsonPathCompile/a_b_2_c]=jsonpath_compile_nested
  [BM_JsonPathEvaluate/webinarKey]=jsonpath_evaluate
  [BM_JsonPathEvaluate/a_b_2_c]=jsonpath_evaluate_nested
  [BM_ParseSeedBody]=parse_body
  [BM_TemplateEvaluate/single_ctx]=template_single
  [BM_TemplateEvaluate/bearer]=template_bearer
  [BM_TemplateEvaluate/url_4_refs]=template_url
  [BM_WebExBuildRequest]=webex_build
  [BM_WebExNormalizeResponse]=webex_normalize
  [BM_PipelineGoToWebinar]=pipeline_gotowebinar
  [BM_PipelineDispatch]=pipeline_dispatch
  [BM_PipelineWebEx]=pipeline_webex
  [BM_PipelineApiPassthrough]=pipeline_api_passthrough
  [BM_PipelineCustomers]=pipeline_customers
)
TOP_PIECES=(webex_normalize pipeline_gotowebinar pipeline_dispatch pipeline_webex
  pipeline_api_passthrough pipeline_customers)
: >"$WORK/ir.txt"
: >"$WORK/top.md"
if [ -n "$CALLGRIND" ]; then
  for name in "${!PIECE[@]}"; do
    [[ $name =~ $FILTER ]] || continue
    piece=${PIECE[$name]}
    log "callgrind: $piece x $CG_N"
    out=$WORK/callgrind.$piece.out
    timeout 900 valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
      --toggle-collect='*measuredLoop*' \
      "$BUILD/flowgate_micro_count" "$piece" "$CG_N" >/dev/null 2>"$WORK/valgrind.$piece.log" ||
      die "callgrind run of $piece failed (see $WORK/valgrind.$piece.log)"
    total=$(awk '/^(summary|totals):/ {print $2; exit}' "$out")
    echo "$name $((total / CG_N))" >>"$WORK/ir.txt"
  done
  for piece in "${TOP_PIECES[@]}"; do
    out=$WORK/callgrind.$piece.out
    [ -f "$out" ] || continue
    callgrind_annotate --inclusive=yes "$out" >"$WORK/annotate.$piece.txt" 2>/dev/null ||
      die "callgrind_annotate failed on $out"
    python3 "$ROOT/bench/micro/top_functions.py" "$WORK/annotate.$piece.txt" "$CG_N" "$piece" 15 \
      >>"$WORK/top.md"
  done
fi

# ---------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------
CPU_MODEL=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
[ -n "$CPU_MODEL" ] || CPU_MODEL=$(uname -m)
export WORK CPU_MODEL LOAD_BEFORE LOAD_AFTER REPS MIN_TIME CG_N CALLGRIND
export NPROC=$(nproc) KERNEL=$(uname -r) START_DATE
export PINNED=${MICRO_CPU:-}
export GBENCH_VERSION=$(dpkg-query -W -f='${Version}' libbenchmark-dev 2>/dev/null || echo "?")
python3 - >"$WORK/table.md" <<'EOF'
import json, os

E = os.environ
data = json.load(open(os.path.join(E["WORK"], "micro.json")))
ctx = data.get("context", {})
scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
rows = {}
for b in data["benchmarks"]:
    name = b.get("run_name", b["name"])
    agg = b.get("aggregate_name")
    if not agg and b.get("run_type") == "iteration":
        agg = "median"  # a single repetition: no aggregates
    if agg not in ("median", "cv"):
        continue
    r = rows.setdefault(name, {})
    if agg == "median":
        r["ns"] = b["real_time"] * scale[b.get("time_unit", "ns")]
        r["cpu_ns"] = b["cpu_time"] * scale[b.get("time_unit", "ns")]
        r["bps"] = b.get("bytes_per_second")
    else:
        r["cv"] = b["real_time"] * 100  # Google Benchmark reports CV as a fraction
ir = {}
irfile = os.path.join(E["WORK"], "ir.txt")
for line in open(irfile):
    name, value = line.split()
    ir[name] = int(value)

print(f"## Flowgate micro-benchmarks, {E['START_DATE']}")
print()
print(f"- Machine: {E['NPROC']} CPUs ({E['CPU_MODEL']}), kernel {E['KERNEL']}; "
      f"load average {E['LOAD_BEFORE']} before, {E['LOAD_AFTER']} after"
      + (f"; pinned to CPU {E['PINNED']}" if E["PINNED"] else ""))
build = ctx.get("library_build_type", "?")
print(f"- Google Benchmark {E['GBENCH_VERSION']} (Debian's libbenchmark-dev; it reports a "
      f"'{build}' library build, which only affects its bookkeeping outside the timed loops); "
      f"flowgate_micro built Release; {E['REPS']} repetitions of >= {E['MIN_TIME']} s each, "
      "median reported; CV = stddev/mean over the repetitions")
if E["CALLGRIND"]:
    print(f"- Ir/op: callgrind instructions of {E['CG_N']} operations in measuredLoop() "
          "(flowgate_micro_count) divided by their number; independent of the machine's load")
print("- Timings are wall-clock and depend on what else runs on the machine: compare rows of "
      "one run, and prefer Ir/op to compare builds")
print()
head = "| benchmark | median ns/op | CV % | MB/s |"
rule = "|---|---:|---:|---:|"
if E["CALLGRIND"]:
    head += " Ir/op |"
    rule += "---:|"
print(head)
print(rule)
for name, r in rows.items():
    if "ns" not in r:
        continue
    mbs = f"{r['bps'] / 1e6:,.0f}" if r.get("bps") else ""
    cv = f"{r['cv']:.1f}" if "cv" in r else ""
    ns = f"{r['ns']:,.1f}" if r["ns"] < 100 else f"{r['ns']:,.0f}"
    line = f"| {name} | {ns} | {cv} | {mbs} |"
    if E["CALLGRIND"]:
        line += f" {ir[name]:,} |" if name in ir else " |"
    print(line)
EOF
cat "$WORK/top.md" >>"$WORK/table.md"

cat "$WORK/table.md"
cp "$WORK/table.md" "$ROOT/bench/micro-results.md"
log "table written to bench/micro-results.md"
