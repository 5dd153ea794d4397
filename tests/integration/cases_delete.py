"""DELETE /api/traces/<id> on the real binary: a live trace and a trace in blocks are gone from
trace by ID, search (HTTP and gRPC) and tag values at once and after a kill -9, the blocks are
rewritten without them in the background while the other traces stay whole, and with
multitenancy a tenant can delete only its own traces."""
import json
import os
import re
import time
import urllib.parse

import clients
import otlp
from cases_compaction import _disk_blocks, _disk_summary, _metric, _poll
from harness import case

FAST_IDLE = "200ms"
SLOW_IDLE = "1h"  # traces pushed then stay live


def _config(idle):
    return {"ingester": {"trace_idle_period": idle, "flush_check_period": "100ms",
                         "max_block_duration": "300ms"},
            "compactor": {"compaction": {"compaction_cycle": "200ms", "compaction_window": "24h",
                                         "compacted_block_retention": "1s"}}}


def _set_idle(srv, idle):
    """Rewrites trace_idle_period in the server's config file (used between restarts)."""
    with open(srv.config_path) as f:
        text = f.read()
    text = re.sub(r"trace_idle_period: \S+", f'trace_idle_period: "{idle}"', text)
    with open(srv.config_path, "w") as f:
        f.write(text)


def _delete(srv, tid, tenant=None, query=""):
    headers = {"X-Scope-OrgID": tenant} if tenant is not None else {}
    return clients.http_request(srv.http_port, "DELETE", f"/api/traces/{tid}{query}",
                                headers=headers)


def _window(t0):
    return t0 // 10**9 - 60, time.time_ns() // 10**9 + 60


def _search_ids(srv, t0, tenant=None):
    q = urllib.parse.quote('{ resource.service.name =~ "del-.*" }', safe="")
    start, end = _window(t0)
    headers = {"X-Scope-OrgID": tenant} if tenant is not None else None
    r = clients.get(srv, f"/api/search?q={q}&limit=100&start={start}&end={end}", headers)
    if r.status != 200:
        raise RuntimeError(f"search: {r}")
    return sorted(t["traceID"].lstrip("0") for t in json.loads(r.body).get("traces", []))


def _grpc_search_ids(srv, t0):
    import cases_grafana
    pb = cases_grafana.tempopb()
    client = cases_grafana.GrafanaGrpc(srv.grpc_port)
    try:
        start, end = _window(t0)
        req = pb.SearchRequest(Query='{ resource.service.name =~ "del-.*" }', Limit=100,
                               start=start, end=end)
        code, details, msgs, _ = client.stream("Search", req, pb.SearchResponse)
        if code != client.grpc.StatusCode.OK:
            raise RuntimeError(f"gRPC search: {code} {details}")
        return sorted({t.traceID.lstrip("0") for m in msgs for t in m.traces})
    finally:
        client.close()


def _service_values(srv, t0):
    start, end = _window(t0)
    r = clients.get(srv, f"/api/v2/search/tag/resource.service.name/values?start={start}&end={end}")
    if r.status != 200:
        raise RuntimeError(f"tag values: {r}")
    return sorted(v["value"] for v in json.loads(r.body).get("tagValues", [])
                  if v.get("value", "").startswith("del-"))


def _short(tids):
    return sorted(t.lstrip("0") for t in tids)


