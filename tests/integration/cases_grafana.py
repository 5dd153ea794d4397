"""Grafana's Tempo datasource, imitated (query-api.md §3.3, §9, §12): the health check, trace by
ID as protobuf, search with strict JSON decoding, streaming search and tag autocomplete over gRPC
on the HTTP port (h2c) and on the gRPC port, and the error texts Grafana pattern-matches.

The protobuf modules are generated at test time with `protoc --python_out` from the repository's
own src/proto files into a temporary directory, and the gRPC calls use Debian's python3-grpcio
with generic stubs, so both sides of the wire come from one schema.
"""
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

import clients
import otlp
from harness import case

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_SRC = os.path.normpath(os.path.join(HERE, "..", "..", "src", "proto"))
PROTO_FILES = ["tempopb/tempo.proto", "opentelemetry/proto/common/v1/common.proto",
               "opentelemetry/proto/resource/v1/resource.proto",
               "opentelemetry/proto/trace/v1/trace.proto"]
SERVICE = "/tempopb.StreamingQuerier/"
MAX_GRPC_MESSAGE = 4 << 20  # Grafana's default receive limit
GO_ZERO_TIME_SECONDS = -62135596800  # what Grafana's gogo client sends as RF1After
SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)")

_tempopb = None


def tempopb():
    """Generates (once per process) and imports tempopb/tempo_pb2 from src/proto."""
    global _tempopb
    if _tempopb is not None:
        return _tempopb
    if shutil.which("protoc") is None:
        raise RuntimeError("protoc not found: run tests/integration/setup.sh")
    out = tempfile.mkdtemp(prefix="tempo-it-grafana-pb-")
    atexit.register(shutil.rmtree, out, True)
    includes = ["-I", PROTO_SRC]
    if os.path.exists("/usr/include/google/protobuf/timestamp.proto"):
        includes += ["-I", "/usr/include"]
    p = subprocess.run(["protoc", *includes, f"--python_out={out}", *PROTO_FILES],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"protoc failed: {p.stderr}")
    # Regular packages, so that an installed `opentelemetry` distribution cannot shadow them.
    for root, _, _ in os.walk(out):
        if root != out:
            open(os.path.join(root, "__init__.py"), "a").close()
    sys.path.insert(0, out)
    import importlib
    _tempopb = importlib.import_module("tempopb.tempo_pb2")
    return _tempopb


def _q(text):
    return urllib.parse.quote(text, safe="")


def has_unknown_fields(msg):
    """True when `msg` (recursively) holds fields its schema does not know."""
    copy = type(msg)()
    copy.CopyFrom(msg)
    copy.DiscardUnknownFields()
    return copy.ByteSize() != msg.ByteSize()


def strict_json(pb_type, body):
    """Parses a JSON body as Grafana does: protobuf JSON, unknown fields are an error."""
    from google.protobuf import json_format
    return json_format.Parse(body, pb_type(), ignore_unknown_fields=False)


class GrafanaGrpc:
    """Generic StreamingQuerier client as Grafana's: plaintext HTTP/2, 4 MiB receive limit,
    Grafana's user agent and an Authorization header that the server must ignore."""

    def __init__(self, port, tenant=None):
        import grpc
        self.grpc = grpc
        self.channel = grpc.insecure_channel(
            f"127.0.0.1:{port}",
            options=[("grpc.enable_http_proxy", 0), ("grpc.primary_user_agent", "Grafana/12.1.0"),
                     ("grpc.max_receive_message_length", MAX_GRPC_MESSAGE)])
        self.metadata = [("authorization", "Basic Z3JhZmFuYTpzZWNyZXQ=")]
        if tenant is not None:
            self.metadata.append(("x-scope-orgid", tenant))

    def stream(self, method, request, response_type, timeout=20):
        """Returns (code, details, messages, sizes) of one server-streaming call."""
        call = self.channel.unary_stream(SERVICE + method,
                                         request_serializer=lambda m: m.SerializeToString(),
                                         response_deserializer=lambda b: (b, response_type.FromString(b)))
        messages, sizes = [], []
        try:
            for raw, msg in call(request, timeout=timeout, metadata=self.metadata):
                sizes.append(len(raw))
                messages.append(msg)
            return self.grpc.StatusCode.OK, "", messages, sizes
        except self.grpc.RpcError as e:
            return e.code(), e.details(), messages, sizes

    def close(self):
        self.channel.close()


