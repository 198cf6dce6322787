#!/usr/bin/env python3
"""Prints the module graph of src/ (one module per file), its import circles and any edge that points up
the layers of src/lib.rs's Layout.

    python3 scripts/module-graph.py [--cycles-only]

Edges come from `use` trees and inline `crate::`/`super::`/`self::` paths in production code (items
under `#[cfg(test)]` are left out). A path resolves to the longest prefix that is a module file; a name
a module only re-exports (`pub use`) resolves to where it is defined. Exit status 1 when there is a
circle or an upward edge, so the same command can gate a change.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src"

# Top-level modules from the top layer down, as src/lib.rs's Layout lists them: a module may use the
# ones below it, never one above.
LAYERS = ["cli", "reload", "http", "static_files", "tls", "gateway", "status", "upgrade", "balancer", "backend",
          "site", "httpd_conf", "config", "vocabulary", "fakeajp", "ajp"]


def module_of(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def strip(text):
    """Source without comments, string/char literals and #[cfg(test)] items."""
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'r#*"(?:.|\n)*?"#*', '""', text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    text = re.sub(r"'(?:\\.|[^'\\])'", "' '", text)
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]", text):
        if m.start() < i:
            continue
        out.append(text[i : m.start()])
        j = text.find("{", m.end())
        semi = text.find(";", m.end())
        if semi != -1 and (j == -1 or semi < j):
            i = semi + 1
            continue
        depth, k = 0, j
        while k < len(text):
            depth += {"{": 1, "}": -1}.get(text[k], 0)
            if depth == 0:
                break
            k += 1
        i = k + 1
    out.append(text[i:])
    return "".join(out)


def expand(tree):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e]."""
    tree = re.sub(r"\s+as\s+\w+", "", tree)  # `X as Y` names X
    tree = re.sub(r"\s+", "", tree)
    depth, start, items = 0, 0, []
    if "{" not in tree:
        return [tree]
    head, body = tree[: tree.index("{")], tree[tree.index("{") + 1 : tree.rindex("}")]
    for k, ch in enumerate(body + ","):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            if body[start:k]:
                items.append(body[start:k])
            start = k + 1
    return [p for item in items for p in expand(head + item)]


def absolute(module, segments):
    """`crate::`, `super::` and `self::` paths as paths from the crate root; None for other crates."""
    if segments[0] not in ("crate", "super", "self", "ajpgate"):
        return None
    base = list(module)
    for n, seg in enumerate(segments):
        if seg in ("crate", "ajpgate") and n == 0:
            base = []
        elif seg == "super":
            base = base[:-1]
        elif seg != "self":
            return tuple(base) + tuple(segments[n:])
    return tuple(base)


def main():
    files = sorted(ROOT.rglob("*.rs"))
    modules = {module_of(f): f for f in files}
    sources = {module_of(f): strip(f.read_text()) for f in files}
    reexports = {}
    paths = {}
    for mod, text in sources.items():
        found = []
        for m in re.finditer(r"\b(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", text):
            for p in expand(m.group(2)):
                segs = [s for s in p.split("::") if s]
                if not segs or segs[0] not in ("crate", "super", "self", "ajpgate"):
                    if mod and segs and (mod + (segs[0],)) in modules:
                        segs = ["self"] + segs
                    else:
                        continue
                target = absolute(mod, segs)
                if target:
                    found.append(target)
                    if m.group(1):
                        reexports.setdefault(mod, {})[target[-1]] = target
        for m in re.finditer(r"\b((?:crate|super|self)(?:::\w+)+)", text):
            target = absolute(mod, m.group(1).split("::"))
            if target:
                found.append(target)
        paths[mod] = found
    edges = {mod: set() for mod in modules}
    for mod, found in paths.items():
        for target in found:
            dest = resolve(target, modules, reexports)
            if dest is not None and dest != mod:
                edges[mod].add(dest)
    print_graph(edges)
    cycles = find_cycles(edges)
    for component in cycles:
        cycle = one_cycle(edges, component)
        print("circle: " + " -> ".join(name(m) for m in cycle + [cycle[0]]))
    upward = upward_edges(edges)
    for mod, dest in upward:
        print(f"upward: {name(mod)} -> {name(dest)} (layers: {' > '.join(LAYERS)})")
    print(f"{len(edges)} modules, {sum(len(v) for v in edges.values())} edges, {len(cycles)} circles, "
          f"{len(upward)} upward edges")
    return 1 if cycles or upward else 0


def upward_edges(edges):
    """Edges from a module to one in a higher layer (see LAYERS)."""
    def layer(mod):
        return LAYERS.index(mod[0]) if mod and mod[0] in LAYERS else None
    found = []
    for mod in sorted(edges):
        for dest in sorted(edges[mod]):
            a, b = layer(mod), layer(dest)
            if a is not None and b is not None and b < a:
                found.append((mod, dest))
    return found


def resolve(target, modules, reexports, depth=0):
    for n in range(len(target), -1, -1):
        prefix = target[:n]
        if prefix in modules:
            rest = target[n:]
            if rest and depth < 8 and rest[0] in reexports.get(prefix, {}):
                real = reexports[prefix][rest[0]]
                if real != target:
                    return resolve(real + rest[1:], modules, reexports, depth + 1)
            return prefix
    return None


def one_cycle(edges, component):
    """A shortest circle through the first module of a strongly connected component."""
    start, members = component[0], set(component)
    previous, frontier = {start: None}, [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(edges[v] & members):
                if w == start:
                    path = [v]
                    while previous[path[-1]] is not None:
                        path.append(previous[path[-1]])
                    return path[::-1]
                if w not in previous:
                    previous[w] = v
                    nxt.append(w)
        frontier = nxt
    return component


def name(mod):
    return "::".join(mod) or "crate"


def print_graph(edges):
    if "--cycles-only" in sys.argv:
        return
    for mod in sorted(edges):
        print(f"{name(mod)} -> {', '.join(sorted(name(d) for d in edges[mod])) or '-'}")


def find_cycles(edges):
    """One circle per strongly connected component (Tarjan)."""
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return comps


if __name__ == "__main__":
    sys.exit(main())
