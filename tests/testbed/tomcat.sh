#!/bin/bash
# Private Tomcat 10.1 instances (Debian's tomcat10 package) for the ajpgate testbed.
# Never touches the system instance (/var/lib/tomcat10, /etc/tomcat10, systemd).
#
#   tomcat.sh make-base DIR JVMROUTE AJP_PORT HTTP_PORT SHUTDOWN_PORT SECRET [PACKET_SIZE]
#                           (HTTP_PORT: the HTTP/1.1 connector on 127.0.0.1, where upgrades go; the
#                           webapp's WEB-INF/src is compiled with javac into each context)
#   tomcat.sh start DIR     background start; returns once the AJP port answers CPING (timeout 60 s)
#   tomcat.sh stop DIR      SHUTDOWN via the shutdown port, kill -9 of the recorded pid after 10 s
#   tomcat.sh kill DIR      kill -9 at once
#   tomcat.sh status DIR    print pid/ports and whether the AJP port answers CPING (exit 0 = answers)
#   tomcat.sh run DIR       foreground (catalina.sh run, logs on stdout)
#
# Environment: CATALINA_HOME (default /usr/share/tomcat10), JAVA_HOME (default: Java 17 if installed),
#   PYTHON (default python3), TESTBED_EXTRA_CONTEXTS (make-base: extra context names to deploy the
#   webapp under, e.g. "ping other"), TESTBED_JAVA_OPTS (make-base: extra JVM options written to
#   bin/setenv.sh, default "-Xmx512m"), TOMCAT_START_TIMEOUT (start: seconds, default 60).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
CATALINA_HOME=${CATALINA_HOME:-/usr/share/tomcat10}
PY=${PYTHON:-python3}

die() { echo "tomcat.sh: $*" >&2; exit 1; }

usage() {
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

pick_java_home() {
    if [ -n "${JAVA_HOME:-}" ]; then
        return
    fi
    local arch d
    arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
    for d in "/usr/lib/jvm/java-17-openjdk-$arch" /usr/lib/jvm/java-17-openjdk-*; do
        if [ -x "$d/bin/java" ]; then
            JAVA_HOME=$d
            export JAVA_HOME
            return
        fi
    done
    # otherwise catalina.sh falls back to `which java`
}

# compile_classes DIR: javac the webapp's WEB-INF/src (the WebSocket endpoint) into WEB-INF/classes
# of every context of base DIR, against Tomcat's servlet and WebSocket (server and client) API jars.
compile_classes() {
    local dir=$1 javac out ctx
    pick_java_home
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
        javac=$JAVA_HOME/bin/javac
    elif command -v javac >/dev/null 2>&1; then
        javac=javac
    else
        die "javac not found (apt-get install default-jdk-headless)"
    fi
    out=$dir/temp/classes
    rm -rf "$out"
    mkdir -p "$out"
    find "$HERE/webapp/WEB-INF/src" -name '*.java' > "$dir/temp/sources.txt"
    "$javac" -nowarn --release 11 -encoding UTF-8 -d "$out" \
        -cp "$CATALINA_HOME/lib/servlet-api.jar:$CATALINA_HOME/lib/websocket-api.jar:$CATALINA_HOME/lib/websocket-client-api.jar" \
        @"$dir/temp/sources.txt" || die "javac failed on $HERE/webapp/WEB-INF/src"
    for ctx in ROOT app ${TESTBED_EXTRA_CONTEXTS:-}; do
        mkdir -p "$dir/webapps/$ctx/WEB-INF/classes"
        cp -r "$out/." "$dir/webapps/$ctx/WEB-INF/classes/"
    done
}

is_port() { case "$1" in ''|*[!0-9]*) return 1 ;; esac; [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }

# alive PID: process exists and is not a zombie
alive() {
    local st
    kill -0 "$1" 2>/dev/null || return 1
    st=$(ps -o stat= -p "$1" 2>/dev/null || true)
    case "$st" in Z*|'') return 1 ;; esac
    return 0
}

load_base() {
    BASE=$(cd "$1" 2>/dev/null && pwd) || die "no such directory: $1"
    [ -f "$BASE/testbed.env" ] || die "$BASE is not a testbed base (no testbed.env; use make-base)"
    # shellcheck disable=SC1091
    . "$BASE/testbed.env"
    PIDFILE=$BASE/tomcat.pid
    export CATALINA_HOME CATALINA_BASE="$BASE" CATALINA_PID="$PIDFILE"
    export CATALINA_OUT="$BASE/logs/catalina.out" CATALINA_TMPDIR="$BASE/temp"
    pick_java_home
}

read_pid() {
    PID=
    if [ -s "$PIDFILE" ]; then
        PID=$(tr -dc '0-9' < "$PIDFILE")
    fi
}

