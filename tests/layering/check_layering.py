#!/usr/bin/env python3
"""Fails when a module includes a header of a module it may not depend on.

The allowed edges are those of docs/architecture.md ("Dependency direction"). A module may include
its own headers and those of the modules listed for it; `config` may include only the *_config.h
headers of the modules it maps onto. Usage: check_layering.py <repo root>
"""
import pathlib
import re
import sys

ALLOWED = {
    "common": set(),
    "model": {"common"},
    "overrides": {"common"},
    "net": {"common"},
    "traceql": {"common", "model"},
    "backend": {"common"},
    "wal": {"common"},
    "store": {"common", "model", "backend", "block"},
    "blockbuilder": {"common", "model", "ingester", "wal", "backend", "block", "store",
                     "overrides"},
    "block": {"common", "model", "traceql"},
    "compactor": {"common", "model", "backend", "block", "store", "overrides"},
    "ingester": {"common", "model", "wal", "overrides"},
    "distributor": {"common", "model", "overrides"},
    "querier": {"common", "model", "ingester", "wal", "overrides", "store", "backend", "block", "traceql"},
    "receivers": {"common", "model", "distributor", "net", "overrides"},
    "api": {"common", "model", "querier", "net", "ingester", "wal", "overrides", "store",
            "backend", "block", "traceql"},
    "config": {"common", "overrides"},
    "app": {"common", "model", "overrides", "net", "wal", "ingester", "distributor", "querier",
            "receivers", "api", "config", "backend", "block", "store", "blockbuilder",
            "compactor"},
    "cli": {"common", "app", "config", "api", "backend", "block", "store", "model"},
}
CONFIG_HEADER = re.compile(r"^tempo/(\w+)/\w*config\.h$")
INCLUDE = re.compile(r'^\s*#\s*include\s+"(tempo/(\w+)/[^"]+)"', re.M)


def module_of(path: pathlib.Path, root: pathlib.Path):
    rel = path.relative_to(root).parts
    if rel[0] == "src" and len(rel) > 2:
        return rel[1]
    if rel[0] == "include" and len(rel) > 3:
        return rel[2]
    return None


def main() -> int:
    root = pathlib.Path(sys.argv[1]).resolve()
    errors = []
    files = list((root / "src").rglob("*.[ch]*")) + list((root / "include").rglob("*.h"))
    for path in files:
        module = module_of(path, root)
        if module is None or module == "proto":
            continue
        if module not in ALLOWED:
            errors.append(f"{path.relative_to(root)}: module '{module}' has no layering entry")
            continue
        for header, target in INCLUDE.findall(path.read_text(errors="replace")):
            if target == module or target in ALLOWED[module]:
                continue
            if module == "config" and CONFIG_HEADER.match(header):
                continue
            errors.append(f"{path.relative_to(root)}: {module} may not include {header}")
    for e in errors:
        print(e)
    print(f"{len(files)} files checked, {len(errors)} layering violations")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
