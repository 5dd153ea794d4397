// Blocking Beast client for tempo_query (query_client.h).
#include "query_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>

namespace tempo::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpClient::Impl {
  Impl(const std::string& host_, uint16_t port, double timeout_s)
      : host(host_),
        endpoint(asio::ip::make_address(host_), port),
        timeout(std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000))),
        stream(io) {}

  // One exchange on the current connection (opened first if needed). `reused` says whether the
  // connection had served a request before this one.
  HttpResult Exchange(http::request<http::string_body>& req, bool* reused) {
    HttpResult r;
    beast::error_code ec;
    auto start = std::chrono::steady_clock::now();
    *reused = connected;
    if (!connected) {
      stream.expires_after(timeout);
      stream.connect(endpoint, ec);
      if (ec) {
        r.error = "connect: " + ec.message();
        stream.close();
        return r;
      }
      stream.socket().set_option(tcp::no_delay(true));
      buffer.clear();
      connected = true;
    }
    stream.expires_after(timeout);
    http::write(stream, req, ec);
    if (ec) {
      r.error = "write: " + ec.message();
      Close();
      return r;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(uint64_t{4} << 30);  // whole traces of 50k spans are tens of MB of JSON
    http::read(stream, buffer, parser, ec);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (ec) {
      r.error = (ec == beast::error::timeout ? "timeout: " : "read: ") + ec.message();
      Close();
      return r;
    }
    auto res = parser.release();
    r.status = static_cast<int>(res.result_int());
    r.body = std::move(res.body());
    if (!res.keep_alive()) Close();
    return r;
  }

  void Close() {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    connected = false;
  }

  std::string host;
  asio::io_context io;
  tcp::endpoint endpoint;
  std::chrono::milliseconds timeout;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool connected = false;
};

HttpClient::HttpClient(const std::string& host, uint16_t port, double timeout_s)
    : impl_(std::make_unique<Impl>(host, port, timeout_s)) {}

HttpClient::~HttpClient() { impl_->Close(); }

void HttpClient::Close() { impl_->Close(); }

HttpResult HttpClient::Get(const std::string& target,
                           const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::host, impl_->host);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.keep_alive(true);
  bool reused = false;
  HttpResult r = impl_->Exchange(req, &reused);
  if (r.status == 0 && reused) r = impl_->Exchange(req, &reused);
  return r;
}

HttpResult HttpClient::Post(const std::string& target, const std::string& body,
                            const std::string& content_type) {
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, impl_->host);
  req.set(http::field::content_type, content_type);
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  bool reused = false;
  return impl_->Exchange(req, &reused);
}

std::string UrlEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace tempo::bench
