"""Compaction and retention on the real binary: fragments of one trace spread over several
blocks are merged into one block, a crash at any step of a compaction or of retention loses and
duplicates nothing, and compacted inputs are deleted after compacted_block_retention."""
import json
import os
import re
import time
import urllib.parse

import clients
import otlp
from harness import case

FAST_CUTS = {"trace_idle_period": "200ms", "flush_check_period": "100ms",
             "max_block_duration": "300ms"}
# A day-long window: every block of a case falls into today's window (the spans start today, at
# most a minute ago), so the grouping never depends on the time of day the test runs.
DAY_NS = 86_400 * 10**9
COMPACTION_CRASH_POINTS = ["compaction:after_data", "compaction:after_meta",
                           "compaction:after_mark", "compaction:after_delete"]


def _config(cycle, block_retention="336h"):
    return {"ingester": FAST_CUTS,
            "compactor": {"compaction": {"compaction_cycle": cycle, "compaction_window": "24h",
                                         "block_retention": block_retention,
                                         "compacted_block_retention": "1s"}}}


def _set_cycle(srv, cycle):
    """Rewrites compaction_cycle in the server's config file (used between restarts)."""
    with open(srv.config_path) as f:
        text = f.read()
    text = re.sub(r"compaction_cycle: \S+", f"compaction_cycle: {cycle}", text)
    with open(srv.config_path, "w") as f:
        f.write(text)


def _metric(srv, name, **labels):
    return clients.metric_sum(clients.metrics(srv), name, **labels)


