#pragma once

#include <functional>
#include <memory>

#include "tempo/api/server_config.h"
#include "tempo/common/service.h"
#include "tempo/common/status.h"
#include "tempo/overrides/overrides.h"
#include "tempo/querier/querier.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace tempo::api {

// The gRPC query API (spec/query-api.md §9): `tempopb.StreamingQuerier` on
// server.grpc_listen_port (9095), and on the prior-knowledge HTTP/2 connections that the HTTP
// port (3200) hands over (AcceptConnection), so Grafana can stream from its datasource URL.
// Calls run on gRPC's own threads (synchronous service, a bounded number of threads; above it gRPC
// answers RESOURCE_EXHAUSTED), never on the Asio io threads: the blocking querier is called there.
// `querier` must outlive the object. Start/Stop from one thread; AcceptConnection and the
// function of ConnectionHandler from any thread.
class GrpcApi : public Service {
 public:
  GrpcApi(const ServerConfig& config, bool multitenancy_enabled, const querier::Querier& querier,
          const overrides::Overrides& overrides);
  ~GrpcApi() override;

  // Binds the gRPC port and starts serving. Errors: kUnavailable naming the address.
  Status Start() override;
  // Stops taking connections, lets in-flight calls finish (bounded by the graceful shutdown
  // timeout, at most 5 s), then cancels the rest. Idempotent; blocks until the server is down.
  void Stop() override;

  // Serves one accepted TCP connection whose first bytes are the HTTP/2 preface (still unread).
  // Takes ownership of `fd`, which must be non-blocking; closes it when not running.
  void AcceptConnection(int fd);
  // AcceptConnection as a function for net::HttpServerOptions::h2c_handler. The function stays
  // safe to call after this object is destroyed (it then closes the fd).
  std::function<void(int fd)> ConnectionHandler() const;

  // The bound gRPC port (after Start; 0 before).
  int port() const { return port_; }

 private:
  struct Acceptor;  // the running server, behind a mutex; shared with ConnectionHandler()s

  ServerConfig config_;
  bool multitenancy_enabled_;
  const querier::Querier& querier_;
  const overrides::Overrides& overrides_;
  std::unique_ptr<grpc::Service> service_;  // tempopb.StreamingQuerier
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<Acceptor> acceptor_;
  int port_ = 0;
};

}  // namespace tempo::api
