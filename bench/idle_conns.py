#!/usr/bin/env python3
"""Idle keep-alive connections for bench/run.sh (the RSS row).

    python3 bench/idle_conns.py PORT COUNT REQUEST_FILE [OPENING_AT_ONCE]

Opens COUNT TCP connections to 127.0.0.1:PORT (at most OPENING_AT_ONCE, default 200, being
set up at a time), sends REQUEST_FILE (one complete HTTP/1.1 request) on each and reads its
whole answer (Content-Length), so that every connection is a keep-alive connection that has
served a request, then leaves them all idle. RLIMIT_NOFILE is raised to what COUNT needs (up
to the hard limit). Prints

    IDLE open=N ok=N failed=N statuses=200:N,... seconds=S

once the connections are set up, then waits. On SIGUSR1 it prints `ALIVE n` (connections
the server has not closed); on SIGTERM or SIGINT it closes everything and exits.
"""
import asyncio
import collections
import resource
import signal
import sys
import time


async def one(port, request, sem, conns, statuses):
    async with sem:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
        except (OSError, asyncio.TimeoutError) as e:
            statuses["connect:" + type(e).__name__] += 1
            return
        try:
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            status = head.split(b" ", 2)[1].decode()
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await asyncio.wait_for(reader.readexactly(length), 10)
            statuses[status] += 1
            conns.append((reader, writer))
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError,
                IndexError, asyncio.LimitOverrunError) as e:
            statuses["error:" + type(e).__name__] += 1
            writer.close()


async def main():
    port, count, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    at_once = int(sys.argv[4]) if len(sys.argv) > 4 else 200
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = count + 256
    if soft != resource.RLIM_INFINITY and soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    request = open(path, "rb").read()
    sem = asyncio.Semaphore(at_once)
    conns, statuses = [], collections.Counter()
    start = time.monotonic()
    await asyncio.gather(*(one(port, request, sem, conns, statuses) for _ in range(count)))
    ok = statuses.get("200", 0)
    print(f"IDLE open={len(conns)} ok={ok} failed={count - ok} "
          f"statuses={','.join(f'{k}:{v}' for k, v in sorted(statuses.items()))} "
          f"seconds={time.monotonic() - start:.1f}", flush=True)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def alive():
        n = sum(1 for r, w in conns if not r.at_eof() and not w.is_closing())
        print(f"ALIVE {n}", flush=True)

    loop.add_signal_handler(signal.SIGUSR1, alive)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    for _, w in conns:
        w.close()


asyncio.run(main())
