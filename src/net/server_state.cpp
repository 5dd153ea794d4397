#include "net/server_state.h"

#include "net/http_connection.h"

namespace tempo::net::internal {

namespace asio = boost::asio;

ServerState::ServerState(asio::io_context& io_context, HttpServerOptions server_options,
                         Router server_router, metrics::HistogramFamily& durations)
    : io(io_context),
      options(std::move(server_options)),
      router(std::move(server_router)),
      acceptor_strand(asio::make_strand(io_context)),
      acceptor(acceptor_strand),
      durations_(&durations) {}

uint64_t ServerState::Register(const std::shared_ptr<Connection>& connection) {
  std::lock_guard<std::mutex> lock(connections_mu_);
  uint64_t id = ++next_id_;
  connections_.emplace(id, connection);
  return id;
}

void ServerState::Unregister(uint64_t id) {
  std::lock_guard<std::mutex> lock(connections_mu_);
  connections_.erase(id);
}

void ServerState::StopConnections() {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard<std::mutex> lock(connections_mu_);
    for (const auto& [id, weak] : connections_) {
      if (auto connection = weak.lock()) live.push_back(std::move(connection));
    }
  }
  for (const auto& connection : live) connection->OnServerStop();
}

void ServerState::BeginRequest() {
  std::lock_guard<std::mutex> lock(inflight_mu_);
  ++inflight_;
}

void ServerState::EndRequest() {
  std::lock_guard<std::mutex> lock(inflight_mu_);
  if (--inflight_ == 0) inflight_cv_.notify_all();
}

bool ServerState::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(inflight_mu_);
  return inflight_cv_.wait_for(lock, timeout, [this] { return inflight_ == 0; });
}

void ServerState::RecordDuration(const std::string& route, const std::string& method,
                                 unsigned status, double seconds) {
  std::lock_guard<std::mutex> lock(metrics_mu_);
  if (durations_ == nullptr) return;
  durations_->WithLabels({route, method, std::to_string(status)}).Observe(seconds);
}

void ServerState::Detach() {
  std::lock_guard<std::mutex> lock(metrics_mu_);
  durations_ = nullptr;
}

bool ServerState::detached() const {
  std::lock_guard<std::mutex> lock(metrics_mu_);
  return durations_ == nullptr;
}

}  // namespace tempo::net::internal
