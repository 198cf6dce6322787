#!/usr/bin/env python3
"""ajpgate benchmark orchestrator (issue 7): ajpgate vs httpd + mod_jk vs httpd + mod_proxy_ajp.

Normally started by bench/run.sh, which installs the Debian packages, builds ajpgate in release mode and
prepares a venv with matplotlib. Standard library only, plus matplotlib for the chart when present.

Phases:
  1. setup     versions, free ports, the 10 MiB upload body, machine load
  2. fake      one fake AJP backend (`ajpgate fake-backend`) per contender, one front end per contender;
               correctness preflight; throughput scenarios (interleaved rounds); idle keep-alive
               connections
  3. failure   per contender: a fresh lb front end over two fresh fake backends, one killed under load
  4. tomcat    one private Tomcat 10.1 (tests/testbed/tomcat.sh) shared by three fresh front ends;
               preflight, JSP warm-up, throughput scenarios
  5. report    RESULTS.md (markdown tables), results.png (matplotlib), out/results.json

Every server is started here, bound to 127.0.0.1, recorded in WORKDIR/owned.pids, and stopped on exit,
including Ctrl-C and SIGTERM (`bench.py --cleanup --workdir W` kills what a crashed run left).
"""

import argparse
import collections
import contextlib
import datetime
import http.client
import json
import math
import os
import random
import re
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TESTBED = REPO / "tests" / "testbed"
WRK_LUA = HERE / "wrk.lua"
IDLE_CLIENT = HERE / "idle_conns.py"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PATTERN = b"0123456789abcdefghijklmnopqrstuvwxyz"
APACHE2 = os.environ.get("APACHE2_BIN", "/usr/sbin/apache2")
APACHE_MODULES = Path(os.environ.get("APACHE_MODULES", "/usr/lib/apache2/modules"))
UPLOAD_BYTES = 10 * 1024 * 1024
TOMCAT_SECRET = "bench-secret"
CONTENDERS = ["mod_jk", "mod_proxy_ajp", "ajpgate"]
BASELINE = "mod_jk"

T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - T0:6.1f}s] {msg}", flush=True)


class BenchError(Exception):
    pass


# ----------------------------------------------------------------------------------------------------
# /proc helpers


def proc_stat(pid):
    """(ppid, utime+stime, cutime+cstime, starttime) in ticks, or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rindex(")") + 2:].split()
    # rest[0] = state (field 3); utime = field 14 -> rest[11]
    if rest[0] in ("Z", "X"):
        return None
    return int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[13]) + int(rest[14]), int(rest[19])


def proc_starttime(pid):
    st = proc_stat(pid)
    return st[3] if st else None


def children_of(pid):
    kids = []
    path = f"/proc/{pid}/task/{pid}/children"
    try:
        with open(path) as f:
            kids = [int(x) for x in f.read().split()]
        return kids
    except OSError:
        pass
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = proc_stat(int(entry))
            if st and st[0] == pid:
                kids.append(int(entry))
    return kids


def status_kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def machine_busy_ticks():
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    vals = [int(x) for x in parts]
    user, nice, system, idle, iowait, irq, softirq, steal = vals[:8]
    return user + nice + system + irq + softirq + steal, idle + iowait


def self_cpu_secs():
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


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


def wait_port(port, timeout, alive=lambda: True):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not alive():
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def ss_backend(port, owners=None):
    """Connections to the backend at 127.0.0.1:port, keyed by their ephemeral (front-end side) port:
    (live, time_wait). With owners (a set of pids), live only counts connections whose front-end side
    belongs to one of them (the backend may be shared by several front ends); a TIME-WAIT socket has
    no owner any more and is always counted."""
    out = subprocess.run(["ss", "-tanpH", f"( sport = :{port} or dport = :{port} )"],
                         capture_output=True, text=True, timeout=10).stdout
    live, tw = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 5 or f[0] == "LISTEN":
            continue
        lport = int(f[3].rsplit(":", 1)[1])
        pport_s = f[4].rsplit(":", 1)[1]
        if pport_s == "*":
            continue
        pport = int(pport_s)
        if f[0] == "TIME-WAIT":
            tw.add(pport if lport == port else lport)
            continue
        if lport == port:
            continue  # the backend's side; the front end's side of the same connection is listed too
        if owners is not None:
            pids = {int(x) for x in re.findall(r"pid=(\d+)", line)}
            if not pids & owners:
                continue
        live.add(lport)
    return live, tw


def ss_count_established(port):
    out = subprocess.run(["ss", "-tnH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, timeout=30).stdout
    return sum(1 for line in out.splitlines() if line.strip())


# ----------------------------------------------------------------------------------------------------
# processes we own


class Owned:
    """Every server this run started: stopped in reverse order on exit; also recorded on disk."""

    def __init__(self, workdir):
        self.file = Path(workdir) / "owned.pids"
        self.items = []  # (name, stop callable, pid)
        self.lock = threading.Lock()

    def add(self, name, pid, stop):
        with self.lock:
            self.items.append((name, stop, pid))
            self._write()

    def remove(self, name):
        with self.lock:
            self.items = [it for it in self.items if it[0] != name]
            self._write()

    def _write(self):
        lines = []
        for name, _, pid in self.items:
            st = proc_starttime(pid) if pid else None
            if st is not None:
                lines.append(f"{pid} {st} {name}")
        tmp = self.file.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + ("\n" if lines else ""))
        tmp.replace(self.file)

    def stop_all(self):
        while True:
            with self.lock:
                if not self.items:
                    break
                name, stop, _ = self.items[-1]
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - keep stopping the others
                log(f"stopping {name} failed: {exc}")
            self.remove(name)


def cleanup_leftovers(workdir):
    """Kills the processes a crashed run recorded (same pid and start time), by id only."""
    f = Path(workdir) / "owned.pids"
    if not f.exists():
        return
    for line in f.read_text().splitlines():
        try:
            pid, start, name = line.split(None, 2)
            pid, start = int(pid), int(start)
        except ValueError:
            continue
        if proc_starttime(pid) != start:
            continue
        print(f"cleanup: killing leftover {name} (pid {pid})", flush=True)
        pgid = os.getpgid(pid)
        with contextlib.suppress(OSError):
            if pgid == pid:
                os.killpg(pgid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
    f.unlink()


# ----------------------------------------------------------------------------------------------------
# servers


class Server:
    """Common interface: name, port, start(), stop(), pids() for CPU/RSS accounting."""

    name = "?"
    port = 0
    root_pid = None

    def pids(self):
        raise NotImplementedError

    def cpu_ticks(self):
        """utime+stime of every live process of the server, plus the reaped children's (cutime)."""
        total = 0
        root = self.root_pid
        for pid in self.pids():
            st = proc_stat(pid)
            if st:
                total += st[1]
                if pid == root:
                    total += st[2]
        return total

    def rss_kb(self):
        return sum(status_kb(p, "VmRSS") for p in self.pids())

    def pss_kb(self):
        return sum(pss_kb(p) for p in self.pids())

    def nprocs(self):
        return len(self.pids())


