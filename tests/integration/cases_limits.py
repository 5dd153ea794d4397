"""Ingestion rate limit and max trace size (brief item 4)."""
import clients
import otlp
from harness import case

RATE_LIMIT_MSG = "RATE_LIMITED"


def _check_429(ctx, pb, name, resp, text=None):
    """An OTLP/HTTP 429: Retry-After: 5 and an rpc.Status body with code 8."""
    ctx.check(f"{name}: HTTP 429", resp.status == 429, repr(resp))
    ctx.check(f"{name}: Retry-After: 5", resp.headers.get("retry-after") == "5", repr(resp.headers))
    try:
        code, msg, delay = clients.decode_rpc_status(pb, resp)
    except Exception as e:
        ctx.check(f"{name}: rpc.Status body", False, f"{e!r}: {resp.body[:200]!r}")
        return
    ctx.check(f"{name}: rpc.Status code 8 (RESOURCE_EXHAUSTED)", code == 8, f"code {code}, message {msg!r}")
    if text is not None:
        ctx.check(f"{name}: message starts with {text}", msg.startswith(text), repr(msg))
    ctx.check(f"{name}: RetryInfo detail of 5s", delay == 5.0, f"retry delay {delay}")


def _discarded(srv, reason):
    return clients.metric_sum(clients.metrics(srv), "tempo_discarded_spans_total",
                              tenant="single-tenant", reason=reason)


@case("rate_limit")
def rate_limit(ctx):
    """rate_limit_bytes/burst_size_bytes of 1000: OTLP/HTTP 429 + Retry-After, gRPC RESOURCE_EXHAUSTED."""
    pb = ctx.pb
    with ctx.server(rate_limit_bytes=1000, burst_size_bytes=1000) as srv:
        srv.start()
        rejected_spans = 0
        with ctx.step("small batch within the burst"):
            plan = [otlp.simple_batch(ctx.ids, "rl", ctx.ids.trace(), 1)]
            r = clients.push_plan_http(pb, srv, plan)
            ctx.check("small batch (< burst) accepted", r.status == 200, repr(r))

        big = lambda: [otlp.simple_batch(ctx.ids, "rl", ctx.ids.trace(), 5, pad=600)]
        with ctx.step("batch larger than the burst, OTLP/HTTP protobuf"):
            plan = big()
            r = clients.push_plan_http(pb, srv, plan, fmt="proto")
            _check_429(ctx, pb, "HTTP protobuf over limit", r, RATE_LIMIT_MSG)
            ctx.check("HTTP protobuf over limit: Content-Type application/x-protobuf",
                      r.headers.get("content-type", "").startswith("application/x-protobuf"),
                      repr(r.headers))
            rejected_spans += 5
            ctx.expect_absent(srv, "HTTP protobuf over limit", otlp.plan_trace_ids(plan)[0])

        with ctx.step("batch larger than the burst, OTLP/HTTP JSON"):
            plan = big()
            r = clients.push_plan_http(pb, srv, plan, fmt="json")
            _check_429(ctx, pb, "HTTP JSON over limit", r, RATE_LIMIT_MSG)
            ctx.check("HTTP JSON over limit: Content-Type application/json",
                      r.headers.get("content-type", "").startswith("application/json"), repr(r.headers))
            rejected_spans += 5
            ctx.expect_absent(srv, "HTTP JSON over limit", otlp.plan_trace_ids(plan)[0])

        with ctx.step("batch larger than the burst, gRPC"):
            plan = big()
            res = clients.grpc_export(srv.otlp_grpc_addr, otlp.to_pb(pb, plan))
            ctx.check("gRPC over limit: RESOURCE_EXHAUSTED", res.code == "RESOURCE_EXHAUSTED", repr(res))
            ctx.check("gRPC over limit: message starts with RATE_LIMITED",
                      res.details.startswith(RATE_LIMIT_MSG), repr(res.details))
            delay = clients.grpc_retry_delay(pb, res)
            ctx.check("gRPC over limit: RetryInfo detail of 5s", delay == 5.0, f"retry delay {delay}")
            rejected_spans += 5
            ctx.expect_absent(srv, "gRPC over limit", otlp.plan_trace_ids(plan)[0])

        with ctx.step("discarded spans metric"):
            got = _discarded(srv, "rate_limited")
            ctx.check("tempo_discarded_spans_total{reason=rate_limited} counts the rejected spans",
                      got == rejected_spans, f"got {got}, want {rejected_spans}")

        with ctx.step("many small batches exhaust the rate"):
            statuses = []
            for _ in range(30):  # 30 x ~250 bytes back to back: far above 1000 bytes/s
                plan = [otlp.simple_batch(ctx.ids, "rl", ctx.ids.trace(), 1, pad=150)]
                statuses.append(clients.push_plan_http(pb, srv, plan).status)
                if statuses[-1] == 429:
                    break
            ctx.check("a burst of small batches hits 429", 429 in statuses, str(statuses))
            ctx.expect_ready(srv, "rate limit")


@case("trace_size_limit")
def trace_size_limit(ctx):
    """max_bytes_per_trace: pushes that would make a trace too large are rejected."""
    pb = ctx.pb
    with ctx.server(max_bytes_per_trace=4000) as srv:
        srv.start()
        tid = ctx.ids.trace()
        first = [otlp.simple_batch(ctx.ids, "big", tid, 2, pad=1000)]  # ~2.1 KB
        with ctx.step("first part fits"):
            r = clients.push_plan_http(pb, srv, first)
            ctx.require("first 2 KB of the trace accepted", r.status == 200, repr(r))

        rejected = 0
        with ctx.step("HTTP push over max_bytes_per_trace"):
            more = [otlp.simple_batch(ctx.ids, "big", tid, 3, pad=1000)]  # +3.2 KB > 4000
            r = clients.push_plan_http(pb, srv, more)
            ctx.check("HTTP push exceeding the trace size: 429", r.status == 429, repr(r))
            rejected += 3

        with ctx.step("gRPC push over max_bytes_per_trace"):
            more = [otlp.simple_batch(ctx.ids, "big", tid, 3, pad=1000)]
            res = clients.grpc_export(srv.otlp_grpc_addr, otlp.to_pb(pb, more))
            ctx.check("gRPC push exceeding the trace size: RESOURCE_EXHAUSTED",
                      res.code == "RESOURCE_EXHAUSTED", repr(res))
            rejected += 3

        with ctx.step("trace keeps only the accepted part"):
            ctx.expect_trace(srv, "size-limited trace", otlp.expected_spans(first),
                             forms=[("v2", "proto"), ("v2", "json")])

        with ctx.step("other traces unaffected"):
            other = [otlp.simple_batch(ctx.ids, "big", ctx.ids.trace(), 2, pad=1000)]
            r = clients.push_plan_http(pb, srv, other)
            ctx.check("another 2 KB trace accepted", r.status == 200, repr(r))
            ctx.expect_trace(srv, "other trace", otlp.expected_spans(other), forms=[("v2", "proto")])

        with ctx.step("discarded spans metric"):
            got = _discarded(srv, "trace_too_large")
            ctx.check("tempo_discarded_spans_total{reason=trace_too_large} counts the rejected spans",
                      got == rejected, f"got {got}, want {rejected}")
