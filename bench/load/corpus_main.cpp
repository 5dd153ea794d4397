// tempo_corpus: writes the replay corpus of the load benchmark, or describes an existing one.
//
//   tempo_corpus --out=corpus.bin [--seed=1] [--spans=2000000] [--batch-spans=512]
//                [--huge-traces=-1]
//   tempo_corpus --describe=corpus.bin
//   tempo_corpus --export-csv=spans.csv --corpus=corpus.bin [--max-spans=0]
//                (one CSV row per span for the DuckDB reference; see ExportSpansCsv)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <unordered_map>

#include "corpus.h"
#include "flags.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using tempo::bench::Corpus;

// Decodes every batch once and prints what the corpus looks like (the mix promised in README.md).
int Describe(const std::string& path) {
  auto corpus = tempo::bench::LoadCorpus(path, /*index_offsets=*/false);
  if (!corpus.ok()) {
    std::cerr << corpus.status().ToString() << "\n";
    return 1;
  }
  const Corpus& c = **corpus;
  std::unordered_map<std::string, uint32_t> spans_per_trace, batches_per_trace;
  std::set<std::string> services;
  uint64_t spans = 0, attrs = 0, min_attrs = ~0ull, max_attrs = 0, errors = 0, stack_traces = 0,
           with_events = 0, with_links = 0, resources = 0;
  for (const auto& b : c.batches) {
    ExportTraceServiceRequest req;
    if (!req.ParseFromString(b.payload)) {
      std::cerr << "a batch does not parse\n";
      return 1;
    }
    std::set<std::string> in_batch;
    for (const auto& rs : req.resource_spans()) {
      ++resources;
      for (const auto& kv : rs.resource().attributes()) {
        if (kv.key() == "service.name") services.insert(kv.value().string_value());
      }
      for (const auto& ss : rs.scope_spans()) {
        for (const auto& s : ss.spans()) {
          ++spans;
          ++spans_per_trace[s.trace_id()];
          in_batch.insert(s.trace_id());
          uint64_t n = static_cast<uint64_t>(s.attributes_size());
          attrs += n;
          min_attrs = std::min(min_attrs, n);
          max_attrs = std::max(max_attrs, n);
          errors += s.status().code() == opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR;
          with_events += s.events_size() > 0;
          with_links += s.links_size() > 0;
          for (const auto& ev : s.events()) {
            for (const auto& kv : ev.attributes())
              stack_traces += kv.key() == "exception.stacktrace";
          }
        }
      }
    }
    for (const auto& t : in_batch) ++batches_per_trace[t];
  }
  std::vector<uint32_t> sizes;
  uint64_t multi_batch = 0, big = 0, huge = 0;
  for (const auto& [id, n] : spans_per_trace) {
    sizes.push_back(n);
    big += n >= 500 && n < 50'000;
    huge += n >= 50'000;
    multi_batch += batches_per_trace[id] > 1;
  }
  std::sort(sizes.begin(), sizes.end());
  auto pct = [&](double q) {
    return sizes.empty() ? 0u : sizes[static_cast<size_t>(q * (sizes.size() - 1))];
  };
  double sp = static_cast<double>(std::max<uint64_t>(spans, 1));
  std::printf(
      "corpus %s: seed %llu, %llu batches, %llu spans, %llu traces, %.1f MB (%.0f B/span)\n",
      path.c_str(), static_cast<unsigned long long>(c.header.seed),
      static_cast<unsigned long long>(c.header.batches), static_cast<unsigned long long>(spans),
      static_cast<unsigned long long>(sizes.size()), c.header.payload_bytes / 1e6,
      c.header.payload_bytes / sp);
  std::printf("services %zu, resources per batch %.1f\n", services.size(),
              static_cast<double>(resources) / static_cast<double>(c.batches.size()));
  std::printf("spans/trace: p50 %u, p90 %u, p99 %u, max %u; traces >=500 spans %llu, >=50k %llu\n",
              pct(0.5), pct(0.9), pct(0.99), pct(1.0), static_cast<unsigned long long>(big),
              static_cast<unsigned long long>(huge));
  std::printf("traces split over >1 batch: %.1f%%\n",
              100.0 * static_cast<double>(multi_batch) / std::max<size_t>(sizes.size(), 1));
  std::printf(
      "attributes/span: min %llu, mean %.1f, max %llu; errors %.2f%%; with events %.2f%%; "
      "stack traces %.2f%%; with links %.2f%%\n",
      static_cast<unsigned long long>(min_attrs), attrs / sp,
      static_cast<unsigned long long>(max_attrs), 100.0 * errors / sp, 100.0 * with_events / sp,
      100.0 * stack_traces / sp, 100.0 * with_links / sp);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  tempo::bench::Flags flags(argc, argv);
  std::string describe = flags.Str("describe", "");
  tempo::bench::CorpusOptions options;
  std::string out = flags.Str("out", "");
  options.seed = flags.U64("seed", 1);
  options.target_spans = flags.U64("spans", 2'000'000);
  options.spans_per_batch = static_cast<uint32_t>(flags.U64("batch-spans", 512));
  options.huge_traces = static_cast<int>(flags.Num("huge-traces", -1));
  std::string export_csv = flags.Str("export-csv", "");
  std::string corpus_path = flags.Str("corpus", "");
  uint64_t max_spans = flags.U64("max-spans", 0);
  for (const std::string& name : flags.Unknown()) {
    std::cerr << "unknown flag --" << name << "\n";
    return 2;
  }
  if (!describe.empty()) return Describe(describe);
  if (!export_csv.empty()) {
    if (corpus_path.empty()) {
      std::cerr << "--export-csv needs --corpus=FILE\n";
      return 2;
    }
    auto start = std::chrono::steady_clock::now();
    tempo::Status s = tempo::bench::ExportSpansCsv(corpus_path, export_csv, max_spans, &std::cerr);
    if (!s.ok()) {
      std::cerr << s.ToString() << "\n";
      return 1;
    }
    std::printf("wrote %s in %.1f s\n", export_csv.c_str(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return 0;
  }
  if (out.empty()) {
    std::cerr << "usage: tempo_corpus --out=FILE [--seed=1] [--spans=2000000] [--batch-spans=512]"
                 " [--huge-traces=-1]\n       tempo_corpus --describe=FILE\n"
                 "       tempo_corpus --export-csv=OUT --corpus=FILE [--max-spans=0]\n";
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  tempo::Status s = tempo::bench::GenerateCorpus(options, out, &std::cerr);
  if (!s.ok()) {
    std::cerr << s.ToString() << "\n";
    return 1;
  }
  auto header = tempo::bench::ReadCorpusHeader(out);
  if (!header.ok()) {
    std::cerr << header.status().ToString() << "\n";
    return 1;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("wrote %s: %llu spans, %llu traces, %llu batches, %.1f MB in %.1f s\n", out.c_str(),
              static_cast<unsigned long long>(header->spans),
              static_cast<unsigned long long>(header->traces),
              static_cast<unsigned long long>(header->batches), header->payload_bytes / 1e6, secs);
  return 0;
}
