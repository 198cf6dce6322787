#!/usr/bin/env python3
"""Fails when a source comment cites a repository document that does not exist.

    python3 scripts/check-citations.py

A citation is `docs/<name>.md` with an optional `#anchor` (checked against the file's `##` headings, as
GitHub turns them into anchors), or a bare `<name>.md` (it must exist beside the citing file or in a folder above it, at the
repository root or under docs/). Upstream sources (mod_jk's C files, Tomcat's classes, RFC sections) are not checked.
"""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES = ["src", "tests", "fuzz/src", "benches", "bench", "scripts"]


def anchor(heading):
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def headings(path):
    lines = path.read_text().split("\n")
    return {anchor(line[3:]) for line in lines if line.startswith("## ")}


def main():
    listed = subprocess.run(["git", "ls-files", *SOURCES], cwd=REPO, capture_output=True, text=True)
    problems = []
    for name in listed.stdout.split():
        if not name.endswith((".rs", ".py", ".sh", ".lua")) or not (REPO / name).exists():
            continue
        text = (REPO / name).read_text(errors="replace")
        for number, line in enumerate(text.split("\n"), 1):
            for match in re.finditer(r"(?<![\w/.-])((?:docs/)?[\w-]+\.md)(#[\w-]+)?", line):
                cited, fragment = match.group(1), match.group(2)
                target = REPO / cited if cited.startswith("docs/") else None
                if target is None:
                    folders = [d for d in (REPO / name).parents if d == REPO or REPO in d.parents]
                    candidates = [d / cited for d in folders] + [REPO / "docs" / cited]
                    target = next((p for p in candidates if p.exists()), None)
                if target is None or not target.exists():
                    problems.append(f"{name}:{number}: cites {cited}, which is not in the repository")
                elif fragment and fragment[1:] not in headings(target):
                    problems.append(f"{name}:{number}: {cited} has no heading for {fragment}")
    for problem in problems:
        print(problem)
    print(f"citations: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
