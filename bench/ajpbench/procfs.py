"""/proc readers (CPU ticks, RSS, PSS, machine load), free ports, and ss(8) counts."""

import os
import re
import resource
import socket
import subprocess
import sys
import time

from .common import TESTBED

# One copy of the free-port helper: the testbed's, which the bench already runs Tomcat with.
sys.path.insert(0, str(TESTBED))
import testbed_util  # noqa: E402

free_ports = testbed_util.free_ports


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
