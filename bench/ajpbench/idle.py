"""The idle scenario: N keep-alive connections held by bench/idle_conns.py, the front end's memory
meanwhile, then a second request on each."""

import contextlib
import json
import select
import subprocess
import sys
import time

from .common import IDLE_CLIENT, BenchError
from .procfs import ss_count_established
from .servers import Httpd


def hold_idle(front, n, deadline):
    """Opens n idle keep-alive connections to front, measures, probes them; returns the row."""
    time.sleep(1)
    before_rss, before_pss = front.rss_kb(), front.pss_kb()
    log_off = front.error_log_size() if isinstance(front, Httpd) else 0
    t0 = time.monotonic()
    p = subprocess.Popen([sys.executable, str(IDLE_CLIENT), "127.0.0.1", str(front.port), str(n),
                          "/bytes?n=100&cl=1", "--parallel", "200", "--timeout", "10",
                          "--deadline", str(deadline)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    res = {"n": n, "rss_before_kb": before_rss, "pss_before_kb": before_pss}
    try:
        opened = read_json_line(p, deadline)
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
        res["probe"] = read_json_line(p, deadline)
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
    return res


def read_json_line(p, timeout):
    """The next JSON line idle_conns.py prints (its phase report), within timeout seconds."""
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
