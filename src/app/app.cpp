#include "tempo/app/app.h"

#include <csignal>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>

#include "tempo/api/build_info.h"
#include "overrides_reloader.h"
#include "tempo/common/log.h"
#include "tempo/common/malloc_tuning.h"
#include "tempo/common/thread_name.h"
#include "tempo/querier/ingester_live_traces.h"

namespace tempo::app {

App::App(config::AppConfig config) : config_(std::move(config)) {}

App::~App() { Stop(); }

Status App::Start() {
  metrics::RegisterProcessCollector(registry_);
  auto& build_info = registry_.AddGauge("tempo_build_info", "Build information of the server.",
                                        {"version", "revision", "branch", "goversion"});
  const api::BuildInfo& b = api::GetBuildInfo();
  build_info.WithLabels({b.version, b.revision, b.branch, b.compiler}).Set(1);

  // The CPU pool decodes requests and runs queries; io threads only move bytes.
  unsigned cores = std::max(2u, std::thread::hardware_concurrency());
  cpu_pool_ = std::make_unique<boost::asio::thread_pool>(cores);
  overrides_ = std::make_unique<overrides::Overrides>(config_.overrides);

  Status s = [&]() -> Status {
    overrides_reloader_ =
        std::make_unique<OverridesReloader>(config_.overrides, *overrides_, registry_);
    TEMPO_RETURN_IF_ERROR(overrides_reloader_->Start());
    TEMPO_ASSIGN_OR_RETURN(backend_, backend::OpenLocalBackend(config_.storage.local_path));
    store_ = std::make_unique<store::Store>(config_.storage.store, *backend_, registry_);
    // Deleted traces stay hidden from the first query on.
    tombstones_ = std::make_unique<store::Tombstones>(*backend_, registry_);
    TEMPO_RETURN_IF_ERROR(tombstones_->Load());
    store_->SetTombstones(tombstones_.get());
    TEMPO_RETURN_IF_ERROR(store_->Start());
    TEMPO_ASSIGN_OR_RETURN(wal_, wal::Wal::Open(config_.wal, registry_));
    ingester_ = std::make_unique<ingester::Ingester>(config_.ingester, *wal_, *overrides_,
                                                     registry_, Clock::Real());
    live_traces_ = std::make_unique<querier::IngesterLiveTraces>(*ingester_);
    trace_deleter_ = std::make_unique<store::TraceDeleter>(*store_, *tombstones_, *live_traces_,
                                                           registry_, Clock::Real());
    // Before the replay, which then skips the WAL records of deleted traces.
    trace_deleter_->RestoreRefusals();
    block_builder_ = std::make_unique<blockbuilder::BlockBuilder>(
        config_.ingester, *ingester_, *wal_, *backend_, *store_, registry_, Clock::Real());
    // Settle a cut a crash interrupted before the WAL is replayed.
    TEMPO_RETURN_IF_ERROR(block_builder_->Recover());
    // Settle an interrupted compaction while no block writer runs yet.
    compactor::CompactorConfig compactor_config = config_.compactor;
    if (compactor_config.scratch_dir.empty()) compactor_config.scratch_dir = config_.wal.path;
    compactor_ = std::make_unique<compactor::Compactor>(compactor_config, *backend_, *store_,
                                                        *overrides_, registry_, Clock::Real());
    compactor_->SetTraceDeleter(trace_deleter_.get());
    // Cuts before merges: while a whole block or more waits to be cut, compaction waits.
    compactor_->SetYieldTo([ingester = ingester_.get(), block = config_.ingester.max_block_bytes] {
      return ingester->head_bytes() >= block;
    });
    TEMPO_RETURN_IF_ERROR(compactor_->Recover());
    TEMPO_RETURN_IF_ERROR(ingester_->Start());
    TEMPO_RETURN_IF_ERROR(block_builder_->Start());
    TEMPO_RETURN_IF_ERROR(compactor_->Start());
    distributor::DistributorConfig dcfg = config_.distributor;
    dcfg.multitenancy_enabled = config_.multitenancy_enabled;
    distributor_ = std::make_unique<distributor::Distributor>(dcfg, *ingester_, *overrides_,
                                                              registry_, Clock::Real());
    querier_ = std::make_unique<querier::Querier>(*ingester_, *store_);

    if (config_.receivers.otlp_grpc.enabled) {
      otlp_grpc_ = std::make_unique<receivers::OtlpGrpcReceiver>(config_.receivers, *distributor_);
      TEMPO_RETURN_IF_ERROR(otlp_grpc_->Start());
    }
    if (config_.receivers.otlp_http.enabled) {
      otlp_http_ = std::make_unique<receivers::OtlpHttpReceiver>(
          io_, *cpu_pool_, config_.receivers, *distributor_, registry_);
      TEMPO_RETURN_IF_ERROR(otlp_http_->Start());
    }
    const receivers::ReceiversConfig& rc = config_.receivers;
    if (rc.zipkin.enabled) {
      zipkin_ = std::make_unique<receivers::ZipkinReceiver>(io_, *cpu_pool_, rc, *distributor_,
                                                            registry_);
      TEMPO_RETURN_IF_ERROR(zipkin_->Start());
    }
    if (rc.jaeger_grpc.enabled) {
      jaeger_grpc_ = std::make_unique<receivers::JaegerGrpcReceiver>(rc, *distributor_);
      TEMPO_RETURN_IF_ERROR(jaeger_grpc_->Start());
    }
    if (rc.jaeger_thrift_http.enabled) {
      jaeger_http_ = std::make_unique<receivers::JaegerThriftHttpReceiver>(
          io_, *cpu_pool_, rc, *distributor_, registry_);
      TEMPO_RETURN_IF_ERROR(jaeger_http_->Start());
    }
    if (rc.jaeger_thrift_compact.enabled) {
      jaeger_compact_ = std::make_unique<receivers::JaegerUdpReceiver>(
          receivers::JaegerUdpReceiver::Protocol::kCompact, rc.jaeger_thrift_compact, *cpu_pool_,
          *distributor_);
      TEMPO_RETURN_IF_ERROR(jaeger_compact_->Start());
    }
    if (rc.jaeger_thrift_binary.enabled) {
      jaeger_binary_ = std::make_unique<receivers::JaegerUdpReceiver>(
          receivers::JaegerUdpReceiver::Protocol::kBinary, rc.jaeger_thrift_binary, *cpu_pool_,
          *distributor_);
      TEMPO_RETURN_IF_ERROR(jaeger_binary_->Start());
    }
    api_ = std::make_unique<api::HttpApi>(io_, *cpu_pool_, config_.server,
                                          config_.multitenancy_enabled, *querier_, *overrides_,
                                          registry_, readiness_);
    api_->SetTraceDeleter(trace_deleter_.get());
    TEMPO_RETURN_IF_ERROR(api_->Start());
    return Status::Ok();
  }();

  int threads = std::max(1, config_.server.io_threads);
  for (int i = 0; i < threads; ++i) {
    io_threads_.emplace_back([this] {
      SetThreadName("tempo-io");
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
  }
  if (!s.ok()) {
    Stop();
    return s;
  }
  // Logged before /ready answers 200, so that whoever waited for readiness finds the line.
  LOG_INFO << "tempo started (target=" << config_.target
           << ", allocator=" << AllocatorDescription() << ")";
  readiness_.ready.store(true);
  return Status::Ok();
}

void App::RequestStop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stop_requested_ = true;
  }
  stop_cv_.notify_all();
}

int App::WaitAndStop() {
  // Signals are delivered to this blocked thread through sigwait, so no handler runs elsewhere.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  std::thread signal_thread([this, set] {
    int sig = 0;
    sigwait(&set, &sig);
    LOG_INFO << "received signal " << sig << ", shutting down";
    RequestStop();
  });
  {
    std::unique_lock<std::mutex> lock(stop_mu_);
    stop_cv_.wait(lock, [this] { return stop_requested_; });
  }
  Stop();
  // Wake the signal thread if the stop came from elsewhere.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return 0;
}

