#!/usr/bin/env bash
# ajpgate benchmark: ajpgate vs Apache httpd + mod_jk 1.2.48 vs httpd + mod_proxy_ajp (Debian 12),
# in front of the in-repo fake AJP backend and a private Tomcat 10.1, driven by wrk. 127.0.0.1 only.
#
#   bench/run.sh            full run (about 8 minutes of measurement); writes bench/RESULTS.md and
#                           bench/results.png, prints the table
#   bench/run.sh --quick    a few seconds per scenario, 1,000 idle connections (smoke test, ~2.5 min);
#                           writes bench/out/quick/RESULTS.md and results.png
#   bench/run.sh [--quick] [bench.py options]   e.g. --only small-c16,idle  --skip-tomcat
#                           --httpd-procs 2 --httpd-threads 128   (see bench/bench.py --help)
#   bench/run.sh --tls      the TLS and HTTP/2 benchmark instead (bench/tls_bench.py: ajpgate vs
#                           httpd + mod_ssl + mod_jk vs haproxy, h2load and openssl s_time; at most
#                           8 minutes); rewrites the "TLS and HTTP/2" section of bench/RESULTS.md
#
# Phases: 1 packages (apt-get: apache2 libapache2-mod-jk tomcat10 wrk, if missing)  2 cargo build
# --release  3 Python venv with matplotlib (bench/.venv)  4 bench/bench.py (servers, load, report).
# Every server is stopped on exit, Ctrl-C included. Environment: BENCH_NO_INSTALL=1 skips phase 1,
# BENCH_NO_BUILD=1 skips phase 2 (uses target/release/ajpgate as it is).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
START=$(date +%s)
TLS=0
if [ "${1:-}" = --tls ]; then TLS=1; shift; fi

step() { printf '\n=== [%3ds] %s\n' "$(( $(date +%s) - START ))" "$*"; }

sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"

step "machine: $(nproc) CPUs; uptime: $(uptime)"

# --- 1. packages -----------------------------------------------------------------------------------
if [ "${BENCH_NO_INSTALL:-0}" != 1 ]; then
    step "packages"
    missing=()
    for pkg in apache2 libapache2-mod-jk tomcat10 wrk iproute2 procps nghttp2-client haproxy openssl; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing: ${missing[*]}"
        $sudo_cmd apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" > /dev/null
    fi
    dpkg-query -W -f='${Package} ${Version}\n' apache2 libapache2-mod-jk tomcat10 wrk nghttp2-client haproxy
fi

# --- 2. ajpgate ------------------------------------------------------------------------------------
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
AJPGATE=$TARGET_DIR/release/ajpgate
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
    step "cargo build --release"
    (cd "$REPO" && cargo build --release --locked 2>&1 | tail -n 3)
fi
[ -x "$AJPGATE" ] || { echo "run.sh: $AJPGATE not found" >&2; exit 1; }

# --- 3. Python with matplotlib -----------------------------------------------------------------------
PY=python3
VENV=$HERE/.venv
# (not for --tls: the TLS bench draws no chart)
[ "$TLS" = 1 ] || step "python venv (bench/.venv) with matplotlib"
if [ "$TLS" = 1 ]; then
    :
elif [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import matplotlib' 2> /dev/null; then
    PY=$VENV/bin/python
else
    if ! python3 -m venv "$VENV" 2> /dev/null; then
        rm -rf "$VENV"
        DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3-venv > /dev/null 2>&1 || true
        python3 -m venv "$VENV" 2> /dev/null || true
    fi
    if [ -x "$VENV/bin/pip" ] && "$VENV/bin/pip" install -q matplotlib > "$HERE/.venv/pip.log" 2>&1; then
        PY=$VENV/bin/python
    else
        echo "run.sh: warning: could not install matplotlib (see bench/.venv/pip.log); no chart this time" >&2
        [ -x "$VENV/bin/python" ] && PY=$VENV/bin/python
    fi
fi
"$PY" -c 'import matplotlib; print("matplotlib", matplotlib.__version__)' 2> /dev/null || true

# --- 4. benchmark ----------------------------------------------------------------------------------
# 10,000 idle connections need more than 10,000 descriptors in the client and in each front end
ulimit -n 65536 2> /dev/null || ulimit -n "$(ulimit -Hn)" 2> /dev/null || true
echo "open files limit: $(ulimit -n)"

WORKDIR=$(mktemp -d /tmp/ajpgate-bench.XXXXXX)
chmod 755 "$WORKDIR"
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    # bench.py stops its servers itself; this only catches what a killed bench.py left behind
    "$PY" "$HERE/bench.py" --cleanup --workdir "$WORKDIR" || true
    if [ -d "$WORKDIR" ]; then
        rm -f "$WORKDIR/upload.bin"
        rm -rf "$HERE/out/last-run"
        mkdir -p "$HERE/out"
        mv "$WORKDIR" "$HERE/out/last-run" 2> /dev/null || cp -r "$WORKDIR" "$HERE/out/last-run"
        rm -rf "$WORKDIR"
        echo "configs, logs and raw wrk output of this run: bench/out/last-run/"
    fi
    step "done (exit $rc); uptime: $(uptime)"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [ "$TLS" = 1 ]; then
    # the TLS bench: each phase has its own timeout; the whole of it at most 8 minutes
    step "tls_bench.py $* (at most 480 s)"
    timeout --signal=TERM --kill-after=20 480 "$PY" "$HERE/tls_bench.py" --ajpgate "$AJPGATE" \
        --workdir "$WORKDIR" "$@"
    exit $?
fi

# the whole command should print its table within 15 minutes: bench.py gets what is left (at most
# 720 s, minus 30 s for the report); scenarios that would not fit are skipped and listed as skipped
BUDGET=$(( 870 - ($(date +%s) - START) ))
[ "$BUDGET" -gt 720 ] && BUDGET=720
[ "$BUDGET" -lt 120 ] && BUDGET=120
step "bench.py $* (time budget ${BUDGET} s)"
"$PY" "$HERE/bench.py" --ajpgate "$AJPGATE" --workdir "$WORKDIR" --budget "$BUDGET" "$@"
