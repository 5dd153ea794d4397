#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "tempo/common/metrics.h"
#include "tempo/common/service.h"
#include "tempo/distributor/distributor.h"
#include "tempo/net/http_server.h"
#include "tempo/receivers/receivers_config.h"

namespace grpc {
class Server;
}

namespace tempo::receivers {

// Jaeger gRPC receiver (spec/ingest-protocols.md §7.4): serves
// jaeger.api_v2.CollectorService/PostSpans with gRPC's callback API on gRPC's own threads. A
// message that does not parse, or carries an id of the wrong length, is answered INTERNAL (as
// grpc-go's codec does); distributor errors pass through as INVALID_ARGUMENT or
// RESOURCE_EXHAUSTED (with RetryInfo), anything else is UNKNOWN. Answers once the push is durable.
// `distributor` must outlive the receiver. Start/Stop from one thread.
class JaegerGrpcReceiver : public Service {
 public:
  JaegerGrpcReceiver(const ReceiversConfig& config, distributor::Distributor& distributor);
  ~JaegerGrpcReceiver() override;

  // Binds the endpoint. Errors: kInvalidArgument for a bad endpoint, kUnavailable if it cannot
  // bind.
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

// Jaeger thrift over HTTP (§7.3): POST /api/traces with a bare thrift-binary Batch
// (application/x-thrift or application/vnd.apache.thrift.binary), any Content-Encoding of §1.
// 202 on success; 400 with Jaeger's texts for a bad content type or body; 500 "Cannot submit
// Jaeger batch: <error>" when the distributor refuses. Decoding and pushing run on `cpu_pool`,
// never on an io thread. `io`, `cpu_pool`, `distributor` and `registry` must outlive the receiver.
// Start/Stop from one thread.
class JaegerThriftHttpReceiver : public Service {
 public:
  JaegerThriftHttpReceiver(boost::asio::io_context& io, boost::asio::thread_pool& cpu_pool,
                           const ReceiversConfig& config, distributor::Distributor& distributor,
                           metrics::Registry& registry);
  ~JaegerThriftHttpReceiver() override;

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

// The Jaeger agent's UDP ports (§7.2): one datagram = one thrift message `emitBatch`, compact
// protocol (6831) or binary protocol (6832), at most 65,000 bytes, no reply and no tenant.
// A dedicated thread receives datagrams into a bounded queue (kQueueCapacity packets); up to
// kMaxWorkers tasks on `cpu_pool` drain it, decode and push. Packets that cannot be used are
// dropped and counted with Distributor::RecordDiscarded (tenant "single-tenant", or "unknown"
// with multitenancy on; one span per packet when the span count is unknown), and logged at most
// once a second: reason "malformed_udp_packet" (undecodable), "unsupported_udp_method"
// (emitZipkinBatch), "udp_packet_too_large", "udp_queue_full", "no_tenant" (multitenancy on: the
// decoded spans are counted). Distributor errors are logged the same way (the distributor counts
// those spans itself). `cpu_pool` and `distributor` must outlive the receiver. Start/Stop from
// one thread; Stop() processes what is already queued, then returns.
class JaegerUdpReceiver : public Service {
 public:
  enum class Protocol { kCompact, kBinary };
  static constexpr size_t kQueueCapacity = 1000;
  static constexpr size_t kMaxPacketBytes = 65000;
  static constexpr int kMaxWorkers = 4;

  JaegerUdpReceiver(Protocol protocol, const ProtocolConfig& config,
                    boost::asio::thread_pool& cpu_pool, distributor::Distributor& distributor);
  ~JaegerUdpReceiver() override;

  // Binds the UDP endpoint. Errors: kInvalidArgument for a bad endpoint, kUnavailable if it
  // cannot bind.
  Status Start() override;
  // Stops receiving, then waits for queued packets to be processed (at most a few seconds).
  void Stop() override;
  uint16_t port() const { return port_; }

  // Datagrams taken off the queue and fully handled (pushed or dropped), for tests.
  uint64_t packets_handled() const { return handled_.load(); }
  // Blocks until packets_handled() >= n or `timeout` passes; returns whether it got there.
  bool WaitHandledForTest(uint64_t n, std::chrono::milliseconds timeout);

 private:
  struct Shared;
  void ReceiveLoop();
  void Drain();
  void Handle(const std::string& packet);
  void Discard(std::string_view reason, uint64_t spans, const std::string& detail);

  Protocol protocol_;
  ProtocolConfig config_;
  boost::asio::thread_pool& cpu_pool_;
  distributor::Distributor& distributor_;
  std::shared_ptr<Shared> shared_;  // outlives the receiver in pending push callbacks
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic_bool stopping_{false};

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // guarded by mu_
  int active_workers_ = 0;         // guarded by mu_
  std::atomic<uint64_t> handled_{0};
};

}  // namespace tempo::receivers
