#!/usr/bin/env bash
# Flowgate side-by-side benchmark (issue 5): one command, one markdown table.
#
#   bash bench/run.sh
#
# Installs wrk and nginx from Debian when missing, builds Flowgate when build/flowgate is
# missing, then on 127.0.0.1 only (ports picked free) starts, in a temporary directory:
#   upstream  nginx serving three fixed bodies (bench/data/): the GoToWebinar v2 session JSON,
#             the seed's WebEx GetTrainingSession answer (typo corrected) and customer 1;
#   proxy     nginx proxy_pass to the upstream, keep-alive pool done right;
#   flowgate  build/flowgate with a generated gateway.yaml (configs: customersUrl and
#             benchUpstream = the upstream nginx) and a work proxies directory: a copy of the
#             repository's proxies/ plus bench/data/proxies/ (row E's API and endpoint).
# and measures with wrk:
#   A  GET  upstream directly                       B  GET  through the nginx proxy
#   C  POST /services/gotowebinar_getSessionById    D  POST /services/webex_getTrainingSession
#   E  GET  /bench/session (kind: api, one call)    F  GET  /customers/1 (the customers example)
# Each target runs BENCH_RUNS times (rounds interleave A B C D E F), the median is reported.
# See bench/README.md for what every row means, process placement and caveats.
#
# Environment (all optional):
#   BENCH_DURATION=10        seconds per measured wrk run
#   BENCH_WARMUP=2           seconds of unmeasured warm-up per target (0 = none)
#   BENCH_RUNS=3             measured runs per target (median reported)
#   BENCH_CONNECTIONS=100    wrk connections for A-F
#   BENCH_BIG_CONNECTIONS=1000  connections of the single C and D runs for peak RSS
#   BENCH_READY_STARTS=5     starts timed for start-to-/readyz
#   BENCH_POOL=64            idle upstream connections kept: nginx 'keepalive N' and
#                            Flowgate upstream.maxIdlePerHost (the issue prescribes 64)
#   BENCH_PIN=1|0            pin servers and wrk to separate CPUs (default 1 when nproc >= 2)
#   BENCH_SERVER_CPUS=0      CPU list for nginx (both) and Flowgate when pinned
#   BENCH_CLIENT_CPUS=1      CPU list for wrk when pinned
#   BENCH_THREADS            Flowgate server.threads = nginx worker_processes
#                            (default: number of server CPUs when pinned, else nproc)
#   BENCH_WRK_THREADS        wrk -t (default: number of client CPUs when pinned, else 1)
#   BENCH_KEEP=1             keep the temporary directory (logs, configs, raw wrk output)
#   FLOWGATE_BIN             binary to measure (default build/flowgate)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=$ROOT/bench

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
RUNS=${BENCH_RUNS:-3}
CONNS=${BENCH_CONNECTIONS:-100}
BIG_CONNS=${BENCH_BIG_CONNECTIONS:-1000}
READY_STARTS=${BENCH_READY_STARTS:-5}
POOL=${BENCH_POOL:-64}
for v in DURATION WARMUP RUNS CONNS BIG_CONNS READY_STARTS POOL; do
  is_uint "${!v}" || die "$v must be a whole number (got '${!v}')"
done
((DURATION >= 1 && DURATION <= 600)) || die "BENCH_DURATION must be 1..600 seconds"
((RUNS >= 1 && RUNS <= 15)) || die "BENCH_RUNS must be 1..15"

# ---------------------------------------------------------------------------------------
# Tools: wrk and nginx from Debian (like scripts/setup.sh), python3 + curl for the checks.
# ---------------------------------------------------------------------------------------
PATH=$PATH:/usr/sbin:/sbin
install_missing() {
  local missing=()
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v nginx >/dev/null 2>&1 || missing+=(nginx)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "missing ${missing[*]}: run as root or install sudo"
    sudo="sudo"
  fi
  log "installing ${missing[*]} from Debian"
  # Installing the nginx package would start the system nginx service (port 80). The bench
  # never uses it: forbid service starts for the duration of the install, the standard
  # Debian way (policy-rc.d exit 101), unless a policy is already in place.
  local policy_added=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    policy_added=1
  fi
  local rc=0
  export DEBIAN_FRONTEND=noninteractive
  {
    timeout 900 $sudo apt-get update -qq &&
      timeout 900 $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  } || rc=$?
  [ -n "$policy_added" ] && $sudo rm -f /usr/sbin/policy-rc.d
  [ $rc -eq 0 ] || die "apt-get failed ($rc)"
}
install_missing

