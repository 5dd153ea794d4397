"""Oracles for the Jaeger and Zipkin receiver cases: the OTLP spans a server must store for what
a client put on the wire, derived by the mapping rules of ingest-protocols.md §6.3 (Zipkin v2),
§6.4 (Zipkin v1) and §7.5 (Jaeger), in otlp._canon_span form.
"""
import otlp
from otlp import B, BY, D, I, S
from receivers_common import get, pairs, put, remove, sid_hex, signed64, span_dict, tid_hex


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
