// OTLP/HTTP protobuf replay: one coroutine per keep-alive connection on a single io_context, each
// POSTing the corpus bytes in place (span_body, no copy) and waiting for the answer. Also the
// /metrics scrape used for the server-side counters.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

#include "senders.h"

namespace tempo::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// Printable excerpt of an error body (rpc.Status protobuf bytes are mostly text anyway).
std::string Printable(const std::string& body) {
  std::string out;
  for (char c : body.substr(0, 200)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '.';
  return out;
}

class HttpRunner {
 public:
  HttpRunner(const LoadOptions& options, Dispatcher& dispatcher)
      : options_(options),
        dispatcher_(dispatcher),
        endpoint_(asio::ip::make_address(options.host), options.port),
        timeout_(std::chrono::milliseconds(static_cast<int64_t>(options.timeout_s * 1000))) {}

  Status Run() {
    {
      tcp::socket probe(io_);
      boost::system::error_code ec;
      probe.connect(endpoint_, ec);
      if (ec) {
        return UnavailableError("cannot connect to OTLP HTTP at " + options_.host + ":" +
                                std::to_string(options_.port) + ": " + ec.message());
      }
    }
    dispatcher_.Start();
    for (int i = 0; i < std::max(1, options_.concurrency); ++i) {
      asio::co_spawn(io_, Connection(), asio::detached);
    }
    io_.run();
    return Status::Ok();
  }

 private:
  asio::awaitable<void> Connection() {
    beast::tcp_stream stream(io_);
    beast::flat_buffer buffer;
    asio::steady_timer timer(io_);
    std::string scratch;
    bool connected = false;
    for (;;) {
      std::optional<Work> work = dispatcher_.Next(&scratch);
      if (!work) break;
      if (options_.rate > 0 && work->scheduled > Clock::now()) {
        timer.expires_at(work->scheduled);
        co_await timer.async_wait(kAwait);
      }
      if (!connected) {
        stream.expires_after(timeout_);
        auto [ec] = co_await stream.async_connect(endpoint_, kAwait);
        if (ec) {
          dispatcher_.Done(*work, Clock::now(), "net connect", ec.message());
          // Back off so that a dead server does not turn the loop into a spin.
          timer.expires_after(std::chrono::milliseconds(100));
          co_await timer.async_wait(kAwait);
          continue;
        }
        stream.socket().set_option(tcp::no_delay(true));
        buffer.clear();
        connected = true;
      }
      http::request<http::span_body<const char>> req{http::verb::post, options_.http_path, 11};
      req.set(http::field::host, options_.host);
      req.set(http::field::content_type, "application/x-protobuf");
      if (!options_.tenant.empty()) req.set("X-Scope-OrgID", options_.tenant);
      req.body() = {work->payload->data(), work->payload->size()};
      req.keep_alive(true);
      req.prepare_payload();
      Clock::time_point sent = Clock::now();
      stream.expires_after(timeout_);
      auto [wec, written] = co_await http::async_write(stream, req, kAwait);
      if (wec) {
        dispatcher_.Done(*work, sent, "net write", wec.message());
        stream.close();
        connected = false;
        continue;
      }
      http::response<http::string_body> res;
      auto [rec, read] = co_await http::async_read(stream, buffer, res, kAwait);
      if (rec) {
        dispatcher_.Done(*work, sent, rec == beast::error::timeout ? "net timeout" : "net read",
                         rec.message());
        stream.close();
        connected = false;
        continue;
      }
      if (res.result_int() == 200) {
        dispatcher_.Done(*work, sent, "");
      } else {
        dispatcher_.Done(*work, sent, "http " + std::to_string(res.result_int()),
                         Printable(res.body()));
      }
      if (!res.keep_alive()) {
        stream.close();
        connected = false;
      }
    }
    if (connected) {
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
  }

  const LoadOptions& options_;
  Dispatcher& dispatcher_;
  asio::io_context io_;
  tcp::endpoint endpoint_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

Status RunHttp(const LoadOptions& options, Dispatcher& dispatcher) {
  boost::system::error_code ec;
  asio::ip::make_address(options.host, ec);
  if (ec) return InvalidArgumentError("not an IP address: " + options.host);
  HttpRunner runner(options, dispatcher);
  return runner.Run();
}

Result<std::map<std::string, double>> ScrapeMetrics(const std::string& host, uint16_t port) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return InvalidArgumentError("not an IP address: " + host);
  stream.expires_after(std::chrono::seconds(5));
  stream.connect(tcp::endpoint(address, port), ec);
  if (ec) return UnavailableError("cannot connect to " + host + ":" + std::to_string(port));
  http::request<http::empty_body> req{http::verb::get, "/metrics", 11};
  req.set(http::field::host, host);
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec) http::read(stream, buffer, res, ec);
  if (ec) return UnavailableError("GET /metrics failed: " + ec.message());
  if (res.result_int() != 200) {
    return UnavailableError("GET /metrics answered " + std::to_string(res.result_int()));
  }
  std::map<std::string, double> out;
  const std::string& body = res.body();
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find('\n', pos);
    if (eol == std::string::npos) eol = body.size();
    std::string line = body.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty() || line[0] == '#') continue;
    size_t name_end = line.find_first_of("{ ");
    size_t value_at = line.rfind(' ');
    if (name_end == std::string::npos || value_at == std::string::npos) continue;
    out[line.substr(0, name_end)] += std::strtod(line.c_str() + value_at + 1, nullptr);
  }
  return out;
}

}  // namespace tempo::bench