FLOWGATE=${FLOWGATE_BIN:-$ROOT/build/flowgate}
if [ ! -x "$FLOWGATE" ]; then
  [ -n "${FLOWGATE_BIN:-}" ] && die "FLOWGATE_BIN=$FLOWGATE is not executable"
  log "build/flowgate missing: building (scripts/setup.sh + scripts/build.sh)"
  timeout 900 bash scripts/setup.sh
  timeout 3600 bash scripts/build.sh
  [ -x "$FLOWGATE" ] || die "build did not produce $FLOWGATE"
fi

# ---------------------------------------------------------------------------------------
# Placement: servers on one CPU set, wrk on another (see README "Process placement").
# ---------------------------------------------------------------------------------------
NPROC=$(nproc)
count_cpus() {  # "0-2,5" -> 4
  local n=0 part a b
  IFS=, read -ra parts <<<"$1"
  for part in "${parts[@]}"; do
    if [[ $part =~ ^([0-9]+)-([0-9]+)$ ]]; then
      a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]}; n=$((n + b - a + 1))
    elif [[ $part =~ ^[0-9]+$ ]]; then
      n=$((n + 1))
    else
      die "bad CPU list '$1'"
    fi
  done
  echo "$n"
}
PIN=${BENCH_PIN:-$([ "$NPROC" -ge 2 ] && echo 1 || echo 0)}
SRV=() CLI=()
if [ "$PIN" = 1 ]; then
  SERVER_CPUS=${BENCH_SERVER_CPUS:-0}
  CLIENT_CPUS=${BENCH_CLIENT_CPUS:-1}
  SRV=(taskset -c "$SERVER_CPUS")
  CLI=(taskset -c "$CLIENT_CPUS")
  THREADS=${BENCH_THREADS:-$(count_cpus "$SERVER_CPUS")}
  WRK_THREADS=${BENCH_WRK_THREADS:-$(count_cpus "$CLIENT_CPUS")}
  PLACEMENT="pinned: nginx upstream + nginx proxy + Flowgate on CPU $SERVER_CPUS, wrk on CPU $CLIENT_CPUS"
else
  THREADS=${BENCH_THREADS:-$NPROC}
  WRK_THREADS=${BENCH_WRK_THREADS:-1}
  PLACEMENT="not pinned: every process may run on any of the $NPROC CPUs"
fi
is_uint "$THREADS" && ((THREADS >= 1)) || die "BENCH_THREADS must be >= 1"
is_uint "$WRK_THREADS" && ((WRK_THREADS >= 1)) || die "BENCH_WRK_THREADS must be >= 1"

# Enough descriptors for 1,000 client connections plus as many upstream connections.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
if [ "$NOFILE" != unlimited ] && ((NOFILE < 2 * BIG_CONNS + 256)); then
  log "warning: ulimit -n is $NOFILE: the $BIG_CONNS-connection runs may see socket errors"
fi

# ---------------------------------------------------------------------------------------
# Work directory, cleanup
# ---------------------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/flowgate-bench.XXXXXX")
chmod 755 "$WORK"   # nginx workers run as nobody when started by root
UP_PID="" PX_PID="" FG_PID=""
KEEP=${BENCH_KEEP:-0}

stop_pid() {  # TERM, wait up to 12 s (Flowgate drains up to 10 s), then KILL
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 120; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$FG_PID"
  stop_pid "$PX_PID"
  stop_pid "$UP_PID"
  if [ "$KEEP" = 1 ]; then
    log "kept $WORK (logs, configs, raw wrk output)"
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------
# Ports, configs, request bodies
# ---------------------------------------------------------------------------------------
read -r UP_PORT PX_PORT FG_PORT ADMIN_PORT < <(python3 - <<'EOF'
import socket
socks = []
for _ in range(4):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(*[s.getsockname()[1] for s in socks])
EOF
)
log "ports: upstream $UP_PORT, proxy $PX_PORT, flowgate $FG_PORT (admin $ADMIN_PORT); work dir $WORK"

G2W_PATH=/G2W/rest/v2/organizers/3697511743350317068/webinars/6487648931392511233/sessions/2167614
WEBEX_PATH=/WBXService/XMLService
ACCESS_TOKEN=UEGGrwswKRwB07lTOr0EoppdaxKo
G2W_BODY=$BENCH_DIR/data/g2w_session.json
WEBEX_BODY=$BENCH_DIR/data/webex_get_training_session.xml
CUSTOMER_PATH=/customers/1
CUSTOMER_BODY=$BENCH_DIR/data/customer_1.json

USER_LINE=""
[ "$(id -u)" -eq 0 ] && USER_LINE="user nobody nogroup;"

nginx_common() {  # $1 = directory
  cat <<EOF
$USER_LINE
worker_processes $THREADS;
worker_rlimit_nofile $([ "$NOFILE" = unlimited ] && echo 65536 || echo "$NOFILE");
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 8192; }
EOF
}
nginx_http_common() {
  cat <<EOF
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  client_body_temp_path $1/tmp/body;
  proxy_temp_path $1/tmp/proxy;
  fastcgi_temp_path $1/tmp/fastcgi;
  uwsgi_temp_path $1/tmp/uwsgi;
  scgi_temp_path $1/tmp/scgi;
EOF
}

