"""The command line of bench/tls_bench.py: the TLS / HTTP/2 run and its section of RESULTS.md."""

import argparse
import datetime
import json
import resource
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from .common import APACHE2, HERE, REPO, T0, BenchError, log
from .envinfo import cmd_out, machine_info, versions
from .owned import Owned, cleanup_leftovers
from .procfs import loadavg
from .tls_report import section, write_section
from .tls_run import run_all

TOOLS = ("h2load", "haproxy", "openssl", APACHE2)


def describe_versions(ajpgate, source):
    v = versions(ajpgate)
    haproxy = cmd_out(["haproxy", "-v"]).splitlines()[0] if shutil.which("haproxy") else "?"
    h2load = cmd_out(["h2load", "--version"]).strip()
    openssl = cmd_out(["openssl", "version"]).strip()
    built = source or f"git {v.get('git')}"
    return (f"ajpgate {v.get('ajpgate')} ({built}, `{ajpgate}`); {v.get('httpd')}, mod_jk "
            f"{v.get('libapache2-mod-jk')}; {haproxy}; Tomcat {v.get('tomcat10')}; {h2load}; {openssl}")


def main():
    ap = argparse.ArgumentParser(description="TLS and HTTP/2 benchmark (see bench/README.md)")
    ap.add_argument("--ajpgate", default=str(REPO / "target" / "release" / "ajpgate"))
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--source", default="",
                    help="where the ajpgate binary was built from, for the report (default: this checkout)")
    ap.add_argument("--results", default=str(HERE / "RESULTS.md"),
                    help="markdown file whose 'TLS and HTTP/2' section is (re)written")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: 1 s phases, 100 handshakes; writes its section into bench/out/quick/RESULTS.md")
    ap.add_argument("--cleanup", action="store_true", help="only kill what a crashed run left in --workdir")
    args = ap.parse_args()
    if args.cleanup:
        if args.workdir:
            cleanup_leftovers(args.workdir)
        return 0
    for tool in TOOLS:
        if not shutil.which(tool):
            print(f"tls_bench.py: {tool} not found (bench/run.sh installs it)", file=sys.stderr)
            return 2
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="ajpgate-tls-bench.")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o755)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 8192:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    cfg = dict(ajpgate=Path(args.ajpgate).resolve(), httpd_procs=1, httpd_threads=512, async_factor=2,
               keepalive_timeout=60)
    machine = machine_info()
    meta = {"command": "bench/run.sh --tls" + (" --quick" if args.quick else ""), "load_start": loadavg(), "cpus": machine["cpus"],
            "cpu_model": machine["cpu_model"], "versions": describe_versions(cfg["ajpgate"], args.source),
            "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds")}
    log(f"TLS bench: workdir {workdir}; load {meta['load_start']}")
    owned = Owned(workdir)
    try:
        res = run_all(owned, cfg, workdir, args.quick)
    except KeyboardInterrupt:
        log("interrupted: every server this run started has been stopped")
        return 130
    except BenchError as exc:
        log(f"TLS bench failed: {exc}")
        return 1
    finally:
        owned.stop_all()
    meta["load_end"] = loadavg()
    meta["elapsed_s"] = round(time.monotonic() - T0, 1)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "tls-results.json").write_text(json.dumps({"meta": meta, "results": res}, indent=1, default=str))
    text = section(res, meta)
    results = Path(args.results)
    if args.quick and results == HERE / "RESULTS.md":
        results = out / "quick" / "RESULTS.md"
        results.parent.mkdir(parents=True, exist_ok=True)
    write_section(results, text)
    print()
    print(text)
    log(f"wrote the TLS section of {results}; raw figures in {out / 'tls-results.json'}")
    return 0