def push(ctx, srv, tenant=None):
    """Two traces of services grafana-a (3 spans) and grafana-b (2 spans), just pushed."""
    now = time.time_ns()
    tid_a, tid_b = ctx.ids.trace(), ctx.ids.trace()
    plan = [otlp.simple_batch(ctx.ids, "grafana-a", tid_a, 3, start_ns=now - 5 * 10**9),
            otlp.simple_batch(ctx.ids, "grafana-b", tid_b, 2, start_ns=now - 10**9)]
    r = clients.push_plan_http(ctx.pb, srv, plan, tenant=tenant)
    ctx.require("push", r.status == 200, repr(r))
    return tid_a, tid_b


def check_search_json(ctx, pb, body, spss):
    """Checklist 8: strict decoding plus the fields Grafana reads."""
    msg = strict_json(pb.SearchResponse, body)
    doc = json.loads(body)
    ctx.check("search JSON: only traces and metrics at the top", set(doc) <= {"traces", "metrics"},
              str(doc.keys()))
    for t in doc.get("traces", []):
        ok = (t.get("traceID", "").lstrip("0") == t.get("traceID") and t.get("rootServiceName")
              and isinstance(t.get("startTimeUnixNano"), str) and "spanSet" in t
              and all(len(s.get("spans", [])) <= spss and "matched" in s
                      for s in t.get("spanSets", [])))
        ctx.check(f"search JSON: trace {t.get('traceID')} has Grafana's fields", ok, str(t))
    starts = [int(t.startTimeUnixNano) for t in msg.traces]
    ctx.check("search JSON: sorted by start, newest first", starts == sorted(starts, reverse=True),
              str(starts))
    return msg


