"""Operational endpoints, /metrics, and multitenancy (brief item 7)."""
import json
import re

import clients
import otlp
from harness import case

BUILDINFO_KEYS = {"version", "revision", "branch", "buildUser", "buildDate", "goVersion"}
SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


@case("ops")
def ops(ctx):
    """/api/echo, /ready, /api/status/buildinfo and /metrics."""
    pb = ctx.pb
    with ctx.server() as srv:
        srv.start()
        with ctx.step("echo and ready"):
            r = clients.get(srv, "/api/echo")
            ctx.check("/api/echo: 200 'echo\\n'", r.status == 200 and r.body == b"echo\n", repr(r))
            ctx.check("/api/echo: text/plain",
                      r.headers.get("content-type", "").startswith("text/plain"), repr(r.headers))
            r = clients.get(srv, "/ready")
            ctx.check("/ready: 200 'ready\\n'", r.status == 200 and r.body == b"ready\n", repr(r))

        with ctx.step("allocator"):
            with open(srv.log_path, "rb") as f:
                started = [l for l in f.read().decode(errors="replace").splitlines()
                           if "tempo started" in l]
            # The server links jemalloc (docs/dependencies.md); its startup line names it.
            ctx.check("startup log names jemalloc as the allocator",
                      len(started) == 1 and "allocator=jemalloc" in started[0], repr(started))

        with ctx.step("buildinfo"):
            r = clients.get(srv, "/api/status/buildinfo")
            ctx.require("buildinfo: 200 application/json", r.status == 200 and
                        r.headers.get("content-type", "").startswith("application/json"), repr(r))
            doc = json.loads(r.body)
            ctx.check("buildinfo: exactly the six keys", set(doc) == BUILDINFO_KEYS, str(sorted(doc)))
            ctx.check("buildinfo: all values are strings",
                      all(isinstance(v, str) for v in doc.values()), str(doc))
            m = SEMVER.match(str(doc.get("version", "")))
            ctx.check("buildinfo: version is semver >= 2.7.0",
                      m is not None and tuple(int(x) for x in m.groups()[:3]) >= (2, 7, 0),
                      repr(doc.get("version")))

        with ctx.step("metrics"):
            before = clients.metrics(srv)
            spans0 = clients.metric_sum(before, "tempo_distributor_spans_received_total",
                                        tenant="single-tenant")
            bytes0 = clients.metric_sum(before, "tempo_distributor_bytes_received_total",
                                        tenant="single-tenant")
            plan = [otlp.simple_batch(ctx.ids, "m", ctx.ids.trace(), 7)]
            ctx.require("metrics: HTTP push", clients.push_plan_http(pb, srv, plan).status == 200)
            plan = [otlp.simple_batch(ctx.ids, "m", ctx.ids.trace(), 5)]
            ctx.require("metrics: gRPC push",
                        clients.grpc_export(srv.otlp_grpc_addr, otlp.to_pb(pb, plan)).ok)
            clients.get(srv, "/api/v2/traces/" + ctx.ids.trace())  # a query for the histogram
            r = clients.get(srv, "/metrics")
            ctx.check("/metrics: text/plain", r.headers.get("content-type", "").startswith("text/plain"),
                      repr(r.headers))
            try:
                after = clients.parse_metrics(r.body.decode())
            except ValueError as e:
                ctx.check("/metrics: valid Prometheus text", False, str(e))
                raise
            names = {n for n, _, _ in after}
            for name in ("tempo_distributor_spans_received_total",
                         "tempo_distributor_bytes_received_total",
                         "tempo_request_duration_seconds_bucket", "tempo_request_duration_seconds_sum",
                         "tempo_request_duration_seconds_count", "process_cpu_seconds_total",
                         "process_resident_memory_bytes", "process_open_fds"):
                ctx.check(f"/metrics has {name}", name in names, "")
            spans1 = clients.metric_sum(after, "tempo_distributor_spans_received_total",
                                        tenant="single-tenant")
            ctx.check("spans_received_total{tenant=single-tenant} grew by the 12 spans pushed",
                      spans1 - spans0 == 12, f"before {spans0}, after {spans1}")
            bytes1 = clients.metric_sum(after, "tempo_distributor_bytes_received_total",
                                        tenant="single-tenant")
            ctx.check("bytes_received_total{tenant=single-tenant} grew", bytes1 > bytes0,
                      f"before {bytes0}, after {bytes1}")
            inf = [l for n, l, _ in after if n == "tempo_request_duration_seconds_bucket"
                   and l.get("le") == "+Inf"]
            ctx.check("request duration histogram has +Inf buckets with route/method/status_code",
                      inf and all({"route", "method", "status_code"} <= set(l) for l in inf),
                      str(inf[:3]))
            rss = clients.metric_sum(after, "process_resident_memory_bytes")
            fds = clients.metric_sum(after, "process_open_fds")
            ctx.check("process metrics are plausible", rss > 1e6 and fds > 3, f"rss {rss}, fds {fds}")


