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

// The HTTP API on an ephemeral port over a SearchNode.
struct ApiServer {
  explicit ApiServer(bool multitenancy = false)
      : node("single-tenant"), pool(2), guard(io.get_executor()) {
    config.http_listen_address = "127.0.0.1";
    config.http_listen_port = 0;
    config.grpc_listen_address = "127.0.0.1";
    config.grpc_listen_port = 0;
    readiness.ready = true;
    api = std::make_unique<tempo::api::HttpApi>(io, pool, config, multitenancy, *node.querier,
                                                node.overrides, node.registry, readiness);
    REQUIRE(api->Start().ok());
    thread = std::thread([this] { io.run(); });
  }
  ~ApiServer() {
    api->Stop();
    guard.reset();
    io.stop();
    thread.join();
    pool.join();
  }

  Reply Get(const std::string& target, const std::string& org = "",
            const std::string& accept = "application/json") {
    boost::asio::io_context client_io;
    boost::asio::ip::tcp::socket socket(client_io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), api->port()});
    http::request<http::string_body> request(http::verb::get, target, 11);
    request.set(http::field::host, "localhost");
    request.set(http::field::accept, accept);
    if (!org.empty()) request.set("X-Scope-OrgID", org);
    http::write(socket, request);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    return {static_cast<int>(response.result_int()), response.body(),
            std::string(response[http::field::content_type])};
  }

  SearchNode node;
  boost::asio::io_context io;
  boost::asio::thread_pool pool;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
  tempo::api::ServerConfig config;
  tempo::api::Readiness readiness;
  std::unique_ptr<tempo::api::HttpApi> api;
  std::thread thread;
};

}  // namespace tempo::testing
