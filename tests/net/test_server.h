#pragma once

// Test helpers of the net module: a server on an ephemeral port and a blocking raw client.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "tempo/common/metrics.h"
#include "tempo/net/http_server.h"

namespace tempo::net {
namespace test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using namespace std::chrono_literals;

// An HttpServer on 127.0.0.1, port 0, with its io_context running on two threads.
class TestServer {
 public:
  explicit TestServer(Router router, HttpServerOptions options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<HttpServer>(io_, options, std::move(router), registry_);
    Status started = server_->Start();
    INFO(started.ToString());
    REQUIRE(started.ok());
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  ~TestServer() {
    server_->Stop();
    server_->Drain(5s);
    server_.reset();
    work_.reset();
    io_.stop();
    for (auto& thread : threads_) thread.join();
  }

  HttpServer& server() { return *server_; }
  uint16_t port() const { return server_->port(); }
  metrics::Registry& registry() { return registry_; }
  asio::io_context& io() { return io_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  metrics::Registry registry_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
};

// A blocking raw-TCP client for the test thread.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  void Send(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // Reads one response; `head` for the answer to a HEAD request (no body follows).
  http::response<http::string_body> Read(bool head = false) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    parser.skip(head);
    boost::beast::error_code ec;
    http::read(socket_, buffer_, parser, ec);
    INFO(ec.message());
    REQUIRE(!ec);
    return parser.release();
  }

  // True when the server closed the connection (after any buffered bytes are consumed).
  bool ReadsEof() {
    if (buffer_.size() > 0) return false;
    char byte;
    boost::system::error_code ec;
    socket_.read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  tcp::socket& socket() { return socket_; }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace test
}  // namespace tempo::net
