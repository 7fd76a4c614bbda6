#!/usr/bin/env python3
"""Time from process start to GET /readyz answering 200, for bench/run.sh.

usage: readyz.py ADMIN_PORT STARTS -- COMMAND...

For each of STARTS starts: take time.monotonic(), spawn COMMAND (fork+exec are inside the
measured time), then poll http://127.0.0.1:ADMIN_PORT/readyz in a tight loop (a fresh TCP
connection per try, no sleep between tries: a refused connect returns at once) until it
answers 200; then SIGTERM the process and wait for it to exit before the next start.
Prints one line per start, "READY_MS <milliseconds>", and exits 1 when a start does not
become ready within 10 s. Flowgate's own figure for the same start, the time from its
main() to listening (the "ready in N ms" of its listening line, read from its output), is
printed as "MAIN_MS <milliseconds>": the difference is fork, exec, the dynamic loader and
the poll.
"""
import re
import signal
import socket
import subprocess
import sys
import threading
import time

REQUEST = b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def ready(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
            s.sendall(REQUEST)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(256)
                if not chunk:
                    break
                data += chunk
            return data.startswith(b"HTTP/1.1 200") or data.startswith(b"HTTP/1.0 200")
    except OSError:
        return False


def read_ready_in(stream, out):
    """Reads the process's output to its end (so that it never blocks on a full pipe) and
    keeps the first "ready in N ms"."""
    for raw in stream:
        if not out:
            m = re.search(rb"ready in (\d+(?:\.\d+)?) ms", raw)
            if m:
                out.append(float(m.group(1)))


def main():
    port = int(sys.argv[1])
    starts = int(sys.argv[2])
    cmd = sys.argv[sys.argv.index("--") + 1:]
    failed = False
    for _ in range(starts):
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        main_ms = []
        reader = threading.Thread(target=read_ready_in, args=(proc.stdout, main_ms), daemon=True)
        reader.start()
        ok = False
        while time.monotonic() - t0 < 10.0:
            if ready(port):
                ok = True
                break
            if proc.poll() is not None:
                break
        elapsed_ms = (time.monotonic() - t0) * 1000.0
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=15)
        if ok:
            print(f"READY_MS {elapsed_ms:.2f}", flush=True)
            if main_ms:
                print(f"MAIN_MS {main_ms[0]:.1f}", flush=True)
        else:
            print("READY_MS failed", flush=True)
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
