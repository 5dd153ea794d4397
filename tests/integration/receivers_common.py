"""Shared pieces of the Jaeger and Zipkin receiver cases (cases_jaeger.py, cases_zipkin.py,
cases_receivers.py): a server with every receiver enabled, sender plumbing, the attribute-list
helpers the oracles (receivers_oracle.py) build on, the Jaeger gRPC request plan and its senders,
and the read-back checks.
"""
import json
import os
import socket
import subprocess
import tempfile
import time

import clients
import otlp
from server import TempoServer, _yaml, free_ports

HERE = os.path.dirname(os.path.abspath(__file__))
SENDERS = os.path.join(HERE, "senders")
MASK64 = (1 << 64) - 1


# ---- a server with every Jaeger/Zipkin receiver on free loopback ports -------------------------


class ReceiverServer(TempoServer):
    """A TempoServer whose config also enables zipkin and all four jaeger protocols."""

    def __init__(self, binary, **kw):
        super().__init__(binary, **kw)
        self.zipkin_port, self.jaeger_grpc_port, self.jaeger_http_port = free_ports(3)
        self.jaeger_compact_port, self.jaeger_binary_port = free_ports(2, socket.SOCK_DGRAM)
        receivers = {
            "zipkin": {"endpoint": f"127.0.0.1:{self.zipkin_port}"},
            "jaeger": {"protocols": {
                "grpc": {"endpoint": f"127.0.0.1:{self.jaeger_grpc_port}"},
                "thrift_http": {"endpoint": f"127.0.0.1:{self.jaeger_http_port}"},
                "thrift_compact": {"endpoint": f"127.0.0.1:{self.jaeger_compact_port}"},
                "thrift_binary": {"endpoint": f"127.0.0.1:{self.jaeger_binary_port}"}}},
        }
        with open(self.config_path) as f:
            lines = f.read().splitlines()
        at = lines.index("  receivers:") + 1  # next to the otlp receiver the base config has
        lines[at:at] = _yaml(receivers, 4).splitlines()
        with open(self.config_path, "w") as f:
            f.write("\n".join(lines) + "\n")

    @property
    def zipkin_url(self):
        return f"http://127.0.0.1:{self.zipkin_port}"

    @property
    def jaeger_http_url(self):
        return f"http://127.0.0.1:{self.jaeger_http_port}/api/traces"


def receiver_server(ctx, **kw):
    srv = ReceiverServer(ctx.binary, **kw)
    ctx.servers.append(srv)
    return srv


# ---- helpers -----------------------------------------------------------------------------------
def run(cmd, timeout=60, cwd=HERE):
    """Runs a sender; returns its last stdout line parsed as JSON (RuntimeError on failure)."""
    p = subprocess.run(cmd, capture_output=True, text=True, env=clients.clean_env(), cwd=cwd,
                       timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} {os.path.basename(cmd[1])} exited {p.returncode}\n"
                           f"stdout: {p.stdout[-2000:]}\nstderr: {p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def http_post(port, path, body, headers):
    return clients.http_request(port, "POST", path, body=body, headers=headers)


def signed64(v):
    v &= MASK64
    return v - (1 << 64) if v >= (1 << 63) else v


def put(attrs, key, value):
    """Attribute-map put: replaces in place or appends."""
    for kv in attrs:
        if kv[0] == key:
            kv[1] = value
            return
    attrs.append([key, value])


def get(attrs, key):
    for k, v in attrs:
        if k == key:
            return v
    return None


def remove(attrs, key):
    attrs[:] = [kv for kv in attrs if kv[0] != key]


def pairs(attrs):
    return [(k, v) for k, v in attrs]


def span_dict(trace_id, span_id, parent, name, kind, start, end, attrs, events, links, status,
              trace_state=""):
    return {"trace_id": trace_id, "span_id": span_id, "parent_span_id": parent,
            "trace_state": trace_state, "name": name, "kind": kind, "start": start, "end": end,
            "attributes": pairs(attrs), "events": events, "links": links,
            "status": {"code": status[0], "message": status[1]}}


def tid_hex(high, low):
    return "" if high == 0 and low == 0 else "%016x%016x" % (high & MASK64, low & MASK64)


def sid_hex(v):
    return "" if v & MASK64 == 0 else "%016x" % (v & MASK64)


# ---- checks shared by the cases ------------------------------------------------------------------
def check_sent(ctx, srv, name, expected):
    """Reads every trace of `expected` back in all four query forms."""
    return ctx.expect_trace(srv, name, expected)


def literal(ctx, name, expected, span_name, field, want):
    """A literal check on one expected span (guards the oracle itself)."""
    spans = [s for s in expected if s["name"] == span_name]
    got = spans[0][field] if spans else "<no such span>"
    ctx.check(f"{name}: {span_name} {field} is {want!r}", got == want, f"got {got!r}")


