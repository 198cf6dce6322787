#!/usr/bin/env python3
"""Recording TCP relay for AJP fixture capture (python3 stdlib only).

  relay.py serve --listen 127.0.0.1:PORT --target HOST:PORT --outdir DIR --control SOCKET
                 [--scenario NAME]
      Accepts connections on --listen, opens one connection to --target for each, and forwards
      bytes both ways unchanged. Every byte is also appended, in the order it was read, to
        DIR/<scenario>.to-container.bin     (accepted side -> target, i.e. httpd/mod_jk -> Tomcat)
        DIR/<scenario>.from-container.bin   (target -> accepted side, i.e. Tomcat -> httpd/mod_jk)
      and each read/EOF/close is logged, one line each, to DIR/<scenario>.events.txt:
        "c<N> open", "c<N> > <len>" (to container), "c<N> < <len>" (from container),
        "c<N> eof from httpd|container", "c<N> closed", "c<N> error ...".
      <scenario> is the current scenario name (initially --scenario, default "_idle"); it applies to
      all connections at once. Files are created on the first byte/event of a scenario, opened in
      append mode and flushed after every write. Half-closes are propagated (EOF on one side ->
      shutdown(SHUT_WR) towards the other side); the relay closes a pair once both directions ended.

  relay.py set --control SOCKET NAME
      Switch the current scenario (answers only after the switch; previous files are closed).
  relay.py get --control SOCKET
      Print the current scenario name and its byte counters.

Scenario names: [A-Za-z0-9_.-]+. The control socket is a Unix socket; commands are one line:
"set NAME", "get", "quit".
"""
import argparse
import asyncio
import os
import re
import signal
import socket
import sys
import time

NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


def log(msg):
    sys.stderr.write("%.3f relay: %s\n" % (time.time(), msg))
    sys.stderr.flush()


class Recorder:
    def __init__(self, outdir, scenario):
        self.outdir = outdir
        self.scenario = scenario
        self.files = {}
        self.counts = {"to": 0, "from": 0}

    def _file(self, kind):
        f = self.files.get(kind)
        if f is None:
            suffix = {"to": ".to-container.bin", "from": ".from-container.bin", "ev": ".events.txt"}[kind]
            f = open(os.path.join(self.outdir, self.scenario + suffix), "ab")
            self.files[kind] = f
        return f

    def data(self, direction, conn, data):
        f = self._file(direction)
        f.write(data)
        f.flush()
        self.counts[direction] += len(data)
        self.event(conn, "%s %d" % (">" if direction == "to" else "<", len(data)))

    def event(self, conn, text):
        f = self._file("ev")
        f.write(("c%d %s\n" % (conn, text)).encode())
        f.flush()

    def switch(self, name):
        for f in self.files.values():
            f.close()
        self.files = {}
        self.counts = {"to": 0, "from": 0}
        self.scenario = name

    def close(self):
        self.switch(self.scenario)


