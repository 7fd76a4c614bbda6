#!/usr/bin/env bash
# Flowgate side-by-side benchmark (issue 5, "Performance round 2"): one command, markdown tables.
#
#   bash bench/run.sh
#
# Installs wrk, nginx, valgrind and a C compiler from Debian when missing, builds Flowgate
# when build/flowgate is missing, then on 127.0.0.1 only (ports picked free) starts, in a
# temporary directory:
#   upstream   nginx serving three fixed bodies (bench/data/): the GoToWebinar v2 session
#              JSON, the seed's WebEx GetTrainingSession answer (typo corrected), customer 1;
#   proxy      nginx proxy_pass to the upstream, upstream keep-alive pool that holds at the
#              benchmark's connection count (keepalive = BENCH_POOL, default = connections);
#   proxy64    the same nginx with 'keepalive 64' (BENCH_VARIANT_POOL): the variant rows;
#   flowgate   build/flowgate with a generated gateway.yaml (maxIdlePerHost = BENCH_POOL,
#              configs customersUrl and benchUpstream = the upstream nginx) and a work
#              proxies directory: a copy of proxies/ plus bench/data/proxies/ (row E);
#   flowgate64 the same Flowgate with maxIdlePerHost = BENCH_VARIANT_POOL.
# and measures with wrk (closed loop):
#   A  GET  upstream directly                       B  GET  through the nginx proxy
#   C  POST /services/gotowebinar_getSessionById    D  POST /services/webex_getTrainingSession
#   E  GET  /bench/session (kind: api, one call)    F  GET  /customers/1 (the customers example)
#   H  GET  through bench/floor's beast_floor --lean: the least a proxy on Flowgate's own stack
#      (Asio coroutines, Beast's parser, beast streams) does, heads rendered as Flowgate does
#   Hb the same floor writing with Beast's serializer, as Beast's examples do
#   B64, C64  B and C with pools of 64
# Each target runs BENCH_RUNS times (rounds interleave the targets), the median is reported.
# Then: B, C and E open loop at half of B's req/s (bench/openloop.c), Flowgate's RSS at
# 10,000 idle keep-alive connections plus 100 busy ones (bench/idle_conns.py + wrk), start to
# /readyz, and instructions per request under callgrind (the nginx proxy and Flowgate as
# whole servers, bench/seq_requests.py; Flowgate's pieces with flowgate_micro_count).
# See bench/README.md for what every row means, process placement and caveats.
#
# Environment (all optional):
#   BENCH_DURATION=10        seconds per measured wrk run (and per open-loop run)
#   BENCH_WARMUP=2           seconds of unmeasured warm-up per target (0 = none)
#   BENCH_RUNS=3             measured runs per target (median reported)
#   BENCH_CONNECTIONS=100    wrk connections for A-F
#   BENCH_BIG_CONNECTIONS=1000  connections of the single C and D runs for peak RSS
#   BENCH_READY_STARTS=11    starts timed for start-to-/readyz
#   BENCH_POOL               idle upstream connections kept: nginx 'keepalive N' and
#                            Flowgate upstream.maxIdlePerHost (default: BENCH_CONNECTIONS)
#   BENCH_VARIANT_POOL=64    the same for rows B64 and C64 (0 = no variant rows)
#   BENCH_OPENLOOP=1|0       the open-loop rows (rate: half of B's median req/s)
#   BENCH_OPENLOOP_RATE      fixed offered rate instead (req/s)
#   BENCH_IDLE_CONNECTIONS=10000  idle keep-alive connections of the RSS row (0 = skip)
#   BENCH_IDLE_BUSY_SECONDS=5     seconds of wrk on C (BENCH_CONNECTIONS) during it
#   BENCH_CALLGRIND=1|0      the callgrind rows
#   BENCH_CALLGRIND_REQUESTS=500   requests counted per server target under callgrind
#   BENCH_CALLGRIND_MICRO_N=200    operations per flowgate_micro_count piece
#   BENCH_PIN=1|0            pin servers and wrk to separate CPUs (default 1 when nproc >= 2)
#   BENCH_SERVER_CPUS=0      CPU list for nginx (all) and Flowgate when pinned
#   BENCH_CLIENT_CPUS=1      CPU list for wrk and the other clients when pinned
#   BENCH_THREADS            Flowgate server.threads = nginx worker_processes
#                            (default: number of server CPUs when pinned, else nproc)
#   BENCH_WRK_THREADS        wrk -t (default: number of client CPUs when pinned, else 1)
#   BENCH_KEEP=1             keep the temporary directory (logs, configs, raw wrk output)
#   FLOWGATE_BIN             binary to measure (default build/flowgate)
#   BEAST_FLOOR_BIN          beast_floor for rows H and Hb (default: next to FLOWGATE_BIN,
#                            else build-bench/; missing = rows H and Hb skipped)
#   FLOWGATE_MICRO_COUNT_BIN flowgate_micro_count for the pieces (default: next to
#                            FLOWGATE_BIN, else build-bench/; missing = pieces skipped)
#   BENCH_PROXIES            the proxies directory to serve (default: the repository's
#                            proxies/; point it at the tree FLOWGATE_BIN was built from)
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
READY_STARTS=${BENCH_READY_STARTS:-11}
POOL=${BENCH_POOL:-$CONNS}
VPOOL=${BENCH_VARIANT_POOL:-64}
OPENLOOP=${BENCH_OPENLOOP:-1}
OL_RATE_FIXED=${BENCH_OPENLOOP_RATE:-}
IDLE_CONNS=${BENCH_IDLE_CONNECTIONS:-10000}
IDLE_BUSY_SECONDS=${BENCH_IDLE_BUSY_SECONDS:-5}
CALLGRIND=${BENCH_CALLGRIND:-1}
CONSOLE=${BENCH_CONSOLE:-0}  # 1: the operations console's polling runs during the rows
CG_REQUESTS=${BENCH_CALLGRIND_REQUESTS:-500}
CG_MICRO_N=${BENCH_CALLGRIND_MICRO_N:-200}
for v in DURATION WARMUP RUNS CONNS BIG_CONNS READY_STARTS POOL VPOOL IDLE_CONNS \
  IDLE_BUSY_SECONDS CG_REQUESTS CG_MICRO_N; do
  is_uint "${!v}" || die "$v must be a whole number (got '${!v}')"
done
((DURATION >= 1 && DURATION <= 600)) || die "BENCH_DURATION must be 1..600 seconds"
((RUNS >= 1 && RUNS <= 15)) || die "BENCH_RUNS must be 1..15"
((CG_REQUESTS >= 1)) || die "BENCH_CALLGRIND_REQUESTS must be >= 1"
[ -z "$OL_RATE_FIXED" ] || is_uint "$OL_RATE_FIXED" || die "BENCH_OPENLOOP_RATE must be a whole number"