def node_ready(ctx, *packages):
    missing = [p for p in packages
               if not os.path.isdir(os.path.join(clients.NODE_MODULES, *p.split("/")))]
    ctx.require("npm packages installed (tests/integration/setup.sh)", not missing,
                f"missing: {missing}")


# ---- Jaeger gRPC: a request plan, our node sender and raw grpcio ----------------------------
def grpc_plan(ctx, label):
    """A PostSpans request exercising every §7.4/§7.5 rule (proto-loader object form)."""
    tid = ctx.ids.trace()
    root, child, other = ctx.ids.span(), ctx.ids.span(), ctx.ids.span()
    t0 = otlp.BASE_NS // 10**9 + ctx.ids.rng.randrange(10**6)

    def ts(sec, nanos):
        return {"seconds": str(sec), "nanos": nanos}

    def kv(key, vtype, **v):
        return dict({"key": key, "vType": vtype}, **v)

    process = {"serviceName": f"jgrpc-svc-{label}",
               "tags": [kv("hostname", "STRING", vStr="h1"), kv("jaeger.version", "STRING", vStr="Go-2.30"),
                        kv("ip", "STRING", vStr="10.0.0.1")]}
    spans = [
        {"traceId": tid, "spanId": root, "operationName": f"{label} root", "flags": 1,
         "startTime": ts(t0, 5000), "duration": ts(0, 5_000_000),
         "tags": [kv("span.kind", "STRING", vStr="server"), kv("error", "BOOL", vBool=True),
                  kv("otel.status_description", "STRING", vStr="boom"),
                  kv("w3c.tracestate", "STRING", vStr="vendor=abc"),
                  kv("count", "INT64", vInt64="-42"), kv("ratio", "FLOAT64", vFloat64=0.5),
                  kv("raw", "BINARY", vBinary="00ff10"), kv("flag", "BOOL", vBool=False)],
         "logs": [{"timestamp": ts(t0, 6000), "fields": [kv("event", "STRING", vStr="hello"),
                                                       kv("n", "INT64", vInt64="3")]},
                  {"timestamp": ts(t0, 7000), "fields": [kv("message", "STRING", vStr="plain")]}]},
        {"traceId": tid, "spanId": child, "operationName": f"{label} child",
         "startTime": ts(t0, 10000), "duration": ts(0, 1_000_000),
         "references": [{"traceId": tid, "spanId": root, "refType": "CHILD_OF"},
                        {"traceId": ctx.ids.trace(), "spanId": ctx.ids.span(), "refType": "FOLLOWS_FROM"}],
         "tags": [kv("span.kind", "STRING", vStr="client"), kv("http.status_code", "INT64", vInt64="404"),
                  kv("otel.scope.name", "STRING", vStr="my.lib"),
                  kv("otel.scope.version", "STRING", vStr="1.0")]},
        {"traceId": tid[16:], "spanId": other, "operationName": f"{label} other-process",
         "startTime": ts(t0, 20000), "duration": ts(1, 0),
         "references": [{"traceId": tid[16:], "spanId": root, "refType": "FOLLOWS_FROM"}],
         "tags": [kv("otel.status_code", "STRING", vStr="ok"), kv("span.kind", "STRING", vStr="producer")],
         "process": {"serviceName": f"jgrpc-other-{label}", "tags": [kv("k", "STRING", vStr="v")]}},
    ]
    return {"batch": {"process": process, "spans": spans}}


def grpc_send(srv, plan, tenant=None, gzip=False):
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(plan, f)
        f.flush()
        cmd = ["node", os.path.join(SENDERS, "jaeger_grpc_send.js"), "--addr",
               f"127.0.0.1:{srv.jaeger_grpc_port}", "--plan", f.name]
        if tenant:
            cmd += ["--tenant", tenant]
        if gzip:
            cmd += ["--gzip", "1"]
        return run(cmd)


def grpc_raw(srv, body, tenant=None):
    """PostSpans with python grpcio and raw bytes (for undecodable messages)."""
    import grpc
    md = [("x-scope-orgid", tenant)] if tenant else []
    with grpc.insecure_channel(f"127.0.0.1:{srv.jaeger_grpc_port}",
                               options=[("grpc.enable_http_proxy", 0)]) as ch:
        call = ch.unary_unary("/jaeger.api_v2.CollectorService/PostSpans",
                              request_serializer=lambda b: b, response_deserializer=lambda b: b)
        try:
            call(body, metadata=md, timeout=10)
            return "OK", ""
        except grpc.RpcError as e:
            return e.code().name, e.details()


# ---- discarded-span metrics and UDP ------------------------------------------------------------
def discarded(srv, reason, tenant):
    return clients.metric_sum(clients.metrics(srv), "tempo_discarded_spans_total", reason=reason,
                              tenant=tenant)


def wait_metric(srv, reason, tenant, want, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        got = discarded(srv, reason, tenant)
        if got >= want or time.monotonic() >= deadline:
            return got
        time.sleep(0.05)  # poll interval, not synchronisation


def send_udp(port, data):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(data, ("127.0.0.1", port))
