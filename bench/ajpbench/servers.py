"""The servers the benchmark starts: ajpgate and the fake backend (PopenServer), httpd, Tomcat."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from .common import APACHE2, APACHE_MODULES, TESTBED, TOMCAT_SECRET, BenchError, log
from .procfs import children_of, proc_stat, pss_kb, status_kb, wait_port


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
