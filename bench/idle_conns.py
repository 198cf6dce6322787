#!/usr/bin/env python3
"""Open N keep-alive HTTP/1.1 client connections to one front end and hold them idle.

Used by bench.py for the "idle keep-alive connections" scenario; stdlib only.

    idle_conns.py HOST PORT N PATH [--parallel P] [--timeout S] [--deadline S]

Each connection sends one GET PATH (Connection: keep-alive) and reads the whole response, so that it
sits in the server's keep-alive state (not in "waiting for the first request", which httpd's event MPM
handles with a worker thread). Then:

  1. prints one JSON line: {"phase": "open", "opened": K, "failed": F, "errors": {...}, "secs": T}
  2. waits for a line on standard input (the orchestrator measures the server's memory meanwhile)
  3. sends a second GET on every connection it holds and prints
     {"phase": "probe", "ok": K, "failed": F, "errors": {...}, "secs": T}
     (a connection the server closed while idle shows up here as failed)
  4. closes everything and exits.

Bounded in time: every connect/response has --timeout seconds, the whole run --deadline seconds.
Raises its own RLIMIT_NOFILE soft limit to the hard limit.
"""

import argparse
import asyncio
import collections
import json
import resource
import sys
import time


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, need)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def read_response(reader):
    """Reads one HTTP/1.1 response; returns the status code. Handles Content-Length and chunked."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = None
    chunked = False
    for line in lines[1:]:
        if ":" not in line:
            continue
        name, value = line.split(":", 1)
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                # trailers until the empty line
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                break
            await reader.readexactly(size + 2)
    elif length is not None:
        await reader.readexactly(length)
    else:
        raise ValueError("response without length on a keep-alive connection")
    return status


def error_name(exc):
    if isinstance(exc, asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, asyncio.IncompleteReadError):
        return "closed"
    return type(exc).__name__


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("n", type=int)
    ap.add_argument("path")
    ap.add_argument("--parallel", type=int, default=200, help="connections being opened at once")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per connect/response")
    ap.add_argument("--deadline", type=float, default=120.0, help="seconds for the whole run")
    args = ap.parse_args()

    limit = raise_nofile(args.n + 100)
    if limit < args.n + 50:
        print(json.dumps({"phase": "error", "error": f"RLIMIT_NOFILE {limit} < {args.n + 50}"}), flush=True)
        return 2

    request = (f"GET {args.path} HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n"
               "Connection: keep-alive\r\nUser-Agent: ajpgate-bench-idle\r\n\r\n").encode()
    conns = []
    errors = collections.Counter()
    sem = asyncio.Semaphore(args.parallel)
    start = time.monotonic()

    async def open_one():
        async with sem:
            writer = None
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(args.host, args.port), args.timeout)
                writer.write(request)
                await writer.drain()
                status = await asyncio.wait_for(read_response(reader), args.timeout)
                if status != 200:
                    errors[f"status {status}"] += 1
                    writer.close()
                    return
                conns.append((reader, writer))
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors[error_name(exc)] += 1
                if writer is not None:
                    writer.close()

    try:
        await asyncio.wait_for(asyncio.gather(*(open_one() for _ in range(args.n))),
                               max(1.0, args.deadline / 2))
    except asyncio.TimeoutError:
        errors["deadline"] += 1
    print(json.dumps({"phase": "open", "opened": len(conns), "failed": args.n - len(conns),
                      "errors": dict(errors), "secs": round(time.monotonic() - start, 3)}), flush=True)

    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.run_in_executor(None, sys.stdin.readline), args.deadline)
    except asyncio.TimeoutError:
        pass

    probe_errors = collections.Counter()
    ok = 0
    start = time.monotonic()

    async def probe(reader, writer):
        nonlocal ok
        async with sem:
            try:
                writer.write(request)
                await writer.drain()
                status = await asyncio.wait_for(read_response(reader), args.timeout)
                if status == 200:
                    ok += 1
                else:
                    probe_errors[f"status {status}"] += 1
            except Exception as exc:  # noqa: BLE001 - counted and reported
                probe_errors[error_name(exc)] += 1

    try:
        await asyncio.wait_for(asyncio.gather(*(probe(r, w) for r, w in conns)),
                               max(1.0, args.deadline / 2))
    except asyncio.TimeoutError:
        probe_errors["deadline"] += 1
    print(json.dumps({"phase": "probe", "ok": ok, "failed": len(conns) - ok,
                      "errors": dict(probe_errors), "secs": round(time.monotonic() - start, 3)}),
          flush=True)
    for _, writer in conns:
        writer.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