@case("multitenancy", needs_node=True)
def multitenancy(ctx):
    """multitenancy_enabled: org id required on ingest and query, tenants isolated."""
    pb = ctx.pb
    with ctx.server(multitenancy=True) as srv:
        srv.start()
        with ctx.step("missing org id on ingest"):
            plan = [otlp.simple_batch(ctx.ids, "mt", ctx.ids.trace(), 2)]
            r = clients.push_plan_http(pb, srv, plan)
            ctx.check("HTTP push without X-Scope-OrgID: 503", r.status == 503, repr(r))
            try:
                code, msg, _ = clients.decode_rpc_status(pb, r)
                ctx.check("HTTP 503 body: rpc.Status UNAVAILABLE(14) 'no org id'",
                          code == 14 and "no org id" in msg, f"code {code}, message {msg!r}")
            except Exception as e:
                ctx.check("HTTP 503 body: rpc.Status", False, f"{e!r} {r.body[:200]!r}")
            res = clients.grpc_export(srv.otlp_grpc_addr, otlp.to_pb(pb, plan))
            ctx.check("gRPC push without x-scope-orgid: UNAVAILABLE 'no org id'",
                      res.code == "UNAVAILABLE" and "no org id" in res.details, repr(res))

        with ctx.step("missing org id on query"):
            tid = ctx.ids.trace()
            for path in (f"/api/v2/traces/{tid}", f"/api/traces/{tid}"):
                r = clients.get(srv, path)
                ctx.check(f"GET {path.split(tid)[0]}<id> without org id: 401 'no org id\\n'",
                          r.status == 401 and r.body == b"no org id\n", repr(r))
            for path in ("/api/echo", "/ready", "/api/status/buildinfo", "/metrics"):
                ctx.check(f"{path} needs no org id", clients.get(srv, path).status == 200, "")

        with ctx.step("tenants are isolated"):
            shared = ctx.ids.trace()  # the same trace id, different spans per tenant
            plan_a = [otlp.rich_batch(ctx.ids, "svc-a", shared, n_spans=3, tag="tenant-a")]
            plan_b = [otlp.rich_batch(ctx.ids, "svc-b", shared, n_spans=2, js_safe=False, tag="tenant-b")]
            only_a = [otlp.rich_batch(ctx.ids, "svc-a", ctx.ids.trace(), n_spans=2, js_safe=False)]
            clients.run_node(srv, "http-json", plan_a, tenant="tenant-a")
            res = clients.grpc_export(srv.otlp_grpc_addr, otlp.to_pb(pb, plan_b), tenant="tenant-b",
                                      gzip=True)
            ctx.require("tenant-b gRPC push", res.ok, repr(res))
            r = clients.push_plan_http(pb, srv, only_a, tenant="tenant-a", fmt="json")
            ctx.require("tenant-a HTTP push", r.status == 200, repr(r))
            ctx.expect_trace(srv, "tenant-a view", otlp.expected_spans(plan_a + only_a), tenant="tenant-a")
            ctx.expect_trace(srv, "tenant-b view", otlp.expected_spans(plan_b), tenant="tenant-b")
            oid = otlp.plan_trace_ids(only_a)[0]
            ctx.expect_absent(srv, "tenant-b cannot see tenant-a's trace", oid, tenant="tenant-b")
            r = clients.get(srv, f"/api/traces/{oid}", {"X-Scope-OrgID": "tenant-b"})
            ctx.check("v1 other tenant's trace: 404", r.status == 404, repr(r))
            m = clients.metrics(srv)
            got = clients.metric_sum(m, "tempo_distributor_spans_received_total", tenant="tenant-a")
            ctx.check("spans_received_total{tenant=tenant-a} counts tenant-a's spans", got == 5,
                      f"got {got}, want 5")

        with ctx.step("invalid tenant ids (SHOULD)"):
            plan = [otlp.simple_batch(ctx.ids, "mt", ctx.ids.trace(), 1)]
            r = clients.push_plan_http(pb, srv, plan, tenant="bad/tenant")
            ctx.check("push with tenant 'bad/tenant': 400", r.status == 400, repr(r))
            r = clients.get(srv, f"/api/v2/traces/{ctx.ids.trace()}", {"X-Scope-OrgID": "bad/tenant"})
            ctx.check("query with tenant 'bad/tenant': 400 unsupported character",
                      r.status == 400 and b"tenant ID 'bad/tenant' contains unsupported character '/'"
                      in r.body, repr(r))