cmd_make_base() {
    [ $# -eq 6 ] || [ $# -eq 7 ] || usage
    local dir=$1 route=$2 ajp=$3 http=$4 shut=$5 secret=$6 pkt=${7:-}
    is_port "$ajp" && is_port "$http" && is_port "$shut" || die "ports must be numbers 1..65535"
    case "$route" in ''|*[!A-Za-z0-9_-]*) die "JVMROUTE must match [A-Za-z0-9_-]+" ;; esac
    [ -n "$secret" ] || die "SECRET must not be empty (the connector uses secretRequired=true)"
    if [ -n "$pkt" ]; then
        case "$pkt" in *[!0-9]*) die "PACKET_SIZE must be a number" ;; esac
    fi
    [ -d "$CATALINA_HOME/etc" ] || die "$CATALINA_HOME/etc not found (apt-get install tomcat10)"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ -s "$dir/tomcat.pid" ] && alive "$(tr -dc '0-9' < "$dir/tomcat.pid")"; then
        die "$dir: a Tomcat is running from this base (tomcat.sh stop $dir first)"
    fi
    rm -rf "$dir/conf" "$dir/webapps" "$dir/work" "$dir/temp" "$dir/bin"
    mkdir -p "$dir/conf" "$dir/logs" "$dir/temp" "$dir/work" "$dir/webapps" "$dir/bin"
    cp "$CATALINA_HOME/etc/web.xml" "$CATALINA_HOME/etc/catalina.properties" "$dir/conf/"
    # Debian's console handler uses the systemd formatter; plain one-line records read better in catalina.out
    sed 's/org\.apache\.juli\.SystemdFormatter/org.apache.juli.OneLineFormatter/' \
        "$CATALINA_HOME/etc/logging.properties" > "$dir/conf/logging.properties"
    cat > "$dir/conf/context.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!-- testbed: default context; sessions are not persisted across restarts -->
<Context>
    <WatchedResource>WEB-INF/web.xml</WatchedResource>
    <Manager pathname="" />
</Context>
EOF
    "$PY" - "$HERE/server.xml.in" "$dir/conf/server.xml" "$route" "$ajp" "$http" "$shut" "$secret" "$pkt" <<'EOF'
import sys
from xml.sax.saxutils import quoteattr
src, dst, route, ajp, http, shut, secret, pkt = sys.argv[1:9]
text = open(src, encoding="utf-8").read()
subst = {
    "@JVM_ROUTE@": route, "@AJP_PORT@": ajp, "@HTTP_PORT@": http,
    "@SHUTDOWN_PORT@": shut, "@AJP_SECRET@": quoteattr(secret)[1:-1],
    "@PACKET_SIZE_ATTR@": (' packetSize="%s"' % pkt) if pkt else "",
}
for k, v in subst.items():
    text = text.replace(k, v)
open(dst, "w", encoding="utf-8").write(text)
EOF
    local ctx
    cp -r "$HERE/webapp" "$dir/webapps/ROOT"
    for ctx in app ${TESTBED_EXTRA_CONTEXTS:-}; do
        case "$ctx" in ''|*[!A-Za-z0-9_-]*) die "bad context name: $ctx" ;; esac
        cp -r "$HERE/webapp" "$dir/webapps/$ctx"
    done
    compile_classes "$dir"
    {
        echo "# generated by tomcat.sh make-base"
        echo "CATALINA_OPTS=\"\${CATALINA_OPTS:-} -Dtestbed.jvmRoute=$route -Djava.awt.headless=true ${TESTBED_JAVA_OPTS:--Xmx512m}\""
    } > "$dir/bin/setenv.sh"
    {
        echo "# testbed base written by tomcat.sh make-base; read by tomcat.sh"
        echo "JVM_ROUTE=$route"
        echo "AJP_PORT=$ajp"
        echo "HTTP_PORT=$http"
        echo "SHUTDOWN_PORT=$shut"
        printf 'AJP_SECRET=%q\n' "$secret"
        echo "PACKET_SIZE=${pkt:-8192}"
        echo "CONTEXTS=\"ROOT app ${TESTBED_EXTRA_CONTEXTS:-}\""
    } > "$dir/testbed.env"
    echo "tomcat base $dir: jvmRoute=$route ajp=127.0.0.1:$ajp http=127.0.0.1:$http shutdown=127.0.0.1:$shut packetSize=${pkt:-8192}"
}

