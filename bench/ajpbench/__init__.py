"""ajpgate benchmark orchestrator, the code behind bench/bench.py (see bench/README.md)."""
