"""A very small test harness: named checks that keep going after a failure, so one run
reports every problem of a case, plus helpers shared by the case modules."""
import os
import time
import traceback

import clients
import otlp
from server import ServerError, TempoServer

CASES = {}  # name -> (function, description, needs_node)


def case(name, needs_node=False):
    """Registers a test case function f(ctx)."""
    def register(fn):
        CASES[name] = (fn, (fn.__doc__ or "").strip().splitlines()[0], needs_node)
        return fn
    return register


class Failed(Exception):
    """Aborts the current sub-check (already recorded as failed)."""


class Ctx:
    """Per-case state: the binary, the protobuf module, id source and check results."""

    def __init__(self, binary, pb, seed):
        self.binary, self.pb = binary, pb
        self.ids = otlp.Ids(seed)
        self.passed, self.failed = [], []
        self.servers = []

    # ---- results -------------------------------------------------------------------
    def ok(self, name):
        self.passed.append(name)
        print(f"  ok    {name}", flush=True)

    def fail(self, name, detail):
        self.failed.append(name)
        detail = str(detail).rstrip()
        print(f"  FAIL  {name}\n        " + detail.replace("\n", "\n        "), flush=True)

    def check(self, name, cond, detail=""):
        """Records one check; returns cond."""
        if cond:
            self.ok(name)
        else:
            self.fail(name, detail or "condition false")
        return bool(cond)

    def require(self, name, cond, detail=""):
        """Like check, but aborts the enclosing `step` on failure."""
        if not self.check(name, cond, detail):
            raise Failed()

    def step(self, name):
        """Context manager: an exception inside is recorded as a failure of `name` and the
        case goes on with the next step."""
        ctx = self

        class _Step:
            def __enter__(self):
                return self

            def __exit__(self, typ, exc, tb):
                if typ is None or typ is Failed:
                    return typ is Failed
                if issubclass(typ, (ServerError, RuntimeError)):  # messages say it all
                    ctx.fail(name, f"{typ.__name__}: {exc}")
                else:
                    ctx.fail(name, "".join(traceback.format_exception(typ, exc, tb))[-3000:])
                return True
        return _Step()

    # ---- servers --------------------------------------------------------------------
    def server(self, **kw):
        srv = TempoServer(self.binary, **kw)
        self.servers.append(srv)
        return srv

    def log_tails(self):
        return "\n".join(s.log_tail() for s in self.servers if os.path.exists(s.log_path))

    # ---- common assertions -------------------------------------------------------------
    def fetch_trace(self, srv, trace_id, version="v2", fmt="json", tenant=None, want_spans=None,
                    timeout=5.0):
        """Queries a trace; with want_spans, polls (bounded) until at least that many spans
        are returned. Returns (resp, spans, problems)."""
        deadline = time.monotonic() + timeout
        while True:
            resp, spans, problems = clients.query_trace(self.pb, srv, trace_id, version, fmt, tenant)
            done = want_spans is None or (spans is not None and len(spans) >= want_spans)
            if done or time.monotonic() >= deadline:
                return resp, spans, problems
            time.sleep(0.05)  # poll interval, not synchronisation

    def expect_trace(self, srv, name, expected, trace_ids=None, forms=None, tenant=None):
        """Checks that querying each trace id returns exactly `expected` (canonical spans of
        those traces) in each of the given forms: (version, fmt) pairs."""
        forms = forms or [("v2", "json"), ("v2", "proto"), ("v1", "json"), ("v1", "proto")]
        trace_ids = trace_ids or sorted({s["trace_id"] for s in expected})
        all_ok = True
        for tid in trace_ids:
            want = [s for s in expected if s["trace_id"] == tid]
            for i, (version, fmt) in enumerate(forms):
                label = f"{name}: GET {version} {fmt} {tid}"
                # Only the first form waits for the spans to become visible.
                resp, spans, problems = self.fetch_trace(srv, tid, version, fmt, tenant,
                                                         want_spans=len(want),
                                                         timeout=5.0 if i == 0 else 0.0)
                if resp.status != 200:
                    all_ok &= self.check(label, False, f"status {resp.status}, body {resp.body[:300]!r}")
                    continue
                if spans is None:
                    all_ok &= self.check(label, False, "; ".join(problems))
                    continue
                diffs = otlp.compare_spans(want, spans)
                all_ok &= self.check(label, not diffs and not problems,
                                     "\n".join(problems + diffs))
        return all_ok

    def expect_absent(self, srv, name, trace_id, tenant=None):
        """The trace must not exist: v2 answers 200 with an empty trace (no spans)."""
        resp, spans, problems = clients.query_trace(self.pb, srv, trace_id, "v2", "json", tenant)
        return self.check(f"{name}: trace {trace_id} not stored",
                          resp.status == 200 and spans == [],
                          f"status {resp.status}, spans {len(spans or [])}, body {resp.body[:200]!r}")

    def expect_ready(self, srv, name):
        r = clients.get(srv, "/ready")
        return self.check(f"{name}: server still ready", r.status == 200 and r.body == b"ready\n",
                          f"/ready -> {r}; process alive: {srv.alive()}")
