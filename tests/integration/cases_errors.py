"""Not-found traces, bad trace ids on queries, and bad input on ingest (brief items 2, 3)."""
import gzip
import json

import clients
import otlp
from harness import case

HEX_ERR = "trace IDs can only contain hex characters"
MEDIA_415 = b"415 unsupported media type, supported: [application/json, application/x-protobuf]"


@case("query_errors")
def query_errors(ctx):
    """Unknown trace ids, malformed trace ids and bad query parameters."""
    with ctx.server() as srv:
        srv.start()
        tid = ctx.ids.trace()
        with ctx.step("not found"):
            r = clients.get(srv, f"/api/v2/traces/{tid}")
            doc = json.loads(r.body) if r.status == 200 else {}
            ctx.check("v2 JSON unknown id: 200 with an empty, present trace",
                      r.status == 200 and doc.get("trace") == {}, repr(r))
            r = clients.get(srv, f"/api/v2/traces/{tid}", {"Accept": "application/protobuf"})
            ctx.check("v2 protobuf unknown id: 200, body starts 0a 00",
                      r.status == 200 and r.body[:2] == b"\x0a\x00", repr(r))
            for accept in (None, "application/protobuf"):
                r = clients.get(srv, f"/api/traces/{tid}", {"Accept": accept} if accept else {})
                ctx.check(f"v1 unknown id ({accept or 'json'}): 404", r.status == 404, repr(r))

        with ctx.step("malformed ids"):
            for version in ("v2", "v1"):
                path = "/api/v2/traces/" if version == "v2" else "/api/traces/"
                r = clients.get(srv, path + "xyz")
                ctx.check(f"{version} id xyz: 400 '{HEX_ERR}'",
                          r.status == 400 and HEX_ERR.encode() in r.body, repr(r))
                ctx.check(f"{version} id xyz: exact message",
                          r.body.rstrip(b"\n") == (HEX_ERR + ": invalid character 'x' at position 1").encode(),
                          repr(r.body))
                r = clients.get(srv, path + "12g4")
                ctx.check(f"{version} id 12g4: position of the bad character",
                          r.status == 400 and b"invalid character 'g' at position 3" in r.body, repr(r))
                r = clients.get(srv, path + "1" * 33)
                ctx.check(f"{version} 33-digit id: 400 larger than 128 bits",
                          r.status == 400 and b"trace IDs can't be larger than 128 bits" in r.body, repr(r))

        with ctx.step("bad parameters (SHOULD)"):
            r = clients.get(srv, f"/api/v2/traces/{tid}?start=x")
            ctx.check("start=x: 400 invalid start", r.status == 400 and b"invalid start" in r.body, repr(r))
            r = clients.get(srv, f"/api/v2/traces/{tid}?start=20&end=10")
            ctx.check("end before start: 400", r.status == 400 and
                      b"http parameter start must be before end" in r.body, repr(r))
            r = clients.get(srv, f"/api/v2/traces/{tid}?mode=bogus")
            ctx.check("mode=bogus: 400", r.status == 400 and
                      b"invalid value for mode bogus" in r.body, repr(r))
            r = clients.get(srv, f"/api/v2/traces/{tid}?span_pruning=true&whatever=1")
            ctx.check("unknown parameters are ignored", r.status == 200, repr(r))


def _rejected(ctx, srv, name, resp, want_status, trace_id, before, body_check=None):
    """Common checks for one rejected OTLP/HTTP request."""
    ctx.check(f"{name}: HTTP {want_status}", resp.status == want_status, repr(resp))
    if body_check is not None:
        ok, detail = body_check(resp)
        ctx.check(f"{name}: body", ok, detail)
    ctx.expect_ready(srv, name)
    if trace_id:
        ctx.expect_absent(srv, name, trace_id)
    if before is not None:  # only for requests that fail before reaching the distributor
        after = clients.spans_received(srv)
        ctx.check(f"{name}: tempo_distributor_spans_received_total unchanged", after == before,
                  f"before {before}, after {after}")


def _status_body(pb, want_code, text=None):
    """Checks an rpc.Status error body: gRPC code and (optionally) a message substring."""
    def check(resp):
        try:
            code, msg, _ = clients.decode_rpc_status(pb, resp)
        except Exception as e:
            return False, f"body is not a google.rpc.Status: {e!r} {resp.body[:200]!r}"
        ok = code == want_code and (text is None or text in msg)
        return ok, f"code {code} (want {want_code}), message {msg!r}" + (f" (want {text!r})" if text else "")
    return check


