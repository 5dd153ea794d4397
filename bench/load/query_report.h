#pragma once

// The query benchmark's report: per-query timings and metrics, as a table and as JSON lines.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "query_client.h"

namespace tempo::bench {

// Latencies of one query (not thread-safe, like all of the report) and the percentiles of the report (nearest rank).
struct Timings {
  std::vector<double> ms;
  double Pct(double q) const {
    if (ms.empty()) return 0;
    std::vector<double> v = ms;
    std::sort(v.begin(), v.end());
    size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
  }
  double Mean() const {
    double sum = 0;
    for (double x : ms) sum += x;
    return ms.empty() ? 0 : sum / static_cast<double>(ms.size());
  }
};

// One row of the report.
struct Row {
  std::string id, kind, text;
  bool most_recent = false;
  Timings t;
  uint64_t errors = 0;
  std::string error_sample;
  uint64_t inspected_spans = 0, inspected_traces = 0, inspected_bytes = 0, total_blocks = 0;
  uint64_t results = 0, response_bytes = 0;
  std::vector<std::string> trace_ids;

  void Error(const HttpResult& r) {
    if (errors++ == 0) {
      error_sample = r.status == 0
                         ? r.error
                         : "http " + std::to_string(r.status) + ": " + r.body.substr(0, 200);
    }
  }
};

// One JSON line for `r` (search rows add the inspected counts and spans per second).
nlohmann::json RowJson(const Row& r, const std::string& label, uint64_t loaded_spans);
// The report table on stdout.
void PrintTable(const std::vector<Row>& rows, uint64_t loaded_spans);

}  // namespace tempo::bench
