#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "tempo/api/grpc_api.h"
#include "tempo/api/server_config.h"
#include "tempo/common/metrics.h"
#include "tempo/common/service.h"
#include "tempo/net/http_server.h"
#include "tempo/overrides/overrides.h"
#include "tempo/querier/querier.h"

namespace tempo::store {
class TraceDeleter;
}

namespace tempo::api {

// Readiness as /ready reports it, owned by app::App. Thread-safe.
struct Readiness {
  std::atomic_bool ready{false};
  std::atomic_bool stopping{false};
};

// The query and operations HTTP API on server.http_listen_port (3200): /api/echo, /ready,
// /api/status/buildinfo, /status/*, /metrics, trace by ID v1 and v2, search and tags
// (spec/query-api.md §8). Owns the gRPC query API (GrpcApi, server.grpc_listen_port) and hands it
// every connection to 3200 that opens with the HTTP/2 preface (h2c, §1.3). HTTP queries run on
// `query_pool`, never on an io thread. Every reference must outlive the object. Start/Stop from
// one thread.
class HttpApi : public Service {
 public:
  HttpApi(boost::asio::io_context& io, boost::asio::thread_pool& query_pool,
          const ServerConfig& config, bool multitenancy_enabled, const querier::Querier& querier,
          const overrides::Overrides& overrides, metrics::Registry& registry,
          const Readiness& readiness);
  ~HttpApi() override;

  // Enables DELETE /api/traces/<id> (without a deleter it answers 405). Call before Start;
  // `deleter` must outlive the object.
  void SetTraceDeleter(store::TraceDeleter* deleter) { deleter_ = deleter; }

  // Starts the gRPC API, then the HTTP listener. Errors: kUnavailable when a port cannot be bound.
  Status Start() override;
  // Stops the HTTP listener (no more handovers), then the gRPC API (bounded wait for its calls).
  void Stop() override;
  bool Drain(std::chrono::milliseconds timeout);
  uint16_t port() const;
  int grpc_port() const { return grpc_.port(); }

 private:
  net::Router BuildRouter();
  void HandleTraceById(net::IncomingRequest&& request, net::Responder respond, bool v2);
  // DELETE /api/traces/<id> (src/api/http/delete_handler.cpp).
  void HandleDeleteTrace(net::IncomingRequest&& request, net::Responder respond);
  // /status/overrides and /status/overrides/<tenant>: the effective per-tenant limits.
  void HandleStatusOverrides(net::IncomingRequest&& request, net::Responder respond);
  // Search and tag endpoints (src/api/http/search_handlers.cpp, spec/query-api.md §8.8-§8.12).
  void HandleSearch(net::IncomingRequest&& request, net::Responder respond);
  void HandleSearchTags(net::IncomingRequest&& request, net::Responder respond, bool v2);
  void HandleTagValues(net::IncomingRequest&& request, net::Responder respond, bool v2);
  // The tenants of a request (single tenant unless multitenancy is on); responds 401/400 and
  // returns false when the org ID header is missing or invalid.
  bool RequestTenants(const net::HttpRequest& request, const net::Responder& respond,
                      std::vector<std::string>* tenants) const;

  boost::asio::io_context& io_;
  boost::asio::thread_pool& query_pool_;
  ServerConfig config_;
  bool multitenancy_enabled_;
  const querier::Querier& querier_;
  const overrides::Overrides& overrides_;
  metrics::Registry& registry_;
  const Readiness& readiness_;
  store::TraceDeleter* deleter_ = nullptr;
  GrpcApi grpc_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace tempo::api
