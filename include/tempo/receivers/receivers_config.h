#pragma once

#include <cstdint>
#include <string>

namespace tempo::receivers {

// One receiver protocol: enabled when its key is present in `distributor.receivers` (even with an
// empty value), as in Tempo.
struct ProtocolConfig {
  bool enabled = false;
  std::string endpoint;  // "host:port"
};

// `distributor.receivers.*`. With no receivers configured at all Tempo enables OTLP/gRPC and
// Jaeger gRPC + thrift_http; the config loader applies that rule.
struct ReceiversConfig {
  ProtocolConfig otlp_grpc{false, "localhost:4317"};
  ProtocolConfig otlp_http{false, "localhost:4318"};
  std::string otlp_http_traces_url_path = "/v1/traces";
  uint64_t otlp_grpc_max_recv_msg_size_bytes = 4ull << 20;
  uint64_t http_max_request_body_bytes = 20ull << 20;

  ProtocolConfig zipkin{false, "localhost:9411"};
  ProtocolConfig jaeger_grpc{false, "localhost:14250"};
  ProtocolConfig jaeger_thrift_http{false, "localhost:14268"};
  ProtocolConfig jaeger_thrift_compact{false, "localhost:6831"};
  ProtocolConfig jaeger_thrift_binary{false, "localhost:6832"};
};

}  // namespace tempo::receivers
