#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tempo::receivers::zipkin {

// Protocol-neutral Zipkin spans: v2 (JSON and proto3 decode into Span) and v1 (JSON and thrift
// decode into V1Span). Plain values that own their strings; not thread-safe.

// A v2 endpoint. IP addresses are already text in Go's net.IP form ("" = absent).
struct Endpoint {
  std::string service_name;
  std::string ipv4;
  std::string ipv6;
  int32_t port = 0;
};

struct Annotation {
  uint64_t timestamp_us = 0;
  std::string value;
};

enum class Kind { kUnspecified, kClient, kServer, kProducer, kConsumer };

struct Span {
  uint64_t trace_high = 0;
  uint64_t trace_low = 0;
  uint64_t id = 0;
  std::optional<uint64_t> parent_id;
  std::string name;
  Kind kind = Kind::kUnspecified;
  uint64_t timestamp_us = 0;
  // JSON only: no timestamp was sent (proto3 cannot tell, and maps 0 to the epoch).
  bool timestamp_absent = false;
  uint64_t duration_us = 0;
  std::optional<Endpoint> local_endpoint;
  std::optional<Endpoint> remote_endpoint;
  std::vector<Annotation> annotations;
  // Unique keys, sorted by key.
  std::vector<std::pair<std::string, std::string>> tags;
};

// A v1 endpoint as sent (text fields; the port as a number).
struct V1Endpoint {
  std::string service_name;
  std::string ipv4;
  std::string ipv6;
  int32_t port = 0;

  friend bool operator==(const V1Endpoint& a, const V1Endpoint& b) {
    return a.service_name == b.service_name && a.ipv4 == b.ipv4 && a.ipv6 == b.ipv6 &&
           a.port == b.port;
  }
};

struct V1Annotation {
  int64_t timestamp_us = 0;
  std::string value;
  std::optional<V1Endpoint> endpoint;
};

// A v1 binary annotation; JSON values are strings (booleans accepted), thrift values are typed.
struct V1BinaryAnnotation {
  enum class Type { kString, kBool, kInt, kDouble, kBytes };
  std::string key;
  Type type = Type::kString;
  std::string str;  // kString and kBytes
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::optional<V1Endpoint> endpoint;
};

struct V1Span {
  uint64_t trace_high = 0;
  uint64_t trace_low = 0;
  uint64_t id = 0;
  std::optional<uint64_t> parent_id;
  std::string name;
  int64_t timestamp_us = 0;
  int64_t duration_us = 0;
  std::vector<V1Annotation> annotations;
  std::vector<V1BinaryAnnotation> binary_annotations;
};

}  // namespace tempo::receivers::zipkin
