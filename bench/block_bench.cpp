// Block format (data.tcb) size and speed on realistic traces. Input: a deterministic generator
// (seed 42) of microservice traces, ~8 spans per trace across 12 services, 8-20 attributes per
// span following OTel semantic conventions (HTTP server/client, gRPC, database), with
// high-cardinality values (user IDs, session and order UUIDs, URLs with IDs, client IPs, peer
// ports), nanosecond timings, 2% errors with exception events. One block of ~1M spans.
// Benchmarks: BM_Encode (1M spans per zstd level; generation paused), BM_EncodeOnly (200k
// pre-generated spans, only encoding timed), BM_DecodeAll (ForEachTrace over the 1M-span block),
// BM_FindTrace / BM_FindTraceMiss (one lookup), BM_Open (with meta.footer_size). Before running
// them it prints bytes per span and the biggest columns (--no_summary skips that).
// Run: build-block-bench/bench/tempo_block_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "block/value_codec.h"
#include "tempo/block/block_reader.h"
#include "support/realistic_traces.h"
#include "tempo/block/block_writer.h"
#include "tempopb/tempo.pb.h"

namespace {

using tempo::bench::RealisticTraceGenerator;

constexpr uint64_t kTargetSpans = 1'000'000;

// Sorted random trace IDs, enough for kTargetSpans.
std::vector<std::string> TraceIds() { return tempo::bench::SortedRandomTraceIds(kTargetSpans / 3, 7); }

struct Built {
  std::string data;
  tempo::block::BlockMeta meta;
  std::vector<std::string> ids;
  uint64_t spans = 0;
};

// Encodes ~kTargetSpans spans; generation time is excluded when `state` is given.
Built Build(const tempo::block::WriterOptions& options, benchmark::State* state) {
  RealisticTraceGenerator gen;
  Built b;
  std::vector<std::string> ids = TraceIds();
  tempo::block::BlockWriter writer(options);
  std::vector<tempopb::Trace> batch;
  size_t next = 0;
  while (b.spans < kTargetSpans) {
    if (state) state->PauseTiming();
    for (int i = 0; i < 2000 && b.spans < kTargetSpans; ++i, ++next) {
      uint64_t spans = 0;
      batch.push_back(gen.Make(next, ids[next], &spans));
      b.spans += spans;
    }
    if (state) state->ResumeTiming();
    for (size_t i = 0; i < batch.size(); ++i) {
      const std::string& id = ids[next - batch.size() + i];
      if (!writer.Append(tempo::TraceId::FromBytes(id), batch[i]).ok()) std::abort();
    }
    if (state) state->PauseTiming();
    batch.clear();
    if (state) state->ResumeTiming();
  }
  b.ids.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(next));
  auto data = writer.Finish(&b.meta);
  if (!data.ok()) std::abort();
  b.data = std::move(data).value();
  return b;
}

const Built& Shared() {
  static const Built built = Build({}, nullptr);
  return built;
}

tempo::block::ReadAtFn ReadFrom(const std::string& data) {
  return [&data](uint64_t offset, uint64_t length) -> tempo::Result<std::string> {
    return data.substr(offset, length);
  };
}