mkdir -p "$WORK/upstream/tmp" "$WORK/proxy/tmp" "$WORK/flowgate"
cp "$G2W_BODY" "$WEBEX_BODY" "$CUSTOMER_BODY" "$WORK/upstream/"
chmod 644 "$WORK/upstream/"*.json "$WORK/upstream/"*.xml
chmod 755 "$WORK/upstream" "$WORK/proxy" "$WORK/flowgate"
{
  nginx_common "$WORK/upstream"
  echo "http {"
  nginx_http_common "$WORK/upstream"
  cat <<EOF
  server {
    listen 127.0.0.1:$UP_PORT backlog=4096;
    # Fixed bodies from files (bench/data/), kept open and in the page cache.
    open_file_cache max=16 inactive=600s;
    open_file_cache_valid 600s;
    location = $G2W_PATH {
      types { }
      default_type application/json;
      alias $WORK/upstream/g2w_session.json;
    }
    # The WebEx XML API is POST. The static module answers POST with 405: error_page turns
    # that into an internal GET of the same URI (the body is read and discarded), answered
    # 200 with the file.
    location = $WEBEX_PATH {
      types { }
      default_type text/xml;
      alias $WORK/upstream/webex_get_training_session.xml;
      error_page 405 =200 \$uri;
    }
    # The customers backend of proxies/examples/customer_by_id.yaml (row F): customer 1.
    location = $CUSTOMER_PATH {
      types { }
      default_type application/json;
      alias $WORK/upstream/customer_1.json;
    }
    location = /nginx_status { stub_status; }
    location / { return 404; }
  }
}
EOF
} >"$WORK/upstream/nginx.conf"

