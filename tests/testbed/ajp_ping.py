#!/usr/bin/env python3
"""AJP13 CPING probe.

usage: ajp_ping.py HOST PORT [TIMEOUT_SECONDS]

Connects to HOST:PORT, sends CPING (12 34 00 01 0A) and waits for CPONG
(41 42 00 01 09). Exit status: 0 = CPONG received, 1 = anything else
(connection refused, timeout, wrong reply); the reason goes to stderr.
Default timeout 2 s (applies to connect and to the reply separately).
"""
import socket
import sys

CPING = b"\x12\x34\x00\x01\x0a"
CPONG = b"\x41\x42\x00\x01\x09"


def ping(host, port, timeout):
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(CPING)
        got = b""
        while len(got) < len(CPONG):
            chunk = s.recv(len(CPONG) - len(got))
            if not chunk:
                raise OSError("connection closed after %d reply bytes (%s)" % (len(got), got.hex(" ")))
            got += chunk
        if got != CPONG:
            raise OSError("unexpected reply %s" % got.hex(" "))


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    host, port = argv[1], int(argv[2])
    timeout = float(argv[3]) if len(argv) == 4 else 2.0
    try:
        ping(host, port, timeout)
    except (OSError, socket.timeout) as e:
        sys.stderr.write("ajp_ping %s:%d: %s\n" % (host, port, e or type(e).__name__))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