class Relay:
    def __init__(self, target_host, target_port, recorder):
        self.target = (target_host, target_port)
        self.rec = recorder
        self.next_id = 1
        self.open_conns = 0

    async def pipe(self, conn, direction, reader, writer, peer_name, src_writer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    self.rec.event(conn, "eof from %s" % peer_name)
                    break
                self.rec.data(direction, conn, data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError) as e:
            self.rec.event(conn, "error %s: %s" % (direction, type(e).__name__))
            log("c%d %s error: %r" % (conn, direction, e))
            # a reset/broken pipe on one side: drop both sides so the other direction ends too
            for w in (writer, src_writer):
                w.transport.abort()
            return
        finally:
            try:
                if writer.can_write_eof() and not writer.is_closing():
                    writer.write_eof()
            except (OSError, RuntimeError):
                pass

    async def handle(self, c_reader, c_writer):
        conn = self.next_id
        self.next_id += 1
        peer = c_writer.get_extra_info("peername")
        try:
            t_reader, t_writer = await asyncio.open_connection(*self.target)
        except OSError as e:
            self.rec.event(conn, "connect to container failed: %s" % type(e).__name__)
            log("c%d from %s: connect to %s:%d failed: %r" % (conn, peer, self.target[0], self.target[1], e))
            c_writer.close()
            return
        for w in (c_writer, t_writer):
            sock = w.get_extra_info("socket")
            if sock is not None:
                try:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                except OSError:
                    pass
        self.open_conns += 1
        self.rec.event(conn, "open")
        log("c%d open from %s (scenario %s)" % (conn, peer, self.rec.scenario))
        await asyncio.gather(
            self.pipe(conn, "to", c_reader, t_writer, "httpd", c_writer),
            self.pipe(conn, "from", t_reader, c_writer, "container", t_writer),
        )
        for w in (c_writer, t_writer):
            w.close()
        for w in (c_writer, t_writer):
            try:
                await w.wait_closed()
            except (OSError, ConnectionError):
                pass
        self.open_conns -= 1
        self.rec.event(conn, "closed")
        log("c%d closed (scenario %s)" % (conn, self.rec.scenario))


async def control_handler(reader, writer, rec, relay, stop):
    try:
        line = (await reader.readline()).decode("utf-8", "replace").strip()
        parts = line.split()
        if len(parts) == 2 and parts[0] == "set":
            if not NAME_RE.match(parts[1]):
                writer.write(b"error bad name\n")
            else:
                rec.switch(parts[1])
                log("scenario -> %s" % parts[1])
                writer.write(("ok %s\n" % parts[1]).encode())
        elif parts == ["get"]:
            writer.write(("%s to=%d from=%d open=%d\n" % (
                rec.scenario, rec.counts["to"], rec.counts["from"], relay.open_conns)).encode())
        elif parts == ["quit"]:
            writer.write(b"ok quit\n")
            stop.set()
        else:
            writer.write(b"error unknown command\n")
        await writer.drain()
    finally:
        writer.close()


def hostport(s):
    host, _, port = s.rpartition(":")
    return host or "127.0.0.1", int(port)


async def serve(args):
    os.makedirs(args.outdir, exist_ok=True)
    rec = Recorder(args.outdir, args.scenario)
    lhost, lport = hostport(args.listen)
    thost, tport = hostport(args.target)
    relay = Relay(thost, tport, rec)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = await asyncio.start_server(relay.handle, lhost, lport)
    if os.path.exists(args.control):
        os.unlink(args.control)
    ctl = await asyncio.start_unix_server(
        lambda r, w: control_handler(r, w, rec, relay, stop), path=args.control)
    log("listening on %s:%d -> %s:%d, outdir %s, control %s" % (lhost, lport, thost, tport, args.outdir, args.control))
    await stop.wait()
    server.close()
    ctl.close()
    rec.close()
    try:
        os.unlink(args.control)
    except OSError:
        pass
    log("stopped")


def client(path, line):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall((line + "\n").encode())
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return data.decode().strip()


def main():
    ap = argparse.ArgumentParser(description="recording TCP relay for AJP fixture capture")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("serve")
    sp.add_argument("--listen", required=True)
    sp.add_argument("--target", required=True)
    sp.add_argument("--outdir", required=True)
    sp.add_argument("--control", required=True)
    sp.add_argument("--scenario", default="_idle")
    st = sub.add_parser("set")
    st.add_argument("--control", required=True)
    st.add_argument("name")
    gt = sub.add_parser("get")
    gt.add_argument("--control", required=True)
    qt = sub.add_parser("quit")
    qt.add_argument("--control", required=True)
    args = ap.parse_args()
    if args.cmd == "serve":
        if not NAME_RE.match(args.scenario):
            ap.error("bad scenario name")
        asyncio.run(serve(args))
        return 0
    try:
        if args.cmd == "set":
            if not NAME_RE.match(args.name):
                ap.error("bad scenario name")
            reply = client(args.control, "set " + args.name)
        elif args.cmd == "get":
            reply = client(args.control, "get")
        else:
            reply = client(args.control, "quit")
    except OSError as e:
        sys.stderr.write("relay.py %s: %s\n" % (args.cmd, e))
        return 1
    print(reply)
    return 0 if not reply.startswith("error") else 1


if __name__ == "__main__":
    sys.exit(main())
