#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tempopb {
class Trace;
}

namespace tempo::bench {

struct RealisticTraceOptions {
  uint64_t seed = 42;
  // Trace start times are uniform in [base, base + window).
  uint64_t base_time_unix_nano = 1'714'000'000'000'000'000ull;  // 2024-04-24
  uint64_t window_nanos = 600'000'000'000ull;                   // 10 minutes
};

// Deterministic generator of realistic microservice traces for benchmarks: 12 services, ~10
// spans per trace (3..17), 8-20 attributes per span following OTel semantic conventions (HTTP
// server/client, gRPC, database), high-cardinality values (user IDs, session and order UUIDs, URLs
// with IDs, client IPs, peer ports), nanosecond timings, 2% errors with exception events, resource
// attributes per pod. The content of trace `n` depends only on n and the seed. Not thread-safe;
// one generator per thread.
class RealisticTraceGenerator {
 public:
  explicit RealisticTraceGenerator(RealisticTraceOptions options = {});
  ~RealisticTraceGenerator();
  RealisticTraceGenerator(const RealisticTraceGenerator&) = delete;
  RealisticTraceGenerator& operator=(const RealisticTraceGenerator&) = delete;

  // Trace number `n` with trace ID `id` (16 bytes); `*spans` receives its span count.
  tempopb::Trace Make(uint64_t n, const std::string& id, uint64_t* spans);

  // service.name of every service, the entry service ("frontend") first.
  std::vector<std::string> ServiceNames() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// `count` distinct random 16-byte trace IDs, sorted ascending (deterministic by seed).
std::vector<std::string> SortedRandomTraceIds(size_t count, uint64_t seed);

}  // namespace tempo::bench
