#pragma once

// Helpers shared by the block tests: in-memory read functions, canonical trace comparison.
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tempo/block/block_reader.h"
#include "tempo/block/block_writer.h"
#include "tempopb/tempo.pb.h"

namespace tempo::block::testing {

// A ReadAtFn over a string that must outlive it; fails like a backend on out-of-range reads.
inline ReadAtFn ReadFrom(const std::string& data, int* reads = nullptr) {
  return [&data, reads](uint64_t offset, uint64_t length) -> Result<std::string> {
    if (reads != nullptr) ++*reads;
    if (offset > data.size() || length > data.size() - offset) {
      return IOError("read past the end");
    }
    return data.substr(offset, length);
  };
}

inline Result<std::unique_ptr<BlockReader>> OpenString(
    const std::string& data, LookupReads lookup_reads = LookupReads::kRowGroup) {
  return BlockReader::Open(ReadFrom(data), data.size(), 0, lookup_reads);
}

// The reader returns the spans of a ScopeSpans in depth-first order; sort them the same way on
// both sides so that traces compare equal when they hold the same spans in the same places.
inline tempopb::Trace Canonical(tempopb::Trace t) {
  // Test data holds strings that are not UTF-8 on purpose; serializing them logs errors.
  google::protobuf::LogSilencer silence;
  for (auto& rs : *t.mutable_resourcespans()) {
    for (auto& ss : *rs.mutable_scope_spans()) {
      std::vector<std::pair<std::string, opentelemetry::proto::trace::v1::Span>> spans;
      for (auto& s : *ss.mutable_spans()) spans.emplace_back(s.SerializeAsString(), std::move(s));
      std::stable_sort(spans.begin(), spans.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      ss.clear_spans();
      for (auto& [key, s] : spans) *ss.add_spans() = std::move(s);
    }
  }
  return t;
}

// Empty string when equal, else a description of the differences.
inline std::string Diff(const tempopb::Trace& want, const tempopb::Trace& got) {
  std::string report;
  google::protobuf::util::MessageDifferencer d;
  d.ReportDifferencesToString(&report);
  if (d.Compare(Canonical(want), Canonical(got))) return "";
  return report.empty() ? "differ" : report.substr(0, 2000);
}

inline size_t SpanCount(const tempopb::Trace& t) {
  size_t n = 0;
  for (const auto& rs : t.resourcespans()) {
    for (const auto& ss : rs.scope_spans()) n += static_cast<size_t>(ss.spans_size());
  }
  return n;
}

}  // namespace tempo::block::testing