@case("grafana_http")
def grafana_http(ctx):
    """Grafana over HTTP: health check, trace by ID (protobuf), strict search JSON, error texts."""
    pb = tempopb()
    with ctx.server() as srv:
        srv.start()
        with ctx.step("health check"):
            r = clients.get(srv, "/api/echo")
            ctx.check("/api/echo: 200 echo", r.status == 200 and r.body == b"echo\n", repr(r))
            r = clients.get(srv, "/api/status/buildinfo")
            doc = json.loads(r.body) if r.status == 200 else {}
            ctx.check("buildinfo: six string keys",
                      set(doc) == {"version", "revision", "branch", "buildUser", "buildDate",
                                   "goVersion"} and all(isinstance(v, str) for v in doc.values()),
                      repr(r))
            m = SEMVER.match(doc.get("version", ""))
            ctx.check("buildinfo: version is semver >= 2.7.0",
                      m is not None and tuple(map(int, m.groups())) >= (2, 7, 0), str(doc))

        tid_a, tid_b = push(ctx, srv)
        with ctx.step("trace by ID v2 as protobuf"):
            r = clients.get(srv, f"/api/v2/traces/{tid_a}", {"Accept": "application/protobuf"})
            ctx.require("v2 protobuf: 200 application/protobuf", r.status == 200 and
                        r.headers.get("content-type", "").startswith("application/protobuf"),
                        repr(r))
            resp = pb.TraceByIDResponse.FromString(r.body)
            ctx.check("v2 protobuf: no unknown fields", not has_unknown_fields(resp))
            rss = resp.trace.resourceSpans
            spans = [s for rs in rss for ss in rs.scope_spans for s in ss.spans]
            ctx.check("v2 protobuf: all 3 spans", len(spans) == 3, str(len(spans)))
            ctx.check("v2 protobuf: every resource has service.name",
                      rss and all(any(kv.key == "service.name" for kv in rs.resource.attributes)
                                  for rs in rss), str(rss)[:500])
            ctx.check("v2 protobuf: every scope spans has a scope, every span a status",
                      all(ss.HasField("scope") for rs in rss for ss in rs.scope_spans) and
                      all(s.HasField("status") for s in spans), str(rss)[:500])
            r = clients.get(srv, f"/api/v2/traces/{ctx.ids.trace()}",
                            {"Accept": "application/protobuf"})
            resp = pb.TraceByIDResponse.FromString(r.body) if r.status == 200 else None
            ctx.check("v2 protobuf unknown ID: 200, trace present and empty",
                      resp is not None and resp.HasField("trace") and
                      not resp.trace.resourceSpans, repr(r))

        with ctx.step("search with strict JSON decoding"):
            now = int(time.time())
            r = clients.get(srv, f"/api/search?q={_q('{}')}&start={now - 600}&end={now + 1}"
                                 f"&limit=5&spss=2")
            ctx.require("search: 200 JSON", r.status == 200 and
                        r.headers.get("content-type", "").startswith("application/json"), repr(r))
            msg = check_search_json(ctx, pb, r.body, 2)
            ctx.check("search: both traces", [t.traceID for t in msg.traces] ==
                      [tid_b.lstrip("0"), tid_a.lstrip("0")], str(msg)[:500])
            ctx.check("search: 64-bit metrics as strings",
                      isinstance(json.loads(r.body)["metrics"].get("inspectedBytes"), str),
                      r.body[:300])
            r = clients.get(srv, "/api/search?q=" + _q('{ resource.service.name = "nobody" }'))
            msg = strict_json(pb.SearchResponse, r.body) if r.status == 200 else None
            ctx.check("search without hits: 200, metrics and no traces",
                      msg is not None and msg.HasField("metrics") and not msg.traces and
                      "traces" not in json.loads(r.body), repr(r))

        with ctx.step("error texts Grafana shows or matches"):
            now = int(time.time())
            cases = [
                ("/api/search?q=" + _q("{ .a = }"),
                 lambda b: b.startswith("invalid TraceQL query: parse error at line 1, col")),
                ("/api/search?limit=0", lambda b: b == "invalid limit: must be a positive number"),
                ("/api/search?spss=101", lambda b: b == "spans per span set exceeds 100. received 101"),
                (f"/api/search?start={now - 8 * 86400}&end={now}",
                 lambda b: re.search(r"range specified by start and end.*exceeds", b) is not None
                 and b.startswith("range specified by start and end exceeds 168h0m0s. received start=")),
                ("/api/traces/xyz", lambda b: "trace IDs can only contain hex characters" in b),
                ("/api/v2/search/tags?scope=foo", lambda b: b == "invalid scope: foo"),
                ("/api/v2/search/tag/app.user.id/values",
                 lambda b: b.startswith("please provide a valid tagName: ")),
            ]
            for path, good in cases:
                r = clients.get(srv, path)
                body = r.body.decode(errors="replace")
                ctx.check(f"{path}: 400 with Grafana's text", r.status == 400 and good(body) and
                          not r.headers.get("content-type", "").startswith("application/json"),
                          repr(r))


