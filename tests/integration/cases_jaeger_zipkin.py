"""Jaeger and Zipkin receivers driven by real clients (issue "Jaeger and Zipkin receivers").

Every sender reports exactly what it put on the wire (the client library's own encoded spans),
the expected OTLP spans are derived from that with the mapping rules of ingest-protocols.md
§6.3/§6.4/§7.5 (the `expected_*` oracles below), and the trace is read back by id in every query
form and compared field by field. A few facts are also checked literally, so that a rule both
the oracle and the server got wrong in the same way still shows up.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import clients
import otlp
from harness import case
from otlp import B, BY, D, I, S
from server import TempoServer, _yaml, free_ports

HERE = os.path.dirname(os.path.abspath(__file__))
SENDERS = os.path.join(HERE, "senders")
sys.path.insert(0, SENDERS)
from jaeger_thrift_payloads import jaeger_agent_datagram, jaeger_http_body  # noqa: E402
MASK64 = (1 << 64) - 1


# ---- a server with every Jaeger/Zipkin receiver on free loopback ports -------------------------
def free_udp_ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class ReceiverServer(TempoServer):
    """A TempoServer whose config also enables zipkin and all four jaeger protocols."""

    def __init__(self, binary, **kw):
        super().__init__(binary, **kw)
        self.zipkin_port, self.jaeger_grpc_port, self.jaeger_http_port = free_ports(3)
        self.jaeger_compact_port, self.jaeger_binary_port = free_udp_ports(2)
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


# ---- Jaeger → OTLP oracle (§7.5) ------------------------------------------------------------------
THRIFT_TYPES = {"STRING": 0, "DOUBLE": 1, "BOOL": 2, "LONG": 3, "BINARY": 4}
PROTO_TYPES = {"STRING": 0, "BOOL": 1, "INT64": 2, "FLOAT64": 3, "BINARY": 4}
KINDS = {"client": 3, "server": 2, "producer": 4, "consumer": 5, "internal": 1}


def jaeger_value(tag, flavor):
    if flavor == "thrift":
        t = THRIFT_TYPES.get(tag["vType"], tag["vType"])
        if t == 0: return S(tag.get("vStr", ""))
        if t == 1: return D(tag.get("vDouble", 0))
        if t == 2: return B(tag.get("vBool", False))
        if t == 3: return I(signed64(int(tag.get("vLong", "0"))))
        if t == 4: return BY(bytes.fromhex(tag.get("vBinary", "")))
        return S('<Unknown Jaeger TagType "<UNSET>">')
    t = PROTO_TYPES.get(tag.get("vType", "STRING"), tag.get("vType"))
    if t == 0: return S(tag.get("vStr", ""))
    if t == 1: return B(tag.get("vBool", False))
    if t == 2: return I(int(tag.get("vInt64", "0")))
    if t == 3: return D(tag.get("vFloat64", 0))
    if t == 4: return BY(bytes.fromhex(tag.get("vBinary", "")))
    return S(f'<Unknown Jaeger TagType "{t}">')


def jaeger_attrs(tags, flavor):
    attrs = []
    for t in tags or []:
        put(attrs, t["key"], jaeger_value(t, flavor))
    return attrs


def jaeger_resource(process, flavor):
    if process is None:
        return []
    name = process.get("serviceName", "")
    if flavor == "proto" and name == "OTLPResourceNoServiceName":
        return []
    attrs = []
    if name:
        put(attrs, "service.name", S(name))
    for kv in jaeger_attrs(process.get("tags"), flavor):
        put(attrs, kv[0], kv[1])
    if get(attrs, "hostname") is not None and get(attrs, "host.name") is None:
        value = get(attrs, "hostname")
        remove(attrs, "hostname")
        put(attrs, "host.name", S(value[1] if value[0] == "string" else ""))
    if get(attrs, "jaeger.version") is not None and get(attrs, "opencensus.exporterversion") is None:
        value = get(attrs, "jaeger.version")
        remove(attrs, "jaeger.version")
        put(attrs, "opencensus.exporterversion", S("Jaeger-" + (value[1] if value[0] == "string" else "")))
    return attrs


def jaeger_status(attrs, kind):
    """(code, message) by the rules of §7.5; edits attrs."""
    def str_of(v):
        return v[1] if v is not None and v[0] == "string" else ""
    code, message, exists = 0, "", False
    err = get(attrs, "error")
    if err is not None and err == B(True):
        code, exists = 2, True
        remove(attrs, "error")
        if get(attrs, "otel.status_description") is not None:
            message = str_of(get(attrs, "otel.status_description"))
            remove(attrs, "otel.status_description")
        elif get(attrs, "http.status_message") is not None:
            message = str_of(get(attrs, "http.status_message"))
    if get(attrs, "otel.status_code") is not None:
        if not exists:
            exists = True
            text = str_of(get(attrs, "otel.status_code")).upper()
            code = {"OK": 1, "ERROR": 2}.get(text, 0)
            if get(attrs, "otel.status_description") is not None:
                message = str_of(get(attrs, "otel.status_description"))
                remove(attrs, "otel.status_description")
        remove(attrs, "otel.status_code")
    elif not exists and get(attrs, "http.status_code") is not None:
        v = get(attrs, "http.status_code")
        n = v[1] if v[0] == "int" else (int(v[1]) if v[0] == "string" and v[1].lstrip("+-").isdigit() else None)
        if n is not None:
            if 400 <= n < 500 and kind == 3:
                c = 2
            elif 400 <= n < 500 and kind == 2:
                c = 0
            else:
                c = 0 if 100 <= n < 399 else 2
            if c != 0:
                code, exists = c, True
            if get(attrs, "http.status_message") is not None:
                message = str_of(get(attrs, "http.status_message"))
    return (code, message) if exists else (0, "")


def jaeger_span(span, flavor):
    """One Jaeger span (thrift JSON from the senders, or the gRPC plan) → canonical dict parts."""
    if flavor == "thrift":
        high, low = int(span["traceIdHigh"]), int(span["traceIdLow"])
        sid, parent = int(span["spanId"]), int(span["parentSpanId"])
        refs = [(r["refType"] if isinstance(r["refType"], int) else
                 {"CHILD_OF": 0, "FOLLOWS_FROM": 1}[r["refType"]],
                 int(r["traceIdHigh"]), int(r["traceIdLow"]), int(r["spanId"]))
                for r in span.get("references") or []]
        start = int(span["startTime"]) * 1000
        end = (int(span["startTime"]) + int(span["duration"])) * 1000
        log_times = [int(l["timestamp"]) * 1000 for l in span.get("logs") or []]
    else:
        tid = span["traceId"]
        high, low = (int(tid[:16], 16), int(tid[16:], 16)) if len(tid) == 32 else (0, int(tid, 16))
        sid, parent = int(span["spanId"], 16), 0
        refs = []
        for r in span.get("references") or []:
            rt = r["traceId"]
            rh, rl = (int(rt[:16], 16), int(rt[16:], 16)) if len(rt) == 32 else (0, int(rt, 16))
            refs.append(({"CHILD_OF": 0, "FOLLOWS_FROM": 1}[r.get("refType", "CHILD_OF")], rh, rl,
                         int(r["spanId"], 16)))
        ts = lambda t: int(t.get("seconds", "0")) * 10**9 + int(t.get("nanos", 0))
        start = ts(span["startTime"])
        end = start + ts(span["duration"])
        log_times = [ts(l["timestamp"]) for l in span.get("logs") or []]
    if parent == 0:
        for want in (0, 1):
            match = [r for r in refs if r[0] == want and r[1] == high and r[2] == low]
            if match:
                parent = match[0][3]
                break
    attrs = jaeger_attrs(span.get("tags"), flavor)
    scope = {"name": "", "version": ""}
    if flavor == "proto" and get(attrs, "otel.scope.name") is not None:
        scope = {"name": get(attrs, "otel.scope.name")[1],
                 "version": (get(attrs, "otel.scope.version") or ("string", ""))[1]}
        remove(attrs, "otel.scope.name")
        remove(attrs, "otel.scope.version")
    kind = 0
    if get(attrs, "span.kind") is not None:
        v = get(attrs, "span.kind")
        kind = KINDS.get(v[1] if v[0] == "string" else "", 0)
        remove(attrs, "span.kind")
    status = jaeger_status(attrs, kind)
    trace_state = ""
    if flavor == "proto" and get(attrs, "w3c.tracestate") is not None:
        trace_state = get(attrs, "w3c.tracestate")[1]
        remove(attrs, "w3c.tracestate")
    events = []
    for t, log in zip(log_times, span.get("logs") or []):
        fields = jaeger_attrs(log.get(flavor == "thrift" and "fields" or "fields"), flavor)
        name = ""
        if get(fields, "event") is not None and get(fields, "event")[0] == "string":
            name = get(fields, "event")[1]
            remove(fields, "event")
        events.append({"time": t, "name": name, "attributes": pairs(fields)})
    links = []
    for rtype, rh, rl, rs in refs:
        if rtype == 0 and rs == parent:
            continue
        links.append({"trace_id": tid_hex(rh, rl), "span_id": sid_hex(rs), "trace_state": "",
                      "attributes": [("opentracing.ref_type",
                                      S("child_of" if rtype == 0 else "follows_from"))]})
    s = span_dict(tid_hex(high, low), sid_hex(sid), sid_hex(parent), span.get("operationName", ""),
                  kind, start, end, attrs, events, links, status, trace_state)
    return s, scope


def expected_jaeger(batch, flavor="thrift"):
    """Canonical expected spans of one Jaeger batch. For gRPC, `batch` is the plan's batch."""
    out = []
    for span in batch["spans"]:
        process = span.get("process") or batch.get("process")
        resource = jaeger_resource(process, flavor)
        s, scope = jaeger_span(span, flavor)
        out.append(otlp._canon_span(pairs(resource), scope, s))
    return out