@case("bad_input_http")
def bad_input_http(ctx):
    """Malformed OTLP/HTTP requests are rejected with the right status and store nothing."""
    pb = ctx.pb
    with ctx.server() as srv:
        srv.start()
        before = clients.spans_received(srv)

        def fresh(n=2):
            plan = [otlp.simple_batch(ctx.ids, "bad", ctx.ids.trace(), n)]
            return plan, plan[0]["spans"][0]["trace_id"]

        with ctx.step("truncated protobuf"):
            plan, tid = fresh()
            raw = otlp.to_pb(pb, plan).SerializeToString()
            r = clients.otlp_post(srv, raw[: len(raw) // 2])
            _rejected(ctx, srv, "truncated protobuf", r, 400, tid, before, _status_body(pb, 3))

        with ctx.step("JSON garbage"):
            r = clients.otlp_post(srv, b'{"resourceSpans": [ {"resource": ', "application/json")
            _rejected(ctx, srv, "JSON garbage", r, 400, None, before, _status_body(pb, 3))

        with ctx.step("wrong content type"):
            plan, tid = fresh()
            r = clients.otlp_post(srv, otlp.to_otlp_json_bytes(plan), "text/plain")
            _rejected(ctx, srv, "Content-Type text/plain", r, 415, tid, before,
                      lambda r: (r.body.rstrip(b"\n") == MEDIA_415, repr(r.body)))
            r = clients.otlp_post(srv, otlp.to_otlp_json_bytes(plan), None)
            _rejected(ctx, srv, "no Content-Type", r, 415, tid, before)

        with ctx.step("GET /v1/traces"):
            r = clients.http_request(srv.otlp_http_port, "GET", "/v1/traces")
            _rejected(ctx, srv, "GET /v1/traces", r, 405, None, before,
                      lambda r: (b"405 method not allowed" in r.body, repr(r.body)))

        with ctx.step("oversized body"):
            # A valid request whose single attribute makes the body exceed 20 MiB.
            plan = [otlp.simple_batch(ctx.ids, "big", ctx.ids.trace(), 1, pad=21 * 1024 * 1024)]
            tid = plan[0]["spans"][0]["trace_id"]
            r = clients.curl_post(srv.otlp_http_url, otlp.to_pb(pb, plan).SerializeToString(),
                                  {"Content-Type": "application/x-protobuf"})
            _rejected(ctx, srv, "body > 20 MiB", r, 400, tid, before)

        with ctx.step("bad ids"):
            for name, mutate in [
                ("span id of 4 bytes", lambda s: s.update(span_id="01020304")),
                ("all-zero trace id", lambda s: s.update(trace_id="0" * 32)),
                ("all-zero span id", lambda s: s.update(span_id="0" * 16)),
                ("trace id of 8 bytes", lambda s: s.update(trace_id="0102030405060708")),
            ]:
                for fmt in ("json", "proto"):
                    # span 0 is made invalid; span 1 is valid and must not be stored either.
                    plan, _ = fresh(2)
                    good_tid = ctx.ids.trace()
                    plan[0]["spans"][1]["trace_id"] = good_tid
                    mutate(plan[0]["spans"][0])
                    r = clients.push_plan_http(pb, srv, plan, fmt=fmt)
                    # Id checks may happen after the distributor counted the spans (Tempo
                    # does), so only "nothing stored" is asserted here.
                    _rejected(ctx, srv, f"{name} ({fmt})", r, 400, good_tid, None)

        with ctx.step("bad compressed bodies"):
            before = clients.spans_received(srv)  # the id checks above may have counted spans
            plan, tid = fresh()
            body = otlp.to_pb(pb, plan).SerializeToString()
            r = clients.otlp_post(srv, b"\x1f\x8b\x08\x00garbage-not-deflate",
                                  extra_headers={"Content-Encoding": "gzip"})
            _rejected(ctx, srv, "bad gzip", r, 400, None, before)
            r = clients.otlp_post(srv, gzip.compress(body)[:-8],
                                  extra_headers={"Content-Encoding": "gzip"})
            _rejected(ctx, srv, "truncated gzip", r, 400, tid, before)
            r = clients.otlp_post(srv, body, "application/json",
                                  extra_headers={"Content-Encoding": "bogus-enc"})
            _rejected(ctx, srv, "unsupported Content-Encoding", r, 400, tid, before,
                      _status_body(pb, 3, "unsupported Content-Encoding"))

        with ctx.step("empty requests succeed"):
            r = clients.otlp_post(srv, b"")
            ctx.check("0-byte protobuf body: 200", r.status == 200, repr(r))
            r = clients.otlp_post(srv, b"{}", "application/json")
            ctx.check("{} JSON body: 200", r.status == 200, repr(r))


@case("bad_input_grpc")
def bad_input_grpc(ctx):
    """Malformed OTLP/gRPC requests fail with the right status code and store nothing."""
    pb = ctx.pb
    with ctx.server() as srv:
        srv.start()
        cases = [
            ("trace id of 5 bytes", lambda s: s.update(trace_id="0102030405"),
             ("INTERNAL", "INVALID_ARGUMENT")),
            ("all-zero span id", lambda s: s.update(span_id="0" * 16), ("INVALID_ARGUMENT",)),
            ("span id of 4 bytes", lambda s: s.update(span_id="01020304"),
             ("INTERNAL", "INVALID_ARGUMENT")),
            ("all-zero trace id", lambda s: s.update(trace_id="0" * 32), ("INVALID_ARGUMENT",)),
        ]
        for name, mutate, codes in cases:
            with ctx.step(name):
                plan = [otlp.simple_batch(ctx.ids, "bad", ctx.ids.trace(), 2)]
                good_tid = ctx.ids.trace()
                plan[0]["spans"][1]["trace_id"] = good_tid
                mutate(plan[0]["spans"][0])
                res = clients.grpc_export(srv.otlp_grpc_addr, otlp.to_pb(pb, plan))
                ctx.check(f"gRPC {name}: {' or '.join(codes)}", res.code in codes, repr(res))
                ctx.expect_ready(srv, f"gRPC {name}")
                ctx.expect_absent(srv, f"gRPC {name}", good_tid)

        with ctx.step("undecodable message"):
            res = clients.grpc_export(srv.otlp_grpc_addr, b"\x0a\xff\xff\xff\x0f\x01")
            ctx.check("gRPC garbage message: INTERNAL", res.code == "INTERNAL", repr(res))
            ctx.expect_ready(srv, "gRPC garbage")

        with ctx.step("empty request"):
            res = clients.grpc_export(srv.otlp_grpc_addr, pb.ExportTraceServiceRequest())
            ctx.check("gRPC empty request: OK", res.ok, repr(res))
