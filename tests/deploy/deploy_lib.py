"""The small framework of the deployment checks (check_deploy.py): where the repository and
the binary are, how a check reports (ok / FAIL / skip), and shared helpers.

A check is a function decorated with @check("title"): it runs at once, when its module is
imported, returns an optional detail string, raises CheckError (via expect) to fail or Skip to be
skipped. Failed titles collect in FAILURES; check_deploy.py prints the summary and exit code.
STATE caches what several checks parse (the compose file, the Dockerfile, the server config).
"""
import pathlib
import re
import subprocess
import sys
import time

import yaml

ROOT = pathlib.Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else pathlib.Path(".").resolve()
BINARY = pathlib.Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else ROOT / "build" / "tempo"

FAILURES = []
LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


class CheckError(Exception):
    pass


class Skip(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckError(message)


def check(name):
    def wrap(fn):
        start = time.monotonic()
        try:
            detail = fn()
            print(f"ok:   {name}" + (f" ({detail})" if detail else "")
                  + f" [{time.monotonic() - start:.1f}s]")
        except Skip as s:
            print(f"skip: {name}: {s}")
        except CheckError as e:
            print(f"FAIL: {name}: {e}")
            FAILURES.append(name)
        except Exception as e:  # a crash in a check is a failure, not a traceback for the rest
            print(f"FAIL: {name}: {type(e).__name__}: {e}")
            FAILURES.append(name)
        return fn
    return wrap


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def go_duration_seconds(text):
    """Go duration ("30s", "1m30s", "500ms") or systemd time ("120s", "2min", "90") in seconds."""
    text = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "sec": 1, "m": 60,
             "min": 60, "h": 3600}
    total, pos = 0.0, 0
    for m in re.finditer(r"(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|sec|min|s|m|h)", text):
        expect(m.start() == pos, f"cannot parse duration {text!r}")
        total += float(m.group(1)) * units[m.group(2)]
        pos = m.end()
    expect(pos == len(text) and pos > 0, f"cannot parse duration {text!r}")
    return total


STATE = {}
