#include "ingest_pipeline.h"

#include <sys/resource.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/common/clock.h"
#include "tempo/common/metrics.h"
#include "tempo/distributor/distributor.h"
#include "tempo/ingester/ingester.h"
#include "tempo/model/otlp_wire.h"
#include "tempo/overrides/overrides.h"
#include "tempo/wal/wal.h"

namespace tempo::bench {
namespace {

constexpr int kInFlight = 32;
constexpr char kTenant[] = "single-tenant";

// Counts pushes in flight and keeps the first error. Thread-safe.
class InFlight {
 public:
  void Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return pending_ < kInFlight; });
    ++pending_;
  }
  void Release(Status s) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      --pending_;
      if (!s.ok() && first_error_.ok()) first_error_ = std::move(s);
    }
    cv_.notify_all();
  }
  Status Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return pending_ == 0; });
    return first_error_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int pending_ = 0;
  Status first_error_;
};

}  // namespace

IngestPipeline::IngestPipeline(bool wal_sync)
    : dir_("/tmp/tempo-ingest-pipeline-" + std::to_string(::getpid())) {
  std::filesystem::remove_all(dir_);
  registry_ = std::make_unique<metrics::Registry>();
  overrides::TenantLimits limits;
  limits.ingestion_rate_limit_bytes = 100'000'000'000;
  limits.ingestion_burst_size_bytes = 100'000'000'000;
  limits.max_bytes_per_trace = 0;
  overrides_ = std::make_unique<overrides::Overrides>(overrides::OverridesConfig{limits, {}, ""});
  wal::WalConfig wal_config;
  wal_config.path = dir_ + "/wal";
  wal_config.sync = wal_sync;
  wal_ = wal::Wal::Open(wal_config, *registry_).value();
  ingester_ = std::make_unique<ingester::Ingester>(ingester::IngesterConfig{}, *wal_, *overrides_,
                                                   *registry_, Clock::Real());
  ingester_->Start().IgnoreError();
  distributor_ = std::make_unique<distributor::Distributor>(
      distributor::DistributorConfig{}, *ingester_, *overrides_, *registry_, Clock::Real());
}

IngestPipeline::~IngestPipeline() {
  distributor_.reset();
  ingester_.reset();
  wal_.reset();
  std::filesystem::remove_all(dir_);
}

Result<uint64_t> IngestPipeline::Run(const Corpus& corpus, DecodeMode mode, size_t first,
                                     size_t count) {
  InFlight in_flight;
  uint64_t spans = 0;
  for (size_t i = first; i < first + count; ++i) {
    const CorpusBatch& batch = corpus.batches[i % corpus.batches.size()];
    in_flight.Acquire();
    RequestContext ctx;
    ctx.tenant = kTenant;
    auto done = [&in_flight](Status s) { in_flight.Release(std::move(s)); };
    if (mode == DecodeMode::kObject) {
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
      if (!request.ParseFromArray(batch.payload.data(), static_cast<int>(batch.payload.size()))) {
        in_flight.Release(CorruptionError("corpus batch does not parse"));
        break;
      }
      distributor_->Push(ctx, std::move(request), std::move(done));
    } else {
      model::OtlpWireRequest wire;
      if (Status s = wire.Parse(batch.payload); !s.ok()) {
        in_flight.Release(std::move(s));
        break;
      }
      distributor_->Push(ctx, std::move(wire), std::move(done));
    }
    spans += batch.spans;
  }
  TEMPO_RETURN_IF_ERROR(in_flight.Wait());
  return spans;
}

void IngestPipeline::DropLive() {
  ingester_->CollectDueHeads(/*force=*/true);
  ingester_->CompleteCut(ingester_->SnapshotHead(kTenant)).IgnoreError();
}

const Corpus* PipelineCorpus(size_t max_batches) {
  static std::unique_ptr<Corpus> corpus;
  if (corpus) return corpus.get();
  const char* env = std::getenv("TEMPO_BENCH_CORPUS");
  std::string path = env ? env : "build-load/bench/corpus/v1-seed1-spans2000000.bin";
  auto loaded = LoadCorpus(path, /*index_offsets=*/false, max_batches);
  if (!loaded.ok()) {
    std::cerr << "cannot load corpus " << path << ": " << loaded.status().message() << "\n";
    return nullptr;
  }
  corpus = std::move(loaded).value();
  return corpus.get();
}

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace tempo::bench
