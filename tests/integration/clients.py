"""Clients that talk to the server under test: raw HTTP, curl, python grpcio, the OTel JS
sender (node), protoc, and helpers to query traces and read /metrics.

All traffic goes to 127.0.0.1; proxies from the environment are never used.
"""
import gzip as gzip_mod
import http.client
import json
import os
import re
import subprocess
import tempfile

import otlp

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_SENDER = os.path.join(HERE, "senders", "otel_send.js")
NODE_MODULES = os.path.join(HERE, "node_modules")
EXPORT_PATH = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

_PROXY_VARS = ("http_proxy", "https_proxy", "grpc_proxy", "all_proxy",
               "HTTP_PROXY", "HTTPS_PROXY", "GRPC_PROXY", "ALL_PROXY")


def clean_env():
    """Environment for child clients: no proxies, no OTEL_* settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in _PROXY_VARS and not k.startswith("OTEL_")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def __repr__(self):
        return f"<HTTP {self.status} {self.headers.get('content-type', '')} {self.body[:300]!r}>"


# ---- plain HTTP ------------------------------------------------------------------------
def http_request(port, method, path, body=None, headers=None, chunked=False, timeout=15):
    """One request on a fresh connection. chunked=True sends the body with
    Transfer-Encoding: chunked (as OTel JS does)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        hdrs = dict(headers or {})
        if chunked and body is not None:
            data = body
            body = iter([data[i:i + 16384] for i in range(0, len(data), 16384)] or [b""])
            conn.request(method, path, body=body, headers=hdrs, encode_chunked=True)
        else:
            conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


def get(srv, path, headers=None):
    return http_request(srv.http_port, "GET", path, headers=headers)


def otlp_post(srv, body, content_type="application/x-protobuf", encoding=None, tenant=None,
              chunked=False, extra_headers=None):
    """POST /v1/traces on the OTLP/HTTP receiver. `encoding` compresses the body ('gzip')
    or only sets the header ('zstd' is compressed with the zstd CLI)."""
    headers = dict(extra_headers or {})
    if content_type is not None:
        headers["Content-Type"] = content_type
    if tenant is not None:
        headers["X-Scope-OrgID"] = tenant
    if encoding == "gzip":
        body = gzip_mod.compress(body)
    elif encoding == "zstd":
        body = subprocess.run(["zstd", "-q", "-c"], input=body, capture_output=True,
                              check=True).stdout
    if encoding is not None:
        headers["Content-Encoding"] = encoding
    return http_request(srv.otlp_http_port, "POST", "/v1/traces", body=body, headers=headers,
                        chunked=chunked)


def push_plan_http(pb, srv, plan, tenant=None, fmt="proto"):
    """Pushes a plan over OTLP/HTTP (protobuf or JSON) and returns the response."""
    if fmt == "json":
        return otlp_post(srv, otlp.to_otlp_json_bytes(plan), "application/json", tenant=tenant)
    return otlp_post(srv, otlp.to_pb(pb, plan).SerializeToString(), tenant=tenant)


# ---- curl -------------------------------------------------------------------------------
def curl_post(url, body, headers, timeout=30):
    """POSTs `body` with curl 7.88; returns Resp (headers not parsed beyond the status)."""
    with tempfile.NamedTemporaryFile(suffix=".body") as f:
        f.write(body)
        f.flush()
        cmd = ["curl", "-sS", "--noproxy", "*", "--max-time", str(timeout), "-o", "-",
               "-w", "\n%{http_code}", "--data-binary", "@" + f.name, url]
        for k, v in headers.items():
            cmd += ["-H", f"{k}: {v}"]
        p = subprocess.run(cmd, capture_output=True, env=clean_env(), timeout=timeout + 10)
        if p.returncode != 0:
            return Resp(0, {}, b"curl failed: " + p.stderr)
        body, _, code = p.stdout.rpartition(b"\n")
        return Resp(int(code), {}, body)