def _poll(ctx, name, cond, timeout=30.0, detail=lambda: ""):
    """Polls `cond` until true (bounded); records the check."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cond():
                ctx.ok(name)
                return True
        except OSError:
            pass
        time.sleep(0.05)  # poll interval, not synchronisation
    ctx.fail(name, f"not within {timeout}s\n{detail()}")
    return False


def _tenant_dir(srv):
    return os.path.join(srv.dir, "blocks", "single-tenant")


def _disk_blocks(srv):
    """block id -> set of object names, for every block directory on disk."""
    root = _tenant_dir(srv)
    if not os.path.isdir(root):
        return {}
    return {b: set(os.listdir(os.path.join(root, b))) for b in os.listdir(root)
            if os.path.isdir(os.path.join(root, b)) and not b.startswith(".")}


def _settled(srv):
    """True once every block on disk is committed and live (no compacted or unfinished block is
    left) and at least one of them is a compaction output."""
    blocks = _disk_blocks(srv)
    if not blocks or any(objs != {"data.tcb", "meta.json"} for objs in blocks.values()):
        return False
    levels = []
    for b in blocks:
        with open(os.path.join(_tenant_dir(srv), b, "meta.json")) as f:
            levels.append(json.load(f).get("compactionLevel", 0))
    return max(levels) >= 1


def _disk_summary(srv):
    return "\n".join(f"{b}: {sorted(objs)}" for b, objs in sorted(_disk_blocks(srv).items()))


def _push_rounds(ctx, srv, tids, rounds, t0):
    """Pushes `rounds` rounds of spans for every trace id, waiting for each round to be cut into
    a block before the next, so that every trace has a fragment in each round's block.
    Returns the plan (batches) of each trace."""
    plans = {tid: [] for tid in tids}
    for r in range(rounds):
        flushed = _metric(srv, "tempo_ingester_blocks_flushed_total")
        batches = [otlp.simple_batch(ctx.ids, "cmp-svc", tid, 3, pad=30, start_ns=t0 + r * 10**6)
                   for tid in tids]
        ctx.require(f"round {r}: push acknowledged",
                    clients.push_plan_http(ctx.pb, srv, batches).status == 200)
        for tid, b in zip(tids, batches):
            plans[tid].append(b)
        _poll(ctx, f"round {r}: cut into a block",
              lambda: (_metric(srv, "tempo_ingester_blocks_flushed_total") > flushed and
                       _metric(srv, "tempo_ingester_live_traces") == 0),
              timeout=15, detail=srv.log_tail)
    return plans


def _check_all(ctx, srv, name, plans, t0):
    """Every trace by ID with all its spans, a search finds each trace once, and (after a stop)
    the visible blocks hold every span exactly once."""
    for tid, plan in plans.items():
        ctx.expect_trace(srv, f"{name}: trace", otlp.expected_spans(plan), trace_ids=[tid],
                         forms=[("v2", "proto")])
    q = urllib.parse.quote('{ resource.service.name = "cmp-svc" }', safe="")
    start, end = t0 // 10**9 - 10, time.time_ns() // 10**9 + 10
    r = clients.get(srv, f"/api/search?q={q}&limit=1000&start={start}&end={end}")
    ids = [t.get("traceID") for t in json.loads(r.body).get("traces", [])] if r.status == 200 else []
    want = sorted(t.lstrip("0") for t in plans)
    ctx.check(f"{name}: search finds each trace once",
              sorted(i.lstrip("0") for i in ids) == want, f"{r.status} {ids} want {want}")
    srv.terminate()
    code, out, err = srv.cli("list", "blocks", "single-tenant")
    m = re.search(r"(\d+) blocks, (\d+) traces, (\d+) spans", out)
    got = int(m.group(3)) if m else None
    want_spans = sum(len(otlp.expected_spans(p)) for p in plans.values())
    ctx.check(f"{name}: blocks hold every span exactly once", got == want_spans,
              f"{got} spans, want {want_spans}\n{out}{err}")


def _today_ns():
    """A start time today (UTC) and in the past: search only looks up to now."""
    now = time.time_ns()
    return max(now // DAY_NS * DAY_NS, now - 60 * 10**9)


@case("compaction_merge")
def compaction_merge(ctx):
    """Fragments of each trace in three blocks are merged; inputs are deleted afterwards."""
    with ctx.server(extra_config=_config("200ms")) as srv:
        srv.start()
        tids = [ctx.ids.trace() for _ in range(5)]
        with ctx.step("ingest in three rounds"):
            t0 = _today_ns()
            plans = _push_rounds(ctx, srv, tids, 3, t0)
        with ctx.step("compaction"):
            _poll(ctx, "blocks merged and inputs deleted", lambda: _settled(srv),
                  detail=lambda: _disk_summary(srv) + "\n" + srv.log_tail())
            samples = clients.metrics(srv)
            ctx.check("tempodb_compaction_blocks_total counts the inputs",
                      clients.metric_sum(samples, "tempodb_compaction_blocks_total",
                                         level="0") >= 2, str(samples)[:300])
            ctx.check("traces combined across blocks",
                      clients.metric_sum(samples, "tempodb_compaction_objects_combined_total")
                      >= 5)
            ctx.check("objects and bytes written",
                      clients.metric_sum(samples, "tempodb_compaction_objects_written_total") >= 5
                      and clients.metric_sum(samples,
                                             "tempodb_compaction_bytes_written_total") > 0)
            ctx.check("compacted inputs deleted",
                      clients.metric_sum(samples, "tempodb_retention_deleted_total") >= 2)
            ctx.check("no compaction errors",
                      clients.metric_sum(samples, "tempodb_compaction_errors_total") == 0)
            names = {n for n, _, _ in samples}
            ctx.check("outstanding gauge exported",
                      "tempodb_compaction_outstanding_blocks" in names)
        with ctx.step("read back"):
            _check_all(ctx, srv, "merged", plans, t0)
        with ctx.step("restart"):
            srv.start()
            _check_all(ctx, srv, "after restart", plans, t0)


@case("compaction_crash")
def compaction_crash(ctx):
    """The process killed at each step of a compaction: after a restart every trace is found
    once with all its spans, and the inputs are eventually deleted."""
    for point in COMPACTION_CRASH_POINTS:
        with ctx.server(extra_config=_config("1h")) as srv, ctx.step(point):
            srv.start()
            tids = [ctx.ids.trace() for _ in range(5)]
            t0 = _today_ns()
            plans = _push_rounds(ctx, srv, tids, 3, t0)
            ctx.require(f"{point}: clean stop", srv.terminate() == 0, srv.log_tail())
            _set_cycle(srv, "200ms")
            srv.start(env={"TEMPO_CRASHPOINT": point})
            deadline = time.monotonic() + 20
            while srv.alive() and time.monotonic() < deadline:
                time.sleep(0.05)  # poll interval, not synchronisation
            ctx.require(f"{point}: the process died at the crash point", not srv.alive(),
                        srv.log_tail())
            srv.proc.wait(timeout=5)
            srv.start()
            _poll(ctx, f"{point}: compaction finished and inputs deleted", lambda: _settled(srv),
                  detail=lambda: _disk_summary(srv) + "\n" + srv.log_tail())
            _check_all(ctx, srv, point, plans, t0)


@case("compaction_retention")
def compaction_retention(ctx):
    """Blocks older than block_retention are marked and deleted, also across a crash right after
    the mark; their traces are gone afterwards."""
    for point in [None, "retention:after_mark"]:
        name = point or "no crash"
        # Long cycle while ingesting, so retention runs only once the blocks exist.
        with ctx.server(extra_config=_config("1h", block_retention="1h")) as srv, ctx.step(name):
            srv.start()
            tids = [ctx.ids.trace() for _ in range(3)]
            plans = _push_rounds(ctx, srv, tids, 1, time.time_ns() - 3 * 3600 * 10**9)
            ctx.expect_trace(srv, f"{name}: stored", otlp.expected_spans(plans[tids[0]]),
                             trace_ids=[tids[0]], forms=[("v2", "json")])
            ctx.require(f"{name}: clean stop", srv.terminate() == 0, srv.log_tail())
            _set_cycle(srv, "200ms")
            if point:
                srv.start(env={"TEMPO_CRASHPOINT": point})
                deadline = time.monotonic() + 20
                while srv.alive() and time.monotonic() < deadline:
                    time.sleep(0.05)  # poll interval, not synchronisation
                ctx.require(f"{name}: the process died at the crash point", not srv.alive(),
                            srv.log_tail())
                srv.proc.wait(timeout=5)
            srv.start()
            _poll(ctx, f"{name}: expired blocks deleted", lambda: not _disk_blocks(srv),
                  detail=lambda: _disk_summary(srv) + "\n" + srv.log_tail())
            if point is None:
                samples = clients.metrics(srv)
                ctx.check(f"{name}: marked and deleted counted",
                          clients.metric_sum(samples,
                                             "tempodb_retention_marked_for_deletion_total") >= 1
                          and clients.metric_sum(samples, "tempodb_retention_deleted_total") >= 1,
                          str([s for s in samples if s[0].startswith("tempodb_retention")]))
            for tid in tids:
                ctx.expect_absent(srv, name, tid)
