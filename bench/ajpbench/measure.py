"""Measurement around a load run: CPU, peak RSS, backend connections, other load."""

import threading
import time

from .common import CLK_TCK
from .procfs import machine_busy_ticks, self_cpu_secs, ss_backend


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
