#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include "tempo/common/metrics.h"
#include "tempo/net/http_server.h"

namespace tempo::net::internal {

class Connection;

// What the accept loop and every connection of one HttpServer share. Owned through shared_ptr by
// the server, the accept coroutine and each connection, so it outlives the HttpServer object while
// coroutines still run. Fields marked const are immutable after construction; the rest is
// guarded as noted.
struct ServerState {
  ServerState(boost::asio::io_context& io, HttpServerOptions options, Router router,
              metrics::HistogramFamily& durations);

  boost::asio::io_context& io;
  const HttpServerOptions options;
  const Router router;

  // The acceptor lives on its own strand; only the accept loop and posted closures touch it.
  boost::asio::strand<boost::asio::io_context::executor_type> acceptor_strand;
  boost::asio::ip::tcp::acceptor acceptor;

  // Set once by Stop(): no new connections, idle ones close, busy ones close after responding.
  std::atomic<bool> stopping{false};

  // Registers a live connection so that Stop() can reach it; returns its id for Unregister.
  uint64_t Register(const std::shared_ptr<Connection>& connection);
  void Unregister(uint64_t id);
  // Tells every live connection that the server stops (see Connection::OnServerStop).
  void StopConnections();

  // In-flight requests (dispatched to a handler, response not yet written), for Drain().
  void BeginRequest();
  void EndRequest();
  bool WaitIdle(std::chrono::milliseconds timeout);

  // Records one request in tempo_request_duration_seconds, unless the server object is gone
  // (the registry may then be gone too).
  void RecordDuration(const std::string& route, const std::string& method, unsigned status,
                      double seconds);
  // Called by ~HttpServer: handlers and the registry may be destroyed after this returns.
  void Detach();
  bool detached() const;

 private:
  std::mutex connections_mu_;
  uint64_t next_id_ = 0;                                                 // guarded
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections_;  // guarded

  std::mutex inflight_mu_;
  std::condition_variable inflight_cv_;
  int64_t inflight_ = 0;  // guarded by inflight_mu_

  mutable std::mutex metrics_mu_;
  metrics::HistogramFamily* durations_;  // guarded by metrics_mu_; null once detached
};

}  // namespace tempo::net::internal
