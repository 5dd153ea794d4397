"""Zipkin receiver driven by real clients: the OpenTelemetry JS Zipkin exporter, zipkin-js
(v2 and v1 JSON), py_zipkin (v2 JSON, v1 JSON, v1 thrift) and proto3 from python3-protobuf.

As in cases_jaeger.py, the expected OTLP spans are derived from what each client put on the wire
by the §6.3/§6.4 oracles (receivers_oracle.py), read back in every query form, and a few facts
are checked literally.
"""
import json
import os
import socket
import subprocess
import tempfile

import otlp
from harness import case
from otlp import B, I, S
from receivers_common import (MASK64, SENDERS, check_sent, http_post, literal, node_ready,
                              receiver_server, run)
from receivers_oracle import expected_zipkin_v1, expected_zipkin_v2


@case("zipkin_otel_js", needs_node=True)
def zipkin_otel_js(ctx):
    """@opentelemetry/exporter-zipkin 2.12.1 (Zipkin v2 JSON) round-trips."""
    with receiver_server(ctx) as srv:
        srv.start()
        node_ready(ctx, "@opentelemetry/exporter-zipkin")
        with ctx.step("otel zipkin exporter"):
            sent = run(["node", os.path.join(SENDERS, "zipkin_otel_send.js"), "--url",
                        f"{srv.zipkin_url}/api/v2/spans", "--label", "oz"])["spans"]
            ctx.require("otel zipkin: 4 spans sent", len(sent) == 4, str(sent)[:500])
            expected = expected_zipkin_v2(sent)
            name = "otel zipkin exporter"
            root = [s for s in expected if s["name"] == "GET /hello oz"][0]
            ctx.check(f"{name}: root is SERVER with ERROR and the error message kept as attribute",
                      root["kind"] == 2 and root["status"] == (2, "") and
                      ("error", S("boom")) in root["attributes"], str(root))
            ctx.check(f"{name}: resource attributes moved back to the resource",
                      dict(root["resource"]).get("deployment.environment") == S("it") and
                      not any(k == "deployment.environment" for k, _ in root["attributes"]),
                      str(root["resource"]))
            # The exporter spells OK as "OK", which is not one of the recognised spellings.
            literal(ctx, name, expected, "compute", "status", (0, ""))
            literal(ctx, name, expected, "compute", "kind", 0)
            literal(ctx, name, expected, "publish", "kind", 4)
            check_sent(ctx, srv, name, expected)


@case("zipkin_js", needs_node=True)
def zipkin_js(ctx):
    """zipkin-js 0.22 + zipkin-transport-http: v2 JSON and v1 JSON round-trip."""
    with receiver_server(ctx) as srv:
        srv.start()
        node_ready(ctx, "zipkin", "zipkin-transport-http")
        for version in ("v2", "v1"):
            name = f"zipkin-js {version}"
            with ctx.step(name):
                sent = run(["node", os.path.join(SENDERS, "zipkin_js_send.js"), "--version", version,
                            "--url", srv.zipkin_url, "--label", version])["spans"]
                ctx.require(f"{name}: 2 spans sent", len(sent) == 2, str(sent)[:500])
                if version == "v2":
                    expected = expected_zipkin_v2(sent)
                    server = [s for s in expected if s["kind"] == 2][0]
                    ctx.check(f"{name}: remote endpoint → peer attributes",
                              ("service.peer.name", S("peer-db")) in server["attributes"] and
                              ("network.peer.address", S("10.0.0.9")) in server["attributes"] and
                              ("net.peer.port", I(5432)) in server["attributes"], str(server["attributes"]))
                else:
                    expected = expected_zipkin_v1(sent)
                    server = [s for s in expected if s["kind"] == 2][0]
                    # zipkin-js writes the remote address as {"key":"ca","value":true}: accepted.
                    ctx.check(f"{name}: boolean address annotation accepted",
                              ("ca", B(True)) in server["attributes"], str(server["attributes"]))
                ctx.check(f"{name}: custom-event annotation is an event",
                          any(e[1] == "custom-event" for e in server["events"]), str(server["events"]))
                check_sent(ctx, srv, name, expected)