void App::Stop() {
  if (stopped_) return;
  stopped_ = true;
  readiness_.stopping.store(true);
  // Background merging first: a job in progress is abandoned without a visible trace.
  if (compactor_) compactor_->Stop();
  auto grace = std::chrono::duration_cast<std::chrono::milliseconds>(
      config_.server.graceful_shutdown_timeout);
  // Intake first: no new pushes, in-flight ones finish (their WAL group commits still run).
  if (otlp_http_) {
    otlp_http_->Stop();
    otlp_http_->Drain(grace);
  }
  if (otlp_grpc_) otlp_grpc_->Stop();
  if (zipkin_) zipkin_->Stop();
  if (jaeger_http_) jaeger_http_->Stop();
  if (zipkin_) zipkin_->Drain(grace);
  if (jaeger_http_) jaeger_http_->Drain(grace);
  if (jaeger_grpc_) jaeger_grpc_->Stop();
  // UDP: stop receiving, then process what is already queued.
  if (jaeger_compact_) jaeger_compact_->Stop();
  if (jaeger_binary_) jaeger_binary_->Stop();
  if (block_builder_) block_builder_->Stop();
  if (ingester_) ingester_->Stop();
  if (wal_) wal_->Close();
  if (store_) store_->Stop();
  if (overrides_reloader_) overrides_reloader_->Stop();
  if (api_) {
    api_->Stop();
    api_->Drain(std::chrono::milliseconds(std::min<int64_t>(grace.count(), 5000)));
  }
  io_.stop();
  for (auto& t : io_threads_) t.join();
  io_threads_.clear();
  if (cpu_pool_) cpu_pool_->join();
  LOG_INFO << "tempo stopped";
}

}  // namespace tempo::app
