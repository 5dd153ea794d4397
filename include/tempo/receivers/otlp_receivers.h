#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "tempo/common/metrics.h"
#include "tempo/common/service.h"
#include "tempo/distributor/distributor.h"
#include "tempo/net/http_server.h"
#include "tempo/receivers/receivers_config.h"

namespace grpc {
class Server;
}

namespace tempo::receivers {

// OTLP/gRPC receiver (spec/ingest-protocols.md §4): serves
// opentelemetry.proto.collector.trace.v1.TraceService/Export on its endpoint with gRPC's callback
// API, on gRPC's own threads; answers only once the distributor reports the push durable.
// `distributor` must outlive the receiver. Start/Stop from one thread.
class OtlpGrpcReceiver : public Service {
 public:
  OtlpGrpcReceiver(const ReceiversConfig& config, distributor::Distributor& distributor);
  ~OtlpGrpcReceiver() override;

  // Binds the endpoint. Errors: kInvalidArgument for a bad endpoint, kUnavailable if it cannot bind.
  Status Start() override;
  // Stops accepting and waits (up to a few seconds) for in-flight calls to be answered.
  void Stop() override;
  int port() const { return port_; }

 private:
  class Service;
  ReceiversConfig config_;
  distributor::Distributor& distributor_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// OTLP/HTTP receiver (spec/ingest-protocols.md §5): POST <traces_url_path> with protobuf or JSON
// bodies, any Content-Encoding of §1, success and error bodies in the request's encoding. Decoding
// and pushing run on `cpu_pool`, never on an io thread. `io`, `cpu_pool`, `distributor` and
// `registry` must outlive the receiver. Start/Stop from one thread.
class OtlpHttpReceiver : public Service {
 public:
  OtlpHttpReceiver(boost::asio::io_context& io, boost::asio::thread_pool& cpu_pool,
                   const ReceiversConfig& config, distributor::Distributor& distributor,
                   metrics::Registry& registry);
  ~OtlpHttpReceiver() override;

  Status Start() override;
  void Stop() override;
  // Blocks until in-flight requests are answered or `timeout` passes.
  bool Drain(std::chrono::milliseconds timeout);
  uint16_t port() const;

 private:
  void HandleTraces(net::IncomingRequest&& request, net::Responder respond);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& cpu_pool_;
  ReceiversConfig config_;
  distributor::Distributor& distributor_;
  metrics::Registry& registry_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace tempo::receivers
