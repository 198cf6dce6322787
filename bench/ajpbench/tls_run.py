"""The TLS / HTTP/2 run: one Tomcat, three TLS front ends, handshake and keep-alive phases.

Phases (each one process with a hard timeout, every figure from 2 rounds, ABC then CBA):
- `hs-c1000`: TLS 1.3 handshakes, `h2load --h1 -n 1000 -c 1000` (every request on its own connection,
  all opened at once): handshakes/s = requests/s;
- `hs12-c1`, `hs13-c1`: one handshake after the other, `openssl s_time -new` (TLS 1.2 with
  ECDHE-RSA-AES128-GCM-SHA256, TLS 1.3 with TLS_AES_128_GCM_SHA256), each with one HTTP/1.0 GET;
- `h1-c16`: TLS keep-alive HTTP/1.1, `h2load --h1 -c 16 -D 5 --warm-up-time 1`;
- `h2-c16-m10`: TLS keep-alive HTTP/2, `h2load -c 16 -m 10 -D 5 --warm-up-time 1`.
"""

import re
import ssl
import subprocess
import time

from .checks import pattern_bytes
from .common import CLK_TCK, TOMCAT_SECRET, BenchError, log
from .procfs import free_ports
from .servers import Tomcat
from .tls_fronts import (CONTENDERS, GROUP, TLS12_SUITE, TLS13_SUITE, ajpgate_tls, haproxy_tls,
                         httpd_tls, make_certificate)

PATH = "/stream.jsp?n=100"
PHASE_TIMEOUT = 30

SCENARIOS = [
    ("hs-c1000", "TLS 1.3 handshakes/s, 1,000 new connections at once (h2load --h1 -n 1000 -c 1000)"),
    ("hs13-c1", "TLS 1.3 handshakes/s, one at a time (openssl s_time -new, 5 s)"),
    ("hs12-c1", "TLS 1.2 handshakes/s, one at a time (openssl s_time -new, 5 s)"),
    ("h1-c16", "TLS keep-alive HTTP/1.1 req/s, 16 connections (h2load --h1 -c 16 -D 5)"),
    ("h2-c16-m10", "TLS keep-alive HTTP/2 req/s, 16 connections x 10 streams (h2load -c 16 -m 10 -D 5)"),
]


def h2load_base():
    return ["h2load", f"--tls13-ciphers={TLS13_SUITE}", f"--ciphers={TLS12_SUITE}", f"--groups={GROUP}"]


def h2load_argv(sid, port, duration, hs_n=1000):
    base = h2load_base()
    url = f"https://127.0.0.1:{port}{PATH}"
    if sid == "hs-c1000":
        return base + ["--h1", "-n", str(hs_n), "-c", str(hs_n), url]
    if sid == "h1-c16":
        return base + ["--h1", "-c", "16", "-D", str(duration), "--warm-up-time", "1", url]
    if sid == "h2-c16-m10":
        return base + ["-c", "16", "-m", "10", "-D", str(duration), "--warm-up-time", "1", url]
    if sid == "warm":
        return base + ["--h1", "-c", "16", "-D", str(duration), url]
    raise ValueError(sid)


def parse_h2load(out):
    r = {}
    m = re.search(r"finished in ([\d.]+)(ms|s), ([\d.]+) req/s", out)
    if m:
        r["rate"] = float(m.group(3))
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed", out)
    if m:
        r["done"], r["succeeded"], r["failed"] = int(m.group(3)), int(m.group(4)), int(m.group(5))
    m = re.search(r"status codes: (\d+) 2xx", out)
    r["2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)", out)
    if m:
        r["req_min"], r["req_max"], r["req_mean"] = m.groups()
    for key, pat in (("protocol", r"TLS Protocol: (\S+)"), ("cipher", r"Cipher: (\S+)"),
                     ("kex", r"Server Temp Key: (.+)"), ("alpn", r"Application protocol: (\S+)")):
        m = re.search(pat, out)
        r[key] = m.group(1).strip() if m else "?"
    return r


def s_time_argv(sid, port, duration):
    argv = ["openssl", "s_time", "-connect", f"127.0.0.1:{port}", "-new", "-time", str(duration),
            "-www", PATH]
    if sid == "hs12-c1":
        return argv + ["-tls1_2", "-cipher", TLS12_SUITE]
    return argv + ["-tls1_3", "-ciphersuites", TLS13_SUITE]


def parse_s_time(out):
    m = re.search(r"(\d+) connections in ([\d.]+) real seconds", out)
    if not m:
        return {"rate": 0.0, "error": out[-300:]}
    n, secs = int(m.group(1)), float(m.group(2))
    return {"rate": round(n / secs, 1) if secs else 0.0, "done": n, "protocol": "?", "cipher": "?"}


def tls_facts_s_client(port, sid):
    """What one s_client handshake of this scenario negotiates (protocol, cipher, group)."""
    argv = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-brief"]
    argv += (["-tls1_2", "-cipher", TLS12_SUITE] if sid == "hs12-c1"
             else ["-tls1_3", "-ciphersuites", TLS13_SUITE])
    p = subprocess.run(argv, input="", capture_output=True, text=True, timeout=10)
    text = p.stdout + p.stderr
    facts = {}
    for key, pat in (("protocol", r"Protocol version: (\S+)"), ("cipher", r"Ciphersuite: (\S+)"),
                     ("kex", r"(?:Negotiated TLS1.3 group|Server Temp Key): (.+)")):
        m = re.search(pat, text)
        facts[key] = m.group(1).strip() if m else "?"
    return facts