def grpc_checks(ctx, pb, port, label, tid_a, tid_b, tenant=None):
    """Streaming search, tag and value autocomplete on one port."""
    client = GrafanaGrpc(port, tenant)
    try:
        now = int(time.time())
        with ctx.step(f"{label}: streaming search"):
            req = pb.SearchRequest(Query="{}", Limit=1, start=now - 600, end=now + 1)
            req.RF1After.seconds = GO_ZERO_TIME_SECONDS
            code, details, msgs, sizes = client.stream("Search", req, pb.SearchResponse)
            ctx.require(f"{label}: Search OK", code == client.grpc.StatusCode.OK,
                        f"{code} {details}")
            ctx.check(f"{label}: at least one message, each under 4 MiB, none with unknown fields",
                      msgs and all(s < MAX_GRPC_MESSAGE for s in sizes) and
                      not any(has_unknown_fields(m) for m in msgs), str(sizes))
            traces = [t for m in msgs for t in m.traces]
            ctx.check(f"{label}: Limit 1 gives the newest trace",
                      [t.traceID for t in traces] == [tid_b.lstrip("0")], str(traces)[:400])
            ctx.check(f"{label}: metrics in the last message",
                      msgs[-1].HasField("metrics") and msgs[-1].metrics.inspectedTraces >= 1,
                      str(msgs[-1].metrics))
            req = pb.SearchRequest(Query='{ resource.service.name = "grafana-a" }', Limit=20)
            code, _, msgs, _ = client.stream("Search", req, pb.SearchResponse)
            traces = [t for m in msgs for t in m.traces]
            ctx.check(f"{label}: TraceQL filter, all spans when SpansPerSpanSet is 0",
                      code == client.grpc.StatusCode.OK and len(traces) == 1 and
                      traces[0].rootServiceName == "grafana-a" and
                      len(traces[0].spanSets[0].spans) == 3, f"{code} {traces}"[:500])
            code, details, _, _ = client.stream("Search", pb.SearchRequest(Query="{ .a = }"),
                                                pb.SearchResponse)
            ctx.check(f"{label}: bad TraceQL is INVALID_ARGUMENT with the HTTP text",
                      code == client.grpc.StatusCode.INVALID_ARGUMENT and
                      details.startswith("invalid TraceQL query: parse error at line 1, col"),
                      f"{code} {details}")
            code, details, _, _ = client.stream(
                "Search", pb.SearchRequest(start=now - 8 * 86400, end=now), pb.SearchResponse)
            ctx.check(f"{label}: range too long is INVALID_ARGUMENT, Grafana's text",
                      code == client.grpc.StatusCode.INVALID_ARGUMENT and
                      re.search(r"range specified by start and end.*exceeds", details or ""),
                      f"{code} {details}")

        with ctx.step(f"{label}: tag autocomplete"):
            code, details, msgs, _ = client.stream(
                "SearchTagsV2", pb.SearchTagsRequest(start=now - 600, end=now + 1),
                pb.SearchTagsV2Response)
            scopes = {s.name: list(s.tags) for m in msgs for s in m.scopes}
            ctx.check(f"{label}: SearchTagsV2 lists resource service.name, span i, intrinsics",
                      code == client.grpc.StatusCode.OK and
                      "service.name" in scopes.get("resource", []) and
                      "i" in scopes.get("span", []) and "duration" in scopes.get("intrinsic", []),
                      f"{code} {details} {scopes}")
            code, details, msgs, _ = client.stream(
                "SearchTags", pb.SearchTagsRequest(scope="span"), pb.SearchTagsResponse)
            names = [n for m in msgs for n in m.tagNames]
            ctx.check(f"{label}: SearchTags scope=span", code == client.grpc.StatusCode.OK and
                      names == ["i"], f"{code} {details} {names}")
            code, details, _, _ = client.stream("SearchTagsV2", pb.SearchTagsRequest(scope="foo"),
                                                pb.SearchTagsV2Response)
            ctx.check(f"{label}: bad scope is INVALID_ARGUMENT",
                      code == client.grpc.StatusCode.INVALID_ARGUMENT and
                      details == "invalid scope: foo", f"{code} {details}")

        with ctx.step(f"{label}: value autocomplete"):
            code, details, msgs, _ = client.stream(
                "SearchTagValuesV2",
                pb.SearchTagValuesRequest(tagName="resource.service.name", query="{}"),
                pb.SearchTagValuesV2Response)
            values = {(v.type, v.value) for m in msgs for v in m.tagValues}
            ctx.check(f"{label}: SearchTagValuesV2 typed service names",
                      code == client.grpc.StatusCode.OK and
                      {("string", "grafana-a"), ("string", "grafana-b")} <= values,
                      f"{code} {details} {values}")
            code, details, msgs, _ = client.stream(
                "SearchTagValuesV2", pb.SearchTagValuesRequest(tagName="status"),
                pb.SearchTagValuesV2Response)
            values = [(v.type, v.value) for m in msgs for v in m.tagValues]
            ctx.check(f"{label}: status keywords", values == [("keyword", "ok"),
                      ("keyword", "error"), ("keyword", "unset")], f"{code} {details} {values}")
            code, details, msgs, _ = client.stream(
                "SearchTagValues", pb.SearchTagValuesRequest(tagName="service.name"),
                pb.SearchTagValuesResponse)
            values = sorted(v for m in msgs for v in m.tagValues)
            ctx.check(f"{label}: SearchTagValues plain strings",
                      code == client.grpc.StatusCode.OK and values == ["grafana-a", "grafana-b"],
                      f"{code} {details} {values}")
            code, details, _, _ = client.stream(
                "SearchTagValuesV2", pb.SearchTagValuesRequest(tagName="app.user.id"),
                pb.SearchTagValuesV2Response)
            ctx.check(f"{label}: bad tag name is INVALID_ARGUMENT with the HTTP text",
                      code == client.grpc.StatusCode.INVALID_ARGUMENT and
                      details.startswith("please provide a valid tagName: "), f"{code} {details}")

        with ctx.step(f"{label}: metrics streams"):
            code, details, _, _ = client.stream(
                "MetricsQueryRange",
                pb.QueryRangeRequest(query="{} | rate()", start=(now - 600) * 10**9,
                                     end=now * 10**9, step=60 * 10**9),
                pb.QueryRangeResponse)
            ctx.check(f"{label}: MetricsQueryRange fails clearly (metrics not implemented)",
                      code == client.grpc.StatusCode.UNIMPLEMENTED and "metrics" in details,
                      f"{code} {details}")
    finally:
        client.close()


