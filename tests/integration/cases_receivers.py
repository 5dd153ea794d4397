"""Jaeger and Zipkin receivers together: bad input on every receiver (UDP garbage, 400s with
the texts the Go receivers answer), SIGTERM with all of them enabled, and multitenancy (UDP
batches have no tenant; HTTP and gRPC take the org id).
"""
import json
import os
import sys
import time

import clients
import otlp
from harness import case
from receivers_common import (SENDERS, grpc_plan, grpc_raw, grpc_send, http_post, receiver_server,
                              send_udp, wait_metric)
from receivers_oracle import expected_jaeger, expected_zipkin_v2

sys.path.insert(0, SENDERS)
from jaeger_thrift_payloads import jaeger_agent_datagram, jaeger_http_body  # noqa: E402


@case("receivers_bad_input")
def receivers_bad_input(ctx):
    """UDP garbage is dropped and counted; Jaeger HTTP and Zipkin answer 400 with their texts."""
    with receiver_server(ctx) as srv:
        srv.start()
        with ctx.step("udp garbage"):
            for port in (srv.jaeger_compact_port, srv.jaeger_binary_port):
                for _ in range(20):
                    send_udp(port, os.urandom(64))
            send_udp(srv.jaeger_binary_port, b"\x80\x01\x00\x04\x00\x00\x00\x0femitZipkinBatch\x00\x00\x00\x00\x00")
            got = wait_metric(srv, "malformed_udp_packet", "single-tenant", 40)
            ctx.check("40 garbage datagrams: tempo_discarded_spans_total{reason=malformed_udp_packet} = 40",
                      got == 40, f"got {got}")
            got = wait_metric(srv, "unsupported_udp_method", "single-tenant", 1)
            ctx.check("emitZipkinBatch is dropped and counted", got == 1, f"got {got}")
            with open(srv.log_path, "rb") as f:
                warnings = f.read().count(b"dropped a packet")
            ctx.check("drops are logged at a bounded rate (at most a few lines)", 1 <= warnings <= 4,
                      f"{warnings} log lines")
            ctx.expect_ready(srv, "udp garbage")

        with ctx.step("jaeger thrift_http 400s"):
            url_path = "/api/traces"
            r = http_post(srv.jaeger_http_port, url_path, b"xx", {"Content-Type": "text/plain"})
            ctx.check("wrong content type: 400 'Unsupported content type: text/plain'",
                      r.status == 400 and r.body == b"Unsupported content type: text/plain\n", repr(r))
            r = http_post(srv.jaeger_http_port, url_path, b"\x0c\x00\x01", {"Content-Type": "application/x-thrift"})
            ctx.check("truncated batch: 400 'Unable to process request body: ...'",
                      r.status == 400 and r.body.startswith(b"Unable to process request body: "), repr(r))
            r = http_post(srv.jaeger_http_port, url_path, b"x", {"Content-Type": "application/x-thrift",
                                                                  "Content-Encoding": "br"})
            ctx.check("unknown Content-Encoding: 400", r.status == 400 and
                      b"unsupported Content-Encoding: br" in r.body, repr(r))
            r = clients.http_request(srv.jaeger_http_port, "GET", url_path)
            ctx.check("GET /api/traces: 405", r.status == 405, repr(r))
            r = http_post(srv.jaeger_http_port, "/other", b"", {"Content-Type": "application/x-thrift"})
            ctx.check("other path: 404", r.status == 404, repr(r))

        with ctx.step("zipkin 400s"):
            for path, body, ctype in (("/api/v2/spans", b"[{", "application/json"),
                                      ("/api/v2/spans", b'[{"traceId":"1"}]', "application/json"),
                                      ("/api/v2/spans", b"\x0a\x05\x0a", "application/x-protobuf"),
                                      ("/api/v1/spans", b'[{"traceId":"12"}]', "application/json"),
                                      ("/api/v1/spans", b"\x0c\x00\x00\x00\x05", "application/x-thrift")):
                r = http_post(srv.zipkin_port, path, body, {"Content-Type": ctype})
                ctx.check(f"zipkin {path} {ctype} {body[:12]!r}: 400 text/plain",
                          r.status == 400 and r.headers.get("content-type", "").startswith("text/plain")
                          and r.body, repr(r))
            ctx.expect_ready(srv, "zipkin 400s")

        with ctx.step("SIGTERM with every receiver enabled"):
            send_udp(srv.jaeger_compact_port, jaeger_agent_datagram(compact=True, spans=2))
            t0 = time.monotonic()
            code = srv.terminate(timeout=10)
            took = time.monotonic() - t0
            ctx.check("exit code 0 within 5 s", code == 0 and took < 5, f"code {code}, {took:.1f}s")


