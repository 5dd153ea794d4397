#pragma once

// The query API (HTTP on an ephemeral port, gRPC on another) over a SearchNode, for the api tests.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "querier/search_node.h"
#include "tempo/api/http_api.h"

namespace tempo::testing {

namespace http = boost::beast::http;

inline uint64_t NowNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
};

// Runs an HttpApi under test on its own io thread with a blocking pool of two threads, HTTP and
// gRPC on ephemeral loopback ports. The API serves `node`'s querier, overrides and registry, and
// DELETE /api/traces/<id> through `deleter` when that is not null. `node` and `deleter` must
// outlive this object; the destructor stops the API, then joins both threads.
struct HttpApiHost {
  HttpApiHost(SearchNode& node, bool multitenancy, tempo::store::TraceDeleter* deleter = nullptr)
      : pool(2), guard(io.get_executor()) {
    config.http_listen_address = "127.0.0.1";
    config.http_listen_port = 0;
    config.grpc_listen_address = "127.0.0.1";
    config.grpc_listen_port = 0;
    readiness.ready = true;
    api = std::make_unique<tempo::api::HttpApi>(io, pool, config, multitenancy, *node.querier,
                                                node.overrides, node.registry, readiness);
    if (deleter != nullptr) api->SetTraceDeleter(deleter);
    REQUIRE(api->Start().ok());
    thread = std::thread([this] { io.run(); });
  }
  ~HttpApiHost() {
    api->Stop();
    guard.reset();
    io.stop();
    thread.join();
    pool.join();
  }

  // Sends one request on a new connection to the HTTP port and reads the answer; an empty `org`
  // or `accept` sends no such header.
  Reply Send(http::verb verb, const std::string& target, const std::string& org = "",
             const std::string& accept = "") {
    boost::asio::io_context client_io;
    boost::asio::ip::tcp::socket socket(client_io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), api->port()});
    http::request<http::string_body> request(verb, target, 11);
    request.set(http::field::host, "localhost");
    if (!accept.empty()) request.set(http::field::accept, accept);
    if (!org.empty()) request.set("X-Scope-OrgID", org);
    http::write(socket, request);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    return {static_cast<int>(response.result_int()), response.body(),
            std::string(response[http::field::content_type])};
  }

  boost::asio::io_context io;
  boost::asio::thread_pool pool;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
  tempo::api::ServerConfig config;
  tempo::api::Readiness readiness;
  std::unique_ptr<tempo::api::HttpApi> api;
  std::thread thread;
};

// The HTTP API on an ephemeral port over a SearchNode of tenant "single-tenant".
struct ApiServer {
  explicit ApiServer(bool multitenancy = false)
      : node("single-tenant"), host(node, multitenancy), api(host.api.get()) {}

  Reply Get(const std::string& target, const std::string& org = "",
            const std::string& accept = "application/json") {
    return host.Send(http::verb::get, target, org, accept);
  }

  SearchNode node;
  HttpApiHost host;
  tempo::api::HttpApi* api;  // owned by `host`
};

}  // namespace tempo::testing
