"""Environment description: versions of everything measured, the machine."""

import contextlib
import os
import re
import subprocess
import sys

from .common import APACHE2, REPO


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
