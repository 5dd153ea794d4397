#pragma once

// The result of one tempo_load run and its two renderings: a table for humans and one JSON line
// for scripts (bench/load/run_ingest.sh collects those).

#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include "load.h"
#include "proc_sampler.h"

namespace tempo::bench {

struct RunReport {
  std::string label;
  LoadOptions options;
  uint64_t corpus_spans = 0;
  double corpus_bytes_per_span = 0;
  LoadStats stats;
  double elapsed_s = 0;  // first send to last completion
  bool have_server = false;
  pid_t server_pid = 0;
  ProcSnapshot server_start;
  ProcSnapshot server_end;
  uint64_t peak_rss_bytes = 0;
  // Server counters from /metrics at start and end (empty if not scraped).
  std::map<std::string, double> metrics_start;
  std::map<std::string, double> metrics_end;
  double decode_ref_spans_per_s = 0;  // 0 = not measured
};

// Prints the human table of `r` to `out`.
void PrintTable(const RunReport& r, std::ostream& out);

// Prints `r` as one JSON object on one line (no trailing newline inside).
void PrintJson(const RunReport& r, std::ostream& out);

}  // namespace tempo::bench
