-- Diagnostic wrk script: bench/run.sh runs it for a few seconds on a target whose measured
-- runs had non-2xx answers, to show which statuses came back and what the bodies said.
-- It has a response() callback, which makes wrk much slower: never used for the numbers.
--
--   wrk ... -s bench/wrk_diag.lua [-- BODY_FILE]
-- prints "DIAG status=<code> count=<n>" lines and up to 3 "DIAG body[<code>]=<first 600 bytes>".

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  if path ~= nil and path ~= "" then
    local f = assert(io.open(path, "rb"))
    wrk.body = f:read("*a")
    f:close()
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
  statuses = {}
  bodies = {}
  nbodies = 0
end

function response(status, headers, body)
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
  if (status < 200 or status > 299) and nbodies < 3 and bodies[k] == nil then
    bodies[k] = string.sub(body or "", 1, 600)
    nbodies = nbodies + 1
  end
end

function done(summary, latency, requests)
  local total, seen = {}, {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses") or {}) do total[k] = (total[k] or 0) + v end
    for k, v in pairs(t:get("bodies") or {}) do seen[k] = seen[k] or v end
  end
  for k, v in pairs(total) do io.write(string.format("DIAG status=%s count=%d\n", k, v)) end
  for k, v in pairs(seen) do
    io.write(string.format("DIAG body[%s]=%s\n", k, (string.gsub(v, "\n", " "))))
  end
  local e = summary.errors
  io.write(string.format("DIAG socket errors: connect=%d read=%d write=%d timeout=%d\n",
    e.connect, e.read, e.write, e.timeout))
end