{
  nginx_common "$WORK/proxy"
  echo "http {"
  nginx_http_common "$WORK/proxy"
  cat <<EOF
  upstream backend {
    server 127.0.0.1:$UP_PORT;
    keepalive $POOL;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$PX_PORT backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
} >"$WORK/proxy/nginx.conf"

cat >"$WORK/flowgate/gateway.yaml" <<EOF
# generated by bench/run.sh
server:
  listen: 127.0.0.1:$FG_PORT
  threads: $THREADS
admin:
  listen: 127.0.0.1:$ADMIN_PORT
logging:
  level: warn          # no access lines: they would measure the log, not the gateway
upstream:
  maxIdlePerHost: $POOL  # = nginx proxy 'keepalive $POOL'
connectors:
  gotowebinar:
    allowedHosts: [127.0.0.1]
  webex:
    allowedHosts: [127.0.0.1]
configs:
  customersUrl: http://127.0.0.1:$UP_PORT   # the customers example (row F)
  benchUpstream: http://127.0.0.1:$UP_PORT  # bench/data/proxies/bench_session_endpoint.yaml (row E)
EOF

# The proxies Flowgate serves: the repository's proxies/ (A-D and F use them as shipped) plus
# row E's API and endpoint from bench/data/proxies/, in a subfolder of their own.
FG_PROXIES=$WORK/flowgate/proxies
cp -R "$ROOT/proxies" "$FG_PROXIES"
mkdir -p "$FG_PROXIES/bench"
cp "$BENCH_DIR/data/proxies/"*.yaml "$FG_PROXIES/bench/"

cat >"$WORK/c_body.json" <<EOF
{
  "apiUrl": "http://127.0.0.1:$UP_PORT",
  "accessToken": "$ACCESS_TOKEN",
  "organizerKey": "3697511743350317068",
  "clientId": "IJfcaqp3xC034WXD1GGlstejnJS41huo",
  "refreshToken": "MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm",
  "webinarKey": "6487648931392511233",
  "sessionKey": "2167614"
}
EOF
cat >"$WORK/d_body.json" <<EOF
{
  "siteUrl": "http://127.0.0.1:$UP_PORT", "webExID": "hostid", "password": "hostpassword",
  "siteID": "0000", "partnerID": "9999", "email": "johnsmith@xyz.com",
  "sessionKey": "76736484"
}
EOF

# ---------------------------------------------------------------------------------------
# Start the servers
# ---------------------------------------------------------------------------------------
wait_http() {  # PID URL: until URL answers 200 (at most 10 s) or PID exits
  local pid=$1 url=$2 i
  for ((i = 0; i < 200; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)" = 200 ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

"${SRV[@]}" nginx -p "$WORK/upstream/" -c "$WORK/upstream/nginx.conf" -e "$WORK/upstream/error.log" \
  -g 'daemon off;' >"$WORK/upstream/stdout.log" 2>&1 &
UP_PID=$!
"${SRV[@]}" nginx -p "$WORK/proxy/" -c "$WORK/proxy/nginx.conf" -e "$WORK/proxy/error.log" \
  -g 'daemon off;' >"$WORK/proxy/stdout.log" 2>&1 &
PX_PID=$!
"${SRV[@]}" "$FLOWGATE" serve --config "$WORK/flowgate/gateway.yaml" --proxies "$FG_PROXIES" \
  >"$WORK/flowgate/flowgate.log" 2>&1 &
FG_PID=$!

wait_http "$UP_PID" "http://127.0.0.1:$UP_PORT/nginx_status" ||
  { cat "$WORK/upstream/error.log" "$WORK/upstream/stdout.log" >&2; die "upstream nginx did not start"; }
wait_http "$PX_PID" "http://127.0.0.1:$PX_PORT/nginx_status" ||
  { cat "$WORK/proxy/error.log" "$WORK/proxy/stdout.log" >&2; die "proxy nginx did not start"; }
wait_http "$FG_PID" "http://127.0.0.1:$ADMIN_PORT/readyz" ||
  { cat "$WORK/flowgate/flowgate.log" >&2; die "flowgate did not become ready"; }
FG_RSS_IDLE_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$FG_PID/status")

# ---------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------
declare -A URL BODY WHAT HOP
URL[A]="http://127.0.0.1:$UP_PORT$G2W_PATH";  BODY[A]=""
URL[B]="http://127.0.0.1:$PX_PORT$G2W_PATH";  BODY[B]=""
URL[C]="http://127.0.0.1:$FG_PORT/services/gotowebinar_getSessionById"; BODY[C]="$WORK/c_body.json"
URL[D]="http://127.0.0.1:$FG_PORT/services/webex_getTrainingSession";   BODY[D]="$WORK/d_body.json"
URL[E]="http://127.0.0.1:$FG_PORT/bench/session";                      BODY[E]=""
URL[F]="http://127.0.0.1:$FG_PORT$CUSTOMER_PATH";                       BODY[F]=""
WHAT[A]="A: GET upstream nginx directly (G2W session JSON)"
WHAT[B]="B: GET through nginx proxy_pass"
WHAT[C]="C: POST Flowgate gotowebinar_getSessionById (v2, bearer)"
WHAT[D]="D: POST Flowgate webex_getTrainingSession (XML)"
WHAT[E]="E: GET Flowgate API /bench/session (one call, JSON pass-through)"
WHAT[F]="F: GET Flowgate API /customers/1 (the customers example)"
HOP[A]=upstream HOP[B]=proxy HOP[C]=flowgate HOP[D]=flowgate HOP[E]=flowgate HOP[F]=flowgate
TARGETS=(A B C D E F)

# Preflight: every target answers 200 with the expected body once before any measurement.
declare -A PREFLIGHT
same_json() {  # TEXT FILE: true when TEXT and FILE hold equal JSON documents
  python3 -c 'import json, sys; sys.exit(json.loads(sys.argv[1]) != json.load(open(sys.argv[2])))' \
    "$1" "$2" 2>/dev/null
}
preflight() {
  local t=$1 out code args=()
  [ -n "${BODY[$t]}" ] && args=(-H 'Content-Type: application/json' --data-binary "@${BODY[$t]}")
  [ -z "${BODY[$t]}" ] && args=(-H "Authorization: Bearer $ACCESS_TOKEN")
  out=$(curl -s --max-time 10 -w '\n%{http_code}' "${args[@]}" "${URL[$t]}" || true)
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  local ok=0
  case $t in
    A | B) [ "$code" = 200 ] && [ "$out" = "$(cat "$G2W_BODY")" ] && ok=1 ;;
    C) [ "$code" = 200 ] && [[ $out == *'"sessionKey":"2167614"'* ]] && ok=1 ;;
    D) [ "$code" = 200 ] && [[ $out == *'"sessionKey":"76736484"'* ]] && ok=1 ;;
    # Flowgate re-serializes the upstream's JSON: compare parsed documents, not bytes.
    E) [ "$code" = 200 ] && same_json "$out" "$G2W_BODY" && ok=1 ;;
    F) [ "$code" = 200 ] && [[ $out == *'"name":"Ada Lovelace"'* ]] &&
      [[ $out == *'"tier":"GOLD"'* ]] && ok=1 ;;
  esac
  if [ $ok = 1 ]; then
    PREFLIGHT[$t]="ok"
  else
    PREFLIGHT[$t]="FAILED ($code)"
    log "preflight $t FAILED: status $code, body: ${out:0:600}"
  fi
}
for t in "${TARGETS[@]}"; do preflight "$t"; done

