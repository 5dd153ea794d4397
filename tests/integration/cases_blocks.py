"""Blocks: idle traces are cut into blocks, found by ID across blocks and live data, listed by
the operator commands, and a crash at any step of a cut loses and duplicates nothing."""
import re
import time

import clients
import otlp
from harness import case

# Cut quickly: traces idle for 200 ms go to the head, a head is written 300 ms later.
FAST_CUTS = {"ingester": {"trace_idle_period": "200ms", "flush_check_period": "100ms",
                          "max_block_duration": "300ms"}}
CRASH_POINTS = ["cut:after_journal", "cut:after_data", "cut:after_meta", "cut:after_wal_drop"]


def _metric(srv, name, **labels):
    return clients.metric_sum(clients.parse_metrics(clients.get(srv, "/metrics").body.decode()),
                              name, **labels)


def _wait_all_blocked(ctx, srv, name, timeout=15.0):
    """Polls /metrics until the store knows at least one block and no trace is live any more
    (after a crash the block may have been committed by the previous process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if (_metric(srv, "tempodb_blocklist_length") >= 1 and
                    _metric(srv, "tempo_ingester_live_traces") == 0):
                ctx.ok(f"{name}: every trace cut into a block")
                return True
        except OSError:
            pass
        time.sleep(0.05)  # poll interval, not synchronisation
    ctx.fail(f"{name}: every trace cut into a block", f"not within {timeout}s\n{srv.log_tail()}")
    return False


def _block_spans(ctx, srv, name):
    """Total spans over every block of single-tenant, from `tempo list blocks`."""
    code, out, err = srv.cli("list", "blocks", "single-tenant")
    ctx.check(f"{name}: `tempo list blocks` exits 0", code == 0, err + out)
    m = re.search(r"(\d+) blocks, (\d+) traces, (\d+) spans", out)
    ctx.check(f"{name}: `tempo list blocks` prints a summary", m is not None, out)
    return (int(m.group(1)), int(m.group(3))) if m else (0, 0)


def _push(ctx, srv, n_traces=5, spans=4, one_request=None):
    """Pushes `n_traces` traces, one request each over HTTP and gRPC in turn; with `one_request`
    ("http" or "grpc") all of them in a single request of that protocol, so that no cut can
    start between the pushes."""
    plans = [[otlp.simple_batch(ctx.ids, f"svc-{i}", ctx.ids.trace(), spans, pad=20)]
             for i in range(n_traces)]
    if one_request is not None:
        every = [batch for plan in plans for batch in plan]
        if one_request == "http":
            ok = clients.push_plan_http(ctx.pb, srv, every).status == 200
        else:
            ok = clients.grpc_export(srv.otlp_grpc_addr, otlp.to_pb(ctx.pb, every), timeout=10).ok
        ctx.require(f"{one_request} push of {n_traces} traces acknowledged", ok)
        return plans
    for i, plan in enumerate(plans):
        if i % 2 == 0:
            ok = clients.push_plan_http(ctx.pb, srv, plan).status == 200
        else:
            ok = clients.grpc_export(srv.otlp_grpc_addr, otlp.to_pb(ctx.pb, plan), timeout=10).ok
        ctx.require(f"push {i} acknowledged", ok)
    return plans


def _check_traces(ctx, srv, name, plans):
    for plan in plans:
        ctx.expect_trace(srv, name, otlp.expected_spans(plan), forms=[("v2", "proto")])


@case("blocks_cut_and_restart")
def blocks_cut_and_restart(ctx):
    """Idle traces become blocks; lookups, operator commands and a restart see each span once."""
    with ctx.server(extra_config=FAST_CUTS) as srv:
        srv.start()
        with ctx.step("cut"):
            plans = _push(ctx, srv)
            _wait_all_blocked(ctx, srv, "cut")
            _check_traces(ctx, srv, "from blocks", plans)
        with ctx.step("a trace spread over a block and live data"):
            tid = otlp.plan_trace_ids(plans[0])[0]
            more = [otlp.simple_batch(ctx.ids, "late-svc", tid, 2)]
            ctx.require("late push acknowledged",
                        clients.push_plan_http(ctx.pb, srv, more).status == 200)
            ctx.expect_trace(srv, "block + live", otlp.expected_spans(plans[0] + more),
                             forms=[("v2", "json")])
            plans[0] = plans[0] + more
            _wait_all_blocked(ctx, srv, "second cut")
        with ctx.step("operator commands"):
            srv.terminate()
            blocks, spans = _block_spans(ctx, srv, "stopped")
            want = sum(len(otlp.expected_spans(p)) for p in plans)
            ctx.check("blocks hold every span exactly once", spans == want,
                      f"{spans} spans in {blocks} blocks, want {want}")
            code, out, err = srv.cli("list", "tenants")
            ctx.check("`tempo list tenants` names single-tenant",
                      code == 0 and "single-tenant" in out, err + out)
            block_id = re.search(r"^([0-9a-f-]{36})\s", _cli_out(srv), re.M)
            ctx.require("a block id is listed", block_id is not None, _cli_out(srv))
            code, out, err = srv.cli("view", "block", "single-tenant", block_id.group(1))
            ctx.check("`tempo view block` shows meta and columns",
                      code == 0 and '"blockID"' in out and "COMPRESSED" in out, err + out)
            tid = otlp.plan_trace_ids(plans[1])[0]
            code, out, err = srv.cli("query", "blocks", tid, "single-tenant")
            ctx.check("`tempo query blocks` prints the trace",
                      code == 0 and '"batches"' in out and "svc-1" in out, err + out)
            code, out, err = srv.cli("query", "blocks", "ffff", "single-tenant")
            ctx.check("`tempo query blocks` of an unknown trace fails clearly",
                      code == 1 and "not found" in err, f"{code} {err}")
            code, out, err = srv.cli("frobnicate")
            ctx.check("an unknown command prints usage", code == 2 and "usage" in err, err)
        with ctx.step("restart with blocks"):
            srv.start()
            _check_traces(ctx, srv, "after restart", plans)


def _cli_out(srv):
    return srv.cli("list", "blocks", "single-tenant")[1]


@case("blocks_crash_during_cut")
def blocks_crash_during_cut(ctx):
    """The process killed at each step of a cut: after restart nothing is lost or duplicated."""
    for n, point in enumerate(CRASH_POINTS):
        with ctx.server(extra_config=FAST_CUTS) as srv, ctx.step(point):
            srv.start(env={"TEMPO_CRASHPOINT": point})
            # One request: with separate ones a slow machine could cut (and die) between them.
            plans = _push(ctx, srv, one_request="http" if n % 2 == 0 else "grpc")
            deadline = time.monotonic() + 15
            while srv.alive() and time.monotonic() < deadline:
                time.sleep(0.05)  # poll interval, not synchronisation
            ctx.require(f"{point}: the process died at the crash point", not srv.alive(),
                        srv.log_tail())
            srv.proc.wait(timeout=5)
            srv.start()
            _wait_all_blocked(ctx, srv, point)
            _check_traces(ctx, srv, point, plans)
            srv.terminate()
            blocks, spans = _block_spans(ctx, srv, point)
            want = sum(len(otlp.expected_spans(p)) for p in plans)
            ctx.check(f"{point}: blocks hold every span exactly once", spans == want,
                      f"{spans} spans in {blocks} blocks, want {want}\n{_cli_out(srv)}")
