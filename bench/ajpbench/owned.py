"""Processes we own: recorded in WORKDIR/owned.pids, stopped on exit; --cleanup."""

import contextlib
import os
import signal
import threading
from pathlib import Path

from .common import log
from .procfs import proc_starttime


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

