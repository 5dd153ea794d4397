#include "report.h"

#include <algorithm>
#include <cstdio>
#include <thread>
#include <vector>

namespace tempo::bench {
namespace {

// Everything derived from a RunReport, computed once for both renderings.
struct Derived {
  double spans_per_s = 0;
  double mb_per_s = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  double server_cpu_s = 0;
  double cpu_s_per_million = 0;
  double cpu_bound_spans_per_s = 0;  // cores / CPU-s per span: the rate if CPU were the only limit
  double client_cpu_s = 0;
  double other_cpu_s = 0;  // busy time of the machine not spent in the server or the client
  double disk_write_bytes = 0;
  double disk_bytes_per_span = 0;
  double data_dir_growth = 0;
  double data_dir_bytes_per_span = 0;
  double server_spans_received = -1;  // from /metrics; -1 = unknown
  double server_spans_discarded = -1;
  double wal_commits_per_s = -1;  // group commits (each fsynced when storage.trace.wal.sync is on)
  int cores = 1;
  double decode_fraction = 0;  // spans_per_s / (cores × decode reference)
};

double Percentile(std::vector<uint32_t> v, double q) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k] / 1000.0;
}

double Delta(const RunReport& r, const std::string& name) {
  auto a = r.metrics_start.find(name), b = r.metrics_end.find(name);
  if (b == r.metrics_end.end()) return -1;
  return b->second - (a == r.metrics_start.end() ? 0 : a->second);
}

Derived Derive(const RunReport& r) {
  Derived d;
  const LoadStats& s = r.stats;
  double elapsed = std::max(r.elapsed_s, 1e-9);
  d.spans_per_s = static_cast<double>(s.spans_ok) / elapsed;
  d.mb_per_s = static_cast<double>(s.bytes_ok) / elapsed / 1e6;
  d.p50_ms = Percentile(s.latencies_us, 0.50);
  d.p99_ms = Percentile(s.latencies_us, 0.99);
  d.max_ms = Percentile(s.latencies_us, 1.0);
  d.client_cpu_s = r.server_end.self_cpu_s - r.server_start.self_cpu_s;
  d.cores = std::max(1u, std::thread::hardware_concurrency());
  if (r.have_server) {
    d.server_cpu_s = r.server_end.cpu_s - r.server_start.cpu_s;
    double million = static_cast<double>(s.spans_ok) / 1e6;
    d.cpu_s_per_million = million > 0 ? d.server_cpu_s / million : 0;
    if (d.cpu_s_per_million > 0) d.cpu_bound_spans_per_s = d.cores * 1e6 / d.cpu_s_per_million;
    double busy = r.server_end.machine_busy_s - r.server_start.machine_busy_s;
    d.other_cpu_s = std::max(0.0, busy - d.server_cpu_s - d.client_cpu_s);
    d.disk_write_bytes = static_cast<double>(r.server_end.write_bytes - r.server_start.write_bytes);
    d.data_dir_growth = static_cast<double>(r.server_end.data_dir_bytes) -
                        static_cast<double>(r.server_start.data_dir_bytes);
    if (s.spans_ok > 0) {
      d.disk_bytes_per_span = d.disk_write_bytes / static_cast<double>(s.spans_ok);
      d.data_dir_bytes_per_span = d.data_dir_growth / static_cast<double>(s.spans_ok);
    }
  }
  d.server_spans_received = Delta(r, "tempo_distributor_spans_received_total");
  d.server_spans_discarded = Delta(r, "tempo_discarded_spans_total");
  double syncs = Delta(r, "tempo_wal_syncs_total");
  if (syncs >= 0) d.wal_commits_per_s = syncs / elapsed;
  if (r.decode_ref_spans_per_s > 0) {
    d.decode_fraction = d.spans_per_s / (d.cores * r.decode_ref_spans_per_s);
  }
  return d;
}

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

}  // namespace

