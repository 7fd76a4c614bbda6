-- wrk script used for every target of bench/run.sh.
--
--   wrk ... -s bench/wrk.lua                     GET the URL (targets A and B)
--   wrk ... -s bench/wrk.lua -- BODY_FILE        POST BODY_FILE as application/json (C and D)
--
-- The request is built once per thread (wrk.format() after init), so the script adds no Lua
-- work per request: no request() or response() callbacks, which would slow wrk down.
-- done() prints one parsable line that run.sh reads:
--   BENCH requests=N duration_us=N rps=F p50_us=N p99_us=N connect=N read=N write=N status=N timeout=N bytes=N
-- status is wrk's count of responses with HTTP status > 399 (wrk does not count 3xx; the
-- targets never redirect, and run.sh checks every target once with curl before measuring).

function init(args)
  local path = args[1]
  if path ~= nil and path ~= "" then
    local f = assert(io.open(path, "rb"))
    wrk.body = f:read("*a")
    f:close()
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d bytes=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout, summary.bytes))
end
