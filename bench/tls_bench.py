#!/usr/bin/env python3
"""TLS and HTTP/2 benchmark (issue 13): ajpgate vs httpd + mod_ssl + mod_http2 + mod_jk vs haproxy.

Normally started by `bench/run.sh --tls`. One private Tomcat 10.1, three TLS front ends with the same
certificate and pinned suites; TLS handshakes/s (h2load with a new connection per request, openssl
s_time) and TLS keep-alive req/s over HTTP/1.1 and h2 (h2load). Writes the "TLS and HTTP/2" section
of bench/RESULTS.md and bench/out/tls-results.json. Every phase has a hard timeout; every server is
recorded in WORKDIR/owned.pids and stopped on exit. The code is in bench/ajpbench/tls_*.py.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ajpbench.tls_cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