void BM_Encode(benchmark::State& state) {
  tempo::block::WriterOptions options;
  options.zstd_level = static_cast<int>(state.range(0));
  Built b;
  for (auto _ : state) b = Build(options, &state);
  state.counters["bytes_per_span"] = static_cast<double>(b.data.size()) / b.spans;
  state.counters["spans"] = static_cast<double>(b.spans);
  state.counters["spans_per_s"] = benchmark::Counter(
      static_cast<double>(b.spans) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Encode)->Arg(1)->Arg(3)->Arg(9)->Unit(benchmark::kMillisecond)->Iterations(1);

// The first 200k spans of the block, generated once, so that only encoding is timed.
struct Pregenerated {
  std::vector<std::string> ids;
  std::vector<tempopb::Trace> traces;
  uint64_t spans = 0;
};
const Pregenerated& Traces200k() {
  static const Pregenerated p = [] {
    Pregenerated out;
    RealisticTraceGenerator gen;
    std::vector<std::string> ids = TraceIds();
    for (size_t n = 0; out.spans < 200'000; ++n) {
      uint64_t spans = 0;
      out.traces.push_back(gen.Make(n, ids[n], &spans));
      out.ids.push_back(ids[n]);
      out.spans += spans;
    }
    return out;
  }();
  return p;
}

void BM_EncodeOnly(benchmark::State& state) {
  const Pregenerated& p = Traces200k();
  size_t bytes = 0;
  for (auto _ : state) {
    tempo::block::BlockWriter writer;
    for (size_t i = 0; i < p.traces.size(); ++i) {
      if (!writer.Append(tempo::TraceId::FromBytes(p.ids[i]), p.traces[i]).ok()) std::abort();
    }
    tempo::block::BlockMeta meta;
    bytes = writer.Finish(&meta).value().size();
  }
  state.counters["bytes_per_span"] = static_cast<double>(bytes) / p.spans;
  state.counters["spans_per_s"] = benchmark::Counter(
      static_cast<double>(p.spans) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EncodeOnly)->Unit(benchmark::kMillisecond);

void BM_DecodeAll(benchmark::State& state) {
  const Built& b = Shared();
  auto reader = tempo::block::BlockReader::Open(ReadFrom(b.data), b.data.size()).value();
  uint64_t spans = 0;
  for (auto _ : state) {
    auto s = reader->ForEachTrace([&](const tempo::TraceId&, tempopb::Trace&& t) {
      for (const auto& rs : t.resourcespans()) {
        for (const auto& ss : rs.scope_spans()) spans += static_cast<uint64_t>(ss.spans_size());
      }
      return tempo::Status::Ok();
    });
    if (!s.ok()) std::abort();
  }
  state.counters["spans_per_s"] =
      benchmark::Counter(static_cast<double>(spans), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeAll)->Unit(benchmark::kMillisecond)->MinTime(2);

// Integer pages as the search scans read them: range(0) = 0, an owner column (nondecreasing row
// indices, deltas 0 or 1: one byte a value); 1, span durations (several bytes a value). 64k
// values decoded per iteration with DecodeIntsAppend; range(1) = 1: the page re-encoded
// BitPacked, as the page cache holds it.
void BM_DecodeIntPage(benchmark::State& state) {
  constexpr size_t kValues = 65536;
  std::mt19937_64 rng(7);
  std::vector<int64_t> values(kValues);
  int64_t owner = 0;
  for (int64_t& v : values) {
    if (state.range(0) == 0) {
      owner += static_cast<int64_t>(rng() % 4 == 0);
      v = owner;
    } else {
      v = static_cast<int64_t>(rng() % 2'000'000'000);
    }
  }
  std::string page;
  tempo::block::Encoding encoding = tempo::block::EncodeInts(values, &page);
  if (state.range(1) == 1) {
    page.clear();
    tempo::block::EncodeBitPacked(values, &page);
    encoding = tempo::block::Encoding::kBitPacked;
  }
  std::vector<int64_t> out;
  for (auto _ : state) {
    out.clear();
    if (!tempo::block::DecodeIntsAppend(encoding, page, kValues, "bench", 0, kValues, &out).ok()) {
      std::abort();
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["values_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kValues), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeIntPage)
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->ArgNames({"durations", "bitpacked"});

void BM_FindTrace(benchmark::State& state) {
  const Built& b = Shared();
  auto reader = tempo::block::BlockReader::Open(ReadFrom(b.data), b.data.size()).value();
  std::mt19937_64 rng(1);
  tempopb::Trace t;
  for (auto _ : state) {
    const std::string& id = b.ids[rng() % b.ids.size()];
    if (!reader->FindTrace(tempo::TraceId::FromBytes(id), &t).value()) std::abort();
  }
}
BENCHMARK(BM_FindTrace)->Unit(benchmark::kMicrosecond);

void BM_FindTraceMiss(benchmark::State& state) {
  const Built& b = Shared();
  auto reader = tempo::block::BlockReader::Open(ReadFrom(b.data), b.data.size()).value();
  std::mt19937_64 rng(2);
  tempopb::Trace t;
  for (auto _ : state) {
    std::string id(16, '\0');
    for (char& c : id) c = static_cast<char>(rng());
    benchmark::DoNotOptimize(reader->FindTrace(tempo::TraceId::FromBytes(id), &t).value());
  }
}
BENCHMARK(BM_FindTraceMiss)->Unit(benchmark::kMicrosecond);

void BM_Open(benchmark::State& state) {
  const Built& b = Shared();
  for (auto _ : state) {
    auto reader =
        tempo::block::BlockReader::Open(ReadFrom(b.data), b.data.size(), b.meta.footer_size);
    if (!reader.ok()) std::abort();
  }
}
BENCHMARK(BM_Open)->Unit(benchmark::kMicrosecond);

void PrintSummary() {
  const Built& b = Shared();
  auto reader = tempo::block::BlockReader::Open(ReadFrom(b.data), b.data.size()).value();
  std::printf("block: %" PRIu64 " spans, %" PRIu64
              " traces, %u row groups, %zu bytes = %.2f "
              "bytes/span\n",
              b.spans, b.meta.total_traces, b.meta.row_groups, b.data.size(),
              static_cast<double>(b.data.size()) / b.spans);
  auto cols = reader->ColumnSizes();
  std::sort(cols.begin(), cols.end(),
            [](const auto& x, const auto& y) { return x.compressed_bytes > y.compressed_bytes; });
  std::printf("%-56s %12s %12s %10s\n", "column", "bytes", "raw", "B/span");
  for (size_t i = 0; i < cols.size() && i < 200; ++i) {
    std::printf("%-56s %12" PRIu64 " %12" PRIu64 " %10.3f\n", cols[i].name.c_str(),
                cols[i].compressed_bytes, cols[i].uncompressed_bytes,
                static_cast<double>(cols[i].compressed_bytes) / b.spans);
  }
  std::printf("(%zu columns in total)\n\n", cols.size());
}

}  // namespace

int main(int argc, char** argv) {
  // --no_summary skips building the 1M-span block up front (for profiling single benchmarks).
  bool summary = true;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--no_summary") {
      summary = false;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (summary) PrintSummary();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
