#!/usr/bin/env python3
"""Size limits that keep the code readable for a newcomer (see docs/design.md, "Sizes").

* the production part of a src/ file (before its `#[cfg(test)]` module) is at most 600 lines;
* a function in src/ (its unit tests included) is at most 100 lines, counted from `fn` to its closing
  brace; integration tests under tests/ may be longer, since a scenario or a table of cases reads best whole;
* no `#[allow(clippy::too_many_arguments)]`: a function that needs that many takes a struct;
* a tests/ or bench/ file is at most 800 lines.

Prints every breach and exits 1 if there is one; `--list N` prints the N longest functions.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_LINES = 600
FUNCTION_LINES = 100
TEST_FILE_LINES = 800

FN_START = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")


def code_only(line):
    """A line without its `//` comment and string/char literals, for brace counting."""
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])'", "''", line)
    return line.split("//", 1)[0]


def functions(path):
    """(name, first line, length) of every function with a body in a Rust file."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    found = []
    for start, line in enumerate(lines):
        match = FN_START.match(line)
        if not match:
            continue
        depth, opened = 0, False
        for end in range(start, len(lines)):
            text = code_only(lines[end])
            if not opened and ";" in text and "{" not in text:
                break  # a declaration without a body (trait method, extern)
            depth += text.count("{") - text.count("}")
            opened = opened or "{" in text
            if opened and depth <= 0:
                found.append((match.group(6), start + 1, end - start + 1))
                break
    return found


def production_lines(path):
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    for number, line in enumerate(lines):
        if line.strip() == "#[cfg(test)]" and number + 1 < len(lines) and "mod " in lines[number + 1]:
            return number
    return len(lines)


def rust_files(*folders):
    for folder in folders:
        base = ROOT / folder
        if base.exists():
            yield from (p for p in sorted(base.rglob("*.rs")) if "target" not in p.parts)


def breaches():
    found = []
    for path in rust_files("src"):
        count = production_lines(path)
        if count > PRODUCTION_LINES:
            found.append(f"{path.relative_to(ROOT)}: {count} production lines (limit {PRODUCTION_LINES})")
    for path in rust_files("src"):
        for name, line, length in functions(path):
            if length > FUNCTION_LINES:
                found.append(f"{path.relative_to(ROOT)}:{line}: fn {name} is {length} lines (limit {FUNCTION_LINES})")
    for path in rust_files("src", "tests", "benches", "fuzz"):
        if "clippy::too_many_arguments" in path.read_text(encoding="utf-8", errors="replace"):
            found.append(f"{path.relative_to(ROOT)}: allows clippy::too_many_arguments")
    for folder in ("tests", "bench"):
        for path in sorted((ROOT / folder).rglob("*")):
            skipped = {".venv", "out", "__pycache__", "target"} & set(path.relative_to(ROOT).parts)
            if path.suffix in (".rs", ".py", ".sh", ".lua") and path.is_file() and not skipped:
                count = len(path.read_text(encoding="utf-8", errors="replace").splitlines())
                if count > TEST_FILE_LINES:
                    found.append(f"{path.relative_to(ROOT)}: {count} lines (limit {TEST_FILE_LINES})")
    return found


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--list":
        every = [(length, f"{p.relative_to(ROOT)}:{line}", name)
                 for p in rust_files("src", "tests", "benches", "fuzz") for name, line, length in functions(p)]
        for length, where, name in sorted(every, reverse=True)[: int(sys.argv[2])]:
            print(f"{length:5} {where} fn {name}")
        return 0
    found = breaches()
    for line in found:
        print(line)
    print(f"{len(found)} size breaches")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
