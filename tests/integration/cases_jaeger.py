"""Jaeger receivers driven by real clients: node and ruby jaeger-client (thrift over UDP and
HTTP) and our own @grpc/grpc-js sender (jaeger.api_v2 PostSpans).

Every sender reports exactly what it put on the wire (the client library's own encoded spans),
the expected OTLP spans are derived from that by the §7.5 oracle (receivers_oracle.py), and the
trace is read back by id in every query form and compared field by field. A few facts are also
checked literally, so that a rule both the oracle and the server got wrong in the same way still
shows up.
"""
import os
import shutil
import socket

from harness import case
from otlp import B, D, I, S
from receivers_common import (SENDERS, check_sent, grpc_plan, grpc_raw, grpc_send, literal,
                              node_ready, receiver_server, run)
from receivers_oracle import expected_jaeger


@case("jaeger_node", needs_node=True)
def jaeger_node(ctx):
    """Node jaeger-client 3.19: thrift binary over UDP and thrift over HTTP round-trip."""
    with receiver_server(ctx) as srv:
        srv.start()
        node_ready(ctx, "jaeger-client")
        for mode in ("udp", "http"):
            with ctx.step(f"jaeger-client {mode}"):
                if mode == "udp":
                    cmd = ["node", os.path.join(SENDERS, "jaeger_node_send.js"), "--mode", "udp",
                           "--host", "127.0.0.1", "--port", str(srv.jaeger_binary_port),
                           "--tag", "udp"]
                else:  # 128-bit ids over HTTP
                    cmd = ["node", os.path.join(SENDERS, "jaeger_node_send.js"), "--mode", "http",
                           "--url", srv.jaeger_http_url, "--tag", "http", "--trace128", "1"]
                sent = run(cmd)
                ctx.require(f"jaeger-client {mode}: 3 spans sent", len(sent["spans"]) == 3, str(sent)[:500])
                expected = expected_jaeger(sent)
                name = f"jaeger-client {mode}"
                literal(ctx, name, expected, f"{mode} root-op", "kind", 2)
                literal(ctx, name, expected, f"{mode} root-op", "status", (2, ""))
                literal(ctx, name, expected, f"{mode} child-op", "kind", 3)
                root = [s for s in expected if s["name"] == f"{mode} root-op"][0]
                res = dict(root["resource"])
                ctx.check(f"{name}: resource has host.name and the exporter version",
                          res.get("host.name") == S(socket.gethostname()) and
                          res.get("opencensus.exporterversion") == S("Jaeger-Node-3.19.0") and
                          "hostname" not in res and "jaeger.version" not in res, str(res))
                ctx.check(f"{name}: http.status_code stays a double attribute",
                          ("http.status_code", D(503)) in root["attributes"], str(root["attributes"]))
                ctx.check(f"{name}: the retry log is an event",
                          root["events"] and root["events"][0][1] == "retry", str(root["events"]))
                if mode == "udp":
                    ctx.check(f"{name}: 64-bit trace id is left-padded",
                              root["trace_id"].startswith("0" * 16), root["trace_id"])
                check_sent(ctx, srv, name, expected)


@case("jaeger_ruby")
def jaeger_ruby(ctx):
    """Debian ruby-jaeger-client 1.3: thrift compact over UDP round-trips."""
    with receiver_server(ctx) as srv:
        srv.start()
        with ctx.step("ruby jaeger-client udp compact"):
            ctx.require("ruby and ruby-jaeger-client installed (tests/integration/setup.sh)",
                        shutil.which("ruby") is not None)
            sent = run(["ruby", os.path.join(SENDERS, "jaeger_ruby_send.rb"), "127.0.0.1",
                        str(srv.jaeger_compact_port), "rb"])
            expected = expected_jaeger(sent)
            name = "ruby jaeger-client"
            literal(ctx, name, expected, "rb rb-root", "status", (2, ""))
            literal(ctx, name, expected, "rb rb-root", "kind", 2)
            literal(ctx, name, expected, "rb rb-child", "kind", 3)
            # 404 on a CLIENT span is an error (http.status_code is a LONG from Ruby).
            literal(ctx, name, expected, "rb rb-child", "status", (2, ""))
            root = [s for s in expected if s["name"] == "rb rb-root"][0]
            ctx.check(f"{name}: typed tags (LONG, DOUBLE, BOOL)",
                      ("answer", I(42)) in root["attributes"] and ("pi", D(3.14)) in root["attributes"]
                      and ("flag", B(True)) in root["attributes"], str(root["attributes"]))
            ctx.check(f"{name}: the exporter version comes from jaeger.version",
                      dict(root["resource"]).get("opencensus.exporterversion") == S("Jaeger-Ruby-1.3.0"),
                      str(root["resource"]))
            check_sent(ctx, srv, name, expected)

@case("jaeger_grpc", needs_node=True)
def jaeger_grpc(ctx):
    """Own @grpc/grpc-js sender: jaeger.api_v2 PostSpans (plain and gzip), and INTERNAL for bad input."""
    with receiver_server(ctx) as srv:
        srv.start()
        node_ready(ctx, "@grpc/grpc-js", "@grpc/proto-loader")
        for gz in (False, True):
            name = "jaeger gRPC" + (" gzip" if gz else "")
            with ctx.step(name):
                plan = grpc_plan(ctx, "gz" if gz else "plain")
                res = grpc_send(srv, plan, gzip=gz)
                ctx.require(f"{name}: PostSpans OK", res.get("ok"), str(res))
                expected = expected_jaeger(plan["batch"], "proto")
                label = "gz" if gz else "plain"
                literal(ctx, name, expected, f"{label} root", "trace_state", "vendor=abc")
                literal(ctx, name, expected, f"{label} root", "status", (2, "boom"))
                literal(ctx, name, expected, f"{label} child", "scope", ("my.lib", "1.0"))
                literal(ctx, name, expected, f"{label} child", "status", (2, ""))
                literal(ctx, name, expected, f"{label} other-process", "service", f"jgrpc-other-{label}")
                literal(ctx, name, expected, f"{label} other-process", "status", (1, ""))
                check_sent(ctx, srv, name, expected)
        with ctx.step("jaeger gRPC bad input"):
            code, details = grpc_raw(srv, b"\x0a\x05\x0a\x03\xff")
            ctx.check("undecodable PostSpans: INTERNAL", code == "INTERNAL", f"{code} {details}")
            bad = grpc_plan(ctx, "bad")
            bad["batch"]["spans"][0]["spanId"] = "abcd"  # 2 bytes
            res = grpc_send(srv, bad)
            ctx.check("span id of 2 bytes: INTERNAL (13)", res.get("code") == 13, str(res))
            zero = grpc_plan(ctx, "zero")
            zero["batch"]["spans"][0]["spanId"] = "0000000000000000"
            res = grpc_send(srv, zero)
            ctx.check("all-zero span id: INVALID_ARGUMENT (3)", res.get("code") == 3, str(res))
            ctx.expect_absent(srv, "all-zero span id", zero["batch"]["spans"][0]["traceId"])
            ctx.expect_ready(srv, "jaeger gRPC bad input")
