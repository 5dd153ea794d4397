#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tempo::api {

// `server.*`: the query/ops HTTP listener (3200) and the gRPC listener (9095).
struct ServerConfig {
  std::string http_listen_address = "0.0.0.0";
  uint16_t http_listen_port = 3200;
  std::string grpc_listen_address = "0.0.0.0";
  uint16_t grpc_listen_port = 9095;
  std::string log_level = "info";
  std::chrono::milliseconds graceful_shutdown_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds http_server_idle_timeout{std::chrono::seconds(120)};
  // Threads running the io_context (network I/O and coroutines).
  int io_threads = 2;
};

}  // namespace tempo::api
