#include "query_report.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace tempo::bench {

nlohmann::json RowJson(const Row& r, const std::string& label, uint64_t loaded_spans) {
  double p50 = r.t.Pct(0.5);
  nlohmann::json j = {{"type", "query"},
            {"label", label},
            {"id", r.id},
            {"kind", r.kind},
            {"query", r.text},
            {"most_recent", r.most_recent},
            {"n", r.t.ms.size()},
            {"errors", r.errors},
            {"p50_ms", p50},
            {"p99_ms", r.t.Pct(0.99)},
            {"max_ms", r.t.Pct(1.0)},
            {"mean_ms", r.t.Mean()},
            {"results", r.results},
            {"response_bytes", r.response_bytes}};
  if (!r.error_sample.empty()) j["error_sample"] = r.error_sample;
  if (r.kind == "search") {
    j["inspected_spans"] = r.inspected_spans;
    j["inspected_traces"] = r.inspected_traces;
    j["inspected_bytes"] = r.inspected_bytes;
    j["total_blocks"] = r.total_blocks;
    j["loaded_spans"] = loaded_spans;
    if (p50 > 0) {
      j["inspected_spans_per_s"] = static_cast<double>(r.inspected_spans) / (p50 / 1000);
      j["loaded_spans_per_s"] = static_cast<double>(loaded_spans) / (p50 / 1000);
    }
    j["trace_ids"] = r.trace_ids;
  }
  return j;
}

namespace {

std::string Fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

}  // namespace

void PrintTable(const std::vector<Row>& rows, uint64_t loaded_spans) {
  std::vector<std::vector<std::string>> t;
  t.push_back({"query", "n", "p50 ms", "p99 ms", "max ms", "results", "inspected spans",
               "inspected spans/s", "loaded spans/s", "blocks", "errors"});
  for (const Row& r : rows) {
    double p50 = r.t.Pct(0.5);
    bool search = r.kind == "search";
    t.push_back({r.text + (r.most_recent ? " with(most_recent=true)" : ""),
                 std::to_string(r.t.ms.size()), Fmt("%.1f", p50), Fmt("%.1f", r.t.Pct(0.99)),
                 Fmt("%.1f", r.t.Pct(1.0)), std::to_string(r.results),
                 search ? std::to_string(r.inspected_spans) : "-",
                 search && p50 > 0 ? Fmt("%.3g", r.inspected_spans / (p50 / 1000)) : "-",
                 search && p50 > 0 ? Fmt("%.3g", loaded_spans / (p50 / 1000)) : "-",
                 search ? std::to_string(r.total_blocks) : "-",
                 r.errors ? std::to_string(r.errors) + " (" + r.error_sample.substr(0, 60) + ")"
                          : "0"});
  }
  std::vector<size_t> w(t[0].size(), 0);
  for (const auto& row : t)
    for (size_t i = 0; i < row.size(); ++i) w[i] = std::max(w[i], row[i].size());
  for (const auto& row : t) {
    for (size_t i = 0; i < row.size(); ++i) {
      std::string cell = row[i];
      std::string pad(w[i] - cell.size(), ' ');
      std::cout << (i == 0 ? cell + pad : pad + cell) << (i + 1 < row.size() ? "  " : "\n");
    }
  }
}

}  // namespace tempo::bench