cmd_start() {
    [ $# -eq 1 ] || usage
    load_base "$1"
    read_pid
    if [ -n "$PID" ] && alive "$PID"; then
        die "$BASE: already running (pid $PID)"
    fi
    rm -f "$PIDFILE"
    if "$PY" "$HERE/ajp_ping.py" 127.0.0.1 "$AJP_PORT" 1 2>/dev/null; then
        die "something already answers CPING on 127.0.0.1:$AJP_PORT"
    fi
    local timeout=${TOMCAT_START_TIMEOUT:-60} start now
    start=$(date +%s)
    "$CATALINA_HOME/bin/catalina.sh" start < /dev/null >> "$BASE/logs/start.log" 2>&1 \
        || { tail -n 20 "$BASE/logs/start.log" >&2; die "catalina.sh start failed"; }
    read_pid
    [ -n "$PID" ] || die "catalina.sh did not write $PIDFILE"
    while :; do
        if ! alive "$PID"; then
            echo "tomcat.sh: Tomcat (pid $PID) exited during start-up; tail of $CATALINA_OUT:" >&2
            tail -n 40 "$CATALINA_OUT" >&2 || true
            rm -f "$PIDFILE"
            exit 1
        fi
        if "$PY" "$HERE/ajp_ping.py" 127.0.0.1 "$AJP_PORT" 1 2>/dev/null; then
            now=$(date +%s)
            echo "tomcat $BASE started: pid $PID, jvmRoute=$JVM_ROUTE ajp=127.0.0.1:$AJP_PORT http=127.0.0.1:$HTTP_PORT ($((now - start)) s)"
            return 0
        fi
        now=$(date +%s)
        if [ $((now - start)) -ge "$timeout" ]; then
            echo "tomcat.sh: ERROR: AJP port 127.0.0.1:$AJP_PORT did not answer CPING within ${timeout} s; killing pid $PID." >&2
            echo "SEVERE lines in $CATALINA_OUT:" >&2
            grep -E 'SEVERE|Caused by' "$CATALINA_OUT" | head -n 10 >&2 || true
            echo "tail of $CATALINA_OUT:" >&2
            tail -n 40 "$CATALINA_OUT" >&2 || true
            kill -9 "$PID" 2>/dev/null || true
            rm -f "$PIDFILE"
            exit 1
        fi
        sleep 0.25
    done
}

wait_gone() { # PID SECONDS -> 0 if gone in time
    local pid=$1 n=$(($2 * 10))
    while [ "$n" -gt 0 ]; do
        alive "$pid" || return 0
        sleep 0.1
        n=$((n - 1))
    done
    ! alive "$pid"
}

cmd_stop() {
    [ $# -eq 1 ] || usage
    load_base "$1"
    read_pid
    if [ -z "$PID" ] || ! alive "$PID"; then
        rm -f "$PIDFILE"
        echo "tomcat $BASE: not running"
        return 0
    fi
    "$PY" "$HERE/testbed_util.py" send 127.0.0.1 "$SHUTDOWN_PORT" SHUTDOWN || true
    if wait_gone "$PID" 10; then
        echo "tomcat $BASE: stopped (pid $PID)"
    else
        echo "tomcat $BASE: still running 10 s after SHUTDOWN, kill -9 $PID" >&2
        kill -9 "$PID" 2>/dev/null || true
        wait_gone "$PID" 5 || die "pid $PID survived kill -9"
    fi
    rm -f "$PIDFILE"
}

cmd_kill() {
    [ $# -eq 1 ] || usage
    load_base "$1"
    read_pid
    if [ -n "$PID" ] && alive "$PID"; then
        kill -9 "$PID" 2>/dev/null || true
        wait_gone "$PID" 5 || die "pid $PID survived kill -9"
        echo "tomcat $BASE: killed (pid $PID)"
    else
        echo "tomcat $BASE: not running"
    fi
    rm -f "$PIDFILE"
}

cmd_status() {
    [ $# -eq 1 ] || usage
    load_base "$1"
    read_pid
    local state=stopped rc=1
    if [ -n "$PID" ] && alive "$PID"; then state="running (pid $PID)"; fi
    if "$PY" "$HERE/ajp_ping.py" 127.0.0.1 "$AJP_PORT" 2 2>/dev/null; then
        state="$state, CPING ok"; rc=0
    else
        state="$state, no CPONG"
    fi
    echo "tomcat $BASE: $state; jvmRoute=$JVM_ROUTE ajp=127.0.0.1:$AJP_PORT http=127.0.0.1:$HTTP_PORT shutdown=127.0.0.1:$SHUTDOWN_PORT"
    return $rc
}

cmd_run() {
    [ $# -eq 1 ] || usage
    load_base "$1"
    unset CATALINA_PID
    exec "$CATALINA_HOME/bin/catalina.sh" run
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
    make-base) cmd_make_base "$@" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    kill) cmd_kill "$@" ;;
    status) cmd_status "$@" ;;
    run) cmd_run "$@" ;;
    -h|--help|help) usage ;;
    *) usage ;;
esac