# CPU accounting from /proc: utime+stime of a process and its direct children (nginx master
# + workers; Flowgate is one process, all its threads included).
CLK_TCK=$(getconf CLK_TCK)
tree_ticks() {  # PID...: prints one tick count per PID (process + direct children)
  local -A sum=()
  local p f line rest fields
  for p in "$@"; do sum[$p]=0; done
  for f in /proc/[0-9]*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue
    p=${f#/proc/}; p=${p%/stat}
    rest=${line##*) }
    read -ra fields <<<"$rest"
    # fields[0]=state [1]=ppid ... [11]=utime [12]=stime
    if [ -n "${sum[$p]+x}" ]; then
      sum[$p]=$((sum[$p] + fields[11] + fields[12]))
    elif [ -n "${sum[${fields[1]}]+x}" ]; then
      sum[${fields[1]}]=$((sum[${fields[1]}] + fields[11] + fields[12]))
    fi
  done
  for p in "$@"; do printf '%s ' "${sum[$p]}"; done
  echo
}
self_child_ticks() {  # cutime+cstime of this shell: every waited-for child (wrk, curl, ...)
  local line rest fields
  read -r line </proc/$$/stat
  rest=${line##*) }
  read -ra fields <<<"$rest"
  echo $((fields[13] + fields[14]))
}
sys_ticks() {  # "busy total steal" of the whole machine; busy = all but idle, iowait, steal
  # (irq and softirq count as busy: per-process accounting charges them to the process
  # that was running, so they are inside the bench processes' own ticks too)
  local _cpu user nice system idle iowait irq softirq steal _rest
  read -r _cpu user nice system idle iowait irq softirq steal _rest </proc/stat
  echo "$((user + nice + system + irq + softirq)) $((user + nice + system + idle + iowait + irq + softirq + steal)) $steal"
}
upstream_accepts() {
  curl -s --max-time 2 "http://127.0.0.1:$UP_PORT/nginx_status" | awk '/^ *[0-9]+ +[0-9]+ +[0-9]+/ {print $1; exit}'
}

RESULTS=$WORK/results.txt
: >"$RESULTS"

run_wrk() {  # TARGET CONNS SECONDS OUTFILE [script]
  local t=$1 c=$2 d=$3 out=$4 script=${5:-$BENCH_DIR/wrk.lua}
  local args=(-t"$WRK_THREADS" -c"$c" -d"${d}s" --timeout 5s --latency -s "$script")
  [ -z "${BODY[$t]}" ] && args+=(-H "Authorization: Bearer $ACCESS_TOKEN")
  args+=("${URL[$t]}")
  [ -n "${BODY[$t]}" ] && args+=(-- "${BODY[$t]}")
  # wrk's threads must not outnumber its connections
  ((c < WRK_THREADS)) && args[0]=-t$c
  timeout -k 5 $((d + 60)) "${CLI[@]}" wrk "${args[@]}" >"$out" 2>&1 || true
}

measure() {  # TARGET CONNS LABEL
  local t=$1 c=$2 label=$3 out="$WORK/wrk-$3.txt"
  local hop_pid
  case ${HOP[$t]} in upstream) hop_pid=$UP_PID ;; proxy) hop_pid=$PX_PID ;; flowgate) hop_pid=$FG_PID ;; esac
  local acc0 acc1 s0 s1 t0 t1 w0 w1
  acc0=$(upstream_accepts)
  read -r -a t0 <<<"$(tree_ticks "$hop_pid" "$UP_PID" "$PX_PID" "$FG_PID")"
  read -r -a s0 <<<"$(sys_ticks)"
  w0=$(self_child_ticks)
  run_wrk "$t" "$c" "$DURATION" "$out"
  w1=$(self_child_ticks)
  read -r -a s1 <<<"$(sys_ticks)"
  read -r -a t1 <<<"$(tree_ticks "$hop_pid" "$UP_PID" "$PX_PID" "$FG_PID")"
  acc1=$(upstream_accepts)
  local line
  line=$(grep '^BENCH ' "$out" | tail -1 || true)
  if [ -z "$line" ]; then
    log "run $label: wrk gave no result:"; sed 's/^/    /' "$out" >&2
    line="BENCH requests=0 duration_us=0 rps=0 p50_us=0 p99_us=0 connect=0 read=0 write=0 status=0 timeout=0 bytes=0 wrk_failed=1"
  fi
  local ours=$(((t1[1] - t0[1]) + (t1[2] - t0[2]) + (t1[3] - t0[3]) + (w1 - w0)))
  echo "target=$t label=$label conns=$c ${line#BENCH } hop_ticks=$((t1[0] - t0[0])) up_ticks=$((t1[1] - t0[1])) up_accepts=$((acc1 - acc0 - 1)) sys_busy=$((s1[0] - s0[0])) sys_total=$((s1[1] - s0[1])) sys_steal=$((s1[2] - s0[2])) ours=$ours" >>"$RESULTS"
  local rps p99 st
  rps=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")
  p99=$(sed -n 's/.* p99_us=\([0-9]*\).*/\1/p' <<<"$line")
  st=$(sed -n 's/.* status=\([0-9]*\).*/\1/p' <<<"$line")
  log "$(printf '%-8s %5s conns  %10s req/s  p99 %7s us  status>399: %s' "$label" "$c" "$rps" "$p99" "$st")"
}

