"""The load driver: wrk (with bench/wrk.lua), and merging its rounds and histograms."""

import collections
import contextlib
import json
import os
import subprocess
from pathlib import Path

from .common import WRK_LUA, BenchError


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