# ---------------------------------------------------------------------------------------
# Tools: wrk and nginx from Debian (like scripts/setup.sh), python3 + curl for the checks,
# valgrind for the callgrind rows, a C compiler for bench/openloop.c.
# ---------------------------------------------------------------------------------------
PATH=$PATH:/usr/sbin:/sbin
install_missing() {
  local missing=()
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v nginx >/dev/null 2>&1 || missing+=(nginx)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
  if [ "$CALLGRIND" = 1 ]; then command -v valgrind >/dev/null 2>&1 || missing+=(valgrind); fi
  command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
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
MICRO_COUNT=${FLOWGATE_MICRO_COUNT_BIN:-}
if [ -z "$MICRO_COUNT" ]; then
  for m in "$(dirname "$FLOWGATE")/flowgate_micro_count" "$ROOT/build-bench/flowgate_micro_count"; do
    [ -x "$m" ] && { MICRO_COUNT=$m; break; }
  done
fi
[ -z "${FLOWGATE_MICRO_COUNT_BIN:-}" ] || [ -x "$MICRO_COUNT" ] ||
  die "FLOWGATE_MICRO_COUNT_BIN=$MICRO_COUNT is not executable"
FLOOR=${BEAST_FLOOR_BIN:-}
if [ -z "$FLOOR" ]; then
  for m in "$(dirname "$FLOWGATE")/beast_floor" "$ROOT/build-bench/beast_floor"; do
    [ -x "$m" ] && { FLOOR=$m; break; }
  done
fi
[ -z "${BEAST_FLOOR_BIN:-}" ] || [ -x "$FLOOR" ] || die "BEAST_FLOOR_BIN=$FLOOR is not executable"
[ -n "$FLOOR" ] || log "no beast_floor (build with -DFLOWGATE_BENCH=ON): rows H and Hb skipped"
PROXIES_SRC=${BENCH_PROXIES:-$ROOT/proxies}
[ -d "$PROXIES_SRC" ] || die "BENCH_PROXIES=$PROXIES_SRC is not a directory"

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
  PLACEMENT="pinned: nginx upstream + nginx proxies + Flowgate on CPU $SERVER_CPUS, wrk and the other clients on CPU $CLIENT_CPUS"
else
  THREADS=${BENCH_THREADS:-$NPROC}
  WRK_THREADS=${BENCH_WRK_THREADS:-1}
  PLACEMENT="not pinned: every process may run on any of the $NPROC CPUs"
fi
is_uint "$THREADS" && ((THREADS >= 1)) || die "BENCH_THREADS must be >= 1"
is_uint "$WRK_THREADS" && ((WRK_THREADS >= 1)) || die "BENCH_WRK_THREADS must be >= 1"

# Enough descriptors for 1,000 client connections plus as many upstream connections, and
# for the RSS row's idle connections plus the busy ones (each process holds one end).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
if [ "$NOFILE" != unlimited ] && ((NOFILE < 2 * BIG_CONNS + 256)); then
  log "warning: ulimit -n is $NOFILE: the $BIG_CONNS-connection runs may see socket errors"
fi
if [ "$NOFILE" != unlimited ] && ((NOFILE < IDLE_CONNS + 2 * CONNS + 256)); then
  log "warning: ulimit -n is $NOFILE: the $IDLE_CONNS idle connections will not all open"
fi
# Flowgate's server.maxConnections: above the RSS row's idle + busy connections.
MAX_CONNS=$((IDLE_CONNS + BIG_CONNS + CONNS + 1000))

# ---------------------------------------------------------------------------------------
# Work directory, cleanup
# ---------------------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/flowgate-bench.XXXXXX")
chmod 755 "$WORK"   # nginx workers run as nobody when started by root
UP_PID="" PX_PID="" PX64_PID="" FG_PID="" FG64_PID="" FL_PID="" FLB_PID="" IDLE_PID="" CG_PID=""
POLL_PID=""
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
  stop_pid "$POLL_PID"
  stop_pid "$IDLE_PID"
  stop_pid "$CG_PID"
  stop_pid "$FG64_PID"
  stop_pid "$FG_PID"
  stop_pid "$FL_PID"
  stop_pid "$FLB_PID"
  stop_pid "$PX64_PID"
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
read -r UP_PORT PX_PORT FG_PORT ADMIN_PORT PX64_PORT FG64_PORT ADMIN64_PORT CG_PORT FL_PORT FLB_PORT < <(python3 - <<'EOF'
import socket
socks = []
for _ in range(10):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(*[s.getsockname()[1] for s in socks])
EOF
)
log "ports: upstream $UP_PORT, proxy $PX_PORT (pool $POOL), proxy64 $PX64_PORT, flowgate $FG_PORT (admin $ADMIN_PORT), flowgate64 $FG64_PORT (admin $ADMIN64_PORT); work dir $WORK"

G2W_PATH=/G2W/rest/v2/organizers/3697511743350317068/webinars/6487648931392511233/sessions/2167614
WEBEX_PATH=/WBXService/XMLService
ACCESS_TOKEN=UEGGrwswKRwB07lTOr0EoppdaxKo
G2W_BODY=$BENCH_DIR/data/g2w_session.json
WEBEX_BODY=$BENCH_DIR/data/webex_get_training_session.xml
CUSTOMER_PATH=/customers/1
CUSTOMER_BODY=$BENCH_DIR/data/customer_1.json
SOAP_PATH=/calculator.asmx
SOAP_BODY=$BENCH_DIR/data/soap_add_response.xml

USER_LINE=""
[ "$(id -u)" -eq 0 ] && USER_LINE="user nobody nogroup;"

nginx_common() {  # $1 = directory [$2 = extra main-context lines]
  cat <<EOF
$USER_LINE
${2:-}
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
  keepalive_timeout 600s;
  client_body_temp_path $1/tmp/body;
  proxy_temp_path $1/tmp/proxy;
  fastcgi_temp_path $1/tmp/fastcgi;
  uwsgi_temp_path $1/tmp/uwsgi;
  scgi_temp_path $1/tmp/scgi;
EOF
}

mkdir -p "$WORK/upstream/tmp" "$WORK/proxy/tmp" "$WORK/proxy64/tmp" "$WORK/proxycg/tmp" "$WORK/flowgate"
cp "$G2W_BODY" "$WEBEX_BODY" "$CUSTOMER_BODY" "$SOAP_BODY" "$WORK/upstream/"
chmod 644 "$WORK/upstream/"*.json "$WORK/upstream/"*.xml
chmod 755 "$WORK/upstream" "$WORK/proxy" "$WORK/proxy64" "$WORK/proxycg" "$WORK/flowgate"
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
    # The SOAP calculator of proxies/examples/soap_calculator.yaml (row G): Add's answer,
    # POST as for WebEx.
    location = $SOAP_PATH {
      types { }
      default_type "text/xml; charset=utf-8";
      alias $WORK/upstream/soap_add_response.xml;
      error_page 405 =200 \$uri;
    }
    location = /nginx_status { stub_status; }
    location / { return 404; }
  }
}
EOF
} >"$WORK/upstream/nginx.conf"

