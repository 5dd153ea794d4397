"""TraceQL search and tag endpoints over the real binary (query-api.md §8.8-§8.12)."""
import json
import time
import urllib.parse

import clients
import otlp
from harness import case


def _q(text):
    return urllib.parse.quote(text, safe="")


@case("search_api")
def search_api(ctx):
    """Push with OTLP/HTTP, then search and list tags as Grafana does."""
    pb = ctx.pb
    with ctx.server() as srv:
        srv.start()
        now = time.time_ns()
        tid_a, tid_b = ctx.ids.trace(), ctx.ids.trace()
        plan = [otlp.simple_batch(ctx.ids, "search-a", tid_a, 3, start_ns=now - 5 * 10**9),
                otlp.simple_batch(ctx.ids, "search-b", tid_b, 2, start_ns=now - 10**9)]
        ctx.require("push", clients.push_plan_http(pb, srv, plan).status == 200)

        with ctx.step("search everything"):
            r = clients.get(srv, "/api/search")
            ctx.require("search: 200 JSON", r.status == 200 and
                        r.headers.get("content-type", "").startswith("application/json"), repr(r))
            doc = json.loads(r.body)
            ids = [t["traceID"] for t in doc.get("traces", [])]
            ctx.check("search: both traces, newest first",
                      ids == [tid_b.lstrip("0"), tid_a.lstrip("0")], str(ids))
            ctx.check("search: metrics present", "metrics" in doc, str(doc))
            ctx.check("search: only known keys", set(doc) <= {"traces", "metrics"}, str(doc.keys()))

        with ctx.step("search with TraceQL"):
            r = clients.get(srv, "/api/search?q=" + _q('{ resource.service.name = "search-a" }') +
                            "&spss=2")
            doc = json.loads(r.body)
            traces = doc.get("traces", [])
            ctx.check("traceql: one trace", len(traces) == 1, str(doc))
            if traces:
                ctx.check("traceql: rootServiceName", traces[0].get("rootServiceName") == "search-a",
                          str(traces[0]))
                ctx.check("traceql: spss honoured, matched counts all",
                          len(traces[0]["spanSets"][0]["spans"]) == 2 and
                          traces[0]["spanSets"][0]["matched"] == 3, str(traces[0]))
            r = clients.get(srv, "/api/search?limit=0")
            ctx.check("limit=0: 400", r.status == 400 and
                      r.body == b"invalid limit: must be a positive number", repr(r))
            r = clients.get(srv, "/api/search?q=" + _q("{ .a = }"))
            ctx.check("bad query: 400 invalid TraceQL query", r.status == 400 and
                      r.body.startswith(b"invalid TraceQL query: "), repr(r))

        with ctx.step("tags and values"):
            r = clients.get(srv, "/api/v2/search/tags")
            doc = json.loads(r.body)
            scopes = {s["name"]: s["tags"] for s in doc.get("scopes", [])}
            ctx.check("tags: span attribute i", "i" in scopes.get("span", []), str(scopes))
            ctx.check("tags: intrinsic list", "duration" in scopes.get("intrinsic", []), str(scopes))
            r = clients.get(srv, "/api/v2/search/tag/resource.service.name/values")
            doc = json.loads(r.body)
            values = {(v["type"], v["value"]) for v in doc.get("tagValues", [])}
            ctx.check("values: both services",
                      {("string", "search-a"), ("string", "search-b")} <= values, str(values))