@case("trace_delete")
def trace_delete(ctx):
    """A live and a blocked trace deleted: gone at once, after kill -9, then from the blocks.

    The other traces stay whole throughout."""
    with ctx.server(extra_config=_config(FAST_IDLE)) as srv:
        srv.start()
        t0 = time.time_ns() - 30 * 10**9
        names = ["a", "b", "e", "c", "d"]
        tids = {n: ctx.ids.trace() for n in names}
        plans = {n: [otlp.simple_batch(ctx.ids, f"del-{n}", tids[n], 3, start_ns=t0)]
                 for n in names}

        with ctx.step("traces a, b, e go into blocks"):
            batches = [plans[n][0] for n in "abe"]
            ctx.require("push a, b, e", clients.push_plan_http(ctx.pb, srv, batches).status == 200)
            _poll(ctx, "a, b, e cut into blocks",
                  lambda: (_metric(srv, "tempo_ingester_blocks_flushed_total") >= 1 and
                           _metric(srv, "tempo_ingester_live_traces") == 0),
                  timeout=20, detail=srv.log_tail)
            ctx.require("clean stop", srv.terminate() == 0, srv.log_tail())
        with ctx.step("traces c, d stay live"):
            _set_idle(srv, SLOW_IDLE)
            srv.start()
            batches = [plans[n][0] for n in "cd"]
            ctx.require("push c, d", clients.push_plan_http(ctx.pb, srv, batches).status == 200)
            ctx.require("c and d are live", _metric(srv, "tempo_ingester_live_traces") == 2)
            ctx.require("everything found before the delete",
                        _search_ids(srv, t0) == _short(tids.values()), _search_ids(srv, t0))

        with ctx.step("bad requests"):
            r = _delete(srv, "zz")
            ctx.check("bad trace ID: 400 naming the problem",
                      r.status == 400 and b"invalid character 'z' at position 1" in r.body, r)
            r = _delete(srv, "a" * 33)
            ctx.check("too long: 400", r.status == 400 and b"128 bits" in r.body, r)
            r = _delete(srv, ctx.ids.trace())
            ctx.check("unknown trace: 404", r.status == 404, r)
            ctx.expect_ready(srv, "bad requests")

        with ctx.step("delete b (in blocks) and c (live)"):
            r = _delete(srv, tids["b"])
            body = json.loads(r.body) if r.status == 200 else {}
            ctx.check("b: 200 with what was found",
                      r.status == 200 and body.get("deleted") is True and
                      body.get("blocks", 0) >= 1 and body.get("liveData") is False, r)
            r = _delete(srv, tids["c"])
            body = json.loads(r.body) if r.status == 200 else {}
            ctx.check("c: 200, live data erased",
                      r.status == 200 and body.get("liveData") is True and
                      body.get("traceID") == tids["c"], r)
            ctx.check("deleting b again: 404", _delete(srv, tids["b"]).status == 404)

        def check_gone(label, rewritten=False):
            for n in "bc":
                resp, spans, _ = clients.query_trace(ctx.pb, srv, tids[n], "v1", "json")
                ctx.check(f"{label}: GET v1 {n} is 404", resp.status == 404, resp)
                ctx.expect_absent(srv, f"{label}: v2 {n}", tids[n])
            want = _short(tids[n] for n in "ade")
            ctx.check(f"{label}: search finds a, d, e only", _search_ids(srv, t0) == want,
                      _search_ids(srv, t0))
            ctx.check(f"{label}: gRPC search finds a, d, e only",
                      _grpc_search_ids(srv, t0) == want, _grpc_search_ids(srv, t0))
            # Unfiltered tag values may read block catalogs, which list b's values until its
            # block is rewritten; c was live only.
            values = _service_values(srv, t0)
            want_values = ["del-a", "del-d", "del-e"]
            ctx.check(f"{label}: tag values without c" + (" and b" if rewritten else ""),
                      values == want_values if rewritten else
                      "del-c" not in values and set(want_values) <= set(values), values)
            for n in "ade":
                ctx.expect_trace(srv, f"{label}: {n} intact", otlp.expected_spans(plans[n]),
                                 trace_ids=[tids[n]], forms=[("v2", "proto")])

        with ctx.step("gone at once"):
            check_gone("at once")
            samples = clients.metrics(srv)
            ctx.check("tempo_trace_deletes_total counts both",
                      clients.metric_sum(samples, "tempo_trace_deletes_total",
                                         tenant="single-tenant") == 2)
        with ctx.step("late spans of a deleted trace are refused"):
            late = [otlp.simple_batch(ctx.ids, "del-c", tids["c"], 2, start_ns=t0)]
            ctx.check("push acknowledged",
                      clients.push_plan_http(ctx.pb, srv, late).status == 200)
            ctx.expect_absent(srv, "late spans", tids["c"])
            ctx.check("counted as discarded (trace_deleted)",
                      _metric(srv, "tempo_discarded_spans_total", reason="trace_deleted") == 2)

        with ctx.step("gone after kill -9"):
            srv.kill9()
            srv.start()
            check_gone("after restart")
            ctx.check("both tombstones reloaded",
                      _metric(srv, "tempo_trace_tombstones", tenant="single-tenant") == 2)

        with ctx.step("blocks rewritten in the background"):
            def purged():
                code, _, err = srv.cli("query", "blocks", tids["b"], "single-tenant")
                blocks = _disk_blocks(srv)
                # Not in any visible block, and no compacted input (that still holds it) left.
                return (code == 1 and "not found" in err and blocks and
                        all(objs == {"data.tcb", "meta.json"} for objs in blocks.values()))
            _poll(ctx, "no block file holds b", purged, timeout=40,
                  detail=lambda: _disk_summary(srv) + "\n" + srv.log_tail())
            ctx.check("no rewrite pending",
                      _metric(srv, "tempodb_delete_pending_block_rewrites") == 0)
            for n in "ae":
                code, out, err = srv.cli("query", "blocks", tids[n], "single-tenant")
                ctx.check(f"{n} still in the blocks", code == 0 and f"del-{n}" in out,
                          out[:300] + err)
            code, out, err = srv.cli("list", "blocks", "single-tenant")
            m = re.search(r"(\d+) blocks, (\d+) traces, (\d+) spans", out)
            ctx.check("the blocks hold exactly a and e", m and m.group(2) == "2" and
                      m.group(3) == "6", out + err)
            check_gone("after the rewrite", rewritten=True)
            ctx.check("no compaction errors",
                      _metric(srv, "tempodb_compaction_errors_total") == 0, srv.log_tail())


