"""The benchmark run: setup, the fake / failure / Tomcat phases, throughput and idle scenarios."""

import datetime
import http.client
import math
import os
import random
import re
import resource
import threading
import time
import zlib
from pathlib import Path

from .checks import fnv1a64, http_request, preflight
from .common import CONTENDERS, T0, TOMCAT_SECRET, UPLOAD_BYTES, BenchError, log
from .envinfo import machine_info, versions
from .frontends import make_frontend
from .idle import hold_idle
from .measure import measure
from .owned import Owned
from .procfs import free_ports, loadavg
from .scenarios import FAKE_SCENARIOS, TOMCAT_SCENARIOS, mode_settings
from .servers import Httpd, Tomcat, fake_backend, fake_stats
from .wrk import combine_rounds, run_wrk


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.ms = mode_settings(args.quick)
        if args.idle_connections:
            self.ms["idle_n"] = args.idle_connections
        self.workdir = Path(args.workdir).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "logs").mkdir(exist_ok=True)
        (self.workdir / "raw").mkdir(exist_ok=True)
        os.chmod(self.workdir, 0o755)
        self.owned = Owned(self.workdir)
        self.contenders = [c for c in CONTENDERS if c in args.contenders.split(",")]
        idle_n = self.ms["idle_n"]
        procs, threads = args.httpd_procs, args.httpd_threads
        # one child holds ThreadsPerChild + idle_workers * factor connections; all idle: T * (1 + factor)
        factor = max(2, math.ceil(idle_n * 1.05 / (procs * threads)) - 1)
        self.cfg = dict(ajpgate=Path(args.ajpgate).resolve(), httpd_procs=procs, httpd_threads=threads,
                        async_factor=factor, keepalive_timeout=60)
        self.deadline = T0 + args.budget
        self.results = {"scenarios": {}, "idle": {}, "failure": {}, "preflight": {}, "notes": [],
                        "backend_totals": {}}
        self.only = set(args.only.split(",")) if args.only else None

    def want(self, sid):
        return self.only is None or sid in self.only

    def time_left(self):
        return self.deadline - time.monotonic()

    # --- setup ---------------------------------------------------------------------------------------

    def setup(self):
        log(f"workdir {self.workdir}; mode {'quick' if self.quick else 'full'}; load {loadavg()}")
        self.results["load_start"] = loadavg()
        self.results["started"] = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        self.results["versions"] = versions(self.cfg["ajpgate"])
        self.results["machine"] = machine_info()
        self.results["mode"] = "quick" if self.quick else "full"
        self.results["settings"] = dict(self.ms, **{k: str(v) for k, v in self.cfg.items()})
        nofile = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = self.ms["idle_n"] + 1000
        if nofile[0] < want:
            target = want if nofile[1] == resource.RLIM_INFINITY else min(nofile[1], max(want, 65536))
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, nofile[1]))
            nofile = resource.getrlimit(resource.RLIMIT_NOFILE)
        self.results["nofile"] = nofile[0]
        if nofile[0] < want:
            n = max(100, nofile[0] - 1000)
            self.results["notes"].append(
                f"RLIMIT_NOFILE is {nofile[0]} (hard limit): idle connections reduced from "
                f"{self.ms['idle_n']} to {n}")
            self.ms["idle_n"] = n
        rng = random.Random(20240607)
        self.body = rng.randbytes(UPLOAD_BYTES)
        self.body_file = self.workdir / "upload.bin"
        self.body_file.write_bytes(self.body)
        self.body_fnv = fnv1a64(self.body)
        self.body_crc = f"{zlib.crc32(self.body) & 0xFFFFFFFF:08x}"
        self.run_seq = 0

    # --- throughput scenarios ------------------------------------------------------------------------

    def wrk_round(self, sid, contender, front, backends, path, conns, duration, upload, measured=True):
        self.run_seq += 1
        out = self.workdir / "raw" / f"{self.run_seq:03d}-{sid}-{contender}{'' if measured else '-warm'}.json"
        wrk, m = measure(front, backends, lambda: run_wrk(
            front.port, path, conns, duration, out, self.body_file if upload else None))
        wrk.pop("wrk_stdout", None)
        return {"wrk": wrk, "m": m}

    def throughput(self, scenarios, fronts, backends_of, tag):
        order = list(self.contenders)
        for idx, (sid, title, path, conns, upload) in enumerate(scenarios):
            if not self.want(sid):
                continue
            ready = [c for c in order if c in fronts]
            if not ready:
                continue
            dur = self.ms["dur_c1"] if conns == 1 else (self.ms["upload_dur"] if upload else self.ms["dur"])
            est = len(ready) * (self.ms["warm"] + self.ms["rounds"] * dur + 2)
            if self.time_left() < est + 30:
                self.results["notes"].append(f"{sid}: skipped, the time budget ran out")
                log(f"{sid}: skipped (time budget)")
                continue
            rot = idx % len(ready)
            base = ready[rot:] + ready[:rot]
            log(f"{sid}: {title}; {self.ms['rounds']} round(s) x {dur} s per contender, "
                f"order {'/'.join(base)}")
            rounds = {c: [] for c in ready}
            try:
                self._scenario_rounds(sid, base, rounds, fronts, backends_of, path, conns, dur, upload)
            except BenchError as exc:
                log(f"{sid}: failed: {exc}")
                self.results["notes"].append(f"{sid}: failed: {str(exc)[:300]}")
                continue
            self.results["scenarios"][sid] = {
                "title": title, "backend": tag, "path": path, "connections": conns,
                "upload_bytes": UPLOAD_BYTES if upload else 0, "order": base,
                "per_contender": {c: combine_rounds(rounds[c]) for c in ready},
            }

    def _scenario_rounds(self, sid, base, rounds, fronts, backends_of, path, conns, dur, upload):
        for c in base:  # warm-up, not measured
            self.wrk_round(sid, c, fronts[c], backends_of(c), path, conns, self.ms["warm"], upload, False)
        for r in range(self.ms["rounds"]):
            seq = base if r % 2 == 0 else list(reversed(base))
            for c in seq:
                res = self.wrk_round(sid, c, fronts[c], backends_of(c), path, conns, dur, upload)
                rounds[c].append(res)
                w = res["wrk"]
                rps = w["requests"] / (w["duration_us"] / 1e6)
                errs = sum(w["errors"].values())
                log(f"  {c:14s} round {r + 1}: {rps:10.1f} req/s  p99 {w['latency']['p99'] / 1000:7.2f} ms"
                    f"  errors {errs}  fe-cpu {res['m']['front_cpu_s']:.2f}s"
                    f"  other-load {res['m']['other_cpu_cores']:.2f}")

    # --- idle keep-alive connections ------------------------------------------------------------------

    def idle(self, fronts):
        if not self.want("idle"):
            return
        n = self.ms["idle_n"]
        for c in self.contenders:
            if c not in fronts:
                continue
            if self.time_left() < 60:
                self.results["notes"].append(f"idle {c}: skipped, the time budget ran out")
                continue
            front = fronts[c]
            log(f"idle: {n} keep-alive connections to {c}")
            res = hold_idle(front, n, self.ms["idle_deadline"])
            held = res.get("probe", {}).get("ok", 0)
            log(f"  {c}: opened {res.get('open', {}).get('opened')}, held {held}, "
                f"RSS {res['rss_before_kb'] / 1024:.1f} -> {res.get('rss_held_kb', 0) / 1024:.1f} MB")
            self.results["idle"][c] = res
            time.sleep(1)

    def start_checked(self, c, fe, backend, fport, behind, body_check):
        """Starts front end `fe` of contender `c` and checks its bodies; True if it may be measured.
        A front end that fails to start or to pass the check is stopped and recorded as such."""
        key = f"{backend}/{c}"
        try:
            fe.start()
        except BenchError as exc:
            self.results["preflight"][key] = f"did not start: {exc}"
            log(f"  {c}: did not start: {exc}")
            return False
        err = preflight(fport, backend, self.body, body_check)
        self.results["preflight"][key] = err or "ok"
        log(f"  {c} on 127.0.0.1:{fport} -> {behind}: preflight {err or 'ok'}")
        if err is not None:
            fe.stop()
            self.owned.remove(fe.name)
        return err is None

    # --- phases ---------------------------------------------------------------------------------------

    def phase_fake(self):
        log("phase fake: one fake backend and one front end per contender")
        ports = free_ports(2 * len(self.contenders))
        fronts, backs = {}, {}
        for i, c in enumerate(self.contenders):
            bport, fport = ports[2 * i], ports[2 * i + 1]
            backs[c] = fake_backend(self.owned, self.cfg["ajpgate"], self.workdir, f"fake-{c}", bport,
                                    "node1").start()
            fe = make_frontend(c, self.owned, self.cfg, self.workdir, "fake", fport,
                               [("node1", bport, None)])
            if self.start_checked(c, fe, "fake", fport, f"fake backend :{bport}", self.body_fnv):
                fronts[c] = fe
        try:
            self.throughput(FAKE_SCENARIOS, fronts, lambda c: [backs[c]], "fake")
            self.idle(fronts)
        finally:
            for fe in fronts.values():
                fe.stop()
                self.owned.remove(fe.name)
            for c, b in backs.items():
                b.stop()
                self.owned.remove(b.name)
                self.results["backend_totals"][f"fake/{c}"] = fake_stats(b)

    def phase_failure(self):
        if not self.want("lb-failure"):
            return
        log("phase failure: lb over two fake backends; node2 is killed (SIGKILL) under load")
        dur, kill_at = self.ms["fail_dur"], self.ms["fail_kill_at"]
        rot = 2 % len(self.contenders)
        order = self.contenders[rot:] + self.contenders[:rot]
        for c in order:
            if self.time_left() < dur + 40:
                self.results["notes"].append(f"lb-failure {c}: skipped, the time budget ran out")
                continue
            p1, p2, fport = free_ports(3)
            n1 = fake_backend(self.owned, self.cfg["ajpgate"], self.workdir, f"lb-{c}-node1", p1, "node1").start()
            n2 = fake_backend(self.owned, self.cfg["ajpgate"], self.workdir, f"lb-{c}-node2", p2, "node2").start()
            fe = make_frontend(c, self.owned, self.cfg, self.workdir, "lb", fport,
                               [("node1", p1, None), ("node2", p2, None)])
            res = {}
            try:
                try:
                    fe.start()
                except BenchError as exc:
                    if c == "ajpgate":
                        res["unsupported"] = f"`ajpgate serve` did not start with an lb worker: {str(exc)[:300]}"
                    raise
                st, _, data = http_request(fport, "GET", "/bytes?n=100&cl=1")
                if st != 200:
                    why = (f"a request mapped to the lb worker got {st}, not 200 "
                           f"({data[:120].decode('latin-1', 'replace').strip()})")
                    if c == "ajpgate":
                        res["unsupported"] = why
                    raise BenchError(why)
                self.run_seq += 1
                out = self.workdir / "raw" / f"{self.run_seq:03d}-lb-failure-{c}-warm.json"
                run_wrk(fport, "/bytes?n=100&cl=1", 16, 1, out)
                log_off = fe.error_log_size() if isinstance(fe, Httpd) else 0
                killed = {}

                def killer():
                    time.sleep(kill_at)
                    n2.kill()
                    killed["t"] = kill_at

                th = threading.Thread(target=killer, daemon=True)
                th.start()
                self.run_seq += 1
                out = self.workdir / "raw" / f"{self.run_seq:03d}-lb-failure-{c}.json"
                wrk, m = measure(fe, [n1], lambda: run_wrk(fport, "/bytes?n=100&cl=1", 16, dur, out))
                th.join()
                wrk.pop("wrk_stdout", None)
                res["run"] = combine_rounds([{"wrk": wrk, "m": m}])
                res["killed_at_s"] = killed.get("t")
                after = []
                for _ in range(5):
                    st, _, _ = http_request(fport, "GET", "/bytes?n=100&cl=1")
                    after.append(st)
                res["after_statuses"] = after
                if isinstance(fe, Httpd):
                    lines = [ln for ln in fe.error_log_since(log_off).splitlines() if ln.strip()]
                    res["error_log_lines"] = len(lines)
                    res["error_log_first"] = lines[:3]
                    jk = fe.dir / "logs" / "mod_jk.log"
                    if jk.exists():
                        jl = jk.read_text(errors="replace").splitlines()
                        res["mod_jk_log_lines"] = len(jl)
                        # mod_jk's timestamps: [Sun Nov 22 01:25:42.081 2026] -> lines per second
                        secs = {m.group(1) for m in (re.search(r"(\d\d:\d\d:\d\d)\.", x) for x in jl) if m}
                        res["mod_jk_log_seconds"] = len(secs)
                else:
                    text = Path(fe.logfile).read_text(errors="replace")
                    res["log_lines"] = len([x for x in text.splitlines() if " WARN " in x or " ERROR " in x])
                r = res["run"]
                log(f"  {c}: {r['rps']:.1f} req/s, errors {r['errors']}, p99.9 {r['p999_us'] / 1000:.2f} ms,"
                    f" after: {after}")
            except (BenchError, OSError, http.client.HTTPException) as exc:
                if "unsupported" not in res:
                    res["error"] = str(exc)
                log(f"  {c}: {res.get('unsupported') or res.get('error')}")
            finally:
                for s in (fe, n1, n2):
                    s.stop()
                    self.owned.remove(s.name)
                st1 = fake_stats(n1)
                res["node1_forward_requests"] = st1.get("forward_requests") if st1 else None
            self.results["failure"][c] = res

    def phase_tomcat(self):
        if self.args.skip_tomcat or not any(self.want(s[0]) for s in TOMCAT_SCENARIOS):
            return
        if self.time_left() < 90:
            self.results["notes"].append("Tomcat phase skipped: the time budget ran out")
            return
        log("phase tomcat: one private Tomcat 10.1 shared by three front ends")
        ajp, httpp, shut, *fports = free_ports(3 + len(self.contenders))
        tc = Tomcat(self.owned, self.workdir / "tomcat", ajp, httpp, shut, self.workdir / "logs" / "tomcat.log")
        tc.start()
        fronts = {}
        try:
            for c, fport in zip(self.contenders, fports):
                fe = make_frontend(c, self.owned, self.cfg, self.workdir, "tomcat", fport,
                                   [("tomcat", ajp, TOMCAT_SECRET)])
                if self.start_checked(c, fe, "tomcat", fport, f"Tomcat AJP :{ajp}", self.body_crc):
                    fronts[c] = fe
            # JIT warm-up of the JSPs, through every front end alike
            for path in ("/stream.jsp?n=100", "/stream.jsp?n=102400"):
                for c, fe in fronts.items():
                    self.run_seq += 1
                    run_wrk(fe.port, path, 16, self.ms["tomcat_warm"],
                            self.workdir / "raw" / f"{self.run_seq:03d}-tomcat-jit-{c}.json")
            self.throughput(TOMCAT_SCENARIOS, fronts, lambda c: [tc], "tomcat")
        finally:
            for fe in list(fronts.values()):
                fe.stop()
                self.owned.remove(fe.name)
            tc.stop()
            self.owned.remove(tc.name)

    def phase(self, name, fn):
        try:
            fn()
        except BenchError as exc:
            log(f"phase {name} failed: {exc}")
            self.results["notes"].append(f"phase {name} failed: {str(exc)[:500]}")

    def run(self):
        self.setup()
        try:
            if not self.args.skip_fake:
                self.phase("fake", self.phase_fake)
                self.phase("failure", self.phase_failure)
            self.phase("tomcat", self.phase_tomcat)
        finally:
            self.owned.stop_all()
            self.results["load_end"] = loadavg()
            self.results["finished"] = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
            self.results["elapsed_s"] = round(time.monotonic() - T0, 1)
        return self.results