def thrift_v1_to_dicts(payload):
    """Decodes a py_zipkin V1_THRIFT payload (thriftpy) into v1 JSON-shaped dicts with typed
    binary annotation values."""
    from thriftpy.protocol.binary import TBinaryProtocol, read_list_begin
    from thriftpy.transport import TMemoryBuffer
    from py_zipkin.thrift import zipkin_core
    import struct
    buf = TMemoryBuffer(payload)
    _, n = read_list_begin(buf)
    proto = TBinaryProtocol(buf)

    def endpoint(e):
        if e is None:
            return None
        out = {"serviceName": e.service_name or ""}
        if e.ipv4:
            out["ipv4"] = socket.inet_ntoa(struct.pack(">i", e.ipv4))
        if e.port:
            out["port"] = e.port & 0xffff
        return out

    def typed(value, t):
        raw = value.encode("latin-1") if isinstance(value, str) else value
        return {0: lambda: raw[:1] == b"\x01", 2: lambda: struct.unpack(">h", raw)[0],
                3: lambda: struct.unpack(">i", raw)[0], 4: lambda: struct.unpack(">q", raw)[0],
                5: lambda: struct.unpack(">d", raw)[0], 1: lambda: raw}.get(t, lambda: value)()

    spans = []
    for _ in range(n):
        s = zipkin_core.Span()
        proto.read_struct(s)
        spans.append({
            "traceId": "%016x%016x" % ((s.trace_id_high or 0) & MASK64, s.trace_id & MASK64),
            "id": "%016x" % (s.id & MASK64),
            "parentId": "%016x" % (s.parent_id & MASK64) if s.parent_id else "",
            "name": s.name, "timestamp": s.timestamp, "duration": s.duration,
            "annotations": [{"timestamp": a.timestamp, "value": a.value, "endpoint": endpoint(a.host)}
                            for a in s.annotations or []],
            "binaryAnnotations": [{"key": b.key, "value": typed(b.value, b.annotation_type),
                                   "endpoint": endpoint(b.host)} for b in s.binary_annotations or []]})
    return spans


def py_zipkin_payloads(encoding_name, label):
    """Builds a root SERVER span with a CLIENT child using py_zipkin; returns the payloads."""
    from py_zipkin.zipkin import zipkin_span
    from py_zipkin.transport import BaseTransportHandler
    from py_zipkin.encoding._types import Encoding, Kind
    payloads = []

    class Capture(BaseTransportHandler):
        def get_max_payload_bytes(self):
            return None

        def send(self, payload):
            payloads.append(payload if isinstance(payload, bytes) else payload.encode())

    with zipkin_span(service_name=f"py-svc-{label}", span_name=f"py-root-{label}",
                     transport_handler=Capture(), sample_rate=100.0, encoding=Encoding[encoding_name],
                     binary_annotations={"k": "v", "http.status_code": "503"}, host="127.0.0.1",
                     port=8080, use_128bit_trace_id=True):
        with zipkin_span(service_name=f"py-svc-{label}", span_name=f"py-child-{label}",
                         kind=Kind.CLIENT, binary_annotations={"db": "x"}) as child:
            child.add_sa_binary_annotation(port=5432, service_name="pg", host="10.0.0.7")
    return payloads


