#!/usr/bin/env python3
"""Static files: ajpgate `serve --document-root` vs Debian's apache2 serving the same tree.

    python3 bench/static_bench.py [--seconds 5] [--connections 16] [--out bench/out/static.md]

Two files (a 4 KiB HTML page and a 10 MiB file), each fetched over HTTP/1.1 keep-alive by h2load
(`--h1`, nghttp2-client) for a fixed time against both servers on 127.0.0.1; prints a markdown table
(requests/s, MB/s, failures, ajpgate's peak RSS) and writes it to --out. Uses target/release/ajpgate
(build it first: cargo build --release). apache2 runs mpm_event with Debian's default thread counts
and the modules static serving needs (authz_core, mime, dir). Every process it starts is stopped by
its PID on exit; nothing outlives the script. No numbers here are asserted anywhere.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODULES = "/usr/lib/apache2/modules"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, what):
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{what} did not listen on {port} within 30 s")


def make_tree(base):
    root = base / "root"
    root.mkdir()
    (root / "small.html").write_bytes(b"<p>" + b"x" * 4089 + b"</p>\n")
    (root / "big.bin").write_bytes(os.urandom(10 * 1024 * 1024))
    subprocess.run(["chmod", "-R", "a+rX", str(base)], check=True)
    return root


def start_apache(base, root):
    port = free_port()
    d = base / "httpd"
    (d / "logs").mkdir(parents=True)
    (d / "run").mkdir()
    user = "User www-data\nGroup www-data\n" if os.getuid() == 0 else ""
    modules = "".join(
        f"LoadModule {m}_module {MODULES}/mod_{m}.so\n"
        for m in ("mpm_event", "authz_core", "mime", "dir")
    )
    conf = f"""ServerRoot "{d}"
DefaultRuntimeDir "{d}/run"
PidFile "{d}/httpd.pid"
ErrorLog "{d}/logs/error.log"
LogLevel warn
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
{user}{modules}StartServers 2
MinSpareThreads 25
MaxSpareThreads 75
ThreadLimit 64
ThreadsPerChild 25
MaxRequestWorkers 150
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
TypesConfig /etc/mime.types
DirectoryIndex index.html
DocumentRoot "{root}"
<Directory "{root}">
  Require all granted
</Directory>
"""
    (d / "httpd.conf").write_text(conf)
    proc = subprocess.Popen(
        ["/usr/sbin/apache2", "-d", str(d), "-f", str(d / "httpd.conf"), "-DFOREGROUND"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "LANG": "C"},
    )
    wait_listening(port, proc, "apache2")
    return proc, port


def start_gate(base, root):
    binary = REPO / "target/release/ajpgate"
    if not binary.exists():
        sys.exit("target/release/ajpgate is missing: run cargo build --release")
    port = free_port()
    workers = base / "workers.properties"
    workers.write_text(f"worker.list=w\nworker.w.type=ajp13\nworker.w.port={free_port()}\n")
    log = open(base / "ajpgate.log", "w")
    proc = subprocess.Popen(
        [str(binary), "serve", "-w", str(workers), "--mount", "/app/*=w",
         "-l", f"127.0.0.1:{port}", "--document-root", str(root)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log,
        env={**os.environ, "RUST_LOG": "warn"},
    )
    wait_listening(port, proc, "ajpgate")
    return proc, port


def h2load(port, path, seconds, connections):
    out = subprocess.run(
        ["h2load", "--h1", "-c", str(connections), "-t", "1", "-D", str(seconds),
         "--warm-up-time=1", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, timeout=seconds + 60,
    ).stdout
    rate = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s, ([\d.]+)(\w+)/s", out)
    failed = re.search(r"requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed", out)
    if not rate:
        sys.exit(f"h2load output not understood:\n{out}")
    mbps = float(rate.group(2)) * {"B": 1e-6, "KB": 1e-3, "MB": 1, "GB": 1e3}.get(rate.group(3), 1)
    return float(rate.group(1)), mbps, int(failed.group(1)) if failed else -1


def peak_rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def stop(proc):
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--out", default=str(REPO / "bench/out/static.md"))
    args = ap.parse_args()
    for tool in ("h2load", "/usr/sbin/apache2"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing (Debian packages nghttp2-client, apache2)")
    base = Path(tempfile.mkdtemp(prefix="ajpgate-static-bench-"))
    os.chmod(base, 0o755)
    apache = gate = None
    rows = []
    try:
        root = make_tree(base)
        apache, apache_port = start_apache(base, root)
        gate, gate_port = start_gate(base, root)
        for path in ("/small.html", "/big.bin"):
            for name, port in (("httpd", apache_port), ("ajpgate", gate_port)):
                rps, mbps, failed = h2load(port, path, args.seconds, args.connections)
                rows.append((path, name, rps, mbps, failed))
                print(f"{path} {name}: {rps:.0f} req/s, {mbps:.1f} MB/s, {failed} failed", flush=True)
        rss = peak_rss_kb(gate.pid)
    finally:
        stop(gate)
        stop(apache)
        shutil.rmtree(base, ignore_errors=True)
    lines = [
        f"Static files, HTTP/1.1 keep-alive, {args.connections} connections, {args.seconds} s each "
        f"(h2load --h1, 1 thread), {os.cpu_count()} CPUs, 127.0.0.1:",
        "",
        "| file | server | requests/s | MB/s | failed |",
        "|---|---|---:|---:|---:|",
    ]
    lines += [f"| {p} | {n} | {r:.0f} | {m:.1f} | {f} |" for p, n, r, m, f in rows]
    lines += ["", f"ajpgate peak RSS over the run: {rss / 1024:.1f} MiB"]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
