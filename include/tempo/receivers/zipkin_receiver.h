#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

#include "tempo/common/clock.h"
#include "tempo/common/metrics.h"
#include "tempo/common/service.h"
#include "tempo/distributor/distributor.h"
#include "tempo/net/http_server.h"
#include "tempo/receivers/receivers_config.h"

namespace tempo::receivers {

// Zipkin receiver (spec/ingest-protocols.md §6): every request on its port, any method and path,
// is a span upload. A path containing "api/v1/spans" is v1 (JSON, or thrift with Content-Type
// application/x-thrift), anything else v2 (JSON, or proto3 with application/x-protobuf). Bodies
// may use any Content-Encoding of §1. Answers 202 (empty) on success, 400 text/plain with the
// parser's message for bodies that do not decode, and 500 `"Internal Server Error"` for every
// distributor error (as the collector's Zipkin receiver does). Decoding and pushing run on
// `cpu_pool`, never on an io thread. `io`, `cpu_pool`, `distributor`, `registry` and `clock` (the
// start of v1 JSON spans without any time) must outlive the receiver. Start/Stop from one thread.
class ZipkinReceiver : public Service {
 public:
  ZipkinReceiver(boost::asio::io_context& io, boost::asio::thread_pool& cpu_pool,
                 const ReceiversConfig& config, distributor::Distributor& distributor,
                 metrics::Registry& registry, Clock& clock = Clock::Real());
  ~ZipkinReceiver() override;

  // Binds the endpoint. Errors: kInvalidArgument for a bad endpoint, kUnavailable if it cannot
  // bind.
  Status Start() override;
  void Stop() override;
  // Blocks until in-flight requests are answered or `timeout` passes.
  bool Drain(std::chrono::milliseconds timeout);
  uint16_t port() const;

 private:
  void HandleSpans(net::IncomingRequest&& request, net::Responder respond);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& cpu_pool_;
  ReceiversConfig config_;
  distributor::Distributor& distributor_;
  metrics::Registry& registry_;
  Clock& clock_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace tempo::receivers
