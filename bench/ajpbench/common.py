"""Paths, constants, log() and BenchError, shared by every module."""

import os
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # bench/
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