# ---- protoc ------------------------------------------------------------------------------
def protoc_encode(msg):
    """Serializes `msg` with `protoc --encode` from its text format (an encoder that is
    independent of the python protobuf runtime)."""
    from google.protobuf import text_format
    import gen
    text = text_format.MessageToString(msg)
    p = subprocess.run(["protoc", "-I", gen.PROTO_DIR, f"--encode=tempoit.{msg.DESCRIPTOR.name}",
                        gen.PROTO_FILE], input=text.encode(), capture_output=True)
    if p.returncode != 0:
        raise RuntimeError("protoc --encode failed: " + p.stderr.decode())
    return p.stdout


def protoc_decode(data, type_name):
    """Text dump of `data` as tempoit.<type_name> via `protoc --decode`."""
    import gen
    p = subprocess.run(["protoc", "-I", gen.PROTO_DIR, f"--decode=tempoit.{type_name}",
                        gen.PROTO_FILE], input=data, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError("protoc --decode failed: " + p.stderr.decode())
    return p.stdout.decode()


# ---- python grpcio ---------------------------------------------------------------------
class GrpcResult:
    def __init__(self, code, details, trailers, response):
        self.code, self.details, self.trailers, self.response = code, details, trailers, response

    @property
    def ok(self):
        return self.code == "OK"

    def __repr__(self):
        return f"<gRPC {self.code} {self.details!r}>"


def grpc_export(addr, request, tenant=None, gzip=False, timeout=10, metadata=None):
    """Calls TraceService/Export with grpcio. `request` is a message or raw bytes
    (raw bytes are sent unchanged, e.g. to test undecodable messages)."""
    import grpc
    md = list(metadata or [])
    if tenant is not None:
        md.append(("x-scope-orgid", tenant))
    ser = (lambda b: b) if isinstance(request, (bytes, bytearray)) else (lambda m: m.SerializeToString())
    with grpc.insecure_channel(addr, options=[("grpc.enable_http_proxy", 0)]) as ch:
        call = ch.unary_unary(EXPORT_PATH, request_serializer=ser,
                              response_deserializer=lambda b: b)
        compression = grpc.Compression.Gzip if gzip else grpc.Compression.NoCompression
        try:
            resp, c = call.with_call(request, metadata=md, timeout=timeout, compression=compression)
            return GrpcResult("OK", "", dict(c.trailing_metadata() or []), resp)
        except grpc.RpcError as e:
            return GrpcResult(e.code().name, e.details(), dict(e.trailing_metadata() or []), None)


# ---- OTel JS -----------------------------------------------------------------------------
def node_available():
    return os.path.isdir(os.path.join(NODE_MODULES, "@opentelemetry", "exporter-trace-otlp-grpc"))


def run_node(srv, exporter, plan, tenant=None, processor="simple", timeout=60):
    """Sends `plan` with the real OTel JS SDK + exporter (senders/otel_send.js).
    exporter: grpc | grpc-gzip | http-json | http-json-gzip | http-proto | http-proto-gzip.
    Returns the sender's JSON report; raises RuntimeError with its output on failure."""
    if exporter.startswith("grpc"):
        url = f"http://{srv.otlp_grpc_addr}"
    else:
        url = srv.otlp_http_url
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(otlp.to_node_plan(plan), f)
        f.flush()
        cmd = ["node", NODE_SENDER, "--exporter", exporter, "--url", url, "--plan", f.name,
               "--processor", processor]
        if tenant is not None:
            cmd += ["--tenant", tenant]
        p = subprocess.run(cmd, capture_output=True, text=True, env=clean_env(), cwd=HERE,
                           timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"node sender ({exporter}) exited {p.returncode}\n"
                           f"stdout: {p.stdout[-2000:]}\nstderr: {p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


# ---- queries ------------------------------------------------------------------------------
def query_trace(pb, srv, trace_id, version="v2", fmt="json", tenant=None):
    """GET a trace by id. Returns (resp, spans, problems): spans in canonical form (None if
    the body could not be decoded) and a list of format problems."""
    path = f"/api/v2/traces/{trace_id}" if version == "v2" else f"/api/traces/{trace_id}"
    headers = {"Accept": "application/protobuf"} if fmt == "proto" else {}
    if tenant is not None:
        headers["X-Scope-OrgID"] = tenant
    resp = get(srv, path, headers)
    problems = []
    if resp.status != 200:
        return resp, None, problems
    want_ct = "application/protobuf" if fmt == "proto" else "application/json"
    if not resp.headers.get("content-type", "").startswith(want_ct):
        problems.append(f"Content-Type {resp.headers.get('content-type')!r}, want {want_ct}")
    try:
        if fmt == "proto":
            if version == "v2":
                msg = pb.TraceByIDResponse.FromString(resp.body)
                if not msg.HasField("trace"):
                    problems.append("TraceByIDResponse.trace (field 1) is not encoded")
                rss = msg.trace.resource_spans
            else:
                rss = pb.Trace.FromString(resp.body).resource_spans
            return resp, otlp.canon_from_pb(rss, problems), problems
        doc = json.loads(resp.body)
        if version == "v2":
            if "trace" not in doc:
                problems.append("v2 JSON has no 'trace' key")
            if "batches" in doc.get("trace", {}):
                problems.append("v2 JSON uses 'batches' (must be resourceSpans)")
            rss = doc.get("trace", {}).get("resourceSpans", [])
        else:
            if "resourceSpans" in doc:
                problems.append("v1 JSON uses key 'resourceSpans', want 'batches'")
            rss = doc.get("batches", doc.get("resourceSpans", []))
        return resp, otlp.canon_from_json(rss, problems), problems
    except Exception as e:  # undecodable body: report, do not crash the case
        problems.append(f"cannot decode body: {e!r}: {resp.body[:300]!r}")
        return resp, None, problems


# ---- /metrics -------------------------------------------------------------------------------
_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text format -> list of (name, labels dict, value)."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line.strip())
        if not m:
            raise ValueError(f"unparseable metrics line: {line!r}")
        labels = dict(_LABEL.findall(m.group(3) or ""))
        out.append((m.group(1), labels, float(m.group(4))))
    return out


def metrics(srv):
    resp = get(srv, "/metrics")
    if resp.status != 200:
        raise RuntimeError(f"/metrics returned {resp}")
    return parse_metrics(resp.body.decode())


def metric_sum(samples, name, **labels):
    """Sum of all samples named `name` whose labels include `labels` (0 if none)."""
    return sum(v for n, l, v in samples
               if n == name and all(l.get(k) == want for k, want in labels.items()))


def spans_received(srv, tenant="single-tenant"):
    return metric_sum(metrics(srv), "tempo_distributor_spans_received_total", tenant=tenant)


# ---- error bodies -----------------------------------------------------------------------------
def decode_rpc_status(pb, resp):
    """Decodes an OTLP/HTTP error body (google.rpc.Status in the request's encoding).
    Returns (code, message, retry_delay_seconds or None)."""
    ct = resp.headers.get("content-type", "")
    if "json" in ct:
        doc = json.loads(resp.body)
        delay = None
        for d in doc.get("details", []):
            if d.get("@type", "").endswith("google.rpc.RetryInfo"):
                delay = float(str(d.get("retryDelay", "0s")).rstrip("s"))
        return doc.get("code"), doc.get("message", ""), delay
    st = pb.RpcStatus.FromString(resp.body)
    delay = None
    for d in st.details:
        if d.type_url.endswith("google.rpc.RetryInfo"):
            ri = pb.RetryInfo.FromString(d.value)
            delay = ri.retry_delay.seconds + ri.retry_delay.nanos / 1e9
    return st.code, st.message, delay


def grpc_retry_delay(pb, result):
    """RetryInfo delay (seconds) from grpc-status-details-bin, or None."""
    raw = result.trailers.get("grpc-status-details-bin")
    if not raw:
        return None
    st = pb.RpcStatus.FromString(raw)
    for d in st.details:
        if d.type_url.endswith("google.rpc.RetryInfo"):
            ri = pb.RetryInfo.FromString(d.value)
            return ri.retry_delay.seconds + ri.retry_delay.nanos / 1e9
    return None
