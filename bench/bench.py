#!/usr/bin/env python3
"""ajpgate benchmark orchestrator (issue 7): ajpgate vs httpd + mod_jk vs httpd + mod_proxy_ajp.

Normally started by bench/run.sh, which installs the Debian packages, builds ajpgate in release mode and
prepares a venv with matplotlib. Standard library only, plus matplotlib for the chart when present.

Phases:
  1. setup     versions, free ports, the 10 MiB upload body, machine load
  2. fake      one fake AJP backend (`ajpgate fake-backend`) per contender, one front end per contender;
               correctness preflight; throughput scenarios (interleaved rounds); idle keep-alive
               connections
  3. failure   per contender: a fresh lb front end over two fresh fake backends, one killed under load
  4. tomcat    one private Tomcat 10.1 (tests/testbed/tomcat.sh) shared by three fresh front ends;
               preflight, JSP warm-up, throughput scenarios
  5. report    RESULTS.md (markdown tables), results.png (matplotlib), out/results.json

Every server is started here, bound to 127.0.0.1, recorded in WORKDIR/owned.pids, and stopped on exit,
including Ctrl-C and SIGTERM (`bench.py --cleanup --workdir W` kills what a crashed run left).

This file is the entry point; the code is in bench/ajpbench/ (bench/README.md lists its modules).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ajpbench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
