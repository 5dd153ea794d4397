#!/usr/bin/env python3
"""Prints the one summary table of a bench run from the files its scripts left in a results dir.

  bench/summary.py [--query-only] RESULTS_DIR

Files read when present (each written by one step of bench/run.sh or bench/run_full.sh):
  meta.json            commit, machine, command, load averages (run.sh / run_full.sh)
  ingest_bench.json    Google Benchmark JSON of tempo_ingest_bench
  trace_by_id.txt      stdout of tempo_trace_by_id_bench
  ingest.jsonl         tempo_load JSON lines of bench/load/run_ingest.sh
  query_load.jsonl     the load of the query server (bench/load/run_query.sh)
  wait_blocks.json     time until every span was in a block
  query_server.json    blocks, bytes per span, RSS of the query server
  query.jsonl          tempo_query rows
  duckdb.jsonl         DuckDB reference rows (bench/load/duckdb_ref.mjs)
  steady.jsonl         steady-load phase of run_full.sh (tempo_load JSON line)
  steady_rss.txt       "<seconds> <rss MiB>" samples of the steady phase
  restart.json         kill -9 restart of run_full.sh
"""
import json
import os
import statistics
import sys


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    out = []
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def read_json(path):
    rows = read_jsonl(path)
    return rows[-1] if rows else None


def num(v, fmt="{:,.0f}"):
    if v is None or v == "" or v == "-":
        return "-"
    return fmt.format(float(v))


def ms(v):
    if v is None:
        return "-"
    v = float(v)
    if v >= 100:
        return "{:,.0f}".format(v)
    if v >= 1:
        return "{:.1f}".format(v)
    return "{:.2f}".format(v)


def rate(v):
    if v is None:
        return "-"
    v = float(v)
    if v >= 1e9:
        return "{:.1f} G".format(v / 1e9)
    if v >= 1e6:
        return "{:.1f} M".format(v / 1e6)
    if v >= 1e3:
        return "{:.0f} k".format(v / 1e3)
    return "{:.0f}".format(v)


