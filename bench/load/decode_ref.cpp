#include "decode_ref.h"

#include <google/protobuf/arena.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace tempo::bench {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

namespace {

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

Result<DecodeRefResult> MeasureDecode(const Corpus& corpus, double min_seconds,
                                      uint64_t max_batches) {
  size_t n = std::min<size_t>(corpus.batches.size(), max_batches);
  if (n == 0) return InvalidArgumentError("empty corpus");
  // The arena's first block is sized for a whole batch so the parse does not keep growing it.
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 1 << 20;
  arena_options.max_block_size = 4 << 20;
  DecodeRefResult result;
  uint64_t bytes = 0;
  auto start = std::chrono::steady_clock::now();
  double cpu_start = ThreadCpuSeconds();
  size_t i = 0;
  for (;; ++i) {
    const CorpusBatch& b = corpus.batches[i % n];
    google::protobuf::Arena arena(arena_options);
    auto* req = google::protobuf::Arena::CreateMessage<ExportTraceServiceRequest>(&arena);
    if (!req->ParseFromArray(b.payload.data(), static_cast<int>(b.payload.size()))) {
      return CorruptionError("corpus batch " + std::to_string(i % n) + " does not parse");
    }
    result.spans += b.spans;
    bytes += b.payload.size();
    if ((i + 1) % 16 == 0 && i + 1 >= n) {
      double cpu = ThreadCpuSeconds() - cpu_start;
      if (cpu >= min_seconds) {
        result.cpu_seconds = cpu;
        result.wall_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        break;
      }
    }
  }
  result.spans_per_s = static_cast<double>(result.spans) / result.cpu_seconds;
  result.bytes_per_s = static_cast<double>(bytes) / result.cpu_seconds;
  return result;
}

}  // namespace tempo::bench