@case("zipkin_py")
def zipkin_py(ctx):
    """Debian py_zipkin 0.15: V2_JSON, V1_JSON, V1_THRIFT; proto3 from python3-protobuf; gzip."""
    with receiver_server(ctx) as srv:
        srv.start()
        try:
            import py_zipkin  # noqa: F401
        except ImportError:
            ctx.fail("python3-py-zipkin installed", "missing: run tests/integration/setup.sh")
            return
        for enc in ("V2_JSON", "V1_JSON", "V1_THRIFT"):
            name = f"py_zipkin {enc}"
            with ctx.step(name):
                payloads = py_zipkin_payloads(enc, enc.lower())
                ctx.require(f"{name}: one payload", len(payloads) == 1, str(len(payloads)))
                path = "/api/v2/spans" if enc == "V2_JSON" else "/api/v1/spans"
                ctype = "application/x-thrift" if enc == "V1_THRIFT" else "application/json"
                resp = http_post(srv.zipkin_port, path, payloads[0], {"Content-Type": ctype})
                ctx.require(f"{name}: 202 with an empty body", resp.status == 202 and resp.body == b"",
                            repr(resp))
                if enc == "V2_JSON":
                    expected = expected_zipkin_v2(json.loads(payloads[0]))
                elif enc == "V1_JSON":
                    expected = expected_zipkin_v1(json.loads(payloads[0]))
                else:
                    expected = expected_zipkin_v1(thrift_v1_to_dicts(payloads[0]))
                root = [s for s in expected if s["name"].startswith("py-root")][0]
                # v1 derives the status from http.status_code; v2 has no such rule.
                want_code = 0 if enc == "V2_JSON" else 2
                ctx.check(f"{name}: root is SERVER with status code {want_code}",
                          root["kind"] == 2 and root["status"][0] == want_code, str(root))
                if enc != "V2_JSON":
                    res = dict(root["resource"])
                    ctx.check(f"{name}: v1 resource from the sr endpoint",
                              res.get("ipv4") == S("127.0.0.1") and res.get("port") == S("8080"),
                              str(res))
                check_sent(ctx, srv, name, expected)

        with ctx.step("zipkin proto3 (python3-protobuf) with gzip"):
            module = zipkin_proto_module()
            lst = module.ListOfSpans()
            s = lst.spans.add()
            tid, sid = ctx.ids.trace(), ctx.ids.span()
            s.trace_id, s.id, s.kind, s.name = bytes.fromhex(tid), bytes.fromhex(sid), 2, "proto-span"
            s.timestamp, s.duration = otlp.BASE_NS // 1000, 1500
            s.local_endpoint.service_name = "zproto-svc"
            s.local_endpoint.ipv4 = socket.inet_aton("127.0.0.1")
            s.local_endpoint.port = 9411
            s.tags["http.method"] = "GET"
            a = s.annotations.add()
            a.timestamp, a.value = otlp.BASE_NS // 1000 + 5, "cache-miss"
            import gzip
            resp = http_post(srv.zipkin_port, "/api/v2/spans", gzip.compress(lst.SerializeToString()),
                             {"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"})
            ctx.require("zipkin proto3: 202", resp.status == 202, repr(resp))
            as_json = [{"traceId": tid, "id": sid, "kind": "SERVER", "name": "proto-span",
                        "timestamp": otlp.BASE_NS // 1000, "duration": 1500,
                        "localEndpoint": {"serviceName": "zproto-svc", "ipv4": "127.0.0.1", "port": 9411},
                        "tags": {"http.method": "GET"},
                        "annotations": [{"timestamp": otlp.BASE_NS // 1000 + 5, "value": "cache-miss"}]}]
            check_sent(ctx, srv, "zipkin proto3", expected_zipkin_v2(as_json))


ZIPKIN_MIN_PROTO = """
syntax = "proto3";
package zipkin.proto3;
message Endpoint { string service_name = 1; bytes ipv4 = 2; bytes ipv6 = 3; int32 port = 4; }
message Annotation { fixed64 timestamp = 1; string value = 2; }
message Span {
  enum Kind { SPAN_KIND_UNSPECIFIED = 0; CLIENT = 1; SERVER = 2; PRODUCER = 3; CONSUMER = 4; }
  bytes trace_id = 1; bytes parent_id = 2; bytes id = 3; Kind kind = 4; string name = 5;
  fixed64 timestamp = 6; uint64 duration = 7; Endpoint local_endpoint = 8;
  Endpoint remote_endpoint = 9; repeated Annotation annotations = 10;
  map<string, string> tags = 11; bool debug = 12; bool shared = 13;
}
message ListOfSpans { repeated Span spans = 1; }
"""


def zipkin_proto_module():
    """Compiles our own minimal zipkin proto3 schema with protoc into a temp dir and imports it."""
    import importlib
    import sys
    out = os.path.join(tempfile.gettempdir(), f"tempo-it-zipkin-{os.getuid()}")
    os.makedirs(out, exist_ok=True)
    if not os.path.exists(os.path.join(out, "zipkin_min_pb2.py")):
        with open(os.path.join(out, "zipkin_min.proto"), "w") as f:
            f.write(ZIPKIN_MIN_PROTO)
        subprocess.run(["protoc", "-I", out, f"--python_out={out}", "zipkin_min.proto"], check=True,
                       capture_output=True)
    if out not in sys.path:
        sys.path.insert(0, out)
    return importlib.import_module("zipkin_min_pb2")
