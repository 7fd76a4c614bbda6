#!/usr/bin/env python3
"""Sequential keep-alive requests for bench/run.sh (the callgrind rows).

    python3 bench/seq_requests.py PORT N REQUEST_FILE [REQUEST_FILE...]

For each REQUEST_FILE (one complete HTTP/1.1 request), opens one connection to
127.0.0.1:PORT and sends it N times on that connection, one after the other, reading each
answer whole (Content-Length). Prints `SEQ file=F n=N ok=N` per file (ok: status 200);
exits 1 when an answer is not 200 or the connection breaks.
"""
import socket
import sys


def main():
    port, n = int(sys.argv[1]), int(sys.argv[2])
    rc = 0
    for path in sys.argv[3:]:
        request = open(path, "rb").read()
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf, ok = b"", 0
        for _ in range(n):
            s.sendall(request)
            while b"\r\n\r\n" not in buf:
                chunk = s.recv(65536)
                if not chunk:
                    raise SystemExit(f"seq_requests: {path}: connection closed")
                buf += chunk
            head, _, buf = buf.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(buf) < length:
                chunk = s.recv(65536)
                if not chunk:
                    raise SystemExit(f"seq_requests: {path}: connection closed")
                buf += chunk
            buf = buf[length:]
            if head.split(b" ", 2)[1] == b"200":
                ok += 1
        s.close()
        print(f"SEQ file={path} n={n} ok={ok}", flush=True)
        if ok != n:
            rc = 1
    sys.exit(rc)


main()