# ---- Zipkin v2 → OTLP oracle (§6.3) ---------------------------------------------------------------
# The resource keys of §6.3 that these senders can produce (the k8s/aws/faas/... keys of the full
# list are not exercised here; the unit tests cover them).
ZIPKIN_RESOURCE_KEYS = set("""service.name service.namespace service.instance.id service.version
deployment.environment telemetry.sdk.name telemetry.sdk.language telemetry.sdk.version
telemetry.auto.version host.id host.name host.type host.arch host.image.name host.image.id
host.image.version os.type os.description os.name os.version process.pid process.executable.name
process.executable.path process.command process.command_line process.command_args process.owner
process.runtime.name process.runtime.version process.runtime.description container.name
container.id container.runtime container.image.name container.image.tag cloud.provider
cloud.account.id cloud.region cloud.availability_zone cloud.platform""".split())
NO_SERVICE = "OTLPResourceNoServiceName"


def expected_zipkin_v2(spans):
    def service(s):
        ep = s.get("localEndpoint")
        return ep.get("serviceName", "") if ep else NO_SERVICE

    def library(s):
        return (s.get("tags") or {}).get("otel.library.name", "")

    ordered = sorted(spans, key=lambda s: (service(s), library(s)))
    out, resource, scope, prev = [], None, None, (None, None)
    for s in ordered:
        tags = dict(s.get("tags") or {})
        svc, lib = service(s), library(s)
        if svc != prev[0]:
            resource = []
            if svc != NO_SERVICE:
                put(resource, tags.pop("otlp.service.name.source", "") or "service.name", S(svc))
                for key in sorted(ZIPKIN_RESOURCE_KEYS):
                    if key in tags:
                        put(resource, key, S(tags.pop(key)))
            prev = (svc, None)
        if lib != prev[1]:
            scope = {"name": lib, "version": tags.get("otel.library.version", "") if lib else ""}
            prev = (svc, lib)
        trace_state = tags.pop("w3c.tracestate", "")
        kind = {"CLIENT": 3, "SERVER": 2, "PRODUCER": 4, "CONSUMER": 5}.get(s.get("kind"), 0)
        if not kind and "span.kind" in tags:
            kind = 1 if tags.pop("span.kind") == "internal" else 0
        code, message = 0, ""
        if "otel.status_code" in tags:
            code = {"STATUS_CODE_OK": 1, "Ok": 1, "STATUS_CODE_ERROR": 2, "Error": 2}.get(
                tags.pop("otel.status_code"), 0)
            message = tags.pop("otel.status_description", "")
        if "error" in tags:
            code = 2
            if tags["error"] == "true":
                del tags["error"]
        attrs = []
        for k, v in tags.items():
            if k not in ZIPKIN_RESOURCE_KEYS and k not in (
                    "otlp.service.name.source", "otel.library.name", "otel.library.version"):
                put(attrs, k, S(v))
        le, re_ = s.get("localEndpoint") or {}, s.get("remoteEndpoint") or {}
        for key, ep, names in (("local", le, ("network.local.address", "net.host.port")),
                               ("remote", re_, ("network.peer.address", "net.peer.port"))):
            if key == "remote" and ep.get("serviceName"):
                put(attrs, "service.peer.name", S(ep["serviceName"]))
            for ip in ("ipv4", "ipv6"):
                if ep.get(ip):
                    put(attrs, names[0], S(ep[ip]))
            if ep.get("port"):
                put(attrs, names[1], I(ep["port"]))
        ts, dur = s.get("timestamp"), s.get("duration", 0) or 0
        if ts:
            start, end = ts * 1000, (ts + dur) * 1000
        else:
            start, end = 0, dur * 1000
            put(attrs, "otel.zipkin.absentField.startTime", B(True))
        events = [{"time": a["timestamp"] * 1000, "name": a["value"], "attributes": []}
                  for a in s.get("annotations") or []]
        tid = s["traceId"].lower().rjust(32, "0")
        parent = s.get("parentId", "")
        parent = "" if parent == s["id"] else parent.lower().rjust(16, "0") if parent else ""
        sp = span_dict(tid, s["id"].lower(), parent, s.get("name", ""), kind, start, end, attrs,
                       events, [], (code, message), trace_state)
        out.append(otlp._canon_span(pairs(resource), scope, sp))
    return out


