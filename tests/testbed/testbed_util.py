#!/usr/bin/env python3
"""Small helpers for the testbed shell scripts (python3 stdlib only).

  testbed_util.py free-ports N          print N distinct free TCP ports on 127.0.0.1, one per line
  testbed_util.py http-ok HOST PORT [TIMEOUT]
                                        exit 0 if an HTTP request to / gets any HTTP status line back
  testbed_util.py send HOST PORT TEXT   connect, send TEXT, close (used for Tomcat's SHUTDOWN port)
"""
import socket
import sys


def free_ports(n):
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def http_ok(host, port, timeout):
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(b"GET / HTTP/1.0\r\nHost: %s:%d\r\nUser-Agent: testbed-http-ok\r\n\r\n" % (host.encode(), port))
        data = b""
        while b"\r\n" not in data and len(data) < 4096:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.startswith(b"HTTP/")


def main(argv):
    if len(argv) >= 3 and argv[1] == "free-ports":
        for p in free_ports(int(argv[2])):
            print(p)
        return 0
    if len(argv) in (4, 5) and argv[1] == "http-ok":
        try:
            return 0 if http_ok(argv[2], int(argv[3]), float(argv[4]) if len(argv) == 5 else 2.0) else 1
        except OSError:
            return 1
    if len(argv) == 5 and argv[1] == "send":
        try:
            with socket.create_connection((argv[2], int(argv[3])), timeout=5) as s:
                s.sendall(argv[4].encode())
        except OSError as e:
            sys.stderr.write("send to %s:%s failed: %s\n" % (argv[2], argv[3], e))
            return 1
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