# The nginx proxy, as nginx's documentation recommends for keep-alive to an upstream: a
# 'keepalive' pool per worker that holds every connection the load keeps busy (the
# benchmark's connection count), requests and idle time per pooled connection high enough
# that none is closed during the script, HTTP/1.1 and no "Connection: close" upstream.
proxy_conf() {  # DIR PORT POOL [main-context lines]
  nginx_common "$1" "${4:-}"
  echo "http {"
  nginx_http_common "$1"
  cat <<EOF
  upstream backend {
    server 127.0.0.1:$UP_PORT;
    keepalive $3;
    keepalive_requests 1000000;
    keepalive_timeout 600s;
  }
  server {
    listen 127.0.0.1:$2 backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
}
proxy_conf "$WORK/proxy" "$PX_PORT" "$POOL" >"$WORK/proxy/nginx.conf"
proxy_conf "$WORK/proxy64" "$PX64_PORT" "$VPOOL" >"$WORK/proxy64/nginx.conf"
# The callgrind copy: one process (no master), one worker's work, the main pool.
proxy_conf "$WORK/proxycg" "$CG_PORT" "$POOL" "master_process off;" |
  sed 's/^worker_processes .*/worker_processes 1;/' >"$WORK/proxycg/nginx.conf"

gateway_yaml() {  # PORT ADMIN_PORT POOL
  cat <<EOF
# generated by bench/run.sh
server:
  listen: 127.0.0.1:$1
  threads: $THREADS
  maxConnections: $MAX_CONNS  # above the RSS row's $IDLE_CONNS idle + the busy connections
  idleTimeout: 600s           # the idle connections of the RSS row stay open
admin:
  listen: 127.0.0.1:$2
logging:
  level: warn          # no access lines: they would measure the log, not the gateway
upstream:
  maxIdlePerHost: $3  # = the nginx proxy's 'keepalive $3'
connectors:
  gotowebinar:
    allowedHosts: [127.0.0.1]
  webex:
    allowedHosts: [127.0.0.1]
configs:
  customersUrl: http://127.0.0.1:$UP_PORT   # the customers example (row F)
  calculatorUrl: http://127.0.0.1:$UP_PORT/calculator.asmx   # the SOAP example (row G)
  benchUpstream: http://127.0.0.1:$UP_PORT  # bench/data/proxies/bench_session_endpoint.yaml (row E)
EOF
}
gateway_yaml "$FG_PORT" "$ADMIN_PORT" "$POOL" >"$WORK/flowgate/gateway.yaml"
gateway_yaml "$FG64_PORT" "$ADMIN64_PORT" "$VPOOL" >"$WORK/flowgate/gateway64.yaml"

# The proxies Flowgate serves: the repository's proxies/ (A-D and F use them as shipped) plus
# row E's API and endpoint from bench/data/proxies/, in a subfolder of their own.
FG_PROXIES=$WORK/flowgate/proxies
cp -R "$PROXIES_SRC" "$FG_PROXIES"
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
echo '{"a": 2, "b": 3}' >"$WORK/g_body.json"
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
if [ -n "$FLOOR" ]; then
  "${SRV[@]}" "$FLOOR" --lean --threads "$THREADS" "$FL_PORT" "$UP_PORT" "$G2W_PATH" \
    >"$WORK/floor.log" 2>&1 &
  FL_PID=$!
  "${SRV[@]}" "$FLOOR" --threads "$THREADS" "$FLB_PORT" "$UP_PORT" "$G2W_PATH" \
    >"$WORK/floor-beast.log" 2>&1 &
  FLB_PID=$!
fi
if ((VPOOL > 0)); then
  "${SRV[@]}" nginx -p "$WORK/proxy64/" -c "$WORK/proxy64/nginx.conf" -e "$WORK/proxy64/error.log" \
    -g 'daemon off;' >"$WORK/proxy64/stdout.log" 2>&1 &
  PX64_PID=$!
  "${SRV[@]}" "$FLOWGATE" serve --config "$WORK/flowgate/gateway64.yaml" --proxies "$FG_PROXIES" \
    >"$WORK/flowgate/flowgate64.log" 2>&1 &
  FG64_PID=$!
fi

wait_http "$UP_PID" "http://127.0.0.1:$UP_PORT/nginx_status" ||
  { cat "$WORK/upstream/error.log" "$WORK/upstream/stdout.log" >&2; die "upstream nginx did not start"; }
wait_http "$PX_PID" "http://127.0.0.1:$PX_PORT/nginx_status" ||
  { cat "$WORK/proxy/error.log" "$WORK/proxy/stdout.log" >&2; die "proxy nginx did not start"; }
wait_http "$FG_PID" "http://127.0.0.1:$ADMIN_PORT/readyz" ||
  { cat "$WORK/flowgate/flowgate.log" >&2; die "flowgate did not become ready"; }
FG_RSS_IDLE_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$FG_PID/status")
if [ -n "$FLOOR" ]; then
  wait_http "$FL_PID" "http://127.0.0.1:$FL_PORT$G2W_PATH" ||
    { cat "$WORK/floor.log" >&2; die "beast_floor --lean did not start"; }
  wait_http "$FLB_PID" "http://127.0.0.1:$FLB_PORT$G2W_PATH" ||
    { cat "$WORK/floor-beast.log" >&2; die "beast_floor did not start"; }
fi
if [ "$CONSOLE" = 1 ]; then
  "${CLI[@]}" python3 "$BENCH_DIR/console_poll.py" "$ADMIN_PORT" 2>>"$WORK/console_poll.log" &
  POLL_PID=$!
  log "operations console polling the admin listener every 2 s (BENCH_CONSOLE=1)"
fi
if ((VPOOL > 0)); then
  wait_http "$PX64_PID" "http://127.0.0.1:$PX64_PORT/nginx_status" ||
    { cat "$WORK/proxy64/error.log" "$WORK/proxy64/stdout.log" >&2; die "proxy64 nginx did not start"; }
  wait_http "$FG64_PID" "http://127.0.0.1:$ADMIN64_PORT/readyz" ||
    { cat "$WORK/flowgate/flowgate64.log" >&2; die "flowgate64 did not become ready"; }
fi

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
URL[G]="http://127.0.0.1:$FG_PORT/calculator/add";                     BODY[G]="$WORK/g_body.json"
WHAT[A]="A: GET upstream nginx directly (G2W session JSON)"
WHAT[B]="B: GET through nginx proxy_pass"
WHAT[C]="C: POST Flowgate gotowebinar_getSessionById (v2, bearer)"
WHAT[D]="D: POST Flowgate webex_getTrainingSession (XML)"
WHAT[E]="E: GET Flowgate API /bench/session (one call, JSON pass-through)"
WHAT[F]="F: GET Flowgate API /customers/1 (the customers example)"
WHAT[G]="G: POST Flowgate API /calculator/add (JSON in, SOAP 1.1 out, XPath back to JSON)"
HOP[A]=upstream HOP[B]=proxy HOP[C]=flowgate HOP[D]=flowgate HOP[E]=flowgate HOP[F]=flowgate
HOP[G]=flowgate
TARGETS=(A B C D E F G)
if [ -n "$FLOOR" ]; then
  # The floor ignores the path: every request is the same GET of the G2W session upstream.
  URL[H]="http://127.0.0.1:$FL_PORT$G2W_PATH";  BODY[H]=""
  URL[Hb]="http://127.0.0.1:$FLB_PORT$G2W_PATH"; BODY[Hb]=""
  WHAT[H]="H: GET through the Beast/Asio floor (bench/floor, --lean: heads rendered by hand)"
  WHAT[Hb]="Hb: GET through the Beast/Asio floor with Beast's serializer"
  HOP[H]=floor HOP[Hb]=floorb
  TARGETS+=(H Hb)
fi
if ((VPOOL > 0)); then
  URL[B64]="http://127.0.0.1:$PX64_PORT$G2W_PATH"; BODY[B64]=""
  URL[C64]="http://127.0.0.1:$FG64_PORT/services/gotowebinar_getSessionById"; BODY[C64]="$WORK/c_body.json"
  WHAT[B64]="B64: B with nginx 'keepalive $VPOOL'"
  WHAT[C64]="C64: C with Flowgate maxIdlePerHost $VPOOL"
  HOP[B64]=proxy64 HOP[C64]=flowgate64
  TARGETS+=(B64 C64)
fi

# Every target's request as raw bytes, as wrk sends it (Host, then Authorization or
# Content-Type and Content-Length): for bench/openloop.c, idle_conns.py and seq_requests.py.
raw_request() {  # TARGET FILE
  python3 - "${URL[$1]}" "${BODY[$1]}" "$ACCESS_TOKEN" >"$2" <<'EOF'
import sys, urllib.parse
url, body, token = sys.argv[1:4]
u = urllib.parse.urlsplit(url)
head = []
if body:
    data = open(body, "rb").read()
    head = [f"POST {u.path} HTTP/1.1", f"Host: {u.netloc}", "Content-Type: application/json",
            f"Content-Length: {len(data)}"]
else:
    data = b""
    head = [f"GET {u.path} HTTP/1.1", f"Host: {u.netloc}", f"Authorization: Bearer {token}"]
sys.stdout.buffer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
EOF
}
for t in "${TARGETS[@]}"; do raw_request "$t" "$WORK/raw-$t.http"; done

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
    A | B | B64 | H | Hb) [ "$code" = 200 ] && [ "$out" = "$(cat "$G2W_BODY")" ] && ok=1 ;;
    C | C64) [ "$code" = 200 ] && [[ $out == *'"sessionKey":"2167614"'* ]] && ok=1 ;;
    D) [ "$code" = 200 ] && [[ $out == *'"sessionKey":"76736484"'* ]] && ok=1 ;;
    # Flowgate re-serializes the upstream's JSON: compare parsed documents, not bytes.
    E) [ "$code" = 200 ] && same_json "$out" "$G2W_BODY" && ok=1 ;;
    F) [ "$code" = 200 ] && [[ $out == *'"name":"Ada Lovelace"'* ]] &&
      [[ $out == *'"tier":"GOLD"'* ]] && ok=1 ;;
    G) [ "$code" = 200 ] && [ "$out" = '{"operation":"add","result":5}' ] && ok=1 ;;
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

