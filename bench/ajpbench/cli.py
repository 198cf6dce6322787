"""The command line of bench/bench.py."""

import argparse
import json
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from .chart import draw_chart
from .common import APACHE2, CONTENDERS, HERE, REPO, log
from .owned import cleanup_leftovers
from .report import write_report
from .runner import Bench


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
