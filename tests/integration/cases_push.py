"""Push with real clients, query back, compare span by span (brief item 1)."""
import base64
import json
import subprocess

import clients
import otlp
from harness import case

JS_EXPORTERS = ["grpc", "grpc-gzip", "http-json", "http-json-gzip", "http-proto", "http-proto-gzip"]


@case("clients_otel_js", needs_node=True)
def clients_otel_js(ctx):
    """Every OTel JS OTLP exporter (grpc, http json, http proto; plain and gzip) round-trips."""
    with ctx.server() as srv:
        srv.start()
        for exporter in JS_EXPORTERS:
            with ctx.step(f"otel-js {exporter}"):
                plan = [otlp.rich_batch(ctx.ids, f"js-{exporter}", ctx.ids.trace(), n_spans=4,
                                        tag=exporter)]
                # The batch processor for one exporter, the simple one (1 request/span) else.
                processor = "batch" if exporter == "http-proto-gzip" else "simple"
                # A tenant header must be ignored when multitenancy is off.
                tenant = "ignored-tenant" if exporter == "http-json" else None
                report = clients.run_node(srv, exporter, plan, tenant=tenant, processor=processor)
                ctx.require(f"otel-js {exporter}: export acknowledged",
                            report["exported"] == otlp.plan_span_count(plan), str(report))
                ctx.expect_trace(srv, f"otel-js {exporter}", otlp.expected_spans(plan))


@case("clients_python_curl")
def clients_python_curl(ctx):
    """python grpcio (plain, gzip) and curl (json, protobuf via protoc --encode, gzip, zstd)."""
    pb = ctx.pb
    with ctx.server() as srv:
        srv.start()
        for gz in (True, False):
            name = "python grpcio" + (" gzip" if gz else "")
            with ctx.step(name):
                plan = [otlp.rich_batch(ctx.ids, "py-grpc", ctx.ids.trace(), js_safe=False, tag=name)]
                res = clients.grpc_export(srv.otlp_grpc_addr, otlp.to_pb(pb, plan), gzip=gz)
                ctx.require(f"{name}: Export OK", res.ok, repr(res))
                ctx.check(f"{name}: response is an empty partial_success (0a 00 or empty)",
                          res.response in (b"\x0a\x00", b""), repr(res.response))
                ctx.expect_trace(srv, name, otlp.expected_spans(plan))

        url = srv.otlp_http_url
        variants = [("curl json", "application/json", None),
                    ("curl json gzip", "application/json", "gzip"),
                    ("curl json zstd", "application/json", "zstd"),
                    ("curl protobuf", "application/x-protobuf", None),
                    ("curl protobuf gzip", "application/x-protobuf", "gzip"),
                    ("curl protobuf zstd", "application/x-protobuf", "zstd")]
        for name, ctype, enc in variants:
            with ctx.step(name):
                plan = [otlp.rich_batch(ctx.ids, "curl-svc", ctx.ids.trace(), js_safe=False, tag=name)]
                if ctype == "application/json":
                    body = otlp.to_otlp_json_bytes(plan)
                else:
                    body = clients.protoc_encode(otlp.to_pb(pb, plan))
                headers = {"Content-Type": ctype}
                if enc == "gzip":
                    body = subprocess.run(["gzip", "-c"], input=body, capture_output=True,
                                                  check=True).stdout
                elif enc == "zstd":
                    body = subprocess.run(["zstd", "-q", "-c"], input=body,
                                                  capture_output=True, check=True).stdout
                if enc:
                    headers["Content-Encoding"] = enc
                resp = clients.curl_post(url, body, headers)
                ctx.require(f"{name}: 200", resp.status == 200, repr(resp))
                if ctype == "application/json":
                    ok = resp.body in (b'{"partialSuccess":{}}', b"{}")
                else:
                    ok = resp.body in (b"\x0a\x00", b"")
                ctx.check(f"{name}: success body is an empty ExportTraceServiceResponse", ok,
                          repr(resp.body))
                ctx.expect_trace(srv, name, otlp.expected_spans(plan))

        with ctx.step("chunked protobuf"):
            plan = [otlp.rich_batch(ctx.ids, "chunked", ctx.ids.trace(), js_safe=False, tag="chunked")]
            resp = clients.otlp_post(srv, otlp.to_pb(pb, plan).SerializeToString(), chunked=True)
            ctx.require("chunked protobuf: 200", resp.status == 200, repr(resp))
            ctx.check("chunked protobuf: Content-Type application/x-protobuf",
                      resp.headers.get("content-type", "").startswith("application/x-protobuf"),
                      repr(resp.headers))
            ctx.expect_trace(srv, "chunked protobuf", otlp.expected_spans(plan))

        with ctx.step("lenient JSON (SHOULD)"):
            # snake_case keys, enum names, numbers for 64-bit ints, upper-case hex ids.
            plan = [otlp.simple_batch(ctx.ids, "lenient", ctx.ids.trace(), 1)]
            s = plan[0]["spans"][0]
            body = {"resource_spans": [{"resource": {"attributes": [
                {"key": "service.name", "value": {"string_value": "lenient"}}]},
                "scope_spans": [{"scope": {"name": "load"}, "spans": [{
                    "trace_id": s["trace_id"].upper(), "span_id": s["span_id"].upper(),
                    "name": s["name"], "kind": "SPAN_KIND_INTERNAL",
                    "start_time_unix_nano": s["start"], "end_time_unix_nano": s["end"],
                    "attributes": [{"key": "i", "value": {"int_value": 0}}]}]}]}]}
            resp = clients.otlp_post(srv, json.dumps(body).encode(), "application/json")
            ctx.require("lenient JSON (SHOULD): 200", resp.status == 200, repr(resp))
            ctx.expect_trace(srv, "lenient JSON (SHOULD)", otlp.expected_spans(plan),
                             forms=[("v2", "proto")])


