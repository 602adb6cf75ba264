#!/usr/bin/env python3
"""A target marked `test = false` is skipped by `cargo test`, which saves building it
again as a test harness (a function's library compiled with `--test` and linked, for
none of its own tests: most functions are tested through tests/). A test written in
such a target would never run, so this fails naming it (`make test` runs it).
"""
import re
import sys
import tomllib
from pathlib import Path

TEST = re.compile(r"#\[(?:tokio::)?test\b|#\[cfg\(test\)\]")
MOD = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;", re.M)


def with_modules(root: Path):
    """A binary's file and the files of the modules it declares, all the way down."""
    todo, seen = [root], []
    while todo:
        f = todo.pop()
        if f in seen or not f.exists():
            continue
        seen.append(f)
        here = f.parent if f.name in ("main.rs", "mod.rs") else f.with_suffix("")
        for name in MOD.findall(f.read_text()):
            todo += [here / f"{name}.rs", here / name / "mod.rs"]
    return seen


def untested(manifest: Path):
    """The source files of the targets `manifest` keeps out of `cargo test`."""
    spec = tomllib.loads(manifest.read_text())
    root = manifest.parent
    lib = spec.get("lib", {})
    if lib.get("test") is False:
        src = root / lib.get("path", "src/lib.rs")
        bins = {root / b.get("path", "src/main.rs") for b in spec.get("bin", [])}
        # The library is every file under its directory but the binaries' own.
        yield from (f for f in src.parent.rglob("*.rs") if f not in bins)
    for b in spec.get("bin", []):
        if b.get("test") is False:
            yield from with_modules(root / b.get("path", f"src/bin/{b['name']}.rs"))


def main():
    # The workspace's own members (globs included), not a walk that would enter target/.
    members = tomllib.loads(Path("Cargo.toml").read_text())["workspace"]["members"]
    manifests = sorted({m for pattern in members for m in Path(".").glob(f"{pattern}/Cargo.toml")})
    bad = []
    for manifest in manifests:
        for f in untested(manifest):
            if f.exists() and TEST.search(f.read_text()):
                bad.append(f"{f}: has tests, but {manifest} says `test = false` for it")
    for line in bad:
        print(line, file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