def run_tool(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=PHASE_TIMEOUT + 10,
                           stdin=subprocess.DEVNULL)
        return p.stdout + p.stderr
    except subprocess.TimeoutExpired as exc:
        return f"timed out after {exc.timeout} s"


def preflight(port, cert):
    """GET over TLS (HTTP/1.1, verified against the run's certificate): 200 and the 100 pattern bytes."""
    import http.client
    ctx = ssl.create_default_context(cafile=str(cert))
    try:
        conn = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=20)
        conn.request("GET", PATH)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
    except (OSError, http.client.HTTPException) as exc:
        return f"{type(exc).__name__}: {exc}"
    if resp.status != 200 or data != pattern_bytes(100):
        return f"status {resp.status}, {len(data)} bytes (expected 200 and 100 pattern bytes)"
    out = run_tool(h2load_base() + ["-n", "10", "-c", "1", f"https://127.0.0.1:{port}{PATH}"])
    h2 = parse_h2load(out)
    if h2.get("2xx") != 10 or h2.get("alpn") != "h2":
        return f"h2load over h2: {h2}"
    return None


class TlsBench:
    def __init__(self, owned, cfg, workdir, quick=False):
        self.owned, self.cfg, self.workdir = owned, cfg, workdir
        self.duration, self.hs_n = (1, 100) if quick else (5, 1000)
        self.results = {"scenarios": {sid: {} for sid, _ in SCENARIOS}, "preflight": {}, "facts": {}}

    def start_fronts(self, tc_ajp, tc_http, cert, key, both):
        ports = free_ports(4)
        self.ports = dict(zip(CONTENDERS, ports[:3]))
        pool = self.cfg["httpd_threads"]
        makers = {
            "mod_jk": lambda p: httpd_tls(self.owned, self.cfg, self.workdir, p, tc_ajp, TOMCAT_SECRET,
                                          cert, key),
            "haproxy": lambda p: haproxy_tls(self.owned, self.workdir, p, tc_http, both, pool),
            "ajpgate": lambda p: ajpgate_tls(self.owned, self.cfg, self.workdir, p, ports[3], tc_ajp,
                                             TOMCAT_SECRET, cert, key),
        }
        fronts = {}
        for c in CONTENDERS:
            fe = makers[c](self.ports[c])
            try:
                fe.start()
            except BenchError as exc:
                self.results["preflight"][c] = f"did not start: {exc}"
                log(f"  {c}: did not start: {exc}")
                continue
            err = preflight(self.ports[c], cert)
            self.results["preflight"][c] = err or "ok"
            log(f"  {c} on 127.0.0.1:{self.ports[c]}: preflight {err or 'ok'}")
            if err is None:
                fronts[c] = fe
            else:
                fe.stop()
                self.owned.remove(fe.name)
        return fronts

    def one(self, sid, c, fe):
        port = fe.port
        before = fe.cpu_ticks()
        t0 = time.monotonic()
        if sid.startswith("hs1"):
            r = parse_s_time(run_tool(s_time_argv(sid, port, self.duration)))
        else:
            r = parse_h2load(run_tool(h2load_argv(sid, port, self.duration, self.hs_n)))
        r["wall_s"] = round(time.monotonic() - t0, 1)
        ticks = fe.cpu_ticks() - before
        r["front_cpu_s"] = ticks / CLK_TCK
        done = r.get("done") or 0
        r["cpu_ms_per_req"] = round(1000.0 * r["front_cpu_s"] / done, 3) if done else None
        log(f"    {sid} {c}: {r.get('rate', 0):.0f}/s, done {done}, failed {r.get('failed', 0)}, "
            f"front CPU {r['front_cpu_s']:.2f} s, {r.get('protocol')} {r.get('cipher')} {r.get('alpn', '')}")
        return r

    def run(self, tc_ajp, tc_http, cert, key, both):
        fronts = self.start_fronts(tc_ajp, tc_http, cert, key, both)
        try:
            for c, fe in fronts.items():  # Tomcat's JIT, through every front end alike
                run_tool(h2load_argv("warm", fe.port, 3))
                self.results["facts"][c] = {sid: tls_facts_s_client(fe.port, sid)
                                            for sid in ("hs12-c1", "hs13-c1")}
            order = [c for c in CONTENDERS if c in fronts]
            for i, (sid, _) in enumerate(SCENARIOS):
                rot = order[i % len(order):] + order[:i % len(order)]
                for seq in (rot, list(reversed(rot))):
                    for c in seq:
                        self.results["scenarios"][sid].setdefault(c, []).append(self.one(sid, c, fronts[c]))
                        time.sleep(0.5)
        finally:
            for fe in fronts.values():
                fe.stop()
                self.owned.remove(fe.name)
        return self.results


def start_tomcat(owned, workdir):
    ajp, http_port, shut = free_ports(3)
    tc = Tomcat(owned, workdir / "tomcat", ajp, http_port, shut, workdir / "logs" / "tomcat.log")
    tc.start()
    return tc, ajp, http_port


def run_all(owned, cfg, workdir, quick=False):
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "logs").mkdir(exist_ok=True)
    cert, key, both = make_certificate(workdir / "pki")
    tc, ajp, http_port = start_tomcat(owned, workdir)
    try:
        return TlsBench(owned, cfg, workdir, quick).run(ajp, http_port, cert, key, both)
    finally:
        tc.stop()
        owned.remove(tc.name)
