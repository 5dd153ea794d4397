#include "net/http_connection.h"

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "tempo/common/compression.h"
#include "tempo/common/log.h"

namespace tempo::net::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr uint32_t kHeaderLimit = 1u << 20;
constexpr size_t kGzipMinBytes = 1024;
// After an error response, how much of the unread request we swallow, and for how long, before
// closing (see DrainAndClose).
constexpr size_t kDrainMaxBytes = 4u << 20;
constexpr auto kDrainTimeout = std::chrono::seconds(3);

constexpr auto kUseAwaitable = asio::as_tuple(asio::use_awaitable);

Status BodyTooLarge(uint64_t limit) {
  return InvalidArgumentError("request body too large: exceeds " + std::to_string(limit) +
                              " bytes");
}

// A syntax error in what the client sent, as opposed to the peer going away.
bool IsHttpSyntaxError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message &&
         ec != http::error::need_more && ec != http::error::need_buffer;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

// True when Accept-Encoding lists gzip (or *) without q=0.
bool AcceptsGzip(beast::string_view header) {
  std::string value = Lower(std::string_view(header.data(), header.size()));
  std::string_view rest = value;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t semicolon = item.find(';');
    std::string_view coding = Trim(item.substr(0, semicolon));
    if (coding != "gzip" && coding != "*") continue;
    if (semicolon == std::string_view::npos) return true;
    std::string_view params = Trim(item.substr(semicolon + 1));
    if (params.substr(0, 2) == "q=") {
      std::string_view q = Trim(params.substr(2));
      if (q.find_first_not_of("0.") == std::string_view::npos) continue;  // q=0, q=0.0
    }
    return true;
  }
  return false;
}

// Splits a request target into path and raw query. An absolute-form target
// ("http://host/path?q") keeps only its path.
void SplitTarget(std::string_view target, std::string* path, std::string* query) {
  std::string prefix = Lower(target.substr(0, 8));
  if (prefix.rfind("http://", 0) == 0 || prefix.rfind("https://", 0) == 0) {
    size_t authority = target.find("//") + 2;
    size_t slash = target.find_first_of("/?", authority);
    target = slash == std::string_view::npos ? std::string_view() : target.substr(slash);
  }
  size_t question = target.find('?');
  *path = std::string(target.substr(0, question));
  if (path->empty()) *path = "/";
  *query =
      question == std::string_view::npos ? std::string() : std::string(target.substr(question + 1));
}

HttpResponse PlainResponse(HttpStatus status, unsigned version, bool keep_alive, std::string body) {
  HttpResponse response(status, version);
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  return response;
}

// Carries the coroutine's completion handler to whoever answers the request. The first call to
// Complete resumes the coroutine (always via a post to its strand, so a handler answering
// synchronously does not resume it recursively); later calls are ignored. A handler that drops
// its Responder without answering gets a 500 sent on its behalf. Thread-safe.
template <typename CompletionHandler>
class ResponseSlot {
 public:
  ResponseSlot(CompletionHandler handler, unsigned version, bool keep_alive)
      : handler_(std::move(handler)), version_(version), keep_alive_(keep_alive) {}
  ResponseSlot(const ResponseSlot&) = delete;
  ResponseSlot& operator=(const ResponseSlot&) = delete;

  ~ResponseSlot() {
    if (!done_.exchange(true)) {
      Deliver(PlainResponse(HttpStatus::internal_server_error, version_, keep_alive_,
                            "handler did not respond\n"));
    }
  }

  void Complete(HttpResponse&& response) {
    if (done_.exchange(true)) return;
    Deliver(std::move(response));
  }

 private:
  void Deliver(HttpResponse response) {
    auto executor = asio::get_associated_executor(handler_);
    asio::post(executor, [handler = std::move(handler_), response = std::move(response)]() mutable {
      std::move(handler)(std::move(response));
    });
  }

  CompletionHandler handler_;
  unsigned version_;
  bool keep_alive_;
  std::atomic<bool> done_{false};
};

// Counts a request as in flight for Drain() for as long as it lives (also when the coroutine is
// destroyed while suspended).
class InflightGuard {
 public:
  explicit InflightGuard(ServerState& state) : state_(state) { state_.BeginRequest(); }
  ~InflightGuard() { state_.EndRequest(); }
  InflightGuard(const InflightGuard&) = delete;
  InflightGuard& operator=(const InflightGuard&) = delete;

 private:
  ServerState& state_;
};

}  // namespace

// What the response stage needs to know about its request.
struct Connection::Exchange {
  std::string route;
  std::string method;  // as received ("HEAD" for HEAD, although the handler sees GET)
  unsigned version = 11;
  bool keep_alive = true;  // updated by WriteResponse to what was sent
  bool head = false;
  bool accepts_gzip = false;
};

Connection::Connection(std::shared_ptr<ServerState> state, tcp::socket socket)
    : state_(std::move(state)), strand_(socket.get_executor()), stream_(std::move(socket)) {}

