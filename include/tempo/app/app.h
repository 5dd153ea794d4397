#pragma once

#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "tempo/api/http_api.h"
#include "tempo/backend/backend.h"
#include "tempo/blockbuilder/block_builder.h"
#include "tempo/common/metrics.h"
#include "tempo/common/status.h"
#include "tempo/compactor/compactor.h"
#include "tempo/config/app_config.h"
#include "tempo/distributor/distributor.h"
#include "tempo/ingester/ingester.h"
#include "tempo/overrides/overrides.h"
#include "tempo/querier/querier.h"
#include "tempo/receivers/jaeger_receivers.h"
#include "tempo/receivers/otlp_receivers.h"
#include "tempo/receivers/zipkin_receiver.h"
#include "tempo/store/store.h"
#include "tempo/store/tombstones.h"
#include "tempo/store/trace_deleter.h"
#include "tempo/wal/wal.h"

namespace tempo::app {

class OverridesReloader;

// The whole server: the only place that knows concrete module classes and wires them together.
// Owns the io_context and its threads, the CPU pool, and every module. Starts modules in
// dependency order (backend → tombstones → store → WAL → block-builder recovery → ingester
// replay → block builder → distributor → receivers → API) and stops them in reverse, so intake
// stops before the WAL closes. Start/Stop/Wait from one (main) thread.
class App {
 public:
  explicit App(config::AppConfig config);
  ~App();

  // Opens the WAL, replays it, binds every listener. On error everything started is stopped again.
  Status Start();
  // Blocks until SIGTERM/SIGINT (or RequestStop), then stops everything. Returns 0 on a clean stop.
  int WaitAndStop();
  // Makes WaitAndStop return (thread-safe; used by tests and signals).
  void RequestStop();
  // Stops in reverse order: receivers drain in-flight pushes, then the WAL syncs and closes.
  // Idempotent.
  void Stop();

  // Bound ports (after Start), for tests that listen on port 0.
  uint16_t http_port() const { return api_ ? api_->port() : 0; }
  int otlp_grpc_port() const { return otlp_grpc_ ? otlp_grpc_->port() : 0; }
  uint16_t otlp_http_port() const { return otlp_http_ ? otlp_http_->port() : 0; }
  uint16_t zipkin_port() const { return zipkin_ ? zipkin_->port() : 0; }
  int jaeger_grpc_port() const { return jaeger_grpc_ ? jaeger_grpc_->port() : 0; }
  uint16_t jaeger_thrift_http_port() const { return jaeger_http_ ? jaeger_http_->port() : 0; }
  uint16_t jaeger_compact_port() const { return jaeger_compact_ ? jaeger_compact_->port() : 0; }
  uint16_t jaeger_binary_port() const { return jaeger_binary_ ? jaeger_binary_->port() : 0; }

 private:
  config::AppConfig config_;
  metrics::Registry registry_;
  api::Readiness readiness_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::thread_pool> cpu_pool_;
  std::vector<std::thread> io_threads_;

  std::unique_ptr<overrides::Overrides> overrides_;
  std::unique_ptr<OverridesReloader> overrides_reloader_;
  std::unique_ptr<backend::Backend> backend_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<wal::Wal> wal_;
  std::unique_ptr<blockbuilder::BlockBuilder> block_builder_;
  std::unique_ptr<compactor::Compactor> compactor_;
  std::unique_ptr<ingester::Ingester> ingester_;
  std::unique_ptr<distributor::Distributor> distributor_;
  std::unique_ptr<querier::Querier> querier_;
  // Trace deletion: durable tombstones, the ingester seen through store::LiveTraces, the deleter.
  std::unique_ptr<store::Tombstones> tombstones_;
  std::unique_ptr<store::LiveTraces> live_traces_;
  std::unique_ptr<store::TraceDeleter> trace_deleter_;
  std::unique_ptr<receivers::OtlpGrpcReceiver> otlp_grpc_;
  std::unique_ptr<receivers::OtlpHttpReceiver> otlp_http_;
  std::unique_ptr<receivers::ZipkinReceiver> zipkin_;
  std::unique_ptr<receivers::JaegerGrpcReceiver> jaeger_grpc_;
  std::unique_ptr<receivers::JaegerThriftHttpReceiver> jaeger_http_;
  std::unique_ptr<receivers::JaegerUdpReceiver> jaeger_compact_;
  std::unique_ptr<receivers::JaegerUdpReceiver> jaeger_binary_;
  std::unique_ptr<api::HttpApi> api_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_requested_ = false;  // guarded by stop_mu_
  bool stopped_ = false;
};

}  // namespace tempo::app