# ---- Zipkin v1 → OTLP oracle (§6.4) ---------------------------------------------------------------
CORE = {"cs": 3, "cr": 3, "sr": 2, "ss": 2, "ms": 4, "mr": 5}


def v1_value(v):
    if isinstance(v, bool): return B(v)
    if isinstance(v, int): return I(v)
    if isinstance(v, float): return D(v)
    if isinstance(v, bytes): return BY(v)
    return S(v)


def expected_zipkin_v1(spans):
    out = []
    for s in spans:
        anns = [a for a in s.get("annotations") or [] if a.get("value")]
        kind, endpoint = 0, None
        for a in anns:
            if a["value"] in CORE:
                if not kind:
                    kind = CORE[a["value"]]
                if endpoint is None and (a.get("endpoint") or {}).get("serviceName"):
                    endpoint = a["endpoint"]
        events = [{"time": a["timestamp"] * 1000, "name": a["value"], "attributes": []}
                  for a in anns if a["value"] not in CORE]
        attrs, fallback, lc = [], "", ""
        census = otel = error = http = None
        census_msg = otel_msg = http_msg = ""
        for b in s.get("binaryAnnotations") or []:
            if (b.get("endpoint") or {}).get("serviceName"):
                fallback = b["endpoint"]["serviceName"]
            key, value = b["key"], b["value"]
            if key == "lc":
                lc = value
                key = "component"
            if key == "http.status_code":
                n = value if isinstance(value, int) else int(value)
                http = 0 if 100 <= n < 400 else 2
            if key == "http.status_message":
                http_msg = value
            if key == "error" and value not in ("false", False):
                error = 2
                if value in ("true", True):
                    continue
            if key in ("census.status_code", "census.status_description", "otel.status_code",
                       "otel.status_description"):
                raise AssertionError("status tags are not used by these senders")
            put(attrs, key, v1_value(value))
        code, message = 0, ""
        for c, m in ((census, census_msg), (otel, otel_msg), (error, ""), (http, http_msg)):
            if c is not None:
                code, message = c, (m if c else "")
                break
        if s.get("timestamp"):
            start = s["timestamp"] * 1000
            end = (s["timestamp"] + (s.get("duration") or 0)) * 1000
        else:
            times = [a["timestamp"] for a in anns]
            start, end = min(times) * 1000, max(times) * 1000
        if endpoint is None:
            endpoint = {"serviceName": fallback or lc or "unknown-service"}
        resource = [("service.name", S(endpoint["serviceName"]))]
        for k in ("ipv4", "ipv6"):
            if endpoint.get(k):
                resource.append((k, S(endpoint[k])))
        if endpoint.get("port"):
            resource.append(("port", S(str(endpoint["port"]))))
        tid = s["traceId"].lower().rjust(32, "0")
        sp = span_dict(tid, s["id"].lower(), (s.get("parentId") or "").lower(), s.get("name", ""),
                       kind, start, end, attrs, events, [], (code, message))
        out.append(otlp._canon_span(resource, {"name": "", "version": ""}, sp))
    return out


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


# ---- cases ---------------------------------------------------------------------------------------
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