void PrintTable(const RunReport& r, std::ostream& out) {
  Derived d = Derive(r);
  const LoadStats& s = r.stats;
  const LoadOptions& o = r.options;
  auto row = [&out](const std::string& k, const std::string& v) {
    char buf[256];
    std::snprintf(buf, sizeof(buf), "  %-34s %s\n", k.c_str(), v.c_str());
    out << buf;
  };
  out << "== " << (r.label.empty() ? o.protocol : r.label) << " ==\n";
  row("target", o.protocol + " " + o.host + ":" + std::to_string(o.port) + "  connections " +
                    std::to_string(o.protocol == "http" ? o.concurrency : o.connections) +
                    ", in flight " + std::to_string(o.concurrency) +
                    (o.rate > 0 ? ", rate " + Fmt("%.0f", o.rate) + " spans/s" : ", max rate"));
  row("elapsed", Fmt("%.1f s", r.elapsed_s) + " (corpus passes: " + std::to_string(s.passes) + ")");
  row("accepted",
      std::to_string(s.spans_ok) + " spans in " + std::to_string(s.requests_ok) + " requests");
  row("accepted spans/s", Fmt("%.0f", d.spans_per_s) + Fmt("  (%.1f MB/s of OTLP)", d.mb_per_s));
  row("push latency p50 / p99 / max",
      Fmt("%.1f", d.p50_ms) + " / " + Fmt("%.1f", d.p99_ms) + " / " + Fmt("%.1f ms", d.max_ms));
  std::string errors = s.errors.empty() ? "none" : "";
  for (const auto& [kind, n] : s.errors) {
    errors += kind + " x" + std::to_string(n) + " (" + s.error_samples.at(kind) + ")  ";
  }
  row("errors", errors);
  if (o.rate > 0) {
    row("sends >100 ms behind schedule",
        std::to_string(s.late_sends) + Fmt(" (max lag %.3f s)", s.max_send_lag_s));
  }
  if (r.have_server) {
    row("server pid", std::to_string(r.server_pid));
    row("server CPU", Fmt("%.1f s", d.server_cpu_s) +
                          Fmt(" = %.2f cores", d.server_cpu_s / std::max(r.elapsed_s, 1e-9)));
    row("server CPU-s per million spans", Fmt("%.2f", d.cpu_s_per_million));
    row("CPU-bound ceiling on " + std::to_string(d.cores) + " cores",
        Fmt("%.0f spans/s (if the server had every core)", d.cpu_bound_spans_per_s));
    row("server peak RSS", Fmt("%.0f MiB", r.peak_rss_bytes / 1048576.0) +
                               Fmt(" (start %.0f", r.server_start.rss_bytes / 1048576.0) +
                               Fmt(", end %.0f MiB)", r.server_end.rss_bytes / 1048576.0));
    row("disk writes (/proc/pid/io)",
        Fmt("%.1f MB", d.disk_write_bytes / 1e6) + Fmt(" = %.0f B/span", d.disk_bytes_per_span));
    row("data dir growth (du)",
        Fmt("%.1f MB", d.data_dir_growth / 1e6) + Fmt(" = %.0f B/span", d.data_dir_bytes_per_span));
  }
  row("load generator CPU", Fmt("%.1f s", d.client_cpu_s));
  if (r.have_server) row("other processes' CPU", Fmt("%.1f s (should be ~0)", d.other_cpu_s));
  if (d.server_spans_received >= 0) {
    row("server counted (metrics)",
        Fmt("%.0f spans received", d.server_spans_received) +
            Fmt(", %.0f discarded", std::max(0.0, d.server_spans_discarded)));
  }
  if (d.wal_commits_per_s >= 0) {
    row("WAL group commits/s", Fmt("%.0f", d.wal_commits_per_s) + " (fsynced if wal.sync is on)");
  }
  if (r.decode_ref_spans_per_s > 0) {
    row("decode reference (1 core)", Fmt("%.0f spans/s", r.decode_ref_spans_per_s));
    row("ingest / (" + std::to_string(d.cores) + " cores x decode)",
        Fmt("%.3f", d.decode_fraction));
  }
}