START_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
TOTAL_EST=$(( (${#TARGETS[@]} * (RUNS * DURATION + WARMUP)) + 2 * DURATION + READY_STARTS ))
log "placement: $PLACEMENT; Flowgate threads = nginx workers = $THREADS; wrk -t$WRK_THREADS"
log "measuring: about ${TOTAL_EST}s"

if ((WARMUP > 0)); then
  for t in "${TARGETS[@]}"; do run_wrk "$t" "$CONNS" "$WARMUP" "$WORK/wrk-warmup-$t.txt"; done
fi
for ((r = 1; r <= RUNS; r++)); do
  for t in "${TARGETS[@]}"; do measure "$t" "$CONNS" "$t$r"; done
done
FG_HWM_100_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$FG_PID/status")
measure C "$BIG_CONNS" "C-big"
measure D "$BIG_CONNS" "D-big"
FG_HWM_BIG_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$FG_PID/status")
FG_THREADS_OS=$(awk '/^Threads:/ {print $2}' "/proc/$FG_PID/status")
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# A target with non-2xx answers gets a short diagnostic run (not counted) showing statuses
# and bodies; Flowgate's own warnings and errors are in its log.
DIAG=$WORK/diag.txt
: >"$DIAG"
for t in "${TARGETS[@]}"; do
  if awk -v t="$t" '$1 == "target=" t { for (i = 1; i <= NF; i++) if ($i ~ /^status=/ && $i != "status=0") bad = 1 } END { exit !bad }' "$RESULTS"; then
    log "target $t had non-2xx answers: diagnostic run"
    run_wrk "$t" "$CONNS" 3 "$WORK/wrk-diag-$t.txt" "$BENCH_DIR/wrk_diag.lua"
    { echo "target $t:"; grep '^DIAG' "$WORK/wrk-diag-$t.txt" | sed 's/^/  /'; } >>"$DIAG"
  fi
done
grep -E ' (warn|warning|error|critical) ' "$WORK/flowgate/flowgate.log" | sort | uniq -c | sort -rn | head -20 >"$WORK/flowgate-problems.txt" || true

# ---------------------------------------------------------------------------------------
# Start to ready: the measured instance is stopped first, then READY_STARTS fresh starts.
# ---------------------------------------------------------------------------------------
stop_pid "$FG_PID"
FG_PID=""
READY_MS=$("${CLI[@]}" python3 "$BENCH_DIR/readyz.py" "$ADMIN_PORT" "$READY_STARTS" -- \
  "${SRV[@]}" "$FLOWGATE" serve --config "$WORK/flowgate/gateway.yaml" --proxies "$FG_PROXIES" |
  awk '/^READY_MS/ {printf "%s ", $2}' || true)

# ---------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------
CPU_MODEL=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
[ -n "$CPU_MODEL" ] || CPU_MODEL=$(uname -m)
FG_VERSION=$("$FLOWGATE" version 2>/dev/null | head -1 || echo "?")
NGINX_VERSION=$(nginx -v 2>&1 | sed 's/.*nginx\///')
WRK_VERSION=$( (wrk -v 2>&1 || true) | awk 'NR == 1 {print $2}')
MEM_TOTAL=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
DEBIAN=$(cat /etc/debian_version 2>/dev/null || echo "?")

export RESULTS DIAG CLK_TCK NPROC CPU_MODEL START_DATE LOAD_BEFORE LOAD_AFTER THREADS WRK_THREADS \
  PLACEMENT DURATION RUNS CONNS BIG_CONNS FG_HWM_100_KB FG_HWM_BIG_KB FG_RSS_IDLE_KB READY_MS \
  READY_STARTS POOL FG_VERSION NGINX_VERSION WRK_VERSION MEM_TOTAL DEBIAN FG_THREADS_OS
for t in "${TARGETS[@]}"; do
  export "PREFLIGHT_$t=${PREFLIGHT[$t]}" "WHAT_$t=${WHAT[$t]}"
done
export TARGET_LIST="${TARGETS[*]}"
export KERNEL=$(uname -r)

python3 - >"$WORK/table.md" <<'EOF'
import os, statistics

E = os.environ
clk = int(E["CLK_TCK"])
runs = []
with open(E["RESULTS"]) as f:
    for line in f:
        d = dict(kv.split("=", 1) for kv in line.split())
        runs.append(d)

def num(d, k):
    return float(d.get(k, 0) or 0)

def by_label(pred):
    return [d for d in runs if pred(d)]

def med(xs):
    return statistics.median(xs) if xs else 0.0

def fmt_int(x):
    return f"{x:,.0f}"

def fmt_ms(us):
    return f"{us / 1000:.2f}"

def cpu10k(d, key):
    req = num(d, "requests")
    return num(d, key) / clk / req * 10000 if req else 0.0

def foreign_pct(d):
    tot = num(d, "sys_total")
    return max(0.0, num(d, "sys_busy") - num(d, "ours")) / tot * 100 if tot else 0.0

def steal_pct(d):
    tot = num(d, "sys_total")
    return num(d, "sys_steal") / tot * 100 if tot else 0.0

targets = E["TARGET_LIST"].split()
hop_name = {"A": "upstream nginx", "B": "nginx proxy"}
rows, summary = [], {}
main = {t: by_label(lambda d, t=t: d["target"] == t and d["label"] != t + "-big") for t in targets}
big = {t: by_label(lambda d, t=t: d["label"] == t + "-big") for t in "CD"}

def row(name, ds, t, note_extra=""):
    rps = med([num(d, "rps") for d in ds])
    p50 = med([num(d, "p50_us") for d in ds])
    p99 = med([num(d, "p99_us") for d in ds])
    non2xx = sum(int(num(d, "status")) for d in ds)
    sock = sum(int(num(d, "connect") + num(d, "read") + num(d, "write") + num(d, "timeout")) for d in ds)
    total_req = sum(int(num(d, "requests")) for d in ds)
    hop = med([cpu10k(d, "hop_ticks") for d in ds])
    up = med([cpu10k(d, "up_ticks") for d in ds])
    acc = med([num(d, "up_accepts") for d in ds])
    hop_s = f"{hop:.3f} ({hop_name.get(t, 'Flowgate')})"
    up_s = "(same)" if t == "A" else f"{up:.3f}"
    notes = []
    pf = E.get("PREFLIGHT_" + t, "")
    if pf and pf != "ok":
        notes.append(f"preflight {pf}")
    if t != "A":
        notes.append(f"upstream conns opened/run: {acc:.0f}")
    if any(d.get("wrk_failed") for d in ds):
        notes.append("wrk FAILED in a run")
    if note_extra:
        notes.append(note_extra + ("met" if p99 < 5000 else "NOT met"))
    rows.append(f"| {name} | {fmt_int(rps)} | {fmt_ms(p50)} | {fmt_ms(p99)} | {non2xx} | {sock} | {total_req:,} | {hop_s} | {up_s} | {'; '.join(notes)} |")
    return rps, p99

rps = {}
for t in targets:
    rps[t], _ = row(E["WHAT_" + t] + f" @{E['CONNS']}", main[t], t,
                    "target p99 < 5 ms: " if t == "C" else "")
for t in "CD":
    row(E["WHAT_" + t].split(" (")[0] + f" @{E['BIG_CONNS']} (1 run)", big[t], t)

def ratio_row(name, a, b, target=None):
    r = rps[a] / rps[b] if rps[b] else 0.0
    note = f"target >= {target}: " + ("met" if r >= target else "NOT met") if target else ""
    rows.append(f"| {name} (req/s ratio) | {r:.2f} | | | | | | | | {note} |")

ratio_row("C/B", "C", "B", 0.9)
ratio_row("E/B", "E", "B", 0.9)
ratio_row("F/B", "F", "B")
ratio_row("C/A", "C", "A")
ratio_row("D/C", "D", "C", 0.6)
hwm100 = int(E["FG_HWM_100_KB"]) / 1024
hwmbig = int(E["FG_HWM_BIG_KB"]) / 1024
idle = int(E["FG_RSS_IDLE_KB"]) / 1024
rows.append(f"| Flowgate peak RSS (VmHWM) after the @{E['CONNS']} runs | {hwm100:.1f} MiB | | | | | | | | RSS right after start: {idle:.1f} MiB |")
rows.append(f"| Flowgate peak RSS (VmHWM) after the @{E['BIG_CONNS']} runs | {hwmbig:.1f} MiB | | | | | | | | target < 64 MB: " + ("met" if hwmbig * 1048576 < 64e6 else "NOT met") + " |")
ready = [float(x) for x in E.get("READY_MS", "").split()]
if ready:
    r = med(ready)
    rows.append(f"| Flowgate start to /readyz 200 (python3 poll loop), median of {len(ready)} | {r:.1f} ms | | | | | | | | all: {', '.join(f'{x:.1f}' for x in ready)} ms; target < 50 ms: " + ("met" if r < 50 else "NOT met") + " |")
else:
    rows.append(f"| Flowgate start to /readyz 200 | FAILED | | | | | | | | no start became ready |")

measured = [d for d in runs]
fp = [foreign_pct(d) for d in measured]
sp = [steal_pct(d) for d in measured]

print(f"## Flowgate benchmark, {E['START_DATE']}")
print()
print(f"- Machine: {E['NPROC']} CPUs ({E['CPU_MODEL']}), {E['MEM_TOTAL']} RAM, kernel {E['KERNEL']}, Debian {E['DEBIAN']}")
print(f"- Software: {E['FG_VERSION']}, nginx {E['NGINX_VERSION']}, wrk {E['WRK_VERSION']}")
print(f"- Flowgate server.threads = nginx worker_processes = {E['THREADS']} (Flowgate process: {E['FG_THREADS_OS']} OS threads); idle upstream connections kept: {E['POOL']} (nginx keepalive = Flowgate maxIdlePerHost); wrk -t{E['WRK_THREADS']}")
print(f"- Placement: {E['PLACEMENT']}")
print(f"- Each @{E['CONNS']} row: median of {E['RUNS']} runs of {E['DURATION']} s (rounds interleave {' '.join(targets)}); error columns and requests are totals over the runs")
print(f"- Noise: load average {E['LOAD_BEFORE']} before, {E['LOAD_AFTER']} after; CPU used by processes outside the bench during the runs: median {med(fp):.0f} %, max {max(fp or [0]):.0f} % of the machine; steal {max(sp or [0]):.0f} % max")
print()
print(f"| row | req/s (or value) | p50 ms | p99 ms | non-2xx | socket errors | requests | CPU-s / 10k req (hop) | CPU-s / 10k req (upstream nginx) | notes |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for r in rows:
    print(r)
diag = open(E["DIAG"]).read().strip()
if diag:
    print()
    print("Non-2xx diagnostics (separate short run, not counted):")
    print()
    print("```")
    print(diag)
    print("```")
EOF

cat "$WORK/table.md"
cp "$WORK/table.md" "$BENCH_DIR/last-results.md"
if [ -s "$WORK/flowgate-problems.txt" ]; then
  log "Flowgate logged warnings/errors (count, line):"
  sed 's/^/    /' "$WORK/flowgate-problems.txt" >&2
fi
if grep -q 'status=[1-9]\|connect=[1-9]\|read=[1-9]\|write=[1-9]\|timeout=[1-9]\|wrk_failed' "$RESULTS"; then
  log "some runs had errors: keeping $WORK for inspection"
  KEEP=1
fi
log "table written to bench/last-results.md"
