#!/usr/bin/python3
"""Integration test driver: runs the real tempo binary against real clients.

    /usr/bin/python3 tests/integration/run_tests.py --tempo build/tempo --case ops
    /usr/bin/python3 tests/integration/run_tests.py --tempo build/tempo --case all
    /usr/bin/python3 tests/integration/run_tests.py --list

Each case starts its own server(s) on free loopback ports with a temporary directory,
runs its checks (continuing after a failed check so that one run shows every problem),
kills the server, and exits 0 only if every check passed. Set TEMPO_IT_KEEP=1 to keep
the temporary directories (config, WAL, blocks, tempo.log) for inspection.
"""
import argparse
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # keep the source tree clean

import harness  # noqa: E402
# Importing the case modules registers their cases.
import cases_push, cases_errors, cases_limits, cases_durability, cases_ops  # noqa: E402,F401
import cases_blocks  # noqa: E402,F401
import cases_compaction  # noqa: E402,F401
import cases_jaeger, cases_zipkin, cases_receivers  # noqa: E402,F401
import cases_search  # noqa: E402,F401
import cases_overrides  # noqa: E402,F401
import cases_grafana  # noqa: E402,F401
import cases_delete  # noqa: E402,F401

SETUP_HINT = "run tests/integration/setup.sh"


def prerequisites(needs_node):
    """Returns a list of missing prerequisites (each with how to fix it)."""
    missing = []
    if not sys.executable.startswith("/usr/bin/python3"):
        missing.append(f"run with /usr/bin/python3 (Debian's python with python3-grpcio), "
                       f"not {sys.executable}")
    for module, pkg in (("grpc", "python3-grpcio"), ("google.protobuf", "python3-protobuf")):
        try:
            __import__(module)
        except ImportError:
            missing.append(f"python module {module} ({pkg}): {SETUP_HINT}")
    for tool, pkg in (("protoc", "protobuf-compiler"), ("curl", "curl"), ("zstd", "zstd"),
                      ("gzip", "gzip")):
        if shutil.which(tool) is None:
            missing.append(f"{tool} ({pkg}): {SETUP_HINT}")
    if needs_node:
        import clients
        if shutil.which("node") is None:
            missing.append("node (Node.js >= 20) is not installed")
        elif not clients.node_available():
            missing.append(f"tests/integration/node_modules is missing: {SETUP_HINT} "
                           "(runs npm ci from package-lock.json)")
    return missing


def run_case(name, binary, seed):
    fn, _, needs_node = harness.CASES[name]
    print(f"=== case {name}", flush=True)
    missing = prerequisites(needs_node)
    if missing:
        print("  FAIL  prerequisites missing:\n        " + "\n        ".join(missing), flush=True)
        return False
    import gen
    try:
        pb = gen.load_pb()
    except RuntimeError as e:
        print(f"  FAIL  cannot build the protobuf module: {e}", flush=True)
        return False
    ctx = harness.Ctx(binary, pb, seed)
    t0 = time.monotonic()
    try:
        fn(ctx)
    except harness.Failed:
        pass
    except Exception as e:  # an unexpected error outside any step
        import traceback
        ctx.fail(f"{name} (unexpected error)", "".join(traceback.format_exception(e))[-3000:])
    finally:
        for srv in ctx.servers:  # normally done by the context managers already
            srv.kill9() if srv.proc else None
    if ctx.failed:
        print(ctx.log_tails(), flush=True)
    took = time.monotonic() - t0
    print(f"=== case {name}: {len(ctx.passed)} passed, {len(ctx.failed)} failed ({took:.1f}s)",
          flush=True)
    return not ctx.failed and bool(ctx.passed)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tempo", help="path to the tempo binary")
    ap.add_argument("--case", default="all", help="case name, comma-separated names, or 'all'")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--seed", type=int, default=20261121, help="seed for trace/span ids")
    args = ap.parse_args()

    if args.list:
        for name, (_, doc, needs_node) in harness.CASES.items():
            print(f"{name:20s} {doc}" + ("  [node]" if needs_node else ""))
        return 0
    if not args.tempo:
        ap.error("--tempo is required")
    names = list(harness.CASES) if args.case == "all" else args.case.split(",")
    unknown = [n for n in names if n not in harness.CASES]
    if unknown:
        ap.error(f"unknown case(s): {', '.join(unknown)}; see --list")

    results = {n: run_case(n, args.tempo, args.seed) for n in names}
    if len(names) > 1:
        print("\nsummary:")
        for n, ok in results.items():
            print(f"  {'PASS' if ok else 'FAIL'}  {n}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
