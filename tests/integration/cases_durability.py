"""Crash (kill -9) and SIGTERM while under load: acknowledged spans survive (brief items 5, 6)."""
import threading
import time

import clients
import otlp
from harness import case


class Load:
    """Pushes `n_pushes` batches of `spans_per_push` spans over `n_traces` traces from
    `workers` threads, alternating OTLP/HTTP protobuf and OTLP/gRPC, and records which
    pushes were acknowledged (HTTP 200 / gRPC OK)."""

    def __init__(self, ctx, srv, n_traces=8, n_pushes=40, spans_per_push=5, workers=8, pad=40):
        self.ctx, self.srv, self.workers = ctx, srv, workers
        self.trace_ids = [ctx.ids.trace() for _ in range(n_traces)]
        self.pushes = [otlp.simple_batch(ctx.ids, f"load-{i % 3}", self.trace_ids[i % n_traces],
                                         spans_per_push, pad=pad) for i in range(n_pushes)]
        self.acked, self.failed = [], []
        self.lock = threading.Lock()
        self.next = 0
        self.progress = threading.Condition(self.lock)

    def _take(self):
        with self.lock:
            if self.next >= len(self.pushes):
                return None
            self.next += 1
            return self.next - 1

    def _worker(self):
        while True:
            i = self._take()
            if i is None:
                return
            plan = [self.pushes[i]]
            try:
                if i % 2 == 0:
                    ok = clients.push_plan_http(self.ctx.pb, self.srv, plan).status == 200
                else:
                    ok = clients.grpc_export(self.srv.otlp_grpc_addr, otlp.to_pb(self.ctx.pb, plan),
                                             timeout=10).ok
            except OSError:
                ok = False  # connection refused/reset once the server is gone
            with self.lock:
                (self.acked if ok else self.failed).append(i)
                self.progress.notify_all()

    def start(self):
        self.threads = [threading.Thread(target=self._worker, daemon=True) for _ in range(self.workers)]
        for t in self.threads:
            t.start()

    def wait_acked(self, n, timeout=30.0):
        """Blocks until at least n pushes were acknowledged (or timeout); returns the count."""
        with self.lock:
            self.progress.wait_for(lambda: len(self.acked) >= n or
                                   len(self.acked) + len(self.failed) == len(self.pushes), timeout)
            return len(self.acked)

    def join(self, timeout=60.0):
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))

    def acked_spans(self):
        with self.lock:
            return otlp.expected_spans([self.pushes[i] for i in sorted(self.acked)])

    def all_spans(self):
        return otlp.expected_spans(self.pushes)


def check_survivors(ctx, srv, name, load):
    """Every acknowledged span is returned; nothing is returned that was never sent; no span
    is returned twice."""
    acked = load.acked_spans()
    sent = {(s["trace_id"], s["span_id"]): s for s in load.all_spans()}
    deadline = time.monotonic() + 5.0  # one bounded wait for all traces together
    for tid in load.trace_ids:
        want = [s for s in acked if s["trace_id"] == tid]
        resp, spans, problems = ctx.fetch_trace(srv, tid, "v2", "proto", want_spans=len(want),
                                                timeout=max(0.0, deadline - time.monotonic()))
        got = {(s["trace_id"], s["span_id"]) for s in spans or []}
        missing = [s["span_id"] for s in want if (s["trace_id"], s["span_id"]) not in got]
        # Spans of unacknowledged pushes may or may not be there; compare only what exists.
        returned = [s for s in spans or [] if (s["trace_id"], s["span_id"]) in sent]
        diffs = otlp.compare_spans([sent[(s["trace_id"], s["span_id"])] for s in returned], spans or [])
        ctx.check(f"{name}: trace {tid}: all {len(want)} acknowledged spans returned",
                  resp.status == 200 and not missing,
                  f"status {resp.status}; missing {len(missing)} of {len(want)}: {missing[:5]} {problems}")
        ctx.check(f"{name}: trace {tid}: returned spans intact, no duplicates/unknown spans",
                  not diffs, "\n".join(diffs))


@case("crash_recovery")
def crash_recovery(ctx):
    """kill -9 during concurrent pushes: after restart every acknowledged span is returned."""
    with ctx.server() as srv:
        srv.start()
        # Pushes of ~1.5 KB: any 11 of them make the 16 KB a packing dictionary is sampled from,
        # so one is in the WAL (and in use) well before 20 are acknowledged.
        load = Load(ctx, srv, n_traces=8, n_pushes=40, spans_per_push=5, pad=200)
        with ctx.step("kill -9 under load"):
            load.start()
            n = load.wait_acked(20)
            # The pushes' fragments are packed against a dictionary sampled from them, which
            # the WAL must hold for the replay to unpack them.
            dictionaries = clients.metric_sum(clients.metrics(srv), "tempo_wal_dictionaries")
            srv.kill9()
            load.join()
            ctx.require("at least 20 pushes acknowledged before the crash", n >= 20,
                        f"acknowledged {n}, failed {len(load.failed)}\n{srv.log_tail()}")
            ctx.check("a packing dictionary was in the WAL at the crash", dictionaries >= 1,
                      f"tempo_wal_dictionaries {dictionaries}")
            print(f"        ({len(load.acked)} pushes acknowledged, {len(load.failed)} failed)")
        with ctx.step("restart after kill -9"):
            srv.start()
            check_survivors(ctx, srv, "after crash", load)
        with ctx.step("second kill -9 right after recovery"):
            srv.kill9()
            srv.start()
            check_survivors(ctx, srv, "after second crash", load)
        with ctx.step("server works after recovery"):
            plan = [otlp.rich_batch(ctx.ids, "after-crash", ctx.ids.trace(), js_safe=False)]
            r = clients.push_plan_http(ctx.pb, srv, plan)
            ctx.require("push after recovery accepted", r.status == 200, repr(r))
            ctx.expect_trace(srv, "after recovery", otlp.expected_spans(plan), forms=[("v2", "json")])


@case("sigterm")
def sigterm(ctx):
    """SIGTERM during load and when idle: exit code 0 within seconds, data kept."""
    with ctx.server() as srv:
        srv.start()
        load = Load(ctx, srv, n_traces=6, n_pushes=60, spans_per_push=4, workers=6)
        with ctx.step("SIGTERM under load"):
            load.start()
            load.wait_acked(15)
            t0 = time.monotonic()
            code = srv.terminate(timeout=10)
            took = time.monotonic() - t0
            load.join()
            ctx.check("SIGTERM under load: exit code 0", code == 0,
                      f"exit code {code} (None = still running after 10 s)\n{srv.log_tail()}")
            ctx.check("SIGTERM under load: exited within 5 s", code is not None and took <= 5.0,
                      f"took {took:.2f}s")
            print(f"        ({len(load.acked)} pushes acknowledged, exit took {took:.2f}s)")
        with ctx.step("data after SIGTERM restart"):
            srv.start()
            check_survivors(ctx, srv, "after SIGTERM", load)
        with ctx.step("SIGTERM when idle"):
            t0 = time.monotonic()
            code = srv.terminate(timeout=10)
            took = time.monotonic() - t0
            ctx.check("idle SIGTERM: exit code 0 within 5 s", code == 0 and took <= 5.0,
                      f"exit code {code}, took {took:.2f}s")
        with ctx.step("data after second restart"):
            srv.start()
            check_survivors(ctx, srv, "after idle SIGTERM", load)