def main():
    args = sys.argv[1:]
    query_only = "--query-only" in args
    args = [a for a in args if a != "--query-only"]
    if len(args) != 1:
        print(__doc__)
        return 2
    d = args[0]
    p = lambda name: os.path.join(d, name)
    rows = []  # (area, what, ours, reference, ratio, notes)

    meta = read_json(p("meta.json"))
    if not query_only:
        # Microbenchmarks.
        gb = p("ingest_bench.json")
        if os.path.exists(gb):
            for b in json.load(open(gb)).get("benchmarks", []):
                if b.get("run_type") == "aggregate":
                    continue
                ips = b.get("items_per_second")
                bps = b.get("bytes_per_second")
                value = rate(ips) + " items/s" if ips else (rate(bps) + "B/s" if bps else
                        "{:.3g} {}".format(b.get("real_time", 0), b.get("time_unit", "")))
                rows.append(("micro", b["name"], value, "", "", "tempo_ingest_bench, per core"))
        tbi = p("trace_by_id.txt")
        if os.path.exists(tbi):
            for line in open(tbi):
                parts = line.split()
                if line.startswith("blocks:"):
                    bps = line[line.rfind("(") + 1:line.rfind(" B/span")]
                    rows.append(("micro", "block bytes per span (tempo_trace_by_id_bench)",
                                 bps + " B/span", "target <= 45; Tempo ~57", "",
                                 line.strip().split(" (")[0]))
                elif line.startswith("block build:"):
                    rows.append(("micro", "block build (encode + write + fsync)",
                                 num(parts[2]) + " spans/CPU-s", "", "", "one thread"))
                elif len(parts) >= 7 and parts[0] in ("hit", "miss"):
                    # name ... p50 p90 p99 max mean cpu/lookup, in microseconds
                    p50, _, p99, _, _, cpu = parts[-6:]
                    rows.append(("micro", "store trace by ID, " + parts[0] + ": p50 / p99",
                                 "{} / {} us".format(ms(p50), ms(p99)),
                                 "target p99 <= 10 ms" if parts[0] == "hit" else "", "",
                                 "CPU {} us per lookup (tempo_trace_by_id_bench)".format(ms(cpu))))

        # End-to-end ingest.
        for r in read_jsonl(p("ingest.jsonl")):
            label = r.get("label", r.get("protocol", "?"))
            ref = r.get("decode_ref_spans_per_s")
            rows.append(("ingest", label + ": accepted spans/s", num(r.get("spans_per_s")),
                         "2 x decode ref {} spans/s".format(num(ref)) if ref else "",
                         num(r.get("decode_fraction"), "{:.3f}") if ref else "",
                         "target 250,000; push p50/p99 {} / {} ms, errors {}".format(
                             ms(r.get("p50_ms")), ms(r.get("p99_ms")),
                             sum(r.get("errors", {}).values()) or "none")))
            rows.append(("ingest", label + ": server CPU-s per M spans",
                         num(r.get("cpu_s_per_million_spans"), "{:.2f}"),
                         "decode ref {:.2f}".format(1e6 / ref) if ref else "", "",
                         "CPU-bound ceiling {} spans/s".format(num(r.get("cpu_bound_spans_per_s")))))
            rows.append(("ingest", label + ": peak RSS / disk written per span",
                         "{} MiB / {} B".format(num(r.get("peak_rss_mib")),
                                                num(r.get("disk_bytes_per_span"))),
                         "", "", "{} corpus B/span over the wire; other processes {} CPU-s".format(
                             num(r.get("corpus_bytes_per_span")), num(r.get("other_cpu_s"), "{:.0f}"))))

    # Query benchmark.
    load = read_json(p("query_load.jsonl"))
    wait = read_json(p("wait_blocks.json"))
    server = read_json(p("query_server.json"))
    if load:
        rows.append(("query", "load of the query server (gRPC)",
                     "{} spans/s".format(num(load.get("spans_per_s"))), "", "",
                     "{} spans in {:.0f} s, CPU-s per M {}, peak RSS {} MiB".format(
                         num(load.get("spans_ok")), float(load.get("duration_s", 0)),
                         num(load.get("cpu_s_per_million_spans"), "{:.2f}"),
                         num(load.get("peak_rss_mib")))))
    if wait:
        rows.append(("query", "time from last push to every span in a block",
                     "{:.1f} s".format(wait["wait_s"]), "", "",
                     "{} blocks flushed, {} spans in blocks".format(
                         num(wait.get("blocks_flushed")), num(wait.get("spans_in_blocks")))))
    if server:
        rows.append(("query", "blocks on disk per span (end to end)",
                     "{:.1f} B/span".format(server["blocks_bytes_per_span"]), "target <= 45", "",
                     "{} blocks, {} MiB, compaction {}".format(
                         server["blocks"], num(server["blocks_bytes"] / 1048576),
                         "on" if server.get("compaction") == "true" else "off")))
        rows.append(("query", "server RSS after the queries / peak",
                     "{} / {} MiB".format(num(server["rss_mib"]), num(server["peak_rss_mib"])),
                     "", "", "memory limit: {}; server CPU in the queries {:.0f} s".format(
                         "not enforced ({})".format(server.get("memory_mode"))
                         if str(server.get("memory_mode", "none")).startswith("none")
                         else "{} ({}), cgroup peak {} MiB, OOM kills {}".format(
                             server.get("memory_max"), server.get("memory_mode"),
                             server.get("cgroup_peak_mib"), server.get("oom_kills")),
                         server.get("query_cpu_s", 0))))
    duck = {r["id"]: r for r in read_jsonl(p("duckdb.jsonl")) if r.get("type") == "duckdb"}
    duck_load = next((r for r in read_jsonl(p("duckdb.jsonl")) if r.get("type") == "duckdb_load"),
                     None)
    ratios = []
    for r in read_jsonl(p("query.jsonl")):
        if r.get("type") != "query":
            continue
        text = r["query"] + (" with(most_recent=true)" if r.get("most_recent") else "")
        base = r["id"][:-3] if r["id"].endswith("_mr") else r["id"]
        ref = duck.get(base)
        ratio = ""
        if ref and ref.get("p50_ms") and r.get("n"):
            ratio = "{:.1f}x".format(r["p50_ms"] / ref["p50_ms"]) if ref["p50_ms"] > 0 else ""
            if r["kind"] == "search":
                ratios.append((text, r["p50_ms"] / ref["p50_ms"], bool(ref.get("matches"))))
        notes = []
        if r["kind"] == "search":
            notes.append("{} traces, inspected {} spans ({} spans/s), {} blocks".format(
                r.get("results"), num(r.get("inspected_spans")),
                rate(r.get("inspected_spans_per_s")), r.get("total_blocks")))
            if ref and r.get("most_recent") and "most_recent_overlap" in ref:
                notes.append("same as DuckDB: " + ref["most_recent_overlap"])
            if ref and not r.get("most_recent") and "default_valid" in ref:
                notes.append("valid matches: " + ref["default_valid"])
        elif r["kind"] == "tag_values":
            notes.append("{} values".format(r.get("results")) +
                         (" (DuckDB {})".format(ref["rows"]) if ref else ""))
        else:
            notes.append("{} lookups, {} B per answer".format(r.get("n"),
                                                             num(r.get("response_bytes"))))
        if r.get("errors"):
            notes.append("ERRORS {}: {}".format(r["errors"], r.get("error_sample", "")[:80]))
        rows.append(("query", text, "{} / {} ms".format(ms(r.get("p50_ms")), ms(r.get("p99_ms"))),
                     "DuckDB {} / {} ms".format(ms(ref["p50_ms"]), ms(ref["p99_ms"])) if ref else "",
                     ratio, "; ".join(notes)))
    if duck_load:
        rows.append(("query", "DuckDB load (CSV read + pass replication + traces table)",
                     "{:.1f} s".format(duck_load["load_s"]), "", "",
                     "DuckDB {}, {} threads, {} spans, {} traces, {} MiB".format(
                         duck_load["version"], duck_load["threads"], num(duck_load["spans"]),
                         num(duck_load["traces"]), num(duck_load["memory_mib"]))))

    if not query_only:
        steady = read_json(p("steady.jsonl"))
        if steady:
            rows.append(("steady", "accepted / offered spans/s",
                         "{} / {}".format(num(steady.get("spans_per_s")), num(steady.get("rate"))),
                         "", "", "{:.0f} s, {} late sends, errors {}, push p99 {} ms".format(
                             float(steady.get("duration_s", 0)), steady.get("late_sends"),
                             sum(steady.get("errors", {}).values()) or "none",
                             ms(steady.get("p99_ms")))))
            rows.append(("steady", "server CPU-s per M spans",
                         num(steady.get("cpu_s_per_million_spans"), "{:.2f}"), "", "",
                         "disk written {} B/span, data dir {} B/span".format(
                             num(steady.get("disk_bytes_per_span")),
                             num(steady.get("data_dir_bytes_per_span")))))
        samples = []
        if os.path.exists(p("steady_rss.txt")):
            samples = [float(l.split()[1]) for l in open(p("steady_rss.txt")) if l.strip()]
        if samples:
            half = samples[len(samples) // 2:]
            rows.append(("steady", "server RSS: median of the 2nd half / peak",
                         "{} / {} MiB".format(num(statistics.median(half)), num(max(samples))),
                         "", "", "{} samples".format(len(samples))))
        restart = read_json(p("restart.json"))
        if restart:
            rows.append(("restart", "kill -9 under load: restart to /ready 200",
                         "{:.2f} s".format(restart["ready_s"]) if restart["ready_s"] >= 0 else "never",
                         "", "", "WAL before the kill {} MiB".format(num(restart.get("wal_mib")))))
            rows.append(("restart", "kill -9 under load: restart to first accepted push",
                         "{:.2f} s".format(restart["first_push_s"]) if restart["first_push_s"] >= 0
                         else "never", "", "",
                         "RSS peak during replay and after: {} MiB".format(
                             num(restart.get("peak_rss_mib")))))
        across = read_json(p("restart_load.jsonl"))
        if across:
            rows.append(("restart", "load across the kill: accepted / failed requests",
                         "{} / {}".format(num(across.get("requests_ok")),
                                          num(across.get("requests_failed"))), "", "",
                         "errors {}".format(", ".join("{} x{}".format(k, v) for k, v in
                                                      across.get("errors", {}).items()) or "none")))
        mem = read_json(p("memory.json"))
        if mem:
            enforced = not str(mem.get("mode", "none")).startswith("none")
            rows.append(("memory", "memory limit for the servers",
                         (mem.get("limit") or "none") if enforced else "not enforced", "", "",
                         mem.get("mode", "") + ("; cgroup peak {} MiB, OOM kills {}".format(
                             mem.get("cgroup_peak_mib"), mem.get("oom_kills")) if enforced else
                             "; peak RSS (VmHWM) recorded instead")))

    if meta:
        print("bench summary: {} | commit {} | {} | load average at start {} / end {} | {}".format(
            meta.get("date"), meta.get("commit"), meta.get("machine"), meta.get("load_start"),
            " ".join(open("/proc/loadavg").read().split()[:3]) if os.path.exists("/proc/loadavg")
            else "?",
            meta.get("command")))
    header = ("area", "what", "ours", "reference", "ratio", "notes")
    table = [header] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    widths[5] = min(widths[5], 110)
    for i, r in enumerate(table):
        print("  ".join(c if j == 5 else c.ljust(widths[j]) if j in (0, 1) else c.rjust(widths[j])
                        for j, c in enumerate(r)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    for matching, what in ((True, "searches with matches"), (False, "searches without matches")):
        group = [x for x in ratios if x[2] == matching]
        if group:
            worst = max(group, key=lambda x: x[1])
            print("{} within 2x of DuckDB at p50: {} of {}; worst {:.1f}x ({})".format(
                what, sum(1 for x in group if x[1] <= 2), len(group), worst[1], worst[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
