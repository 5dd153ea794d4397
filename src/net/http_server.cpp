#include "tempo/net/http_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/http_connection.h"
#include "net/server_state.h"
#include "tempo/common/log.h"

namespace tempo::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using internal::Connection;
using internal::ServerState;

constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);

log::RateLimiter& AcceptErrorLogLimiter() {
  static log::RateLimiter limiter(10'000);
  return limiter;
}

asio::awaitable<void> AcceptLoop(std::shared_ptr<ServerState> state) {
  for (;;) {
    auto [ec, socket] = co_await state->acceptor.async_accept(asio::make_strand(state->io),
                                                              asio::as_tuple(asio::use_awaitable));
    if (state->stopping.load() || !state->acceptor.is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // Typically EMFILE: back off instead of spinning on an error that persists.
      if (AcceptErrorLogLimiter().Allow()) {
        LOG_WARN << state->options.name << ": accept failed: " << ec.message();
      }
      asio::steady_timer timer(co_await asio::this_coro::executor, kAcceptRetryDelay);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Connection>(state, std::move(socket))->Start();
  }
}

}  // namespace

// The public header names the shared state HttpServer::State; it is the module's ServerState.
struct HttpServer::State : internal::ServerState {
  using ServerState::ServerState;
};

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, Router router,
                       metrics::Registry& registry) {
  metrics::HistogramFamily& durations = registry.AddHistogram(
      "tempo_request_duration_seconds", "Time (in seconds) spent serving HTTP requests.",
      {"route", "method", "status_code"}, metrics::DefaultLatencyBuckets());
  state_ = std::make_shared<State>(io, std::move(options), std::move(router), durations);
}

HttpServer::~HttpServer() {
  Stop();
  state_->Detach();
}

Status HttpServer::Start() {
  const HttpServerOptions& options = state_->options;
  if (state_->acceptor.is_open()) {
    return FailedPreconditionError(options.name + " already started");
  }
  auto fail = [&](const boost::system::error_code& ec) {
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    return UnavailableError("cannot listen on " + options.address + ":" +
                            std::to_string(options.port) + ": " + ec.message());
  };
  boost::system::error_code ec;
  // Startup only: resolving a name such as "localhost" may block briefly.
  tcp::resolver resolver(state_->io);
  auto endpoints = resolver.resolve(options.address, std::to_string(options.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) return fail(ec);
  if (endpoints.empty()) return fail(asio::error::host_not_found);
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  state_->acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail(ec);
  state_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail(ec);
  state_->acceptor.bind(endpoint, ec);
  if (ec) return fail(ec);
  state_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ec);
  tcp::endpoint local = state_->acceptor.local_endpoint(ec);
  if (ec) return fail(ec);
  bound_port_ = local.port();
  asio::co_spawn(state_->acceptor_strand, AcceptLoop(std::static_pointer_cast<ServerState>(state_)),
                 asio::detached);
  LOG_INFO << options.name << ": listening on " << local.address().to_string() << ":"
           << bound_port_;
  return Status::Ok();
}

void HttpServer::Stop() {
  if (state_->stopping.exchange(true)) return;
  asio::post(state_->acceptor_strand, [state = state_] {
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
  });
  state_->StopConnections();
}

bool HttpServer::Drain(std::chrono::milliseconds timeout) { return state_->WaitIdle(timeout); }

}  // namespace tempo::net