hop_pid_of() {
  case ${HOP[$1]} in
    upstream) echo "$UP_PID" ;; proxy) echo "$PX_PID" ;; proxy64) echo "$PX64_PID" ;;
    flowgate) echo "$FG_PID" ;; flowgate64) echo "$FG64_PID" ;;
    floor) echo "$FL_PID" ;; floorb) echo "$FLB_PID" ;;
  esac
}
run_openloop() {  # TARGET RATE SECONDS OUTFILE: open loop, 2 s of unrecorded warm-up first
  timeout -k 5 $(($3 + 30)) "${CLI[@]}" "$OPENLOOP_BIN" -p "${URL[$1]#http://127.0.0.1:}" \
    -r "$2" -d "$3" -w 2 -c "$CONNS" -q "$WORK/raw-$1.http" >"$4" 2>&1 || true
}

# One measured run: wrk (closed loop, KIND main or big) or openloop (KIND openloop, RATE),
# with the CPU ticks of the hop, of the upstream and of the whole machine around it, and
# the upstream's accepted connections (stub_status, its own request subtracted).
measure() {  # TARGET CONNS LABEL KIND [RATE]
  local t=$1 c=$2 label=$3 kind=$4 rate=${5:-} out="$WORK/run-$3.txt"
  local hop_pid
  hop_pid=$(hop_pid_of "$t")
  local pids=("$UP_PID" "$PX_PID" "$FG_PID")
  [ -n "$PX64_PID" ] && pids+=("$PX64_PID")
  [ -n "$FG64_PID" ] && pids+=("$FG64_PID")
  [ -n "$FL_PID" ] && pids+=("$FL_PID" "$FLB_PID")
  local acc0 acc1 s0 s1 t0 t1 w0 w1
  acc0=$(upstream_accepts)
  read -r -a t0 <<<"$(tree_ticks "$hop_pid" "${pids[@]}")"
  read -r -a s0 <<<"$(sys_ticks)"
  w0=$(self_child_ticks)
  # the upstream's accepts 1 s into the run too: connections opened after the first second
  # are the ones a pool that does not hold keeps opening (see README, "Connections opened")
  (sleep 1; upstream_accepts >"$WORK/acc-mid") &
  local mid_pid=$!
  if [ "$kind" = openloop ]; then
    run_openloop "$t" "$rate" "$DURATION" "$out"
  else
    run_wrk "$t" "$c" "$DURATION" "$out"
  fi
  w1=$(self_child_ticks)
  read -r -a s1 <<<"$(sys_ticks)"
  read -r -a t1 <<<"$(tree_ticks "$hop_pid" "${pids[@]}")"
  wait "$mid_pid" 2>/dev/null || true
  acc1=$(upstream_accepts)
  local accm
  accm=$(cat "$WORK/acc-mid" 2>/dev/null || echo "$acc0")
  local line
  if [ "$kind" = openloop ]; then
    line=$(grep '^OPENLOOP ' "$out" | tail -1 || true)
    if [ -z "$line" ]; then
      log "run $label: openloop gave no result:"; sed 's/^/    /' "$out" >&2
      line="OPENLOOP completed=0 failed=1"
    fi
    # CPU per request over everything the run sent (its warm-up included)
    line="${line#OPENLOOP } requests=$(sed -n 's/.* completed=\([0-9]*\).*/\1/p' <<<"$line")"
  else
    line=$(grep '^BENCH ' "$out" | tail -1 || true)
    if [ -z "$line" ]; then
      log "run $label: wrk gave no result:"; sed 's/^/    /' "$out" >&2
      line="BENCH requests=0 duration_us=0 rps=0 p50_us=0 p99_us=0 connect=0 read=0 write=0 status=0 timeout=0 bytes=0 wrk_failed=1"
    fi
    line=${line#BENCH }
  fi
  local ours=$(( (w1 - w0) )) i
  for ((i = 1; i < ${#t0[@]}; i++)); do ours=$((ours + t1[i] - t0[i])); done
  echo "target=$t label=$label kind=$kind conns=$c $line hop_ticks=$((t1[0] - t0[0])) up_ticks=$((t1[1] - t0[1])) up_accepts=$((acc1 - acc0 - 2)) up_accepts_late=$((acc1 - accm - 1)) sys_busy=$((s1[0] - s0[0])) sys_total=$((s1[1] - s0[1])) sys_steal=$((s1[2] - s0[2])) ours=$ours load1=$(cut -d' ' -f1 /proc/loadavg)" >>"$RESULTS"
  if [ "$kind" = openloop ]; then
    log "$(printf '%-8s open loop %6s req/s  p50 %7s us  p99 %7s us  p99.9 %7s us  late>1ms: %s  errors: %s' \
      "$label" "$rate" "$(sed -n 's/.* p50_us=\([0-9]*\).*/\1/p' <<<"$line")" \
      "$(sed -n 's/.* p99_us=\([0-9]*\).*/\1/p' <<<"$line")" "$(sed -n 's/.* p999_us=\([0-9]*\).*/\1/p' <<<"$line")" \
      "$(sed -n 's/.* late_1ms=\([0-9]*\).*/\1/p' <<<"$line")" "$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' <<<"$line")")"
  else
    log "$(printf '%-8s %5s conns  %10s req/s  p99 %7s us  status>399: %s  upstream conns opened: %s' "$label" "$c" \
      "$(sed -n 's/.*rps=\([0-9.]*\).*/\1/p' <<<"$line")" "$(sed -n 's/.* p99_us=\([0-9]*\).*/\1/p' <<<"$line")" \
      "$(sed -n 's/.* status=\([0-9]*\).*/\1/p' <<<"$line")" "$((acc1 - acc0 - 2)) ($((acc1 - accm - 1)) after 1 s)")"
  fi
}

OPENLOOP_BIN=$WORK/openloop
cc -O2 -o "$OPENLOOP_BIN" "$BENCH_DIR/openloop.c" || die "could not compile bench/openloop.c"

START_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
START_S=$SECONDS
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
TOTAL_EST=$(( (${#TARGETS[@]} * (RUNS * DURATION + WARMUP)) + 2 * DURATION + READY_STARTS ))
[ "$OPENLOOP" = 1 ] && TOTAL_EST=$((TOTAL_EST + 3 * (DURATION + 3)))
((IDLE_CONNS > 0)) && TOTAL_EST=$((TOTAL_EST + IDLE_BUSY_SECONDS + 15))
[ "$CALLGRIND" = 1 ] && TOTAL_EST=$((TOTAL_EST + 90))
log "placement: $PLACEMENT; Flowgate threads = nginx workers = $THREADS; wrk -t$WRK_THREADS"
log "measuring: about ${TOTAL_EST}s"

if ((WARMUP > 0)); then
  for t in "${TARGETS[@]}"; do run_wrk "$t" "$CONNS" "$WARMUP" "$WORK/wrk-warmup-$t.txt"; done
fi
for ((r = 1; r <= RUNS; r++)); do
  for t in "${TARGETS[@]}"; do measure "$t" "$CONNS" "$t-r$r" main; done
done
FG_HWM_100_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$FG_PID/status")
measure C "$BIG_CONNS" "C-big" big
measure D "$BIG_CONNS" "D-big" big
FG_HWM_BIG_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$FG_PID/status")
FG_THREADS_OS=$(awk '/^Threads:/ {print $2}' "/proc/$FG_PID/status")

# ---------------------------------------------------------------------------------------
# Open loop: B, C and E at one fixed offered rate, half of B's median req/s (closed loop,
# above), with bench/openloop.c (see README "Open-loop latency").
# ---------------------------------------------------------------------------------------
OL_RATE=""
if [ "$OPENLOOP" = 1 ]; then
  OL_RATE=${OL_RATE_FIXED:-$(awk '/ kind=main / && $1 == "target=B" { for (i = 1; i <= NF; i++) if ($i ~ /^rps=/) { sub(/rps=/, "", $i); print $i } }' "$RESULTS" |
    sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%d", m / 2 }')}
  if [ -z "$OL_RATE" ] || ((OL_RATE < 1)); then
    log "open loop skipped: no rate (B measured nothing)"
    OL_RATE=""
  else
    for t in B C E; do measure "$t" "$CONNS" "OL-$t" openloop "$OL_RATE"; done
  fi
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# A target with non-2xx answers gets a short diagnostic run (not counted) showing statuses
# and bodies; Flowgate's own warnings and errors are in its log.
DIAG=$WORK/diag.txt
: >"$DIAG"
for t in "${TARGETS[@]}"; do
  if awk -v t="$t" '$1 == "target=" t && / kind=(main|big) / { for (i = 1; i <= NF; i++) if ($i ~ /^status=/ && $i != "status=0") bad = 1 } END { exit !bad }' "$RESULTS"; then
    log "target $t had non-2xx answers: diagnostic run"
    run_wrk "$t" "$CONNS" 3 "$WORK/wrk-diag-$t.txt" "$BENCH_DIR/wrk_diag.lua"
    { echo "target $t:"; grep '^DIAG' "$WORK/wrk-diag-$t.txt" | sed 's/^/  /'; } >>"$DIAG"
  fi
done
for f in flowgate flowgate64; do
  [ -f "$WORK/flowgate/$f.log" ] || continue
  grep -E ' (warn|warning|error|critical) ' "$WORK/flowgate/$f.log" | sed "s/^/$f: /" || true
done | sort | uniq -c | sort -rn | head -20 >"$WORK/flowgate-problems.txt"

# ---------------------------------------------------------------------------------------
# Start to ready: the measured instances are stopped first, then READY_STARTS fresh starts.
# ---------------------------------------------------------------------------------------
stop_pid "$FG64_PID"
FG64_PID=""
stop_pid "$PX64_PID"
PX64_PID=""
stop_pid "$FL_PID"
FL_PID=""
stop_pid "$FLB_PID"
FLB_PID=""
stop_pid "$FG_PID"
FG_PID=""
"${CLI[@]}" python3 "$BENCH_DIR/readyz.py" "$ADMIN_PORT" "$READY_STARTS" -- \
  "${SRV[@]}" "$FLOWGATE" serve --config "$WORK/flowgate/gateway.yaml" --proxies "$FG_PROXIES" \
  >"$WORK/readyz.out" || true
READY_MS=$(awk '/^READY_MS/ {printf "%s ", $2}' "$WORK/readyz.out")
MAIN_MS=$(awk '/^MAIN_MS/ {printf "%s ", $2}' "$WORK/readyz.out")

# ---------------------------------------------------------------------------------------
# RSS at IDLE_CONNS idle keep-alive connections plus CONNS busy ones: a fresh Flowgate (same
# gateway.yaml), bench/idle_conns.py opens the idle connections (one C request each, then
# idle), then wrk runs C for IDLE_BUSY_SECONDS; VmRSS and VmHWM from /proc.
# ---------------------------------------------------------------------------------------
IDLE_LINE="" IDLE_ALIVE="" IDLE_RSS0_KB="" IDLE_RSS1_KB="" IDLE_RSS2_KB="" IDLE_HWM_KB="" IDLE_WRK=""
if ((IDLE_CONNS > 0)); then
  log "RSS: $IDLE_CONNS idle keep-alive connections + $CONNS busy (C) for ${IDLE_BUSY_SECONDS}s"
  "${SRV[@]}" "$FLOWGATE" serve --config "$WORK/flowgate/gateway.yaml" --proxies "$FG_PROXIES" \
    >"$WORK/flowgate/flowgate-idle.log" 2>&1 &
  FG_PID=$!
  wait_http "$FG_PID" "http://127.0.0.1:$ADMIN_PORT/readyz" ||
    { cat "$WORK/flowgate/flowgate-idle.log" >&2; die "flowgate (RSS row) did not become ready"; }
  IDLE_RSS0_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$FG_PID/status")
  "${CLI[@]}" python3 "$BENCH_DIR/idle_conns.py" "$FG_PORT" "$IDLE_CONNS" "$WORK/raw-C.http" \
    >"$WORK/idle.out" 2>"$WORK/idle.err" &
  IDLE_PID=$!
  for ((i = 0; i < 1200; i++)); do
    grep -q '^IDLE ' "$WORK/idle.out" && break
    kill -0 "$IDLE_PID" 2>/dev/null || break
    sleep 0.1
  done
  IDLE_LINE=$(grep '^IDLE ' "$WORK/idle.out" || true)
  if [ -z "$IDLE_LINE" ]; then
    log "idle_conns.py did not set up its connections:"; sed 's/^/    /' "$WORK/idle.err" >&2
  else
    log "$IDLE_LINE"
    sleep 1
    IDLE_RSS1_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$FG_PID/status")
    run_wrk C "$CONNS" "$IDLE_BUSY_SECONDS" "$WORK/wrk-idle-busy.txt"
    IDLE_WRK=$(grep '^BENCH ' "$WORK/wrk-idle-busy.txt" | tail -1 || true)
    IDLE_RSS2_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$FG_PID/status")
    IDLE_HWM_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$FG_PID/status")
    kill -USR1 "$IDLE_PID" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      grep -q '^ALIVE ' "$WORK/idle.out" && break
      sleep 0.1
    done
    IDLE_ALIVE=$(awk '/^ALIVE/ {print $2}' "$WORK/idle.out")
    log "RSS: start $IDLE_RSS0_KB kB, idle $IDLE_RSS1_KB kB, after busy $IDLE_RSS2_KB kB, VmHWM $IDLE_HWM_KB kB; idle connections still open: ${IDLE_ALIVE:-?}"
  fi
  stop_pid "$IDLE_PID"
  IDLE_PID=""
  stop_pid "$FG_PID"
  FG_PID=""
fi

# ---------------------------------------------------------------------------------------
# Instructions per request under callgrind (user space only; independent of the machine's
# load). Whole servers: the nginx proxy (one process: master_process off, the main pool)
# and Flowgate (the same gateway.yaml), each run twice under valgrind: once with CG_BASE
# requests per target, once with CG_BASE + K of one target (one keep-alive connection,
# bench/seq_requests.py); (Ir of the second - Ir of the first) / K is that target's
# instructions per request, start-up, shutdown and first-request costs cancelled. D costs
# about 10 times more: it gets K/5. Then Flowgate's pieces with flowgate_micro_count.
# ---------------------------------------------------------------------------------------
CGR=$WORK/callgrind.txt
: >"$CGR"
CG_BASE=50
cg_total() { awk '/^(summary|totals):/ {print $2; exit}' "$1"; }
cg_server() {  # NAME EXTRA_TARGET K -- COMMAND...: start under callgrind, send, stop; sets CG_IR
  CG_IR=""
  local name=$1 extra=$2 k=$3 out="$WORK/cg/$1.out" i
  shift 4
  "${SRV[@]}" valgrind --tool=callgrind --callgrind-out-file="$out" "$@" \
    >"$WORK/cg/$name.log" 2>&1 &
  CG_PID=$!
  local ready=""
  for ((i = 0; i < 600; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$CG_READY_URL" || true)" = 200 ] && { ready=1; break; }
    kill -0 "$CG_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$ready" ]; then
    log "callgrind $name: the server did not answer"; tail -5 "$WORK/cg/$name.log" >&2
    stop_pid "$CG_PID"; CG_PID=""; return 0
  fi
  local t files=()
  for t in "${CG_SET[@]}"; do
    [ "$t" = "$extra" ] && continue
    files+=("$WORK/raw-$t.http")
  done
  # A target that fails (a binary without row G's API, say) is reported below, by its SEQ
  # line, and must not end the script (set -e).
  if [ ${#files[@]} -gt 0 ]; then
    "${CLI[@]}" python3 "$BENCH_DIR/seq_requests.py" "$CG_PORT_NOW" "$CG_BASE" "${files[@]}" >>"$WORK/cg/$name.seq" 2>&1 || true
  fi
  if [ -n "$extra" ]; then
    "${CLI[@]}" python3 "$BENCH_DIR/seq_requests.py" "$CG_PORT_NOW" "$((CG_BASE + k))" "$WORK/raw-$extra.http" >>"$WORK/cg/$name.seq" 2>&1 || true
  fi
  local okseq=1
  grep -q 'Traceback\|seq_requests:' "$WORK/cg/$name.seq" && okseq=""
  # Only the measured target must be answered in full: the others' requests are sent alike in
  # both runs of a pair, so one that a binary refuses (404) cancels out.
  [ -n "$extra" ] && { awk -v f="$WORK/raw-$extra.http" '/^SEQ/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } if (v["file"] == f && v["n"] != v["ok"]) bad = 1 } END { exit bad }' "$WORK/cg/$name.seq" || okseq=""; }
  # valgrind writes its output at exit: give it time (TERM, then up to 120 s)
  kill -TERM "$CG_PID" 2>/dev/null || true
  for ((i = 0; i < 1200; i++)); do kill -0 "$CG_PID" 2>/dev/null || break; sleep 0.1; done
  stop_pid "$CG_PID"
  CG_PID=""
  if [ -z "$okseq" ] || [ ! -s "$out" ]; then
    log "callgrind $name: requests failed or no output"; cat "$WORK/cg/$name.seq" >&2; return 0
  fi
  CG_IR=$(cg_total "$out")
}
if [ "$CALLGRIND" = 1 ]; then
  mkdir -p "$WORK/cg"
  chmod 777 "$WORK/cg"
  log "callgrind: the nginx proxy (B) and Flowgate (C D E F G) as servers, $CG_REQUESTS requests per target"
  # nginx: the callgrind copy of the proxy
  CG_SET=(Bcg) CG_PORT_NOW=$CG_PORT CG_READY_URL="http://127.0.0.1:$CG_PORT$G2W_PATH"
  sed "s/^Host: 127.0.0.1:$PX_PORT/Host: 127.0.0.1:$CG_PORT/" "$WORK/raw-B.http" >"$WORK/raw-Bcg.http"
  ngx_cmd=(nginx -p "$WORK/proxycg/" -c "$WORK/proxycg/nginx.conf" -e "$WORK/proxycg/error.log" -g 'daemon off;')
  cg_server nginx-base "" 0 -- "${ngx_cmd[@]}"
  base=$CG_IR
  cg_server nginx-B Bcg "$CG_REQUESTS" -- "${ngx_cmd[@]}"
  with=$CG_IR
  [ -n "$base" ] && [ -n "$with" ] && echo "server B $(((with - base) / CG_REQUESTS)) $CG_REQUESTS" >>"$CGR"
  # The Beast/Asio floors (rows H and Hb), one thread each
  if [ -n "$FLOOR" ]; then
    for t in H Hb; do
      port=$FL_PORT lean=(--lean)
      [ "$t" = Hb ] && port=$FLB_PORT lean=()
      CG_SET=("$t") CG_PORT_NOW=$port CG_READY_URL="http://127.0.0.1:$port$G2W_PATH"
      floor_cmd=("$FLOOR" "${lean[@]}" "$port" "$UP_PORT" "$G2W_PATH")
      cg_server "floor-$t-base" "" 0 -- "${floor_cmd[@]}"
      base=$CG_IR
      cg_server "floor-$t" "$t" "$CG_REQUESTS" -- "${floor_cmd[@]}"
      with=$CG_IR
      [ -n "$base" ] && [ -n "$with" ] && echo "server $t $(((with - base) / CG_REQUESTS)) $CG_REQUESTS" >>"$CGR"
    done
  fi
  # Flowgate: its main gateway.yaml and port
  CG_SET=(C D E F G) CG_PORT_NOW=$FG_PORT CG_READY_URL="http://127.0.0.1:$ADMIN_PORT/readyz"
  fg_cmd=("$FLOWGATE" serve --config "$WORK/flowgate/gateway.yaml" --proxies "$FG_PROXIES")
  cg_server flowgate-base "" 0 -- "${fg_cmd[@]}"
  base=$CG_IR
  for t in C D E F G; do
    k=$CG_REQUESTS
    [ "$t" = D ] && k=$(((CG_REQUESTS + 4) / 5))
    cg_server "flowgate-$t" "$t" "$k" -- "${fg_cmd[@]}"
    with=$CG_IR
    [ -n "$base" ] && [ -n "$with" ] && echo "server $t $(((with - base) / k)) $k" >>"$CGR"
  done
  # Flowgate's pieces (bench/micro): instructions inside measuredLoop() only
  if [ -n "$MICRO_COUNT" ]; then
    for piece in pipeline_gotowebinar pipeline_webex pipeline_api_passthrough pipeline_customers \
      pipeline_soap webex_normalize xml_parse; do
      out=$WORK/cg/micro.$piece.out
      if timeout 900 valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
        --toggle-collect='*measuredLoop*' "$MICRO_COUNT" "$piece" "$CG_MICRO_N" \
        >/dev/null 2>"$WORK/cg/micro.$piece.log"; then
        echo "piece $piece $(($(cg_total "$out") / CG_MICRO_N)) $CG_MICRO_N" >>"$CGR"
      else
        log "callgrind of $piece failed (see $WORK/cg/micro.$piece.log)"
      fi
    done
  else
    log "no flowgate_micro_count (FLOWGATE_MICRO_COUNT_BIN): pieces skipped"
  fi
  sed 's/^/callgrind: /' "$CGR" >&2
fi
ELAPSED_S=$((SECONDS - START_S))

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
  PLACEMENT DURATION RUNS CONNS BIG_CONNS FG_HWM_100_KB FG_HWM_BIG_KB FG_RSS_IDLE_KB READY_MS MAIN_MS \
  READY_STARTS POOL VPOOL FG_VERSION NGINX_VERSION WRK_VERSION MEM_TOTAL DEBIAN FG_THREADS_OS \
  OL_RATE IDLE_CONNS IDLE_BUSY_SECONDS IDLE_LINE IDLE_ALIVE IDLE_RSS0_KB IDLE_RSS1_KB IDLE_RSS2_KB \
  IDLE_HWM_KB IDLE_WRK CGR CG_REQUESTS CG_MICRO_N CG_BASE ELAPSED_S CALLGRIND MAX_CONNS
for t in "${TARGETS[@]}"; do
  export "PREFLIGHT_$t=${PREFLIGHT[$t]}" "WHAT_$t=${WHAT[$t]}"
done
export TARGET_LIST="${TARGETS[*]}"
export KERNEL=$(uname -r)
export VALGRIND_VERSION=$( (valgrind --version 2>/dev/null || echo "?") | sed 's/^valgrind-//')

python3 - >"$WORK/table.md" <<'EOF'
import os, statistics

E = os.environ
clk = int(E["CLK_TCK"])
runs = []
with open(E["RESULTS"]) as f:
    for line in f:
        runs.append(dict(kv.split("=", 1) for kv in line.split() if "=" in kv))

def num(d, k):
    try:
        return float(d.get(k, 0) or 0)
    except ValueError:
        return 0.0

def med(xs):
    return statistics.median(xs) if xs else 0.0

def fmt_int(x):
    return f"{x:,.0f}"

def fmt_ms(us):
    return f"{us / 1000:.2f}"

def us_per_req(d, key):  # CPU microseconds per request
    req = num(d, "requests")
    return num(d, key) / clk / req * 1e6 if req else 0.0

def foreign_pct(d):
    tot = num(d, "sys_total")
    return max(0.0, num(d, "sys_busy") - num(d, "ours")) / tot * 100 if tot else 0.0

def steal_pct(d):
    tot = num(d, "sys_total")
    return num(d, "sys_steal") / tot * 100 if tot else 0.0

targets = E["TARGET_LIST"].split()
hop_name = {"A": "upstream nginx", "B": "nginx proxy", "B64": "nginx proxy 64",
            "H": "Beast floor", "Hb": "Beast floor"}
main = {t: [d for d in runs if d["target"] == t and d.get("kind") == "main"] for t in targets}
big = {t: [d for d in runs if d["target"] == t and d.get("kind") == "big"] for t in "CD"}
ol = {d["target"]: d for d in runs if d.get("kind") == "openloop"}

rows = []
stat = {}

def row(name, ds, t, note_extra=""):
    rps = med([num(d, "rps") for d in ds])
    p50 = med([num(d, "p50_us") for d in ds])
    p99 = med([num(d, "p99_us") for d in ds])
    non2xx = sum(int(num(d, "status")) for d in ds)
    sock = sum(int(num(d, "connect") + num(d, "read") + num(d, "write") + num(d, "timeout")) for d in ds)
    total_req = sum(int(num(d, "requests")) for d in ds)
    hop = med([us_per_req(d, "hop_ticks") for d in ds])
    up = med([us_per_req(d, "up_ticks") for d in ds])
    acc = [int(num(d, "up_accepts")) for d in ds]
    notes = []
    pf = E.get("PREFLIGHT_" + t, "")
    if pf and pf != "ok":
        notes.append(f"preflight {pf}")
    if any(d.get("wrk_failed") for d in ds):
        notes.append("wrk FAILED in a run")
    if note_extra:
        notes.append(note_extra + ("met" if p99 < 5000 else "NOT met"))
    hop_s = f"{hop:.1f} ({hop_name.get(t, 'Flowgate')})"
    up_s = "(same)" if t == "A" else f"{up:.1f}"
    late = [int(num(d, "up_accepts_late")) for d in ds]
    acc_s = "" if t == "A" else ", ".join(f"{a} ({b})" for a, b in zip(acc, late))
    rows.append(f"| {name} | {fmt_int(rps)} | {fmt_ms(p50)} | {fmt_ms(p99)} | {non2xx} | {sock} | {total_req:,} | {hop_s} | {up_s} | {acc_s} | {'; '.join(notes)} |")
    return {"rps": rps, "hop": hop, "up": up}

for t in targets:
    stat[t] = row(E["WHAT_" + t] + f" @{E['CONNS']}", main[t], t,
                  "target p99 < 5 ms: " if t == "C" else "")
for t in "CD":
    if big[t]:
        row(E["WHAT_" + t].split(" (")[0] + f" @{E['BIG_CONNS']} (1 run)", big[t], t)

cg = {}
if os.path.exists(E.get("CGR", "")):
    for line in open(E["CGR"]):
        kind, name, ir, n = line.split()
        cg[(kind, name)] = (int(ir), int(n))

def ratio(a, b, target=None):
    if a not in stat or b not in stat:
        return None
    ra, rb = stat[a], stat[b]
    r = ra["rps"] / rb["rps"] if rb["rps"] else 0.0
    c = ra["hop"] / rb["hop"] if rb["hop"] else 0.0
    ct = (ra["hop"] + ra["up"]) / (rb["hop"] + rb["up"]) if (rb["hop"] + rb["up"]) else 0.0
    ia, ib = cg.get(("server", a)), cg.get(("server", b))  # the pools do not change Ir: none for B64, C64
    ir = f"{ia[0] / ib[0]:.2f} ({ia[0]:,} / {ib[0]:,})" if ia and ib else ""
    note = ""
    if target:
        note = f"req/s target >= {target}: " + ("met" if r >= target else "NOT met")
    return f"| {a}/{b} | {r:.2f} | {c:.2f} ({ra['hop']:.1f} / {rb['hop']:.1f} µs) | {ct:.2f} | {ir} | {note} |"

ratio_rows = [x for x in (ratio("C", "B", 0.9), ratio("D", "C", 0.6), ratio("E", "B", 1.0),
                          ratio("H", "B"), ratio("Hb", "B"), ratio("E", "H"), ratio("C", "H"),
                          ratio("F", "B"), ratio("G", "C"), ratio("G", "D"), ratio("C", "A"), ratio("C64", "B64"), ratio("B64", "B"),
                          ratio("C64", "C")) if x]

fp = [foreign_pct(d) for d in runs]
sp = [steal_pct(d) for d in runs]
loads = [num(d, "load1") for d in runs]

print(f"## Flowgate benchmark, {E['START_DATE']}")
print()
print(f"- Machine: {E['NPROC']} CPUs ({E['CPU_MODEL']}), {E['MEM_TOTAL']} RAM, kernel {E['KERNEL']}, Debian {E['DEBIAN']}")
print(f"- Software: {E['FG_VERSION']}, nginx {E['NGINX_VERSION']}, wrk {E['WRK_VERSION']}, valgrind {E['VALGRIND_VERSION']}")
print(f"- Flowgate server.threads = nginx worker_processes = {E['THREADS']} (Flowgate process: {E['FG_THREADS_OS']} OS threads); wrk -t{E['WRK_THREADS']}")
vp = f"; rows B64 and C64: {E['VPOOL']}" if int(E["VPOOL"]) > 0 else ""
print(f"- Upstream pools: nginx `keepalive {E['POOL']}` (keepalive_requests 1000000, keepalive_timeout 600s) = Flowgate `upstream.maxIdlePerHost: {E['POOL']}`{vp}")
print(f"- Placement: {E['PLACEMENT']}")
print(f"- Each @{E['CONNS']} row: median of {E['RUNS']} runs of {E['DURATION']} s (rounds interleave {' '.join(targets)}); error columns and requests are totals over the runs; upstream connections opened: each run's count from the upstream's stub_status, in brackets those opened after the run's first second")
print(f"- Noise: load average {E['LOAD_BEFORE']} before, {E['LOAD_AFTER']} after (1-min load at the end of each run: {min(loads or [0]):.2f} to {max(loads or [0]):.2f}); CPU used by processes outside the bench during the runs: median {med(fp):.0f} %, max {max(fp or [0]):.0f} % of the machine; steal {max(sp or [0]):.0f} % max")
print(f"- Measuring took {E['ELAPSED_S']} s")
print()
print(f"| row | req/s | p50 ms | p99 ms | non-2xx | socket errors | requests | CPU µs / req (hop) | CPU µs / req (upstream nginx) | upstream conns opened per run | notes |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for r in rows:
    print(r)
print()
print("| ratio | req/s | CPU µs / req of the hop | CPU µs / req, hop + upstream | Ir / req of the hop (callgrind, whole server) | target |")
print("|---|---:|---:|---:|---:|---|")
for r in ratio_rows:
    print(r)

if ol:
    print()
    print(f"Open loop (bench/openloop.c), {E['CONNS']} keep-alive connections, offered {int(E['OL_RATE']):,} req/s = half of B's median req/s, {E['DURATION']} s recorded after 2 s; latency from each request's scheduled time:")
    print()
    print("| row | offered req/s | answered req/s | p50 ms | p99 ms | p99.9 ms | max ms | service p50 / p99 / p99.9 ms | sent > 1 ms late | errors / unanswered / non-2xx | CPU µs / req (hop) | upstream conns opened |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for t in ("B", "C", "E"):
        if t not in ol:
            continue
        d = ol[t]
        print(f"| {t} | {int(num(d, 'rate')):,} | {fmt_int(num(d, 'achieved_rps'))} | {fmt_ms(num(d, 'p50_us'))} | {fmt_ms(num(d, 'p99_us'))} | {fmt_ms(num(d, 'p999_us'))} | {fmt_ms(num(d, 'max_us'))} | {fmt_ms(num(d, 'svc_p50_us'))} / {fmt_ms(num(d, 'svc_p99_us'))} / {fmt_ms(num(d, 'svc_p999_us'))} | {int(num(d, 'late_1ms'))} of {int(num(d, 'recorded')):,} | {int(num(d, 'errors'))} / {int(num(d, 'unanswered'))} / {int(num(d, 'non2xx'))} | {us_per_req(d, 'hop_ticks'):.1f} | {int(num(d, 'up_accepts'))} ({int(num(d, 'up_accepts_late'))}) |")

print()
print("| memory and start-up | value | notes |")
print("|---|---:|---|")
mib = lambda kb: int(kb) / 1024
print(f"| Flowgate peak RSS (VmHWM) after the @{E['CONNS']} runs | {mib(E['FG_HWM_100_KB']):.1f} MiB | RSS right after start: {mib(E['FG_RSS_IDLE_KB']):.1f} MiB |")
hb = mib(E["FG_HWM_BIG_KB"])
print(f"| Flowgate peak RSS (VmHWM) after the @{E['BIG_CONNS']} runs | {hb:.1f} MiB | target < 64 MB: " + ("met" if hb * 1048576 < 64e6 else "NOT met") + " |")
if E.get("IDLE_HWM_KB"):
    hwm = mib(E["IDLE_HWM_KB"])
    w = dict(kv.split("=", 1) for kv in E.get("IDLE_WRK", "").split()[1:] if "=" in kv)
    wrk_s = f"C at {E['CONNS']} busy: {float(w.get('rps', 0)):,.0f} req/s, non-2xx {w.get('status', '?')}, socket errors {sum(int(w.get(k, 0)) for k in ('connect', 'read', 'write', 'timeout'))}" if w else "busy run: no result"
    il = dict(kv.split("=", 1) for kv in E.get("IDLE_LINE", "").split()[1:] if "=" in kv)
    print(f"| Flowgate at {int(E['IDLE_CONNS']):,} idle keep-alive connections + {E['CONNS']} busy: VmHWM | {hwm:.1f} MiB | fresh process; VmRSS {mib(E['IDLE_RSS0_KB']):.1f} MiB after start, {mib(E['IDLE_RSS1_KB']):.1f} MiB with the idle connections open, {mib(E['IDLE_RSS2_KB']):.1f} MiB after the busy run; idle connections: {il.get('open', '?')} opened ({il.get('statuses', '?')}, {il.get('seconds', '?')} s), {E.get('IDLE_ALIVE') or '?'} still open at the end; {wrk_s}; server.maxConnections {E['MAX_CONNS']}; target < 96 MB: " + ("met" if hwm * 1048576 < 96e6 else "NOT met") + " |")
elif int(E["IDLE_CONNS"]) > 0:
    print(f"| Flowgate at {E['IDLE_CONNS']} idle connections | FAILED | the idle connections could not be set up (see stderr) |")
ready = [float(x) for x in E.get("READY_MS", "").split()]
if ready:
    r = med(ready)
    print(f"| Flowgate start to /readyz 200 (python3 poll loop), median of {len(ready)} | {r:.1f} ms | all: {', '.join(f'{x:.1f}' for x in ready)} ms; target < 20 ms (issue 14): " + ("met" if r < 20 else "NOT met") + " |")
    main_ms = [float(x) for x in E.get("MAIN_MS", "").split()]
    if main_ms:
        m = med(main_ms)
        print(f"| of which Flowgate's main() to listening (its 'ready in N ms'), median | {m:.1f} ms | the rest, {r - m:.1f} ms: fork and exec, the dynamic loader, the poll |")
else:
    print(f"| Flowgate start to /readyz 200 | FAILED | no start became ready |")

if E.get("CALLGRIND") == "1":
    print()
    print(f"Instructions per request under callgrind (user space; the kernel's TCP work is not counted):")
    print()
    print("| what | Ir / request | counted over |")
    print("|---|---:|---|")
    label = {"B": "B: the nginx proxy, whole process (master_process off)",
             "C": "C: Flowgate, whole process", "D": "D: Flowgate, whole process",
             "E": "E: Flowgate, whole process", "F": "F: Flowgate, whole process",
             "H": "H: the Beast/Asio floor (--lean), whole process",
             "Hb": "Hb: the Beast/Asio floor with Beast's serializer, whole process"}
    for t in ("B", "C", "D", "E", "F", "H", "Hb"):
        if t in ("H", "Hb") and ("server", t) not in cg and t not in stat:
            continue
        if ("server", t) in cg:
            ir, n = cg[("server", t)]
            print(f"| {label[t]} | {ir:,} | {n:,} requests on one keep-alive connection, minus a run with {E['CG_BASE']} |")
        else:
            print(f"| {label[t]} | FAILED | |")
    plabel = {"pipeline_gotowebinar": "C's piece", "pipeline_webex": "D's piece",
              "pipeline_api_passthrough": "E's piece", "pipeline_customers": "F's piece"}
    for p in plabel:
        if ("piece", p) in cg:
            ir, n = cg[("piece", p)]
            print(f"| {plabel[p]}: `{p}` (flowgate_micro_count, runProxy without sockets or HTTP parsing) | {ir:,} | {n:,} operations in measuredLoop() |")

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
if grep -q 'status=[1-9]\|connect=[1-9]\|read=[1-9]\|write=[1-9]\|timeout=[1-9]\|wrk_failed\|errors=[1-9]\|unanswered=[1-9]\|non2xx=[1-9]\|failed=1' "$RESULTS"; then
  log "some runs had errors: keeping $WORK for inspection"
  KEEP=1
fi
log "table written to bench/last-results.md"
