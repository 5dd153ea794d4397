#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "tempo/common/metrics.h"
#include "tempo/common/service.h"
#include "tempo/common/status.h"

namespace tempo::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using HttpStatus = boost::beast::http::status;

// A request as a handler sees it.
struct IncomingRequest {
  HttpRequest message;
  std::string path;   // the target up to '?', as sent (not percent-decoded)
  std::string query;  // the raw query string after '?', may be empty
  // Not ok when the body could not be read (kInvalidArgument: too large, bad chunked encoding);
  // message.body() is then empty and the connection is closed after the response.
  Status body_status;
  // Set when the client closes the connection while the request is being handled (it stopped
  // waiting); meant to be RequestContext::cancelled so that queries stop early. Never null.
  std::shared_ptr<std::atomic_bool> client_gone = std::make_shared<std::atomic_bool>(false);
};

// Completes a request. Must be called exactly once, from any thread; later calls are ignored, and
// a Responder destroyed without being called answers 500. The server sets the version,
// keep-alive, Content-Length (and gzip when enabled) of the response.
using Responder = std::function<void(HttpResponse&&)>;
// Handles one request. Runs on an io thread: it must not block (hand slow work to a pool and call
// the responder from there). A HEAD request reaches the handler as GET. Must not throw (an
// exception is logged and answered 500).
using HttpHandler = std::function<void(IncomingRequest&&, Responder)>;

// Maps paths to handlers: exact paths first, then the longest matching prefix. `route` names the
// route in the request-duration metric. Immutable once handed to the server.
class Router {
 public:
  void Handle(std::string path, std::string route, HttpHandler handler);
  void HandlePrefix(std::string prefix, std::string route, HttpHandler handler);
  // Used when nothing matches (default: 404 "404 page not found\n").
  void SetFallback(std::string route, HttpHandler handler);

  struct Match {
    const HttpHandler* handler = nullptr;
    const std::string* route = nullptr;
  };
  Match Find(std::string_view path) const;

 private:
  struct Entry {
    std::string route;
    HttpHandler handler;
  };
  std::map<std::string, Entry, std::less<>> exact_;
  std::vector<std::pair<std::string, Entry>> prefixes_;  // longest first
  std::unique_ptr<Entry> fallback_;
};

struct HttpServerOptions {
  std::string name = "http";  // in logs
  std::string address = "0.0.0.0";
  uint16_t port = 0;  // 0 = any free port (tests)
  // Largest request body, applied to the body as received (decompression is the handler's).
  uint64_t max_body_bytes = 20ull << 20;
  // Gzip responses of 1 KiB or more when the request accepts gzip.
  bool gzip_responses = false;
  std::chrono::seconds idle_timeout{120};
  // Prior-knowledge h2c (spec/query-api.md §1.3): when set, every new connection is first peeked
  // at (without consuming bytes, without blocking an io thread). One that opens with the HTTP/2
  // connection preface is not served here: its socket is released from Asio, switched to
  // non-blocking mode and handed to this function, which takes ownership of the fd (the preface
  // is still unread). Anything else is served as HTTP/1.1. Called on an io thread: it must not
  // block, and must be thread-safe (connections are detected concurrently).
  std::function<void(int fd)> h2c_handler;
};

// The HTTP/2 client connection preface (RFC 9113 §3.4) that prior-knowledge h2c and gRPC clients
// send first.
inline constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// What the first bytes of a connection say about its protocol.
enum class ConnectionOpening {
  kHttp1,      // cannot be the HTTP/2 preface: serve as HTTP/1.1
  kHttp2,      // the complete HTTP/2 preface
  kUndecided,  // a strict prefix of the preface (or nothing yet): need more bytes
};
// Classifies the bytes received so far (only the first kHttp2Preface.size() matter).
ConnectionOpening ClassifyOpening(std::string_view first_bytes);

// An HTTP/1.1 server on Boost.Beast: keep-alive, pipelining, chunked request bodies,
// `Expect: 100-continue`, HEAD answered like GET without a body, headers up to 1 MiB. One
// coroutine per connection, each on its own strand of the io_context; handlers answer through a
// Responder from any thread. A request that cannot be parsed gets 400 (431 for oversized headers)
// without reaching a handler, and the connection closes. With options.h2c_handler set, a
// connection opening with the HTTP/2 preface is handed over instead (see HttpServerOptions).
// Records tempo_request_duration_seconds{route,method,status_code}.
// `io` and `registry` must outlive the server. Handlers must stay valid until Stop() and Drain()
// returned; once the server object is destroyed, requests still arriving on open connections get
// 503 without reaching a handler. Start/Stop from one thread; the rest is thread-safe.
class HttpServer : public Service {
 public:
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, Router router,
             metrics::Registry& registry);
  ~HttpServer() override;

  // Binds and starts accepting. Errors: kUnavailable naming the address when it cannot bind.
  Status Start() override;
  // Stops accepting, closes idle connections and lets in-flight requests finish (their
  // connections close after the response). Idempotent; does not block.
  void Stop() override;
  // Waits (blocking; never call on an io thread) until no request is in flight, or the timeout.
  // Returns false on timeout.
  bool Drain(std::chrono::milliseconds timeout);

  uint16_t port() const { return bound_port_; }

 private:
  struct State;
  std::shared_ptr<State> state_;
  uint16_t bound_port_ = 0;
};

// Parses a query string with form-urlencoded rules: '+' and %XX decode, the first value of a
// repeated name wins, and a name with an empty value is absent.
std::map<std::string, std::string> ParseQuery(std::string_view query);
// Percent-decodes `text` ('+' stays '+'). Invalid escapes are kept as they are.
std::string PercentDecode(std::string_view text);

// A response with the request's version and keep-alive, the given status, content type and body.
HttpResponse MakeResponse(const HttpRequest& request, HttpStatus status, std::string body,
                          std::string_view content_type = "text/plain; charset=utf-8");

}  // namespace tempo::net
