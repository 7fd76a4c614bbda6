"""What the operations console's page asks for while it is open (gateway/console/console.js):
every 2 s the artifact list, the upstreams, the last reload, the log level and the token
store, plus the detail of one selected artifact. bench/run.sh starts it beside the measured
Flowgate when BENCH_CONSOLE=1, so the rows show what an open dashboard costs.

    python3 bench/console_poll.py ADMIN_PORT [SELECTED]"""

import http.client
import sys
import time

port = int(sys.argv[1])
selected = sys.argv[2] if len(sys.argv) > 2 else "gotowebinar_getSessionById"
paths = ["/management/artifacts", "/management/upstreams", "/management/reload",
         "/management/logging", "/management/tokenstore", f"/management/artifacts/{selected}"]
polls = 0
while True:
    started = time.monotonic()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for path in paths:
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                print(f"console_poll: {path} answered {resp.status}", file=sys.stderr)
        conn.close()
        polls += 1
    except OSError as e:
        print(f"console_poll: {e}", file=sys.stderr)
    time.sleep(max(0.0, 2.0 - (time.monotonic() - started)))
