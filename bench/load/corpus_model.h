#pragma once

// Private to the corpus generator: its random source, the simulated microservice landscape and
// the shape of one span before it becomes OTLP. Nothing here is thread-safe; one generator owns
// all of it.

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "opentelemetry/proto/resource/v1/resource.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace tempo::bench {

// xoshiro256** seeded through splitmix64. Own implementation on purpose: the standard
// distributions differ between library versions, and the corpus must not.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t Next();
  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Uniform() < p; }
  // Standard normal (Box-Muller).
  double Normal() {
    double u1 = Uniform() + 1e-300, u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // exp(Normal) scaled so that the median is `median`.
  double LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }
  template <class T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }
  // `n` random bytes, e.g. a trace or span ID.
  std::string Bytes(size_t n);
  // A random RFC 4122 version-4 UUID in text form.
  std::string Uuid();
  std::string Hex(size_t bytes);

 private:
  uint64_t s_[4];
};

// Every instance's SDK batch processor exports what has ended once per this period (virtual
// time), each instance at its own phase.
inline constexpr uint64_t kExportPeriodNs = 1'000'000'000;

// Share of spans with status ERROR.
inline constexpr double kErrorSpanRate = 0.05;

enum class Inbound : uint8_t { kHttp, kGrpc };

enum class SpanType : uint8_t {
  kHttpServer,
  kHttpClient,
  kRpcServer,
  kRpcClient,
  kDb,
  kProducer,
  kConsumer,
  kInternal,
};

// Instrumentation scopes; a batch groups spans per (service instance, scope).
enum class ScopeKind : uint8_t { kHttp, kGrpc, kDb, kMessaging, kApp, kCount };

ScopeKind ScopeOf(SpanType type);

// One inbound operation of a service: an HTTP route or a gRPC method.
struct Operation {
  std::string method;  // HTTP verb, or the gRPC method name
  std::string route;   // "/api/cart/{id}", or the gRPC service name
};

// One simulated microservice: what it listens to, whom it calls, its database and topic, and the
// resource of each of its instances.
struct Service {
  std::string name;
  std::string language;
  Inbound inbound = Inbound::kHttp;
  std::vector<Operation> operations;
  std::vector<int> downstream;  // indices of services it calls
  std::string db_system;        // empty: no database
  std::string db_name;
  std::vector<std::string> tables;
  std::string topic;  // empty: produces nothing
  int consumer = -1;  // service consuming `topic`
  std::vector<opentelemetry::proto::resource::v1::Resource> instances;
  std::vector<uint64_t> export_phase_ns;  // per instance: offset of its SDK export ticks
  int first_instance_id = 0;              // global index of instances[0]
};

// A span before attributes: tree position, timing and where it runs.
struct Node {
  int parent = -1;
  int service = 0;
  int instance = 0;  // index into Service::instances
  SpanType type = SpanType::kInternal;
  int peer = -1;      // callee (client spans), producer node (consumer spans)
  int operation = 0;  // index into the callee's (or own) operations
  uint64_t start = 0;
  uint64_t end = 0;
  std::string span_id;
  bool error = false;
};

// Builds the services of one corpus (8-12, count and wiring from `rng`).
std::vector<Service> MakeServices(Rng& rng);

// Fills `span` (ids and times already set) with the name, kind, attributes, status, events and
// links of `node` following the OpenTelemetry semantic conventions. `recent_links` holds
// (trace ID, span ID) pairs of earlier traces for cross-trace links.
void DescribeSpan(Rng& rng, const std::vector<Service>& services, const std::vector<Node>& nodes,
                  int index, const std::string& trace_id,
                  const std::vector<std::pair<std::string, std::string>>& recent_links,
                  opentelemetry::proto::trace::v1::Span* span);

}  // namespace tempo::bench