class PopenServer(Server):
    """ajpgate serve / ajpgate fake-backend: one process we spawn directly."""

    def __init__(self, owned, name, argv, port, logfile, env=None, stop_signal=signal.SIGTERM,
                 ready=None):
        self.owned, self.name, self.argv, self.port = owned, name, argv, port
        self.logfile, self.env, self.stop_signal = logfile, env, stop_signal
        self.ready = ready
        self.proc = None
        self.exit_output = ""

    def start(self, timeout=15):
        self.out = open(self.logfile, "w")
        env = dict(os.environ)
        env.update(self.env or {})
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self.out,
                                     stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.root_pid = self.proc.pid
        self.owned.add(self.name, self.proc.pid, self.stop)
        if not wait_port(self.port, timeout, alive=lambda: self.proc.poll() is None):
            self.out.flush()
            tail = Path(self.logfile).read_text()[-2000:]
            self.stop()
            self.owned.remove(self.name)
            raise BenchError(f"{self.name} did not listen on 127.0.0.1:{self.port}:\n{tail}")
        return self

    def pids(self):
        return [self.proc.pid] if self.proc and self.proc.poll() is None else []

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.proc.send_signal(self.stop_signal)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                log(f"{self.name}: still running 10 s after {self.stop_signal.name}, SIGKILL")
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        self.exit_output = Path(self.logfile).read_text()


def fake_backend(owned, ajpgate, workdir, name, port, route, secret=None):
    argv = [str(ajpgate), "fake-backend", "--listen", f"127.0.0.1:{port}", "--route", route,
            "--max-packet-size", "8192"]
    if secret:
        argv += ["--secret", secret]
    return PopenServer(owned, name, argv, port, workdir / "logs" / f"{name}.log",
                       stop_signal=signal.SIGINT)


