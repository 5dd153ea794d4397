#include "tempo/net/http_server.h"

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <catch2/catch.hpp>

#include "tempo/common/compression.h"
#include "net/test_server.h"

namespace tempo::net {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using namespace std::chrono_literals;
using test::Client;
using test::TestServer;

// Answers with "<method> <path> ?<query> body=<body>".
void Echo(IncomingRequest&& request, Responder respond) {
  std::string text = std::string(request.message.method_string()) + " " + request.path + " ?" +
                     request.query + " body=" + request.message.body();
  if (!request.body_status.ok()) {
    respond(MakeResponse(request.message, HttpStatus::bad_request, request.body_status.message()));
    return;
  }
  respond(MakeResponse(request.message, HttpStatus::ok, text));
}

Router EchoRouter() {
  Router router;
  router.Handle("/echo", "echo", Echo);
  return router;
}

TEST_CASE("A GET on a registered path reaches its handler", "[net]") {
  TestServer server(EchoRouter());
  Client client(server.port());
  client.Send("GET /echo?a=1&b=x%20y HTTP/1.1\r\nHost: test\r\n\r\n");
  auto response = client.Read();
  CHECK(response.result() == HttpStatus::ok);
  CHECK(response.body() == "GET /echo ?a=1&b=x%20y body=");
  CHECK(response[http::field::content_type] == "text/plain; charset=utf-8");
}

TEST_CASE("An unknown path gets Go's 404 text and the notfound route", "[net]") {
  TestServer server(EchoRouter());
  Client client(server.port());
  client.Send("GET /nope HTTP/1.1\r\nHost: test\r\n\r\n");
  auto response = client.Read();
  CHECK(response.result() == HttpStatus::not_found);
  CHECK(response.body() == "404 page not found\n");
  REQUIRE(server.server().Drain(5s));
  std::string text = server.registry().Render();
  CHECK(text.find("tempo_request_duration_seconds_count{route=\"notfound\",method=\"GET\","
                  "status_code=\"404\"} 1\n") != std::string::npos);
}

TEST_CASE("Two requests share one keep-alive connection", "[net]") {
  TestServer server(EchoRouter());
  Client client(server.port());
  client.Send("GET /echo?n=1 HTTP/1.1\r\nHost: test\r\n\r\n");
  auto first = client.Read();
  CHECK(first.body() == "GET /echo ?n=1 body=");
  CHECK(first.keep_alive());
  client.Send("POST /echo?n=2 HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc");
  auto second = client.Read();
  CHECK(second.body() == "POST /echo ?n=2 body=abc");
  REQUIRE(server.server().Drain(5s));
  CHECK(server.registry().Render().find(
            "tempo_request_duration_seconds_count{route=\"echo\",method=\"GET\","
            "status_code=\"200\"} 1\n") != std::string::npos);
}

TEST_CASE("Pipelined requests are answered in order", "[net]") {
  TestServer server(EchoRouter());
  Client client(server.port());
  client.Send("GET /echo?n=1 HTTP/1.1\r\nHost: t\r\n\r\nGET /echo?n=2 HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(client.Read().body() == "GET /echo ?n=1 body=");
  CHECK(client.Read().body() == "GET /echo ?n=2 body=");
}

TEST_CASE("Connection: close ends the connection after the response", "[net]") {
  TestServer server(EchoRouter());
  Client client(server.port());
  client.Send("GET /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  auto response = client.Read();
  CHECK_FALSE(response.keep_alive());
  CHECK(client.ReadsEof());
}

TEST_CASE("A chunked request body is reassembled", "[net]") {
  TestServer server(EchoRouter());
  Client client(server.port());
  client.Send(
      "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  auto response = client.Read();
  CHECK(response.result() == HttpStatus::ok);
  CHECK(response.body() == "POST /echo ? body=hello world");
}

TEST_CASE("Expect: 100-continue gets an interim response before the body is sent", "[net]") {
  TestServer server(EchoRouter());
  Client client(server.port());
  client.Send(
      "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto interim = client.Read();
  CHECK(interim.result() == HttpStatus::continue_);
  client.Send("hello");
  auto response = client.Read();
  CHECK(response.result() == HttpStatus::ok);
  CHECK(response.body() == "POST /echo ? body=hello");
}

TEST_CASE("An oversized body reaches the handler as an error and closes the connection", "[net]") {
  HttpServerOptions options;
  options.max_body_bytes = 16;
  TestServer server(EchoRouter(), options);
  const std::string expected = "request body too large: exceeds 16 bytes";

  SECTION("declared by Content-Length") {
    Client client(server.port());
    client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n" +
                std::string(100, 'x'));
    auto response = client.Read();
    CHECK(response.result() == HttpStatus::bad_request);
    CHECK(response.body() == expected);
    CHECK_FALSE(response.keep_alive());
    CHECK(client.ReadsEof());
  }
  SECTION("found while reading chunks") {
    Client client(server.port());
    client.Send(
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n");
    auto response = client.Read();
    CHECK(response.body() == expected);
    CHECK(client.ReadsEof());
  }
  SECTION("with Expect: 100-continue, no interim response is sent") {
    Client client(server.port());
    client.Send(
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n");
    auto response = client.Read();
    CHECK(response.result() == HttpStatus::bad_request);
    CHECK(response.body() == expected);
  }
  SECTION("a body of exactly the limit is fine") {
    Client client(server.port());
    client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 16\r\n\r\n" +
                std::string(16, 'y'));
    CHECK(client.Read().body() == "POST /echo ? body=" + std::string(16, 'y'));
  }
}

TEST_CASE("A malformed chunked body reaches the handler as an error", "[net]") {
  TestServer server(EchoRouter());
  Client client(server.port());
  client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
  auto response = client.Read();
  CHECK(response.result() == HttpStatus::bad_request);
  CHECK(response.body().rfind("cannot read request body: ", 0) == 0);
  CHECK(client.ReadsEof());
}

TEST_CASE("Garbage gets a 400 and the server keeps serving", "[net]") {
  TestServer server(EchoRouter());
  {
    Client client(server.port());
    client.Send(std::string("\x01\x02 garbage\x7f\r\n\r\n", 14));
    auto response = client.Read();
    CHECK(response.result() == HttpStatus::bad_request);
    CHECK(response.body() == "400 Bad Request");
    CHECK(client.ReadsEof());
  }
  {
    Client client(server.port());
    client.Send("GET /echo HTTP/1.1\r\nHost: t\r\nBad Header Without Colon\r\n\r\n");
    CHECK(client.Read().result() == HttpStatus::bad_request);
  }
  {
    Client client(server.port());
    client.Send("GET /echo HTTP/1.1\r\nX-Big: " + std::string(2u << 20, 'a') + "\r\n\r\n");
    CHECK(client.Read().result() == HttpStatus::request_header_fields_too_large);
  }
  {
    // Half a request, then gone.
    Client client(server.port());
    client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc");
    client.socket().close();
  }
  Client client(server.port());
  client.Send("GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(client.Read().result() == HttpStatus::ok);
}

TEST_CASE("Random bytes never take the server down", "[net]") {
  TestServer server(EchoRouter());
  std::mt19937 rng(7);
  const std::vector<std::string> prefixes = {
      "",
      "GET ",
      "GET /echo HTTP/1.1\r\n",
      "POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\n",
      "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "PRI * HTTP/2.0\r\n\r\n"};
  for (int i = 0; i < 60; ++i) {
    Client client(server.port());
    std::string bytes = prefixes[i % prefixes.size()];
    size_t n = rng() % 3000;
    for (size_t k = 0; k < n; ++k) bytes += static_cast<char>(rng() % 256);
    boost::system::error_code ec;
    asio::write(client.socket(), asio::buffer(bytes), ec);  // the server may already have closed
  }
  Client client(server.port());
  client.Send("GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(client.Read().result() == HttpStatus::ok);
}

TEST_CASE("A responder may be called from another thread", "[net]") {
  std::promise<Responder> parked;
  std::promise<HttpRequest> parked_request;
  Router router;
  router.Handle("/slow", "slow", [&](IncomingRequest&& request, Responder respond) {
    parked_request.set_value(request.message);
    parked.set_value(std::move(respond));
  });
  TestServer server(std::move(router));
  Client client(server.port());
  client.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  Responder respond = parked.get_future().get();
  HttpRequest request = parked_request.get_future().get();
  respond(MakeResponse(request, HttpStatus::accepted, "from the test thread"));
  respond(MakeResponse(request, HttpStatus::ok, "ignored second answer"));
  auto response = client.Read();
  CHECK(response.result() == HttpStatus::accepted);
  CHECK(response.body() == "from the test thread");
  // The connection is still usable.
  client.Send("GET /missing HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(client.Read().result() == HttpStatus::not_found);
}

TEST_CASE("A handler that drops its responder produces a 500", "[net]") {
  Router router;
  router.Handle("/drop", "drop", [](IncomingRequest&&, Responder) {});
  TestServer server(std::move(router));
  Client client(server.port());
  client.Send("GET /drop HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(client.Read().result() == HttpStatus::internal_server_error);
}

TEST_CASE("HEAD is routed as GET and answered without a body", "[net]") {
  TestServer server(EchoRouter());
  Client client(server.port());
  client.Send("HEAD /echo HTTP/1.1\r\nHost: t\r\n\r\n");
  auto head = client.Read(/*head=*/true);
  CHECK(head.result() == HttpStatus::ok);
  CHECK(head[http::field::content_length] ==
        std::to_string(std::string("GET /echo ? body=").size()));
  CHECK(head.body().empty());
  // Had a body been sent, it would now be parsed as the next response.
  client.Send("GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(client.Read().body() == "GET /echo ? body=");
}

TEST_CASE("Large responses are gzipped when the client accepts gzip", "[net]") {
  std::string big(4000, 'z');
  Router router;
  router.Handle("/big", "big", [&](IncomingRequest&& request, Responder respond) {
    respond(MakeResponse(request.message, HttpStatus::ok, big));
  });
  router.Handle("/small", "small", [](IncomingRequest&& request, Responder respond) {
    respond(MakeResponse(request.message, HttpStatus::ok, "tiny"));
  });
  HttpServerOptions options;
  options.gzip_responses = true;
  TestServer server(std::move(router), options);
  Client client(server.port());

  client.Send("GET /big HTTP/1.1\r\nHost: t\r\nAccept-Encoding: deflate, GZIP;q=0.8\r\n\r\n");
  auto gzipped = client.Read();
  CHECK(gzipped[http::field::content_encoding] == "gzip");
  CHECK(gzipped[http::field::vary] == "Accept-Encoding");
  CHECK(gzipped.body().size() < big.size());
  Result<std::string> decoded = DecodeContentEncoding("gzip", gzipped.body(), 1 << 20);
  REQUIRE(decoded.ok());
  CHECK(*decoded == big);

  client.Send("GET /small HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n");
  auto small = client.Read();
  CHECK(small[http::field::content_encoding].empty());
  CHECK(small.body() == "tiny");

  client.Send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(client.Read().body() == big);
  client.Send("GET /big HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip;q=0\r\n\r\n");
  CHECK(client.Read().body() == big);
}

TEST_CASE("Routes match exact paths first, then the longest prefix", "[net]") {
  auto named = [](std::string name) {
    return [name](IncomingRequest&& request, Responder respond) {
      respond(MakeResponse(request.message, HttpStatus::ok, name));
    };
  };
  Router router;
  router.HandlePrefix("/api/", "api", named("api prefix"));
  router.HandlePrefix("/api/traces/", "traces", named("traces prefix"));
  router.Handle("/api/traces/exact", "exact", named("exact"));
  router.SetFallback("other", named("fallback"));
  CHECK(*router.Find("/api/traces/exact").route == "exact");
  CHECK(*router.Find("/api/traces/123").route == "traces");
  CHECK(*router.Find("/api/search").route == "api");
  CHECK(*router.Find("/metrics").route == "other");

  TestServer server(std::move(router));
  Client client(server.port());
  client.Send("GET http://example.com/api/traces/abc?x=1 HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(client.Read().body() == "traces prefix");
  client.Send("GET /elsewhere HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(client.Read().body() == "fallback");
}

TEST_CASE("ParseQuery follows form-urlencoded rules", "[net]") {
  auto q = ParseQuery("a=1&b=hello+world&c=%2B%20x&a=2&empty=&flag&d=%zz&=novalue&&e=%41");
  CHECK(q.at("a") == "1");
  CHECK(q.at("b") == "hello world");
  CHECK(q.at("c") == "+ x");
  CHECK(q.count("empty") == 0);
  CHECK(q.count("flag") == 0);
  CHECK(q.at("d") == "%zz");
  CHECK(q.at("e") == "A");
  CHECK(q.count("") == 0);
  // The first value wins even when it is empty.
  CHECK(ParseQuery("x=&x=5").count("x") == 0);
  CHECK(ParseQuery("q=%7Bspan.foo%3D%22bar%22%7D").at("q") == "{span.foo=\"bar\"}");
  CHECK(ParseQuery("").empty());
  CHECK(ParseQuery("na%6De=v").at("name") == "v");
}

TEST_CASE("PercentDecode keeps '+' and invalid escapes", "[net]") {
  CHECK(PercentDecode("a+b%20c") == "a+b c");
  CHECK(PercentDecode("%") == "%");
  CHECK(PercentDecode("%4") == "%4");
  CHECK(PercentDecode("%41%4a%4A") == "AJJ");
  CHECK(PercentDecode("100%") == "100%");
}

TEST_CASE("Stop closes idle connections and Drain waits for in-flight requests", "[net]") {
  std::promise<Responder> parked;
  std::promise<HttpRequest> parked_request;
  Router router = EchoRouter();
  router.Handle("/slow", "slow", [&](IncomingRequest&& request, Responder respond) {
    parked_request.set_value(request.message);
    parked.set_value(std::move(respond));
  });
  TestServer server(std::move(router));

  // An idle keep-alive connection, known to the server because it was served once.
  Client idle(server.port());
  idle.Send("GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
  CHECK(idle.Read().result() == HttpStatus::ok);

  Client busy(server.port());
  busy.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  Responder respond = parked.get_future().get();
  HttpRequest request = parked_request.get_future().get();

  server.server().Stop();
  server.server().Stop();  // idempotent
  CHECK(idle.ReadsEof());
  CHECK_FALSE(server.server().Drain(20ms));

  respond(MakeResponse(request, HttpStatus::ok, "finished"));
  auto response = busy.Read();
  CHECK(response.body() == "finished");
  CHECK_FALSE(response.keep_alive());
  CHECK(busy.ReadsEof());
  CHECK(server.server().Drain(5s));
}

TEST_CASE("Start fails with kUnavailable when the port is taken", "[net]") {
  TestServer first(EchoRouter());
  asio::io_context io;
  metrics::Registry registry;
  HttpServerOptions options;
  options.address = "127.0.0.1";
  options.port = first.port();
  HttpServer second(io, options, EchoRouter(), registry);
  Status status = second.Start();
  CHECK(status.code() == StatusCode::kUnavailable);
  CHECK(status.message().rfind("cannot listen on 127.0.0.1:" + std::to_string(first.port()) + ": ",
                               0) == 0);
}

TEST_CASE("Several servers can share one registry", "[net]") {
  asio::io_context io;
  metrics::Registry registry;
  HttpServer a(io, HttpServerOptions{}, EchoRouter(), registry);
  HttpServer b(io, HttpServerOptions{}, EchoRouter(), registry);
  CHECK(registry.Render().find("# TYPE tempo_request_duration_seconds histogram") !=
        std::string::npos);
}

}  // namespace
}  // namespace tempo::net