Connection::~Connection() {
  if (id_ != 0) state_->Unregister(id_);
}

void Connection::Start() {
  id_ = state_->Register(shared_from_this());
  asio::co_spawn(
      strand_, [self = shared_from_this()] { return self->Run(); }, asio::detached);
}

void Connection::OnServerStop() {
  asio::post(strand_, [self = shared_from_this()] {
    if (!self->waiting_for_request_) return;  // busy: Run closes after the response
    beast::error_code ignored;
    self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    self->stream_.close();
  });
}

asio::awaitable<void> Connection::Run() {
  auto self = shared_from_this();
  if (state_->options.h2c_handler) {
    std::optional<ConnectionOpening> opening = co_await DetectOpening();
    if (opening == ConnectionOpening::kHttp2 && !state_->stopping.load()) {
      HandOverToHttp2();
      co_return;
    }
    if (opening != ConnectionOpening::kHttp1) {
      stream_.close();  // peer gone, idle, or the server stops
      co_return;
    }
  }
  for (;;) {
    if (state_->stopping.load()) break;
    Next next = co_await ServeOne();
    if (next == Next::kContinue) continue;
    if (next == Next::kDrainAndClose) co_await DrainAndClose();
    break;
  }
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

asio::awaitable<Connection::Next> Connection::ServeOne() {
  const HttpServerOptions& options = state_->options;
  http::request_parser<http::string_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(options.max_body_bytes);

  stream_.expires_after(options.idle_timeout);
  waiting_for_request_ = true;
  auto [header_ec, header_bytes] =
      co_await http::async_read_header(stream_, buffer_, parser, kUseAwaitable);
  waiting_for_request_ = false;

  Status body_status;
  if (header_ec == http::error::body_limit) {
    // Content-Length alone exceeds the limit: answer without reading (or inviting) the body.
    body_status = BodyTooLarge(options.max_body_bytes);
  } else if (header_ec) {
    if (!IsHttpSyntaxError(header_ec)) co_return Next::kClose;  // peer gone, timeout, Stop()
    LOG_DEBUG << options.name << ": malformed request: " << header_ec.message();
    co_await RejectMalformed(header_ec);
    co_return Next::kDrainAndClose;
  }

  if (body_status.ok() && !parser.is_done()) {
    const HttpRequest& head = parser.get();
    if (head.version() >= 11 && beast::iequals(head[http::field::expect], "100-continue")) {
      http::response<http::empty_body> interim(http::status::continue_, head.version());
      stream_.expires_after(options.idle_timeout);
      auto [ec, n] = co_await http::async_write(stream_, interim, kUseAwaitable);
      if (ec) co_return Next::kClose;
    }
    stream_.expires_after(options.idle_timeout);
    auto [body_ec, body_bytes] = co_await http::async_read(stream_, buffer_, parser, kUseAwaitable);
    if (body_ec == http::error::body_limit) {
      body_status = BodyTooLarge(options.max_body_bytes);
    } else if (body_ec && IsHttpSyntaxError(body_ec)) {
      body_status = InvalidArgumentError("cannot read request body: " + body_ec.message());
    } else if (body_ec) {
      co_return Next::kClose;  // peer gone mid-body or timeout: nobody to answer
    }
  }

  HttpRequest message = parser.release();
  if (!body_status.ok()) message.body().clear();
  Exchange exchange;
  exchange.method = std::string(message.method_string());
  exchange.version = message.version();
  exchange.keep_alive = message.keep_alive() && body_status.ok();
  exchange.head = message.method() == http::verb::head;
  exchange.accepts_gzip =
      options.gzip_responses && AcceptsGzip(message[http::field::accept_encoding]);
  // HEAD is answered like GET; WriteResponse drops the body.
  if (exchange.head) message.method(http::verb::get);

  IncomingRequest request;
  SplitTarget(std::string_view(message.target().data(), message.target().size()), &request.path,
              &request.query);
  request.message = std::move(message);
  request.body_status = body_status;
  Router::Match match = state_->router.Find(request.path);
  exchange.route = *match.route;

  auto start = std::chrono::steady_clock::now();
  InflightGuard inflight(*state_);
  HttpResponse response;
  if (state_->detached()) {
    // The HttpServer object is gone, and with it the guarantee that handlers are alive.
    response = PlainResponse(HttpStatus::service_unavailable, exchange.version, false,
                             "server shutting down\n");
  } else {
    using namespace boost::asio::experimental::awaitable_operators;  // NOLINT
    std::shared_ptr<std::atomic_bool> client_gone = request.client_gone;
    std::variant<HttpResponse, std::monostate> outcome =
        co_await (Dispatch(*match.handler, std::move(request)) || WatchForClose(client_gone));
    if (outcome.index() != 0) {
      // The client went away; the handler has finished (it was told through client_gone) and
      // nobody is left to read its answer.
      co_return Next::kClose;
    }
    response = std::move(std::get<0>(outcome));
  }
  unsigned status = response.result_int();
  bool written = co_await WriteResponse(response, exchange);
  state_->RecordDuration(
      exchange.route, exchange.method, status,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());

  if (!written) co_return Next::kClose;
  if (!body_status.ok()) co_return Next::kDrainAndClose;
  if (!exchange.keep_alive) co_return Next::kClose;
  co_return Next::kContinue;
}

asio::awaitable<void> Connection::RejectMalformed(beast::error_code ec) {
  bool too_large = ec == http::error::header_limit;
  HttpResponse response = PlainResponse(
      too_large ? HttpStatus::request_header_fields_too_large : HttpStatus::bad_request, 11, false,
      too_large ? "431 Request Header Fields Too Large" : "400 Bad Request");
  response.prepare_payload();
  stream_.expires_after(state_->options.idle_timeout);
  auto [write_ec, n] = co_await http::async_write(stream_, response, kUseAwaitable);
  (void)write_ec;  // the connection closes either way
}

asio::awaitable<HttpResponse> Connection::Dispatch(const HttpHandler& handler,
                                                   IncomingRequest request) {
  unsigned version = request.message.version();
  bool keep_alive = request.message.keep_alive();
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(HttpResponse)>(
      [&handler, version, keep_alive](auto completion, IncomingRequest incoming) {
        using Slot = ResponseSlot<decltype(completion)>;
        auto slot = std::make_shared<Slot>(std::move(completion), version, keep_alive);
        Responder responder = [slot](HttpResponse&& response) {
          slot->Complete(std::move(response));
        };
        try {
          handler(std::move(incoming), std::move(responder));
        } catch (const std::exception& e) {
          // Handlers must not throw; keep the io thread alive if one does anyway.
          LOG_ERROR << "HTTP handler threw: " << e.what();
          slot->Complete(PlainResponse(HttpStatus::internal_server_error, version, keep_alive,
                                       "internal error\n"));
        } catch (...) {
          LOG_ERROR << "HTTP handler threw a non-standard exception";
          slot->Complete(PlainResponse(HttpStatus::internal_server_error, version, keep_alive,
                                       "internal error\n"));
        }
      },
      asio::use_awaitable, std::move(request));
}

asio::awaitable<void> Connection::WatchForClose(std::shared_ptr<std::atomic_bool> client_gone) {
  tcp::socket& socket = stream_.socket();
  auto [ec] = co_await socket.async_wait(tcp::socket::wait_read, kUseAwaitable);
  if (ec == asio::error::operation_aborted) co_return;  // the response is ready
  if (!ec) {
    char byte;
    ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))) {
      // More bytes (a pipelined request): the peer is there. Wait for the response.
      asio::steady_timer forever(strand_, asio::steady_timer::time_point::max());
      co_await forever.async_wait(kUseAwaitable);
      co_return;
    }
  }
  client_gone->store(true, std::memory_order_relaxed);
}