void PrintJson(const RunReport& r, std::ostream& out) {
  Derived d = Derive(r);
  const LoadStats& s = r.stats;
  const LoadOptions& o = r.options;
  std::string errors;
  for (const auto& [kind, n] : s.errors) {
    if (!errors.empty()) errors += ',';
    errors += JsonString(kind);
    errors += ':';
    errors += std::to_string(n);
  }
  out << "{\"label\":" << JsonString(r.label) << ",\"protocol\":" << JsonString(o.protocol)
      << ",\"connections\":" << (o.protocol == "http" ? o.concurrency : o.connections)
      << ",\"concurrency\":" << o.concurrency << ",\"rate\":" << o.rate
      << ",\"duration_s\":" << Fmt("%.2f", r.elapsed_s) << ",\"corpus_spans\":" << r.corpus_spans
      << ",\"corpus_bytes_per_span\":" << Fmt("%.1f", r.corpus_bytes_per_span)
      << ",\"passes\":" << s.passes << ",\"requests_ok\":" << s.requests_ok
      << ",\"spans_ok\":" << s.spans_ok << ",\"requests_failed\":" << s.requests_failed
      << ",\"errors\":{" << errors << "}"
      << ",\"spans_per_s\":" << Fmt("%.0f", d.spans_per_s)
      << ",\"mb_per_s\":" << Fmt("%.2f", d.mb_per_s) << ",\"p50_ms\":" << Fmt("%.2f", d.p50_ms)
      << ",\"p99_ms\":" << Fmt("%.2f", d.p99_ms) << ",\"max_ms\":" << Fmt("%.2f", d.max_ms)
      << ",\"late_sends\":" << s.late_sends << ",\"client_cpu_s\":" << Fmt("%.2f", d.client_cpu_s);
  if (r.have_server) {
    out << ",\"server_pid\":" << r.server_pid << ",\"server_cpu_s\":" << Fmt("%.2f", d.server_cpu_s)
        << ",\"cpu_s_per_million_spans\":" << Fmt("%.3f", d.cpu_s_per_million)
        << ",\"cpu_bound_spans_per_s\":" << Fmt("%.0f", d.cpu_bound_spans_per_s)
        << ",\"peak_rss_mib\":" << Fmt("%.1f", r.peak_rss_bytes / 1048576.0)
        << ",\"end_rss_mib\":" << Fmt("%.1f", r.server_end.rss_bytes / 1048576.0)
        << ",\"disk_write_bytes\":" << Fmt("%.0f", d.disk_write_bytes)
        << ",\"disk_bytes_per_span\":" << Fmt("%.1f", d.disk_bytes_per_span)
        << ",\"data_dir_bytes\":" << r.server_end.data_dir_bytes
        << ",\"data_dir_bytes_per_span\":" << Fmt("%.1f", d.data_dir_bytes_per_span)
        << ",\"other_cpu_s\":" << Fmt("%.2f", d.other_cpu_s);
  }
  if (d.server_spans_received >= 0) {
    out << ",\"server_spans_received\":" << Fmt("%.0f", d.server_spans_received)
        << ",\"server_spans_discarded\":" << Fmt("%.0f", std::max(0.0, d.server_spans_discarded));
  }
  if (d.wal_commits_per_s >= 0) {
    out << ",\"wal_commits_per_s\":" << Fmt("%.1f", d.wal_commits_per_s);
  }
  if (r.decode_ref_spans_per_s > 0) {
    out << ",\"decode_ref_spans_per_s\":" << Fmt("%.0f", r.decode_ref_spans_per_s)
        << ",\"cores\":" << d.cores << ",\"decode_fraction\":" << Fmt("%.4f", d.decode_fraction);
  }
  out << "}";
}

}  // namespace tempo::bench
