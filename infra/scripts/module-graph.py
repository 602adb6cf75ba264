#!/usr/bin/env python3
"""The import graph of the shared library's crates, module by module (one .rs file
is one module): how many modules and import arrows, which arrows close a cycle, and
the import loops. What issue 18 measures; no build needed. Exits 1 when a crate has
an import loop (`make test` runs it).

    infra/scripts/module-graph.py [crate-src-dir ...]   (default: every crate under shared/)
"""
import os
import re
import sys
from pathlib import Path


def modules(src: Path):
    """Module path ('db::keys') -> file, for every .rs file of a crate."""
    out = {}
    for f in src.rglob("*.rs"):
        rel = f.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] in ("lib", "mod", "main"):
            parts = parts[:-1]
        out["::".join(parts) or "crate"] = f
    return out


USE = re.compile(r"\buse\s+crate::(\{[^;]*\}|[^;]*);", re.S)
PATH = re.compile(r"\bcrate::([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)")


def targets(text: str):
    """Every `crate::a::b` path a file names, braces of `use` lists expanded."""
    found = set()
    for m in USE.finditer(text):
        stack = [("", m.group(1))]
        while stack:
            prefix, body = stack.pop()
            body = body.strip()
            if body.startswith("{"):
                inner = body[1:-1]
                depth, start = 0, 0
                for i, c in enumerate(inner + ","):
                    if c == "{":
                        depth += 1
                    elif c == "}":
                        depth -= 1
                    elif c == "," and depth == 0:
                        part = inner[start:i].strip()
                        if part:
                            stack.append((prefix, part))
                        start = i + 1
            else:
                head, _, rest = body.partition("::")
                if rest and rest.lstrip().startswith("{"):
                    stack.append((prefix + head + "::", rest))
                else:
                    found.add(prefix + body.split(" as ")[0].strip())
    for m in PATH.finditer(text):
        found.add(m.group(1))
    return found


def root_names(lib: Path, mods):
    """Names the crate root re-exports from its own modules (`pub use error::ApiError`)."""
    names = {}
    for m in re.finditer(r"pub use ([a-z_][a-z0-9_]*)::(\{[^;]*\}|[A-Za-z_][A-Za-z0-9_]*);", lib.read_text()):
        if m.group(1) not in mods:
            continue
        for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", m.group(2)):
            names[n] = m.group(1)
    return names


def resolve(path: str, mods, roots=None):
    parts = path.split("::")
    if roots and parts[0] in roots and parts[0] not in mods:
        return roots[parts[0]]
    for n in range(len(parts), 0, -1):
        cand = "::".join(parts[:n])
        if cand in mods:
            return cand
    return None


def sccs(nodes, edges):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
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
            out.append(comp)

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            visit(v)
    return out


def report(src: Path):
    mods = modules(src)
    roots = root_names(src / "lib.rs", mods) if (src / "lib.rs").exists() else {}
    edges = {}
    for name, f in mods.items():
        text = f.read_text()
        deps = set()
        for t in targets(text):
            r = resolve(t, mods, roots)
            # A module's own children and itself are not imports between rooms.
            if r and r != name and r != "crate" and not r.startswith(name + "::") and not name.startswith(r + "::"):
                deps.add(r)
        edges[name] = deps
    nodes = [m for m in mods if m != "crate"]
    comps = [c for c in sccs(nodes, edges) if len(c) > 1]
    in_cycle = {v: i for i, c in enumerate(comps) for v in c}
    arrows = sum(len(d) for d in edges.values())
    back = sum(1 for v, ds in edges.items() for w in ds if v in in_cycle and in_cycle.get(w) == in_cycle[v])
    print(f"{src}: {len(nodes)} modules, {arrows} import arrows, {back} inside import loops, {len(comps)} loops")
    for c in comps:
        print("  loop:", " ".join(sorted(c)))
    return len(comps)


def main():
    roots = [Path(a) for a in sys.argv[1:]] or sorted(
        p.parent for p in Path("shared").rglob("Cargo.toml")
    )
    loops = 0
    for r in roots:
        src = r / "src" if (r / "src").is_dir() else r
        loops += report(src)
    sys.exit(1 if loops else 0)


if __name__ == "__main__":
    main()