@case("receivers_multitenancy")
def receivers_multitenancy(ctx):
    """Multitenancy: UDP batches dropped and counted; HTTP/gRPC receivers take the org id."""
    with receiver_server(ctx, multitenancy=True) as srv:
        srv.start()
        with ctx.step("udp without tenant"):
            send_udp(srv.jaeger_compact_port, jaeger_agent_datagram(compact=True, spans=2))
            send_udp(srv.jaeger_binary_port, jaeger_agent_datagram(compact=False, spans=3))
            got = wait_metric(srv, "no_tenant", "unknown", 5)
            ctx.check("UDP spans counted as discarded (tenant unknown, reason no_tenant)", got == 5,
                      f"got {got}")

        with ctx.step("zipkin tenants"):
            tid, sid = ctx.ids.trace(), ctx.ids.span()
            body = json.dumps([{"traceId": tid, "id": sid, "name": "mt", "timestamp": otlp.BASE_NS // 1000,
                                "duration": 5, "localEndpoint": {"serviceName": "mt-svc"}}]).encode()
            r = http_post(srv.zipkin_port, "/api/v2/spans", body, {"Content-Type": "application/json"})
            ctx.check("zipkin without org id: 500 \"Internal Server Error\"",
                      r.status == 500 and r.body == b'"Internal Server Error"', repr(r))
            r = http_post(srv.zipkin_port, "/api/v2/spans", body,
                          {"Content-Type": "application/json", "X-Scope-OrgID": "tenant-z"})
            ctx.require("zipkin with org id: 202", r.status == 202, repr(r))
            expected = expected_zipkin_v2(json.loads(body))
            ctx.expect_trace(srv, "zipkin tenant-z", expected, tenant="tenant-z",
                             forms=[("v2", "json"), ("v2", "proto")])
            r = clients.get(srv, f"/api/v2/traces/{tid}", {"X-Scope-OrgID": "other"})
            ctx.check("another tenant does not see it", r.status == 200 and b"mt-svc" not in r.body,
                      repr(r))

        with ctx.step("jaeger http and grpc tenants"):
            r = http_post(srv.jaeger_http_port, "/api/traces", jaeger_http_body(),
                          {"Content-Type": "application/x-thrift"})
            ctx.check("jaeger http without org id: 500 'Cannot submit Jaeger batch: no org id'",
                      r.status == 500 and r.body == b"Cannot submit Jaeger batch: no org id\n", repr(r))
            r = http_post(srv.jaeger_http_port, "/api/traces", jaeger_http_body(),
                          {"Content-Type": "application/x-thrift", "X-Scope-Orgid": "tenant-j"})
            ctx.check("jaeger http with org id: 202", r.status == 202, repr(r))
            plan = grpc_plan(ctx, "mt")
            code, details = grpc_raw(srv, b"")
            ctx.check("empty PostSpans without org id: OK (nothing to store)", code == "OK",
                      f"{code} {details}")
            if clients.node_available() and os.path.isdir(os.path.join(clients.NODE_MODULES, "@grpc", "proto-loader")):
                res = grpc_send(srv, plan)
                ctx.check("jaeger gRPC without org id: UNKNOWN (2) 'no org id'",
                          res.get("code") == 2 and res.get("details") == "no org id", str(res))
                res = grpc_send(srv, plan, tenant="tenant-g")
                ctx.require("jaeger gRPC with org id: OK", res.get("ok"), str(res))
                ctx.expect_trace(srv, "jaeger gRPC tenant-g", expected_jaeger(plan["batch"], "proto"),
                                 tenant="tenant-g", forms=[("v2", "json"), ("v2", "proto")])
            else:
                ctx.fail("jaeger gRPC tenants", "node_modules missing: run tests/integration/setup.sh")