@case("query_formats", needs_node=True)
def query_formats(ctx):
    """Fragments over several protocols merge, duplicates collapse, JSON/protobuf shapes, id padding."""
    pb = ctx.pb
    with ctx.server() as srv:
        srv.start()
        with ctx.step("fragments over three protocols"):
            tid = ctx.ids.trace()
            whole = otlp.rich_batch(ctx.ids, "frag-a", tid, n_spans=6, tag="frag")
            spans = whole["spans"]
            for s in spans[2:]:  # values only the non-JS senders can express
                s["attributes"] = s["attributes"] + [("nested", otlp.KV(("k", otlp.I(1)))),
                                                     ("raw", otlp.BY(b"\x00\xff"))]
            part_a = dict(whole, spans=spans[0:2])                       # OTel JS over gRPC
            part_b = dict(whole, spans=spans[2:4], resource=[("service.name", otlp.S("frag-b"))])
            part_c = dict(whole, spans=spans[4:6], scope={"name": "other", "version": ""})
            clients.run_node(srv, "grpc", [part_a])
            r = clients.otlp_post(srv, otlp.to_otlp_json_bytes([part_b]), "application/json")
            ctx.require("fragment b (OTLP/HTTP JSON) accepted", r.status == 200, repr(r))
            g = clients.grpc_export(srv.otlp_grpc_addr, otlp.to_pb(pb, [part_c]), gzip=True)
            ctx.require("fragment c (python grpc gzip) accepted", g.ok, repr(g))
            ctx.expect_trace(srv, "fragments merged", otlp.expected_spans([part_a, part_b, part_c]))

        with ctx.step("same span pushed twice"):
            plan = [otlp.rich_batch(ctx.ids, "dup", ctx.ids.trace(), n_spans=3, js_safe=False, tag="dup")]
            for fmt in ("json", "json", "proto"):
                r = clients.push_plan_http(pb, srv, plan, fmt=fmt)
                ctx.require(f"duplicate push ({fmt}) accepted", r.status == 200, repr(r))
            ctx.expect_trace(srv, "duplicates returned once", otlp.expected_spans(plan))

        with ctx.step("response shapes"):
            plan = [otlp.rich_batch(ctx.ids, "shape", ctx.ids.trace(), n_spans=2, js_safe=False)]
            tid = plan[0]["spans"][0]["trace_id"]
            ctx.require("shape push", clients.push_plan_http(pb, srv, plan).status == 200)
            ctx.fetch_trace(srv, tid, want_spans=2)
            v2 = json.loads(clients.get(srv, f"/api/v2/traces/{tid}").body)
            ctx.check("v2 JSON has trace.resourceSpans and metrics",
                      "resourceSpans" in v2.get("trace", {}) and "metrics" in v2, str(v2)[:300])
            ctx.check("v2 JSON has no status/message for a complete trace",
                      "status" not in v2 and "message" not in v2, str(v2)[:300])
            v1 = json.loads(clients.get(srv, f"/api/traces/{tid}").body)
            ctx.check("v1 JSON top-level key is batches", list(v1.keys()) == ["batches"],
                      str(list(v1.keys())))
            first = v2.get("trace", {}).get("resourceSpans", [{}])[0]["scopeSpans"][0]["spans"][0]
            ctx.check("JSON ids are base64", first.get("traceId") ==
                      base64.b64encode(bytes.fromhex(tid)).decode(), repr(first.get("traceId")))
            r = clients.get(srv, f"/api/v2/traces/{tid}",
                            {"Accept": "application/json, application/protobuf"})
            ctx.check("Accept containing application/protobuf gives protobuf",
                      r.headers.get("content-type", "").startswith("application/protobuf"),
                      repr(r.headers))

        with ctx.step("short ids are left-padded"):
            tid = "000000000000000000000000000abcde"
            plan = [otlp.simple_batch(ctx.ids, "short-id", tid, 2)]
            ctx.require("short-id push", clients.push_plan_http(pb, srv, plan).status == 200)
            want = otlp.expected_spans(plan)
            for q in ("abcde", "0abcde", "ABCDE", "00abcde", tid):
                for version in ("v2", "v1"):
                    resp, spans, problems = ctx.fetch_trace(srv, q, version, "json", want_spans=2)
                    diffs = otlp.compare_spans(want, spans or []) if resp.status == 200 else ["status %d" % resp.status]
                    ctx.check(f"GET {version} /{q} returns the padded trace", not diffs,
                              "\n".join(diffs + problems))
