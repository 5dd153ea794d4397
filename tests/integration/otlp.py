"""Trace plans (what a test sends) and their encodings / canonical forms.

A *plan* is a list of batches; each batch is one ResourceSpans with one ScopeSpans:
    {"resource": [(key, value)], "scope": {"name": str, "version": str}, "spans": [span]}
A span is a dict with hex ids:
    {"trace_id", "span_id", "parent_span_id" ("" = root), "trace_state", "name", "kind",
     "start", "end" (unix nanos), "attributes": [(key, value)],
     "events": [{"time", "name", "attributes"}],
     "links": [{"trace_id", "span_id", "trace_state", "attributes"}],
     "status": {"code", "message"}}
Attribute values are typed tuples, built with S/I/D/B/A/KV/BY below, e.g. ("int", 5).

The same plan is encoded for every client (OTLP/HTTP JSON, protobuf message, text
format for `protoc --encode`, JSON for the node sender), and every query response is
decoded into the same *canonical span* form, so "the spans that came back are exactly
the spans that were sent" is a plain comparison.
"""
import base64
import json
import random

KIND_NAMES = ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
              "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"]
STATUS_NAMES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"]


# ---- typed attribute values ------------------------------------------------------
def S(v): return ("string", v)
def I(v): return ("int", int(v))
def D(v): return ("double", float(v))
def B(v): return ("bool", bool(v))
def A(*vals): return ("array", tuple(vals))
def KV(*pairs): return ("kvlist", tuple(pairs))
def BY(b): return ("bytes", bytes(b))


