#pragma once

// The server-side path of an OTLP push without the network, for microbenchmarks and callgrind:
// the receiver's decode, Distributor::Push (limits, ID checks, truncation, per-trace split),
// Ingester::Push (live traces) and the WAL group commit.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "corpus.h"
#include "tempo/common/result.h"

namespace tempo {
namespace metrics {
class Registry;
}
namespace overrides {
class Overrides;
}
namespace wal {
class Wal;
}
namespace ingester {
class Ingester;
}
namespace distributor {
class Distributor;
}
}  // namespace tempo

namespace tempo::bench {

// How the receiver turns the request bytes into what it pushes.
enum class DecodeMode : int {
  kObject = 0,  // libprotobuf parse into a heap ExportTraceServiceRequest (Jaeger/Zipkin path)
  kWire = 1,    // OTLP receivers: wire-format scan, no message objects
};
inline const std::vector<int64_t> kDecodeModes = {0, 1};

// A WAL (in a fresh temporary directory, removed on destruction), an ingester and a distributor
// wired as app/ does, with the load benchmark's limits (100 GB/s rate, max_bytes_per_trace off,
// default max_attribute_bytes). Not thread-safe: one Run at a time.
class IngestPipeline {
 public:
  explicit IngestPipeline(bool wal_sync);
  ~IngestPipeline();

  // Pushes batches [first, first + count) of `corpus` with up to 32 pushes in flight and returns
  // once every push is acknowledged: the number of spans pushed, or the first push error.
  Result<uint64_t> Run(const Corpus& corpus, DecodeMode mode, size_t first, size_t count);
  // Cuts every live trace and drops the WAL behind it, as the block builder would (minus the
  // block), so that repeated runs do not grow memory.
  void DropLive();

 private:
  std::string dir_;
  std::unique_ptr<metrics::Registry> registry_;
  std::unique_ptr<overrides::Overrides> overrides_;
  std::unique_ptr<wal::Wal> wal_;
  std::unique_ptr<ingester::Ingester> ingester_;
  std::unique_ptr<distributor::Distributor> distributor_;
};

// The first `max_batches` batches of the corpus named by $TEMPO_BENCH_CORPUS (default: the
// 2M-span corpus of build-load), loaded once per process; null (with a message on stderr) if
// absent.
const Corpus* PipelineCorpus(size_t max_batches);

// utime + stime of this process.
double ProcessCpuSeconds();

}  // namespace tempo::bench
