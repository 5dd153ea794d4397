#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/read.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <memory>
#include <mutex>
#include <string>

#include "net/test_server.h"
#include "tempo/net/http_server.h"

namespace tempo::net {
namespace {

using test::Client;
using test::tcp;
using test::TestServer;
using namespace std::chrono_literals;

// Records the first connection handed over and what was still unread on it.
class Handover {
 public:
  std::function<void(int)> Handler() {
    return [this](int fd) {
      std::lock_guard<std::mutex> lock(mu_);
      if (fds_++ > 0) {
        ::close(fd);
        return;
      }
      // The fd is non-blocking; the preface was peeked at, so it is all still there.
      std::string bytes;
      std::array<char, 64> chunk;
      while (bytes.size() < kHttp2Preface.size()) {
        ssize_t n = ::recv(fd, chunk.data(), chunk.size(), MSG_WAITALL);
        if (n <= 0) break;
        bytes.append(chunk.data(), size_t(n));
      }
      ::close(fd);
      promise_.set_value(bytes);
    };
  }
  std::future<std::string> first() { return promise_.get_future(); }

 private:
  std::mutex mu_;
  int fds_ = 0;
  std::promise<std::string> promise_;
};

Router HelloRouter() {
  Router router;
  router.Handle("/hello", "hello", [](IncomingRequest&& request, Responder respond) {
    respond(MakeResponse(request.message, HttpStatus::ok, "hi"));
  });
  return router;
}

HttpServerOptions WithHandler(std::function<void(int)> handler) {
  HttpServerOptions options;
  options.h2c_handler = std::move(handler);
  return options;
}

TEST_CASE("ClassifyOpening tells HTTP/1.1 from the HTTP/2 preface", "[net]") {
  CHECK(ClassifyOpening("GET / HTTP/1.1\r\n") == ConnectionOpening::kHttp1);
  CHECK(ClassifyOpening("POST") == ConnectionOpening::kHttp1);
  CHECK(ClassifyOpening("PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n") == ConnectionOpening::kHttp1);
  CHECK(ClassifyOpening("") == ConnectionOpening::kUndecided);
  CHECK(ClassifyOpening("P") == ConnectionOpening::kUndecided);
  CHECK(ClassifyOpening("PRI * HTTP/2.0\r\n") == ConnectionOpening::kUndecided);
  CHECK(ClassifyOpening(kHttp2Preface) == ConnectionOpening::kHttp2);
  CHECK(ClassifyOpening(std::string(kHttp2Preface) + "\x00\x00\x12\x04") ==
        ConnectionOpening::kHttp2);
}

TEST_CASE("A plain HTTP request and an HTTP/2 preface share one listener", "[net]") {
  Handover handover;
  TestServer server(HelloRouter(), WithHandler(handover.Handler()));

  Client http_client(server.port());
  http_client.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  auto response = http_client.Read();
  CHECK(response.result() == HttpStatus::ok);
  CHECK(response.body() == "hi");

  Client h2_client(server.port());
  h2_client.Send(kHttp2Preface);
  auto handed = handover.first();
  REQUIRE(handed.wait_for(10s) == std::future_status::ready);
  CHECK(handed.get() == kHttp2Preface);

  // The HTTP/1.1 connection is still served after the handover.
  http_client.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(http_client.Read().body() == "hi");
}

TEST_CASE("A preface arriving in pieces is still handed over whole", "[net]") {
  Handover handover;
  TestServer server(HelloRouter(), WithHandler(handover.Handler()));
  Client client(server.port());
  client.Send(kHttp2Preface.substr(0, 5));
  client.Send(kHttp2Preface.substr(5));
  auto handed = handover.first();
  REQUIRE(handed.wait_for(10s) == std::future_status::ready);
  CHECK(handed.get() == kHttp2Preface);
}

TEST_CASE("A connection that sends part of the preface and closes is dropped", "[net]") {
  Handover handover;
  TestServer server(HelloRouter(), WithHandler(handover.Handler()));
  {
    Client client(server.port());
    client.Send("PRI * HTTP/2.0\r\n");
    client.socket().shutdown(tcp::socket::shutdown_send);
    CHECK(client.ReadsEof());  // the server closes its side instead of waiting forever
  }
  {
    Client client(server.port());
    client.Send("P");
    client.socket().close();
  }
  {
    Client client(server.port());  // connects and closes without a byte
  }
  // Still serving, and nothing was handed over.
  Client client(server.port());
  client.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(client.Read().body() == "hi");
  CHECK(handover.first().wait_for(0s) == std::future_status::timeout);
}

TEST_CASE("Without an h2c handler the preface is an HTTP/1.1 syntax error", "[net]") {
  TestServer server(HelloRouter());
  Client client(server.port());
  client.Send(kHttp2Preface);
  CHECK(client.Read().result() == HttpStatus::bad_request);
}

}  // namespace
}  // namespace tempo::net