class Ids:
    """Deterministic id source (fixed seed per test case)."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def trace(self):
        return "%032x" % self.rng.getrandbits(128)

    def span(self):
        return "%016x" % (self.rng.getrandbits(64) | 1)  # never all zero


BASE_NS = 1_763_700_000_000_000_000  # 2025-11-21, a fixed wall-clock base for plans


def rich_batch(ids, service, trace_id, n_spans=4, js_safe=True, start_ns=None, tag="x"):
    """One batch with a root span and n_spans-1 children using every OTLP feature.

    js_safe=True restricts values to what the OTel JS SDK can produce (no kvlist or
    bytes attribute values, no trace_state)."""
    t0 = start_ns if start_ns is not None else BASE_NS + ids.rng.randrange(10**12)
    root_id = ids.span()
    attrs = [("http.method", S("GET")), ("http.status_code", I(503)), ("ratio", D(0.25)),
             ("cache.hit", B(False)), ("tags", A(S("a"), S("b"))), ("test.tag", S(tag))]
    if not js_safe:
        attrs += [("nested", KV(("k1", S("v1")), ("k2", I(-7)))), ("raw", BY(b"\x00\x01\xfe")),
                  ("big", I(2**62 + 3)), ("mixed", A(I(1), D(2.5), B(True)))]
    spans = [{
        "trace_id": trace_id, "span_id": root_id, "parent_span_id": "",
        "trace_state": "" if js_safe else "vendor=abc", "name": f"{tag} root",
        "kind": 2, "start": t0, "end": t0 + 5_000_123, "attributes": attrs,
        "events": [{"time": t0 + 1_000, "name": "cache-miss",
                    "attributes": [("key", S("user:42")), ("attempt", I(2))]}],
        "links": [], "status": {"code": 2, "message": "upstream unavailable"},
    }]
    kinds = [3, 1, 4, 5]
    for i in range(1, n_spans):
        span = {
            "trace_id": trace_id, "span_id": ids.span(), "parent_span_id": root_id,
            "trace_state": "", "name": f"{tag} child {i}", "kind": kinds[(i - 1) % 4],
            "start": t0 + i * 10_000, "end": t0 + i * 10_000 + 777_000 + i,
            "attributes": [("child.index", I(i)), ("db.system", S("postgres"))],
            "events": [], "links": [], "status": {"code": 1 if i == 2 else 0, "message": ""},
        }
        if i == 1:  # a link to another (made up) trace, with attributes
            span["links"].append({"trace_id": ids.trace(), "span_id": ids.span(),
                                  "trace_state": "", "attributes": [("link.kind", S("follows"))]})
        spans.append(span)
    return {"resource": [("service.name", S(service)), ("deployment.environment", S("it"))],
            "scope": {"name": "tempo.it", "version": "1.2.3"}, "spans": spans}


def simple_batch(ids, service, trace_id, n_spans, pad=0, start_ns=None):
    """A batch of plain INTERNAL spans; `pad` adds a string attribute of that many bytes."""
    t0 = start_ns if start_ns is not None else BASE_NS + ids.rng.randrange(10**12)
    spans = []
    for i in range(n_spans):
        attrs = [("i", I(i))]
        if pad:
            attrs.append(("pad", S("p" * pad)))
        spans.append({"trace_id": trace_id, "span_id": ids.span(), "parent_span_id": "",
                      "trace_state": "", "name": f"span-{i}", "kind": 1, "start": t0 + i,
                      "end": t0 + i + 1000, "attributes": attrs, "events": [], "links": [],
                      "status": {"code": 0, "message": ""}})
    return {"resource": [("service.name", S(service))], "scope": {"name": "load", "version": ""},
            "spans": spans}


def plan_trace_ids(plan):
    return sorted({s["trace_id"] for b in plan for s in b["spans"]})


def plan_span_count(plan):
    return sum(len(b["spans"]) for b in plan)


# ---- encoders ------------------------------------------------------------------------
def _json_value(v):
    t, x = v
    if t == "string": return {"stringValue": x}
    if t == "int": return {"intValue": str(x)}            # proto3 JSON: int64 as string
    if t == "double": return {"doubleValue": x}
    if t == "bool": return {"boolValue": x}
    if t == "array": return {"arrayValue": {"values": [_json_value(e) for e in x]}}
    if t == "kvlist": return {"kvlistValue": {"values": _json_attrs(x)}}
    if t == "bytes": return {"bytesValue": base64.b64encode(x).decode()}
    raise ValueError(t)


def _json_attrs(attrs):
    return [{"key": k, "value": _json_value(v)} for k, v in attrs]


def to_otlp_json(plan):
    """OTLP/HTTP JSON request (ids as hex, enums as ints, 64-bit ints as strings)."""
    rs = []
    for b in plan:
        spans = []
        for s in b["spans"]:
            js = {"traceId": s["trace_id"], "spanId": s["span_id"], "name": s["name"],
                  "kind": s["kind"], "startTimeUnixNano": str(s["start"]),
                  "endTimeUnixNano": str(s["end"]), "attributes": _json_attrs(s["attributes"]),
                  "events": [{"timeUnixNano": str(e["time"]), "name": e["name"],
                              "attributes": _json_attrs(e["attributes"])} for e in s["events"]],
                  "links": [{"traceId": l["trace_id"], "spanId": l["span_id"],
                             "traceState": l["trace_state"],
                             "attributes": _json_attrs(l["attributes"])} for l in s["links"]],
                  "status": {"code": s["status"]["code"], "message": s["status"]["message"]}}
            if s["parent_span_id"]:
                js["parentSpanId"] = s["parent_span_id"]
            if s["trace_state"]:
                js["traceState"] = s["trace_state"]
            spans.append(js)
        rs.append({"resource": {"attributes": _json_attrs(b["resource"])},
                   "scopeSpans": [{"scope": b["scope"], "spans": spans}]})
    return {"resourceSpans": rs}


def to_otlp_json_bytes(plan):
    return json.dumps(to_otlp_json(plan)).encode()


def _pb_value(pbv, v):
    t, x = v
    if t == "string": pbv.string_value = x
    elif t == "int": pbv.int_value = x
    elif t == "double": pbv.double_value = x
    elif t == "bool": pbv.bool_value = x
    elif t == "array":
        pbv.array_value.SetInParent()
        for e in x:
            _pb_value(pbv.array_value.values.add(), e)
    elif t == "kvlist":
        pbv.kvlist_value.SetInParent()
        _pb_attrs(pbv.kvlist_value.values, x)
    elif t == "bytes": pbv.bytes_value = x
    else: raise ValueError(t)


def _pb_attrs(repeated, attrs):
    for k, v in attrs:
        kv = repeated.add()
        kv.key = k
        _pb_value(kv.value, v)


def to_pb(pb, plan):
    """ExportTraceServiceRequest message (pb = the generated module)."""
    req = pb.ExportTraceServiceRequest()
    for b in plan:
        rs = req.resource_spans.add()
        _pb_attrs(rs.resource.attributes, b["resource"])
        ss = rs.scope_spans.add()
        ss.scope.name, ss.scope.version = b["scope"]["name"], b["scope"]["version"]
        for s in b["spans"]:
            sp = ss.spans.add()
            sp.trace_id, sp.span_id = bytes.fromhex(s["trace_id"]), bytes.fromhex(s["span_id"])
            sp.parent_span_id = bytes.fromhex(s["parent_span_id"])
            sp.trace_state, sp.name, sp.kind = s["trace_state"], s["name"], s["kind"]
            sp.start_time_unix_nano, sp.end_time_unix_nano = s["start"], s["end"]
            _pb_attrs(sp.attributes, s["attributes"])
            for e in s["events"]:
                ev = sp.events.add()
                ev.time_unix_nano, ev.name = e["time"], e["name"]
                _pb_attrs(ev.attributes, e["attributes"])
            for l in s["links"]:
                ln = sp.links.add()
                ln.trace_id, ln.span_id = bytes.fromhex(l["trace_id"]), bytes.fromhex(l["span_id"])
                ln.trace_state = l["trace_state"]
                _pb_attrs(ln.attributes, l["attributes"])
            sp.status.SetInParent()
            sp.status.code, sp.status.message = s["status"]["code"], s["status"]["message"]
    return req


def to_node_plan(plan):
    """JSON plan for senders/otel_send.js (only values the OTel JS SDK can express)."""
    def val(v):
        t, x = v
        if t in ("kvlist", "bytes"):
            raise ValueError("OTel JS cannot send %s attribute values" % t)
        if t == "array":
            if len({e[0] for e in x}) > 1:
                raise ValueError("OTel JS drops arrays of mixed types")
            return {"t": t, "v": [val(e) for e in x]}
        if t == "int" and abs(x) > 2**53:
            raise ValueError("OTel JS cannot send integers beyond 2^53 exactly")
        return {"t": t, "v": str(x) if t == "int" else x}
    def attrs(a): return [[k, val(v)] for k, v in a]
    out = []
    for b in plan:
        spans = []
        for s in b["spans"]:
            spans.append({**s, "start": str(s["start"]), "end": str(s["end"]),
                          "attributes": attrs(s["attributes"]),
                          "events": [{**e, "time": str(e["time"]), "attributes": attrs(e["attributes"])}
                                     for e in s["events"]],
                          "links": [{**l, "attributes": attrs(l["attributes"])} for l in s["links"]]})
        out.append({"resource": attrs(b["resource"]), "scope": b["scope"], "spans": spans})
    return out


# ---- canonical form ---------------------------------------------------------------------
def _canon_attrs(attrs):
    return tuple(sorted(attrs, key=lambda kv: (kv[0], repr(kv[1]))))


def _canon_span(resource, scope, s):
    service = dict(resource).get("service.name", ("missing", None))
    return {
        "service": service[1] if service[0] == "string" else None,
        "resource": _canon_attrs(resource), "scope": (scope.get("name", ""), scope.get("version", "")),
        "trace_id": s["trace_id"], "span_id": s["span_id"], "parent_span_id": s["parent_span_id"],
        "trace_state": s["trace_state"], "name": s["name"], "kind": s["kind"],
        "start": s["start"], "end": s["end"], "attributes": _canon_attrs(s["attributes"]),
        "events": tuple((e["time"], e["name"], _canon_attrs(e["attributes"])) for e in s["events"]),
        "links": tuple((l["trace_id"], l["span_id"], l["trace_state"], _canon_attrs(l["attributes"]))
                       for l in s["links"]),
        "status": (s["status"]["code"], s["status"]["message"]),
    }


def expected_spans(plan):
    return [_canon_span(b["resource"], b["scope"], s) for b in plan for s in b["spans"]]


def compare_spans(expected, actual, limit=12):
    """Returns a list of human-readable differences (empty = identical sets of spans)."""
    problems = []
    exp = {(s["trace_id"], s["span_id"]): s for s in expected}
    seen = {}
    for s in actual:
        key = (s["trace_id"], s["span_id"])
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 2:
            problems.append(f"span {key[1]} of trace {key[0]} returned more than once")
    for key, s in exp.items():
        if key not in seen:
            problems.append(f"missing span {key[1]} ({s['name']!r}) of trace {key[0]}")
    for s in actual:
        key = (s["trace_id"], s["span_id"])
        if key not in exp:
            problems.append(f"unexpected span {key[1]} ({s.get('name')!r}) of trace {key[0]}")
            continue
        for field, want in exp[key].items():
            if s.get(field) != want:
                problems.append(f"span {key[1]} field {field}: got {s.get(field)!r}, sent {want!r}")
    if len(problems) > limit:
        problems = problems[:limit] + [f"... and {len(problems) - limit} more differences"]
    return problems


# ---- decoding query responses --------------------------------------------------------------
def _pb_any(v):
    which = v.WhichOneof("value")
    if which is None: return ("empty", None)
    if which == "string_value": return S(v.string_value)
    if which == "int_value": return I(v.int_value)
    if which == "double_value": return D(v.double_value)
    if which == "bool_value": return B(v.bool_value)
    if which == "bytes_value": return BY(v.bytes_value)
    if which == "array_value": return ("array", tuple(_pb_any(e) for e in v.array_value.values))
    return ("kvlist", tuple((kv.key, _pb_any(kv.value)) for kv in v.kvlist_value.values))


def _pb_kvs(kvs):
    return [(kv.key, _pb_any(kv.value)) for kv in kvs]


def canon_from_pb(resource_spans, problems):
    """Canonical spans from protobuf ResourceSpans; structural problems (query-api §8.7) are
    appended to `problems`."""
    out = []
    for rs in resource_spans:
        if not rs.HasField("resource") or len(rs.resource.attributes) == 0:
            problems.append("a ResourceSpans has no resource attributes (§8.7)")
        resource = _pb_kvs(rs.resource.attributes)
        for ss in rs.scope_spans:
            if not ss.HasField("scope"):
                problems.append("a ScopeSpans has no scope message (§8.7)")
            scope = {"name": ss.scope.name, "version": ss.scope.version}
            for sp in ss.spans:
                if not sp.HasField("status"):
                    problems.append(f"span {sp.span_id.hex()} has no status message (§8.7)")
                s = {"trace_id": sp.trace_id.hex(), "span_id": sp.span_id.hex(),
                     "parent_span_id": sp.parent_span_id.hex(), "trace_state": sp.trace_state,
                     "name": sp.name, "kind": sp.kind, "start": sp.start_time_unix_nano,
                     "end": sp.end_time_unix_nano, "attributes": _pb_kvs(sp.attributes),
                     "events": [{"time": e.time_unix_nano, "name": e.name,
                                 "attributes": _pb_kvs(e.attributes)} for e in sp.events],
                     "links": [{"trace_id": l.trace_id.hex(), "span_id": l.span_id.hex(),
                                "trace_state": l.trace_state, "attributes": _pb_kvs(l.attributes)}
                               for l in sp.links],
                     "status": {"code": sp.status.code, "message": sp.status.message}}
                out.append(_canon_span(resource, scope, s))
    return out


class _JsonDecoder:
    """Decodes Tempo's query JSON (gogo jsonpb rules, query-api §3.2) strictly: any
    deviation is recorded as a problem, and decoding still continues."""

    def __init__(self, problems):
        self.problems = problems

    def note(self, msg):
        if msg not in self.problems:
            self.problems.append(msg)

    def b64id(self, obj, key, size, where):
        raw = obj.get(key)
        if raw is None or raw == "":
            return ""
        try:
            b = base64.b64decode(raw, validate=True)
        except Exception:
            self.note(f"{where}.{key} is not standard base64: {raw!r}")
            return raw
        if len(b) != size:
            self.note(f"{where}.{key} decodes to {len(b)} bytes, want {size}: {raw!r}")
        return b.hex()

    def u64(self, obj, key, where):
        raw = obj.get(key, "0")
        if not isinstance(raw, str):
            self.note(f"{where}.{key} must be a JSON string (64-bit int), got {raw!r}")
        return int(raw)

    def enum(self, raw, names, where):
        if raw is None:
            return 0
        if isinstance(raw, str) and raw in names:
            if raw == names[0]:
                self.note(f"{where}: zero enum value {raw} should be omitted")
            return names.index(raw)
        self.note(f"{where} must be an enum name like {names[1]}, got {raw!r}")
        return int(raw) if isinstance(raw, int) else -1

    def any(self, v, where):
        if not isinstance(v, dict) or len(v) == 0:
            return ("empty", None)
        (k, x), = v.items()
        if k == "stringValue": return S(x)
        if k == "boolValue": return B(x)
        if k == "intValue":
            if not isinstance(x, str):
                self.note(f"{where}.intValue must be a JSON string, got {x!r}")
            return I(x)
        if k == "doubleValue": return D(x)
        if k == "bytesValue": return BY(base64.b64decode(x))
        if k == "arrayValue": return ("array", tuple(self.any(e, where) for e in x.get("values", [])))
        if k == "kvlistValue": return ("kvlist", tuple(self.kvs(x.get("values", []), where)))
        self.note(f"{where}: unknown AnyValue key {k!r}")
        return ("unknown", repr(x))

    def kvs(self, kvs, where):
        return [(kv["key"], self.any(kv.get("value"), f"{where}[{kv['key']}]")) for kv in kvs or []]

    def resource_spans(self, rss):
        out = []
        for rs in rss:
            resource = self.kvs(rs.get("resource", {}).get("attributes"), "resource")
            if not resource:
                self.note("a ResourceSpans has no resource attributes (§8.7)")
            if "instrumentationLibrarySpans" in rs:
                self.note("ResourceSpans uses the old instrumentationLibrarySpans key")
            for ss in rs.get("scopeSpans", []):
                if "scope" not in ss:
                    self.note("a ScopeSpans has no scope message (§8.7)")
                scope = ss.get("scope", {})
                for sp in ss.get("spans", []):
                    where = "span " + str(sp.get("spanId"))
                    if "status" not in sp:
                        self.note(f"{where} has no status message (§8.7)")
                    st = sp.get("status", {})
                    s = {"trace_id": self.b64id(sp, "traceId", 16, where),
                         "span_id": self.b64id(sp, "spanId", 8, where),
                         "parent_span_id": self.b64id(sp, "parentSpanId", 8, where),
                         "trace_state": sp.get("traceState", ""), "name": sp.get("name", ""),
                         "kind": self.enum(sp.get("kind"), KIND_NAMES, where + ".kind"),
                         "start": self.u64(sp, "startTimeUnixNano", where),
                         "end": self.u64(sp, "endTimeUnixNano", where),
                         "attributes": self.kvs(sp.get("attributes"), where),
                         "events": [{"time": self.u64(e, "timeUnixNano", where + ".event"),
                                     "name": e.get("name", ""),
                                     "attributes": self.kvs(e.get("attributes"), where + ".event")}
                                    for e in sp.get("events", [])],
                         "links": [{"trace_id": self.b64id(l, "traceId", 16, where + ".link"),
                                    "span_id": self.b64id(l, "spanId", 8, where + ".link"),
                                    "trace_state": l.get("traceState", ""),
                                    "attributes": self.kvs(l.get("attributes"), where + ".link")}
                                   for l in sp.get("links", [])],
                         "status": {"code": self.enum(st.get("code"), STATUS_NAMES, where + ".status.code"),
                                    "message": st.get("message", "")}}
                    out.append(_canon_span(resource, scope, s))
        return out


def canon_from_json(resource_spans, problems):
    """Canonical spans from Tempo's query JSON (list of ResourceSpans objects)."""
    return _JsonDecoder(problems).resource_spans(resource_spans)