asio::awaitable<bool> Connection::WriteResponse(HttpResponse& response, Exchange& exchange) {
  response.version(exchange.version);
  exchange.keep_alive = exchange.keep_alive && response.keep_alive() && !state_->stopping.load();
  response.keep_alive(exchange.keep_alive);
  unsigned code = response.result_int();
  if (code / 100 == 1 || code == 204 || code == 304) {
    // These never carry a body, nor Content-Length (RFC 9110 §8.6).
    response.body().clear();
    response.erase(http::field::content_length);
    response.erase(http::field::transfer_encoding);
  } else {
    if (exchange.accepts_gzip && response.body().size() >= kGzipMinBytes &&
        response[http::field::content_encoding].empty()) {
      std::string compressed = GzipCompress(response.body());
      if (!compressed.empty()) {
        response.body() = std::move(compressed);
        response.set(http::field::content_encoding, "gzip");
        response.set(http::field::vary, "Accept-Encoding");
      }
    }
    response.prepare_payload();
  }

  stream_.expires_after(state_->options.idle_timeout);
  beast::error_code ec;
  if (exchange.head) {
    // Same header (Content-Length of the GET body), no body.
    http::response<http::empty_body> head(response.base());
    std::tie(ec, std::ignore) = co_await http::async_write(stream_, head, kUseAwaitable);
  } else {
    std::tie(ec, std::ignore) = co_await http::async_write(stream_, response, kUseAwaitable);
  }
  co_return !ec;
}

asio::awaitable<void> Connection::DrainAndClose() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(kDrainTimeout);
  std::array<char, 16 * 1024> scratch;
  size_t drained = 0;
  while (drained < kDrainMaxBytes) {
    auto [ec, n] = co_await stream_.async_read_some(asio::buffer(scratch), kUseAwaitable);
    if (ec) break;
    drained += n;
  }
  stream_.close();
}

}  // namespace tempo::net::internal
