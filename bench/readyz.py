#!/usr/bin/env python3
"""Time from process start to GET /readyz answering 200, for bench/run.sh.

usage: readyz.py ADMIN_PORT STARTS -- COMMAND...

For each of STARTS starts: take time.monotonic(), spawn COMMAND (fork+exec are inside the
measured time), then poll http://127.0.0.1:ADMIN_PORT/readyz in a tight loop (a fresh TCP
connection per try, no sleep between tries: a refused connect returns at once) until it
answers 200; then SIGTERM the process and wait for it to exit before the next start.
Prints one line per start, "READY_MS <milliseconds>", and exits 1 when a start does not
become ready within 10 s.
"""
import signal
import socket
import subprocess
import sys
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


def main():
    port = int(sys.argv[1])
    starts = int(sys.argv[2])
    cmd = sys.argv[sys.argv.index("--") + 1:]
    failed = False
    for _ in range(starts):
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
        if ok:
            print(f"READY_MS {elapsed_ms:.2f}", flush=True)
        else:
            print("READY_MS failed", flush=True)
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