@case("trace_delete_multitenancy")
def trace_delete_multitenancy(ctx):
    """With multitenancy a delete needs X-Scope-OrgID of the trace's own tenant."""
    with ctx.server(multitenancy=True, extra_config=_config(FAST_IDLE)) as srv:
        srv.start()
        t0 = time.time_ns() - 30 * 10**9
        x, y = ctx.ids.trace(), ctx.ids.trace()
        px = [otlp.simple_batch(ctx.ids, "del-x", x, 2, start_ns=t0)]
        py = [otlp.simple_batch(ctx.ids, "del-y", y, 2, start_ns=t0)]
        with ctx.step("push"):
            ctx.require("push x as t1", clients.push_plan_http(ctx.pb, srv, px, tenant="t1").status
                        == 200)
            ctx.require("push y as t2", clients.push_plan_http(ctx.pb, srv, py, tenant="t2").status
                        == 200)
        with ctx.step("refused deletes"):
            r = _delete(srv, x)
            ctx.check("no org id: 401", r.status == 401 and r.body == b"no org id\n", r)
            r = _delete(srv, x, tenant="t2", query="?tenant=t1")
            ctx.check("another tenant's data: 403", r.status == 403, r)
            r = _delete(srv, x, tenant="t1|t2")
            ctx.check("several tenants: 400", r.status == 400, r)
            r = _delete(srv, x, tenant="t2")
            ctx.check("t2 does not see t1's trace: 404", r.status == 404, r)
            ctx.expect_trace(srv, "x untouched", otlp.expected_spans(px), trace_ids=[x],
                             forms=[("v2", "json")], tenant="t1")
        with ctx.step("own delete"):
            r = _delete(srv, x, tenant="t1", query="?tenant=t1")
            ctx.check("t1 deletes x: 200", r.status == 200 and
                      json.loads(r.body).get("tenant") == "t1", r)
            ctx.expect_absent(srv, "x deleted", x, tenant="t1")
            ctx.check("t1 search is empty", _search_ids(srv, t0, tenant="t1") == [])
            ctx.expect_trace(srv, "y of t2 untouched", otlp.expected_spans(py), trace_ids=[y],
                             forms=[("v2", "json")], tenant="t2")
            ctx.expect_ready(srv, "multitenancy")