@case("grafana_grpc")
def grafana_grpc(ctx):
    """Grafana's streaming: StreamingQuerier over h2c on the HTTP port and on the gRPC port."""
    pb = tempopb()
    with ctx.server() as srv:
        srv.start()
        tid_a, tid_b = push(ctx, srv)
        grpc_checks(ctx, pb, srv.http_port, "h2c on the HTTP port", tid_a, tid_b)
        grpc_checks(ctx, pb, srv.grpc_port, "gRPC port", tid_a, tid_b)
        with ctx.step("HTTP/1.1 still served next to h2c"):
            r = clients.get(srv, "/api/echo")
            ctx.check("/api/echo after gRPC calls", r.status == 200 and r.body == b"echo\n",
                      repr(r))
            ctx.expect_ready(srv, "after gRPC calls")


@case("grafana_multitenancy")
def grafana_multitenancy(ctx):
    """Grafana with X-Scope-OrgID: tenants over HTTP and gRPC metadata, 'no org id' without."""
    pb = tempopb()
    with ctx.server(multitenancy=True) as srv:
        srv.start()
        tid_a, tid_b = push(ctx, srv, tenant="team-a")
        with ctx.step("HTTP"):
            r = clients.get(srv, "/api/search")
            ctx.check("HTTP without org id: 401 no org id",
                      r.status == 401 and r.body == b"no org id\n", repr(r))
            r = clients.get(srv, "/api/search", {"X-Scope-OrgID": "team-a"})
            msg = strict_json(pb.SearchResponse, r.body) if r.status == 200 else None
            ctx.check("HTTP team-a: both traces", msg is not None and len(msg.traces) == 2,
                      repr(r))
        for port, label in ((srv.http_port, "h2c"), (srv.grpc_port, "gRPC port")):
            with ctx.step(f"{label} tenancy"):
                client = GrafanaGrpc(port)
                try:
                    code, details, _, _ = client.stream("Search", pb.SearchRequest(Query="{}"),
                                                        pb.SearchResponse)
                    ctx.check(f"{label}: no x-scope-orgid fails with 'no org id'",
                              code != client.grpc.StatusCode.OK and details == "no org id",
                              f"{code} {details}")
                finally:
                    client.close()
                for tenant, want in (("team-a", 2), ("team-b", 0)):
                    client = GrafanaGrpc(port, tenant)
                    try:
                        code, details, msgs, _ = client.stream(
                            "Search", pb.SearchRequest(Query="{}"), pb.SearchResponse)
                        n = sum(len(m.traces) for m in msgs)
                        ctx.check(f"{label}: tenant {tenant} sees {want} traces",
                                  code == client.grpc.StatusCode.OK and n == want,
                                  f"{code} {details} {n}")
                    finally:
                        client.close()
