#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "net/server_state.h"
#include "tempo/net/http_server.h"

namespace tempo::net::internal {

// One accepted TCP connection: a coroutine on its own strand that reads requests, dispatches
// them to the router's handlers and writes the responses, one at a time (HTTP/1.1 keep-alive).
// With an h2c handler configured, it first waits for enough bytes to tell HTTP/1.1 from the
// HTTP/2 preface and hands an HTTP/2 connection over. Owned by its coroutine (shared_from_this)
// and weakly referenced by ServerState; everything except Start and OnServerStop runs on the
// connection's strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `socket` must use a strand executor: the connection relies on it instead of a lock.
  Connection(std::shared_ptr<ServerState> state, boost::asio::ip::tcp::socket socket);
  ~Connection();

  // Registers with the server state and spawns the coroutine. Call once.
  void Start();
  // Thread-safe: closes the connection now if it waits for a request; otherwise it closes after
  // the current response.
  void OnServerStop();

 private:
  enum class Next { kContinue, kClose, kDrainAndClose };
  struct Exchange;

  boost::asio::awaitable<void> Run();
  // Peeks at the first bytes until they decide the protocol (ClassifyOpening), the peer closes
  // or the idle timeout passes (nullopt then). Consumes nothing. Defined in h2c_detect.cpp.
  boost::asio::awaitable<std::optional<ConnectionOpening>> DetectOpening();
  // Releases the socket from Asio and gives its fd to options.h2c_handler.
  void HandOverToHttp2();
  // Reads, dispatches and answers one request.
  boost::asio::awaitable<Next> ServeOne();
  // Answers a request that could not be parsed, without calling a handler.
  boost::asio::awaitable<void> RejectMalformed(boost::beast::error_code ec);
  // Calls the handler and waits for its Responder, which may run on any thread.
  boost::asio::awaitable<HttpResponse> Dispatch(const HttpHandler& handler,
                                                IncomingRequest request);
  // While a handler runs: completes (setting `client_gone`) when the peer closes the connection
  // or it fails; when the peer sends more bytes (a pipelined request) it stops looking and waits
  // to be cancelled. Cancelled once the response is ready.
  boost::asio::awaitable<void> WatchForClose(std::shared_ptr<std::atomic_bool> client_gone);
  // Sets version, keep-alive, compression and Content-Length; writes the response (headers only
  // for HEAD). Returns false when the write failed.
  boost::asio::awaitable<bool> WriteResponse(HttpResponse& response, Exchange& exchange);
  // Half-closes, then reads and discards what the client still sends (bounded in bytes and time)
  // so that unread request bytes do not turn our close into a reset that destroys the response.
  boost::asio::awaitable<void> DrainAndClose();

  std::shared_ptr<ServerState> state_;
  boost::asio::any_io_executor strand_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  uint64_t id_ = 0;
  bool waiting_for_request_ = false;  // strand only
};

}  // namespace tempo::net::internal