def fake_stats(server):
    """The JSON line the fake backend prints on SIGINT (after stop())."""
    for line in reversed(server.exit_output.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                return json.loads(line)
    return None


class Httpd(Server):
    """A private httpd (mpm_event) with mod_jk or mod_proxy_ajp; no access log."""

    def __init__(self, owned, name, directory, port, cfg, module_conf, modules):
        self.owned, self.name, self.dir, self.port = owned, name, Path(directory), port
        self.cfg, self.module_conf, self.modules = cfg, module_conf, modules
        self.conf = self.dir / "httpd.conf"

    def write_conf(self):
        c = self.cfg
        d = self.dir
        for sub in ("logs", "run", "htdocs"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(d, 0o755)
        user = ""
        if os.getuid() == 0:
            user = "User www-data\nGroup www-data\n"
            shutil.chown(d / "run", "www-data", "www-data")
        loads = "\n".join(f'LoadModule {m}_module "{APACHE_MODULES}/mod_{m}.so"'
                          for m in ["mpm_event", "authz_core"] + self.modules)
        procs, threads = c["httpd_procs"], c["httpd_threads"]
        text = f"""# generated by bench/bench.py -- {self.name}
ServerRoot "{d}"
DefaultRuntimeDir "{d}/run"
PidFile "{d}/httpd.pid"
ErrorLog "{d}/logs/error.log"
LogLevel warn
Listen 127.0.0.1:{self.port}
ServerName 127.0.0.1
{user}
{loads}

# mpm_event: a fixed number of children and threads (no spawning/reaping during a run)
StartServers {procs}
ServerLimit {procs}
ThreadsPerChild {threads}
ThreadLimit {threads}
MaxRequestWorkers {procs * threads}
MinSpareThreads 1
MaxSpareThreads {procs * threads}
MaxConnectionsPerChild 0
# connections one child may hold = ThreadsPerChild + idle workers x AsyncRequestWorkerFactor
AsyncRequestWorkerFactor {c["async_factor"]}
ListenBacklog 4096

KeepAlive On
KeepAliveTimeout {c["keepalive_timeout"]}
MaxKeepAliveRequests 0
Timeout 60

# no access log (ajpgate runs with RUST_LOG=warn: no access line either)
DocumentRoot "{d}/htdocs"
<Directory />
    Require all denied
    AllowOverride None
</Directory>

{self.module_conf}
"""
        self.conf.write_text(text)

    def _read_pid(self):
        try:
            return int((self.dir / "httpd.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def env(self):
        e = dict(os.environ)
        e.update(LANG="C", APACHE_CONFDIR=str(self.dir), APACHE_RUN_DIR=str(self.dir / "run"),
                 APACHE_LOCK_DIR=str(self.dir / "run"), APACHE_LOG_DIR=str(self.dir / "logs"),
                 APACHE_PID_FILE=str(self.dir / "httpd.pid"), APACHE_RUN_USER="www-data",
                 APACHE_RUN_GROUP="www-data")
        return e

    def start(self, timeout=20):
        self.write_conf()
        with contextlib.suppress(FileNotFoundError):
            (self.dir / "httpd.pid").unlink()
        t = subprocess.run([APACHE2, "-d", str(self.dir), "-f", str(self.conf), "-t"],
                           capture_output=True, text=True, env=self.env())
        if t.returncode != 0:
            raise BenchError(f"{self.name}: apache2 -t failed:\n{t.stdout}{t.stderr}")
        r = subprocess.run([APACHE2, "-d", str(self.dir), "-f", str(self.conf), "-k", "start"],
                           capture_output=True, text=True, env=self.env(), stdin=subprocess.DEVNULL,
                           start_new_session=True)
        if r.returncode != 0:
            raise BenchError(f"{self.name}: apache2 -k start failed:\n{r.stdout}{r.stderr}")
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            pid = self._read_pid()
            if pid and proc_stat(pid):
                if self.root_pid != pid:
                    self.root_pid = pid
                    self.owned.add(self.name, pid, self.stop)
                if wait_port(self.port, 0.5) and len(children_of(pid)) >= self.cfg["httpd_procs"]:
                    return self
            time.sleep(0.1)
        tail = self.error_log_tail()
        self.stop()
        self.owned.remove(self.name)
        raise BenchError(f"{self.name}: httpd did not start on 127.0.0.1:{self.port}:\n{tail}")

    def error_log_tail(self, n=20):
        with contextlib.suppress(OSError):
            return "\n".join((self.dir / "logs" / "error.log").read_text().splitlines()[-n:])
        return ""

    def error_log_size(self):
        try:
            return (self.dir / "logs" / "error.log").stat().st_size
        except OSError:
            return 0

    def error_log_since(self, offset):
        with contextlib.suppress(OSError):
            with open(self.dir / "logs" / "error.log", "rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", "replace")
        return ""

    def pids(self):
        if not self.root_pid or not proc_stat(self.root_pid):
            return []
        return [self.root_pid] + children_of(self.root_pid)

    def stop(self):
        pid = self.root_pid
        if not pid or not proc_stat(pid):
            return
        subprocess.run([APACHE2, "-d", str(self.dir), "-f", str(self.conf), "-k", "stop"],
                       capture_output=True, env=self.env(), timeout=30)
        end = time.monotonic() + 10
        while time.monotonic() < end and proc_stat(pid):
            time.sleep(0.1)
        if proc_stat(pid):
            log(f"{self.name}: still running 10 s after -k stop, SIGKILL to its process group")
            with contextlib.suppress(OSError):
                if os.getpgid(pid) == pid:
                    os.killpg(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)


class Tomcat(Server):
    """A private Tomcat 10.1 base made and run by tests/testbed/tomcat.sh (shared by all contenders)."""

    def __init__(self, owned, directory, ajp_port, http_port, shutdown_port, logfile):
        self.owned, self.dir = owned, Path(directory)
        self.name, self.port = "tomcat", ajp_port
        self.http_port, self.shutdown_port = http_port, shutdown_port
        self.logfile = logfile

    def _sh(self, *args, timeout=120):
        with open(self.logfile, "a") as out:
            return subprocess.run(["bash", str(TESTBED / "tomcat.sh"), *args], stdout=out,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  timeout=timeout, start_new_session=True).returncode

    def start(self):
        if self._sh("make-base", str(self.dir), "node1", str(self.port), str(self.http_port),
                    str(self.shutdown_port), TOMCAT_SECRET, "8192") != 0:
            raise BenchError(f"tomcat.sh make-base failed; see {self.logfile}")
        rc = self._sh("start", str(self.dir))
        with contextlib.suppress(OSError, ValueError):
            self.root_pid = int((self.dir / "tomcat.pid").read_text().strip())
        if self.root_pid:
            self.owned.add(self.name, self.root_pid, self.stop)
        if rc != 0:
            raise BenchError(f"tomcat.sh start failed; see {self.logfile}")
        return self

    def pids(self):
        return [self.root_pid] if self.root_pid and proc_stat(self.root_pid) else []

    def stop(self):
        if self.root_pid and proc_stat(self.root_pid):
            self._sh("stop", str(self.dir), timeout=60)


# ----------------------------------------------------------------------------------------------------
# front-end configurations


def workers_properties(path, workers, pool):
    """workers: list of (name, port, secret or None); with len > 1 an lb named 'lb' over them."""
    lines = ["# generated by bench/bench.py: read by mod_jk and by ajpgate alike"]
    names = [w[0] for w in workers]
    lines.append("worker.list=" + ("lb" if len(workers) > 1 else names[0]))
    for name, port, secret in workers:
        lines += [f"worker.{name}.type=ajp13", f"worker.{name}.host=127.0.0.1",
                  f"worker.{name}.port={port}",
                  f"worker.{name}.connection_pool_size={pool}",
                  f"worker.{name}.max_packet_size=8192"]
        if secret:
            lines.append(f"worker.{name}.secret={secret}")
        if len(workers) > 1:
            lines.append(f"worker.{name}.route={name}")
    if len(workers) > 1:
        lines += ["worker.lb.type=lb", "worker.lb.balance_workers=" + ",".join(names)]
    Path(path).write_text("\n".join(lines) + "\n")
    return "lb" if len(workers) > 1 else names[0]


def make_frontend(kind, owned, cfg, workdir, tag, port, workers):
    """workers: [(name, port, secret)]; one -> that worker mounted at /*, two -> an lb over both."""
    d = workdir / f"{kind}-{tag}"
    d.mkdir(parents=True, exist_ok=True)
    name = f"{kind}[{tag}]"
    pool = cfg["httpd_threads"]
    if kind == "mod_jk":
        wp = d / "workers.properties"
        mount = workers_properties(wp, workers, pool)
        conf = f"""JkWorkersFile "{wp}"
JkShmFile "{d}/run/jk-runtime-status"
JkLogFile "{d}/logs/mod_jk.log"
JkLogLevel warn
JkMount /* {mount}
"""
        return Httpd(owned, name, d, port, cfg, conf, ["jk"])
    if kind == "mod_proxy_ajp":
        def params(secret):
            return f" max={pool}" + (f" secret={secret}" if secret else "")
        if len(workers) == 1:
            w = workers[0]
            conf = (f"ProxyIOBufferSize 8192\n"
                    f'ProxyPass "/" "ajp://127.0.0.1:{w[1]}/"{params(w[2])}\n')
            return Httpd(owned, name, d, port, cfg, conf, ["proxy", "proxy_ajp"])
        members = "\n".join(f'    BalancerMember "ajp://127.0.0.1:{w[1]}" route={w[0]}{params(w[2])}'
                            for w in workers)
        conf = (f"ProxyIOBufferSize 8192\n<Proxy \"balancer://lb\">\n{members}\n</Proxy>\n"
                f'ProxyPass "/" "balancer://lb/"\n')
        return Httpd(owned, name, d, port, cfg, conf,
                     ["proxy", "proxy_ajp", "proxy_balancer", "slotmem_shm", "lbmethod_byrequests"])
    if kind == "ajpgate":
        wp = d / "workers.properties"
        mount = workers_properties(wp, workers, pool)
        argv = [str(cfg["ajpgate"]), "serve", "-w", str(wp), "--mount", f"/*={mount}",
                "-l", f"127.0.0.1:{port}", "--header-read-timeout", str(cfg["keepalive_timeout"]),
                "--shutdown-grace", "2"]
        return PopenServer(owned, name, argv, port, d / "ajpgate.log", env={"RUST_LOG": "warn"})
    raise ValueError(kind)


# ----------------------------------------------------------------------------------------------------
# HTTP checks (stdlib client)


def pattern_bytes(n):
    reps = n // len(PATTERN) + 1
    return (PATTERN * reps)[:n]


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def http_request(port, method, path, body=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/octet-stream"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), data
    finally:
        conn.close()


def preflight(port, backend, body, body_check):
    """Checks that the front end returns correct bodies for each scenario's request. Returns None or an error."""
    try:
        if backend == "fake":
            small, big, upload = "/bytes?n=100&cl=1", "/bytes?n=102400", "/upload"
        else:
            small, big, upload = "/stream.jsp?n=100", "/stream.jsp?n=102400", "/body.jsp"
        for path, n in ((small, 100), (big, 102400)):
            st, _, data = http_request(port, "GET", path)
            if st != 200 or data != pattern_bytes(n):
                return f"GET {path}: status {st}, {len(data)} bytes (expected 200 and {n} pattern bytes)"
        st, headers, data = http_request(port, "POST", upload, body=body, timeout=60)
        text = data.decode("latin-1")
        if st != 200:
            return f"POST {upload}: status {st}"
        if backend == "fake":
            want = f"length: {len(body)}\nfnv1a64: {body_check}\n"
            if text != want:
                return f"POST {upload}: body {text!r}, expected {want!r}"
        else:
            got = (headers.get("x-body-length"), headers.get("x-body-crc32"))
            if got != (str(len(body)), body_check):
                return f"POST {upload}: X-Body-Length/CRC32 {got}, expected {(len(body), body_check)}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


# ----------------------------------------------------------------------------------------------------
# measurement


class Sampler(threading.Thread):
    """During a run: peak summed VmRSS of the front end, backend connections seen (ss)."""

    def __init__(self, front, backend_ports, interval):
        super().__init__(daemon=True)
        self.front, self.ports, self.interval = front, backend_ports, interval
        self.stop_ev = threading.Event()
        self.peak_rss = front.rss_kb()
        self.before = {p: ss_backend(p, set(front.pids())) for p in backend_ports}
        self.new = {p: set() for p in backend_ports}
        self.peak_open = {p: len(self.before[p][0]) for p in backend_ports}

    def sample(self):
        self.peak_rss = max(self.peak_rss, self.front.rss_kb())
        owners = set(self.front.pids())
        for p in self.ports:
            live, tw = ss_backend(p, owners)
            b_live, b_tw = self.before[p]
            self.new[p] |= live - b_live
            self.new[p] |= tw - b_live - b_tw
            self.peak_open[p] = max(self.peak_open[p], len(live))

    def run(self):
        while not self.stop_ev.wait(self.interval):
            self.sample()

    def finish(self):
        self.stop_ev.set()
        self.join()
        self.sample()
        return {"peak_rss_kb": self.peak_rss,
                "backend_conns_opened": sum(len(s) for s in self.new.values()),
                "backend_conns_peak_open": sum(self.peak_open.values())}


def measure(front, backends, fn, interval=0.25):
    """Runs fn() while sampling; returns (fn's result, metrics)."""
    sampler = Sampler(front, [b.port for b in backends], interval)
    busy0, _ = machine_busy_ticks()
    self0 = self_cpu_secs()
    f0 = front.cpu_ticks()
    b0 = sum(b.cpu_ticks() for b in backends)
    t0 = time.monotonic()
    sampler.start()
    try:
        result = fn()
    finally:
        m = sampler.finish()
    wall = time.monotonic() - t0
    f1 = front.cpu_ticks()
    b1 = sum(b.cpu_ticks() for b in backends)
    busy1, _ = machine_busy_ticks()
    self1 = self_cpu_secs()
    front_s = (f1 - f0) / CLK_TCK
    back_s = (b1 - b0) / CLK_TCK
    ours = front_s + back_s + (self1 - self0)
    m.update(front_cpu_s=front_s, backend_cpu_s=back_s, wall_s=wall,
             other_cpu_cores=max(0.0, ((busy1 - busy0) / CLK_TCK - ours) / wall) if wall > 0 else 0.0,
             front_nprocs=front.nprocs())
    return result, m


def run_wrk(port, path, conns, duration, outfile, body_file=None, timeout_s=10):
    threads = max(1, min(2, conns))
    env = dict(os.environ, BENCH_WRK_OUT=str(outfile))
    if body_file:
        env["BENCH_BODY_FILE"] = str(body_file)
    with contextlib.suppress(FileNotFoundError):
        Path(outfile).unlink()
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--timeout", f"{timeout_s}s",
           "-s", str(WRK_LUA), f"http://127.0.0.1:{port}{path}"]
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 60)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk did not finish within {duration + 60} s") from exc
    if p.returncode != 0 or not Path(outfile).exists():
        raise BenchError(f"wrk failed ({p.returncode}): {p.stdout[-1000:]}{p.stderr[-1000:]}")
    data = json.loads(Path(outfile).read_text())
    data["wrk_stdout"] = p.stdout
    return data


def hist_percentile(hist, p):
    """wrk's stats_percentile on a merged histogram {usec: count}."""
    total = sum(hist.values())
    if total == 0:
        return 0
    rank = round((p / 100.0) * total + 0.5)
    acc = 0
    for v in sorted(hist):
        acc += hist[v]
        if acc >= rank:
            return v
    return max(hist)


def combine_rounds(rounds):
    hist = collections.Counter()
    for r in rounds:
        for v, c in r["wrk"]["latency"]["hist"]:
            hist[v] += c
    req = sum(r["wrk"]["requests"] for r in rounds)
    dur = sum(r["wrk"]["duration_us"] for r in rounds) / 1e6
    errors = collections.Counter()
    for r in rounds:
        errors.update(r["wrk"]["errors"])
    front_cpu = sum(r["m"]["front_cpu_s"] for r in rounds)
    back_cpu = sum(r["m"]["backend_cpu_s"] for r in rounds)
    return {
        "requests": req,
        "duration_s": dur,
        "rps": req / dur if dur else 0.0,
        "rps_rounds": [r["wrk"]["requests"] / (r["wrk"]["duration_us"] / 1e6) for r in rounds],
        "p50_us": hist_percentile(hist, 50),
        "p99_us": hist_percentile(hist, 99),
        "p999_us": hist_percentile(hist, 99.9),
        "max_us": max(hist) if hist else 0,
        "errors": dict(errors),
        "error_total": sum(errors.values()),
        "front_cpu_per_10k": front_cpu / req * 1e4 if req else None,
        "backend_cpu_per_10k": back_cpu / req * 1e4 if req else None,
        "peak_rss_kb": max(r["m"]["peak_rss_kb"] for r in rounds),
        "backend_conns_opened": sum(r["m"]["backend_conns_opened"] for r in rounds),
        "backend_conns_peak_open": max(r["m"]["backend_conns_peak_open"] for r in rounds),
        "other_cpu_cores": sum(r["m"]["other_cpu_cores"] * r["m"]["wall_s"] for r in rounds)
        / max(1e-9, sum(r["m"]["wall_s"] for r in rounds)),
        "front_nprocs": max(r["m"]["front_nprocs"] for r in rounds),
    }


# ----------------------------------------------------------------------------------------------------
# the benchmark


FAKE_SCENARIOS = [
    # id, title, path, connections, upload?
    ("small-c1", "~100 B response, 1 connection", "/bytes?n=100&cl=1", 1, False),
    ("small-c16", "~100 B response, 16 connections", "/bytes?n=100&cl=1", 16, False),
    ("small-c64", "~100 B response, 64 connections", "/bytes?n=100&cl=1", 64, False),
    ("small-c256", "~100 B response, 256 connections", "/bytes?n=100&cl=1", 256, False),
    ("100k-c16", "100 KiB response, 16 connections", "/bytes?n=102400", 16, False),
    ("upload-c4", "10 MiB upload (POST), 4 connections", "/upload", 4, True),
]
TOMCAT_SCENARIOS = [
    ("tc-small-c16", "Tomcat JSP ~100 B, 16 connections", "/stream.jsp?n=100", 16, False),
    ("tc-small-c64", "Tomcat JSP ~100 B, 64 connections", "/stream.jsp?n=100", 64, False),
    ("tc-100k-c16", "Tomcat JSP 100 KiB, 16 connections", "/stream.jsp?n=102400", 16, False),
    ("tc-upload-c4", "Tomcat JSP 10 MiB upload, 4 connections", "/body.jsp", 4, True),
]


def mode_settings(quick):
    if quick:
        return dict(rounds=1, dur=2, dur_c1=1, warm=1, upload_dur=2, idle_n=1000, idle_deadline=60,
                    fail_dur=5, fail_kill_at=2.0, tomcat_warm=2)
    return dict(rounds=2, dur=5, dur_c1=3, warm=1, upload_dur=5, idle_n=10000, idle_deadline=120,
                fail_dur=9, fail_kill_at=3.0, tomcat_warm=3)


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
        import zlib
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
            time.sleep(1)
            before_rss, before_pss = front.rss_kb(), front.pss_kb()
            log_off = front.error_log_size() if isinstance(front, Httpd) else 0
            t0 = time.monotonic()
            p = subprocess.Popen([sys.executable, str(IDLE_CLIENT), "127.0.0.1", str(front.port), str(n),
                                  "/bytes?n=100&cl=1", "--parallel", "200", "--timeout", "10",
                                  "--deadline", str(self.ms["idle_deadline"])],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            res = {"n": n, "rss_before_kb": before_rss, "pss_before_kb": before_pss}
            try:
                opened = self._read_json_line(p, self.ms["idle_deadline"])
                res["open"] = opened
                time.sleep(1.0)
                rss, pss, est = 0, 0, 0
                for _ in range(3):
                    rss = max(rss, front.rss_kb())
                    pss = max(pss, front.pss_kb())
                    time.sleep(0.5)
                est = ss_count_established(front.port)
                res.update(rss_held_kb=rss, pss_held_kb=pss, server_established=est,
                           nprocs=front.nprocs())
                p.stdin.write("probe\n")
                p.stdin.flush()
                res["probe"] = self._read_json_line(p, self.ms["idle_deadline"])
            except BenchError as exc:
                res["error"] = str(exc)
            finally:
                with contextlib.suppress(OSError):
                    p.stdin.close()
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            res["secs"] = time.monotonic() - t0
            if isinstance(front, Httpd):
                lines = [ln for ln in front.error_log_since(log_off).splitlines() if ln.strip()]
                res["error_log"] = lines[:5]
            held = res.get("probe", {}).get("ok", 0)
            log(f"  {c}: opened {res.get('open', {}).get('opened')}, held {held}, "
                f"RSS {before_rss / 1024:.1f} -> {res.get('rss_held_kb', 0) / 1024:.1f} MB")
            self.results["idle"][c] = res
            time.sleep(1)

    @staticmethod
    def _read_json_line(p, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r, _, _ = select.select([p.stdout], [], [], max(0.1, end - time.monotonic()))
            if r:
                line = p.stdout.readline()
                if not line:
                    raise BenchError("idle client exited early")
                line = line.strip()
                if line.startswith("{"):
                    data = json.loads(line)
                    if data.get("phase") == "error":
                        raise BenchError(data.get("error"))
                    return data
        raise BenchError("idle client did not answer in time")

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
            try:
                fe.start()
            except BenchError as exc:
                self.results["preflight"][f"fake/{c}"] = f"did not start: {exc}"
                log(f"  {c}: did not start: {exc}")
                continue
            err = preflight(fport, "fake", self.body, self.body_fnv)
            self.results["preflight"][f"fake/{c}"] = err or "ok"
            log(f"  {c} on 127.0.0.1:{fport} -> fake backend :{bport}: preflight {err or 'ok'}")
            if err is None:
                fronts[c] = fe
            else:
                fe.stop()
                self.owned.remove(fe.name)
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
                try:
                    fe.start()
                except BenchError as exc:
                    self.results["preflight"][f"tomcat/{c}"] = f"did not start: {exc}"
                    continue
                err = preflight(fport, "tomcat", self.body, self.body_crc)
                self.results["preflight"][f"tomcat/{c}"] = err or "ok"
                log(f"  {c} on 127.0.0.1:{fport} -> Tomcat AJP :{ajp}: preflight {err or 'ok'}")
                if err is None:
                    fronts[c] = fe
                else:
                    fe.stop()
                    self.owned.remove(fe.name)
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


# ----------------------------------------------------------------------------------------------------
# environment description


def cmd_out(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return (p.stdout + p.stderr).strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"({exc})"


def versions(ajpgate):
    v = {}
    m = re.search(r"Server version: (.*)", cmd_out([APACHE2, "-v"]))
    v["httpd"] = m.group(1) if m else "?"
    for pkg in ("libapache2-mod-jk", "tomcat10", "wrk", "apache2"):
        v[pkg] = cmd_out(["dpkg-query", "-W", "-f=${Version}", pkg]) or "?"
    m = re.search(r'^version = "([^"]+)"', (REPO / "Cargo.toml").read_text(), re.M)
    v["ajpgate"] = m.group(1) if m else "?"
    rev = cmd_out(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = cmd_out(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no", "src"])
    v["git"] = rev + (" (src/ modified)" if dirty else "")
    v["python"] = sys.version.split()[0]
    return v


def machine_info():
    model = "?"
    with contextlib.suppress(OSError):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(OSError):
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = int(line.split()[1])
                break
    return {"cpus": os.cpu_count(), "cpu_model": model, "kernel": os.uname().release,
            "mem_gib": round(mem / 1024 / 1024, 1)}


# ----------------------------------------------------------------------------------------------------
# report


def fmt_ms(us):
    if us is None:
        return "–"
    ms = us / 1000
    return f"{ms:.2f}" if ms < 10 else f"{ms:.1f}" if ms < 100 else f"{ms:.0f}"


def fmt_num(x, digits=0):
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"


def ratio(a, b, digits=2):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.{digits}f}"


def write_report(res, out_dir, chart_name):
    out_dir = Path(out_dir)
    L = []
    v, mach = res["versions"], res["machine"]
    L.append("# ajpgate benchmark results\n")
    L.append(f"Generated by `bench/run.sh{' --quick' if res['mode'] == 'quick' else ''}` on "
             f"{res['started']} ({res['mode']} mode, {res['elapsed_s']} s for bench.py). "
             "See `bench/README.md` for the method; raw data in `bench/out/`.\n")
    L.append(f"- Machine: {mach['cpus']} CPUs ({mach['cpu_model']}), {mach['mem_gib']} GiB, "
             f"Linux {mach['kernel']}; load average at start {res['load_start']}, at end {res['load_end']}")
    L.append(f"- ajpgate {v['ajpgate']} (git {v['git']}, `cargo build --release`); "
             f"{v['httpd']} (Debian {v['apache2']}), mpm_event; mod_jk {v['libapache2-mod-jk']}; "
             f"mod_proxy_ajp from the same httpd; Tomcat {v['tomcat10']}; wrk {v['wrk']}")
    s = res["settings"]
    L.append(f"- httpd: {s['httpd_procs']} child x {s['httpd_threads']} threads "
             f"(MaxRequestWorkers {int(s['httpd_procs']) * int(s['httpd_threads'])}), "
             f"AsyncRequestWorkerFactor {s['async_factor']}, KeepAlive On, KeepAliveTimeout "
             f"{s['keepalive_timeout']}, MaxKeepAliveRequests 0, LogLevel warn, no access log. "
             f"Workers: connection_pool_size={s['httpd_threads']} (mod_jk, ajpgate; mod_proxy_ajp max="
             f"{s['httpd_threads']}), max_packet_size=8192; ajpgate with RUST_LOG=warn, "
             f"--header-read-timeout {s['keepalive_timeout']}")
    L.append(f"- Each throughput figure: {s['rounds']} round(s) of {s['dur']} s per contender "
             f"(c=1: {s['dur_c1']} s), rounds interleaved across contenders (ABC, then CBA), after an "
             f"unmeasured {s['warm']} s warm-up; wrk -t2 (-t1 at c=1) --timeout 10s\n")

    all_sc = res["scenarios"]
    if all_sc:
        L.append("## Throughput, latency and cost\n")
        L.append("req/s: all rounds together (each round in brackets). Latency percentiles from the merged wrk "
                 "histograms, in ms. errors: wrk socket errors + non-2xx/3xx. CPU: user+system seconds of "
                 "the front end's processes (httpd: parent + children) per 10,000 requests; backend CPU "
                 "likewise for the fake backend / Tomcat. RSS: peak of the summed VmRSS, sampled every "
                 "0.25 s. Backend conns: connections to the backend opened during the measured rounds "
                 "(ss, every 0.25 s, plus TIME-WAIT), and the most open at once. other load: CPU used "
                 "by processes outside the benchmark during the rounds, in cores (out of "
                 f"{mach['cpus']}).\n")
        L.append("| scenario | front end | req/s | p50 | p99 | p99.9 | errors | front-end CPU s/10k | "
                 "backend CPU s/10k | peak RSS MB | backend conns opened (max open) | other load |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for sid, sc in all_sc.items():
            for c in CONTENDERS:
                r = sc["per_contender"].get(c)
                if not r:
                    continue
                rounds = ", ".join(f"{x:,.0f}" for x in r["rps_rounds"])
                L.append(f"| {sid} | {c} | {r['rps']:,.0f} ({rounds}) | {fmt_ms(r['p50_us'])} | "
                         f"{fmt_ms(r['p99_us'])} | {fmt_ms(r['p999_us'])} | {r['error_total']} | "
                         f"{fmt_num(r['front_cpu_per_10k'], 2)} | {fmt_num(r['backend_cpu_per_10k'], 2)} | "
                         f"{r['peak_rss_kb'] / 1024:.1f} | {r['backend_conns_opened']} "
                         f"({r['backend_conns_peak_open']}) | {r['other_cpu_cores']:.2f} |")
        L.append("")
        L.append("### Scenarios\n")
        for sid, sc in all_sc.items():
            L.append(f"- `{sid}`: {sc['title']} — {'POST' if sc['upload_bytes'] else 'GET'} `{sc['path']}` "
                     f"({'fake AJP backend' if sc['backend'] == 'fake' else 'Tomcat 10.1 JSP'})")
        L.append("")
        L.append(f"## Ratios ajpgate / {BASELINE}\n")
        L.append("Above 1 is better for ajpgate in req/s; below 1 is better for ajpgate in the others.\n")
        L.append("| scenario | req/s | p50 | p99 | p99.9 | front-end CPU/10k | peak RSS | "
                 "ajpgate / mod_proxy_ajp req/s |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for sid, sc in all_sc.items():
            a, b = sc["per_contender"].get("ajpgate"), sc["per_contender"].get(BASELINE)
            p = sc["per_contender"].get("mod_proxy_ajp")
            if not a or not b:
                continue
            L.append(f"| {sid} | {ratio(a['rps'], b['rps'])} | {ratio(a['p50_us'], b['p50_us'])} | "
                     f"{ratio(a['p99_us'], b['p99_us'])} | {ratio(a['p999_us'], b['p999_us'])} | "
                     f"{ratio(a['front_cpu_per_10k'], b['front_cpu_per_10k'])} | "
                     f"{ratio(a['peak_rss_kb'], b['peak_rss_kb'])} | "
                     f"{ratio(a['rps'], p['rps']) if p else '–'} |")
        L.append("")

    if res["idle"]:
        n = next(iter(res["idle"].values()))["n"]
        L.append(f"## {n:,} idle keep-alive client connections\n")
        L.append("Each connection made one GET (~100 B, fake backend) and then stayed idle. RSS: summed VmRSS "
                 "of the front end's processes before opening and while all are held (PSS in brackets: "
                 "shared pages split between httpd's processes). held: connections that still answered "
                 "a second request after the measurement.\n")
        L.append("| front end | opened | held | server-side established | RSS before MB | RSS held MB (PSS) "
                 "| KiB per connection | notes |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---|")
        for c in CONTENDERS:
            r = res["idle"].get(c)
            if not r:
                continue
            o = r.get("open", {})
            pr = r.get("probe", {})
            opened = o.get("opened", 0)
            per = ((r.get("rss_held_kb", 0) - r["rss_before_kb"]) / opened) if opened else None
            notes = []
            if o.get("errors"):
                notes.append(f"open errors {o['errors']}")
            if pr.get("errors"):
                notes.append(f"probe errors {pr['errors']}")
            if r.get("error"):
                notes.append(r["error"])
            if r.get("error_log"):
                notes.append("error.log: " + " / ".join(x[-160:] for x in r["error_log"][:2]))
            L.append(f"| {c} | {opened:,} | {pr.get('ok', 0):,} | {r.get('server_established', 0):,} | "
                     f"{r['rss_before_kb'] / 1024:.1f} | {r.get('rss_held_kb', 0) / 1024:.1f} "
                     f"({r.get('pss_held_kb', 0) / 1024:.1f}) | {fmt_num(per, 1)} | "
                     f"{'; '.join(notes).replace('|', '/') or '–'} |")
        a, b = res["idle"].get("ajpgate"), res["idle"].get(BASELINE)
        if a and b and a.get("rss_held_kb") and b.get("rss_held_kb"):
            L.append(f"\najpgate / {BASELINE}: RSS with the connections held {ratio(a['rss_held_kb'], b['rss_held_kb'])}, "
                     f"PSS {ratio(a.get('pss_held_kb'), b.get('pss_held_kb'))}.")
        cap = int(s["httpd_procs"]) * int(s["httpd_threads"]) * (int(s["async_factor"]) + 1)
        L.append(f"\nhttpd's limit: MaxRequestWorkers {int(s['httpd_procs']) * int(s['httpd_threads'])} x "
                 f"(AsyncRequestWorkerFactor {s['async_factor']} + 1) = {cap:,} connections when all workers "
                 f"are idle (mpm_event accepts no more once a child is at ThreadsPerChild + idle workers x "
                 f"factor). RLIMIT_NOFILE for every process: {res['nofile']}.\n")

    if res["failure"]:
        L.append("## Member failure under load (lb over two fake backends)\n")
        s_ = res["settings"]
        L.append(f"wrk c=16 for {s_['fail_dur']} s on `/bytes?n=100&cl=1`; node2 gets SIGKILL after "
                 f"{s_['fail_kill_at']} s and stays down. Each front end is fresh, with defaults for "
                 "everything but the pool and packet size (mod_jk lb: retries, recover_time 60 s; "
                 "mod_proxy_balancer: byrequests, maxattempts = members − 1).\n")
        L.append("| front end | req/s | errors seen by clients | p99 | p99.9 | max | statuses after | notes |")
        L.append("|---|---:|---|---:|---:|---:|---|---|")
        for c in CONTENDERS:
            r = res["failure"].get(c)
            if r is None:
                continue
            if r.get("unsupported"):
                L.append(f"| {c} | not yet supported | – | – | – | – | – | {r['unsupported'].replace('|', '/')} |")
                continue
            if r.get("error"):
                L.append(f"| {c} | failed | – | – | – | – | – | {r['error'][:200].replace('|', '/')} |")
                continue
            run = r["run"]
            errs = {k: x for k, x in run["errors"].items() if x}
            errtxt = f"{run['error_total']}" + (f" ({', '.join(f'{k} {x}' for k, x in errs.items())})" if errs else "")
            notes = []
            if r.get("error_log_lines") is not None:
                notes.append(f"error.log +{r['error_log_lines']} lines")
            if r.get("mod_jk_log_lines") is not None:
                notes.append(f"mod_jk.log {r['mod_jk_log_lines']} error lines over "
                             f"{r.get('mod_jk_log_seconds', '?')} distinct seconds")
            if r.get("log_lines") is not None:
                notes.append(f"ajpgate log {r['log_lines']} WARN/ERROR lines")
            L.append(f"| {c} | {run['rps']:,.0f} | {errtxt} | {fmt_ms(run['p99_us'])} | {fmt_ms(run['p999_us'])} | "
                     f"{fmt_ms(run['max_us'])} | {' '.join(map(str, r.get('after_statuses', [])))} | "
                     f"{'; '.join(notes) or '–'} |")
        L.append("")

    L.append("## Correctness checks and machine noise\n")
    for k, val in res["preflight"].items():
        L.append(f"- preflight {k}: {val}")
    for k, st in res["backend_totals"].items():
        if st:
            L.append(f"- {k} backend totals: {st['connections_accepted']} connections accepted, "
                     f"{st['forward_requests']:,} requests, {st['body_bytes_received']:,} body bytes, "
                     f"{st['protocol_errors']} protocol errors")
    other = [r["other_cpu_cores"] for sc in all_sc.values() for r in sc["per_contender"].values()]
    if other:
        L.append(f"- CPU used by other processes during the measured rounds: mean {sum(other) / len(other):.2f}, "
                 f"max {max(other):.2f} cores of {mach['cpus']} (0 = quiet machine)")
    L.append(f"- load average: {res['load_start']} at start, {res['load_end']} at end")
    for n_ in res["notes"]:
        L.append(f"- {n_}")
    if res.get("chart_error"):
        L.append(f"- chart not drawn: {res['chart_error']}")
    else:
        L.append(f"\n![results]({chart_name})")
    L.append("")
    text = "\n".join(L)
    (out_dir / "RESULTS.md").write_text(text)
    return text


def draw_chart(res, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        return f"matplotlib is not installed ({exc})"
    sc = res["scenarios"]
    ids = list(sc)
    colors = {"mod_jk": "#d62728", "mod_proxy_ajp": "#ff7f0e", "ajpgate": "#1f77b4"}
    fig, axes = plt.subplots(2, 2, figsize=(15, 9))
    width = 0.27

    def bars(ax, key, title, scale=1.0, log=False):
        for i, c in enumerate(CONTENDERS):
            xs, ys = [], []
            for j, sid in enumerate(ids):
                r = sc[sid]["per_contender"].get(c)
                if r and r.get(key) is not None:
                    xs.append(j + (i - 1) * width)
                    ys.append(r[key] * scale)
            ax.bar(xs, ys, width, label=c, color=colors[c])
        ax.set_xticks(range(len(ids)))
        ax.set_xticklabels(ids, rotation=30, ha="right", fontsize=8)
        ax.set_title(title, fontsize=10)
        if log:
            ax.set_yscale("log")
        ax.grid(axis="y", alpha=0.3)

    bars(axes[0][0], "rps", "requests/s (higher is better)", log=True)
    bars(axes[0][1], "p99_us", "p99 latency, ms (log; lower is better)", 1 / 1000, log=True)
    bars(axes[1][0], "front_cpu_per_10k", "front-end CPU seconds per 10,000 requests (log)", log=True)
    ax = axes[1][1]
    idle = res["idle"]
    if idle:
        names = [c for c in CONTENDERS if c in idle]
        before = [idle[c]["rss_before_kb"] / 1024 for c in names]
        held = [idle[c].get("rss_held_kb", 0) / 1024 for c in names]
        xs = range(len(names))
        ax.bar([x - 0.2 for x in xs], before, 0.4, label="before", color="#999999")
        ax.bar([x + 0.2 for x in xs], held, 0.4, label="with the idle connections held",
               color="#444444")
        ax.set_xticks(list(xs))
        ax.set_xticklabels(names)
        n = next(iter(idle.values()))["n"]
        ax.set_title(f"front-end RSS MB with {n:,} idle keep-alive connections", fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    else:
        bars(ax, "peak_rss_kb", "peak RSS MB", 1 / 1024)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(f"ajpgate vs httpd+mod_jk vs httpd+mod_proxy_ajp ({res['mode']} run, {res['started']}, "
                 f"{res['machine']['cpus']} CPUs)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return None


# ----------------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description="ajpgate benchmark orchestrator (see bench/README.md)")
    ap.add_argument("--quick", action="store_true", help="a few seconds per scenario (smoke test)")
    ap.add_argument("--ajpgate", default=str(REPO / "target" / "release" / "ajpgate"))
    ap.add_argument("--workdir", default=None, help="scratch directory (default: a new one in /tmp)")
    ap.add_argument("--out", default=None,
                    help="where RESULTS.md/results.png go (default: bench/ for a full run, bench/out/quick/ "
                         "for --quick)")
    ap.add_argument("--contenders", default=",".join(CONTENDERS))
    ap.add_argument("--only", default=None,
                    help="comma-separated scenario ids (e.g. small-c16,idle,lb-failure,tc-small-c16)")
    ap.add_argument("--skip-tomcat", action="store_true")
    ap.add_argument("--skip-fake", action="store_true")
    ap.add_argument("--httpd-procs", type=int, default=1, help="httpd children (ServerLimit)")
    ap.add_argument("--httpd-threads", type=int, default=512,
                    help="ThreadsPerChild; also connection_pool_size / max= of every worker")
    ap.add_argument("--idle-connections", type=int, default=None)
    ap.add_argument("--budget", type=float, default=720,
                    help="seconds bench.py may take; scenarios that would not fit are skipped")
    ap.add_argument("--cleanup", action="store_true", help="only kill what a crashed run left in --workdir")
    args = ap.parse_args()

    if args.cleanup:
        if args.workdir:
            cleanup_leftovers(args.workdir)
        return 0
    if args.workdir is None:
        args.workdir = tempfile.mkdtemp(prefix="ajpgate-bench.")
    out_dir = Path(args.out) if args.out else (HERE / "out" / "quick" if args.quick else HERE)
    out_dir.mkdir(parents=True, exist_ok=True)
    raw_dir = HERE / "out" if out_dir == HERE else out_dir
    raw_dir.mkdir(parents=True, exist_ok=True)
    for tool in ("wrk", "ss", APACHE2):
        if not shutil.which(tool):
            print(f"bench.py: {tool} not found (bench/run.sh installs it)", file=sys.stderr)
            return 2
    if not Path(args.ajpgate).exists():
        print(f"bench.py: {args.ajpgate} not found (cargo build --release)", file=sys.stderr)
        return 2

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    bench = Bench(args)
    try:
        res = bench.run()
    except KeyboardInterrupt:
        log("interrupted: every server this run started has been stopped")
        return 130
    chart = out_dir / "results.png"
    res["chart_error"] = draw_chart(res, chart)
    name = "results.json"
    (raw_dir / name).write_text(json.dumps(res, indent=1, default=str))
    text = write_report(res, out_dir, chart.name)
    print()
    print(text)
    log(f"wrote {out_dir / 'RESULTS.md'}, {chart if not res['chart_error'] else '(no chart)'}, "
        f"{raw_dir / name}; raw wrk output and logs in {bench.workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
