#pragma once

// The replay loop shared by the gRPC and HTTP senders: which batch goes next and when, when to
// stop, and what came back. A sender drives it from one thread (its completion queue or its
// io_context); the Dispatcher itself is not thread-safe.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "corpus.h"

namespace tempo::bench {

using Clock = std::chrono::steady_clock;

struct LoadOptions {
  std::string protocol = "grpc";  // grpc | http
  std::string host = "127.0.0.1";
  uint16_t port = 4317;
  std::string http_path = "/v1/traces";
  // gRPC: channels (TCP connections); HTTP: ignored (one request in flight per connection, so
  // `concurrency` connections are opened).
  int connections = 4;
  // Requests in flight at once.
  int concurrency = 16;
  // Spans per second to offer; 0 = as fast as the server acknowledges.
  double rate = 0;
  // The run ends at whichever comes first. Both are always finite.
  double duration_s = 60;
  uint64_t max_spans = 1'000'000'000;
  // Per-request deadline.
  double timeout_s = 30;
  std::string tenant;  // sent as X-Scope-OrgID when not empty
  // Replay pass to start at (0 = the corpus as it is): a later run against a server that
  // already holds earlier passes sends new trace IDs.
  uint32_t first_pass = 0;
};

// One request to send: the bytes (owned by the corpus or by the caller's scratch buffer).
struct Work {
  const std::string* payload = nullptr;
  uint32_t spans = 0;
  Clock::time_point scheduled;  // in rate mode, when it is due; otherwise when handed out
};

// What the run measured on the client side.
struct LoadStats {
  uint64_t requests_ok = 0;
  uint64_t spans_ok = 0;
  uint64_t bytes_ok = 0;
  uint64_t requests_failed = 0;
  uint64_t spans_failed = 0;
  std::map<std::string, uint64_t> errors;  // kind ("grpc RESOURCE_EXHAUSTED", "http 429") -> count
  std::map<std::string, std::string> error_samples;  // kind -> first message seen
  std::vector<uint32_t> latencies_us;                // of every completed request, ok or not
  uint64_t late_sends = 0;                           // rate mode: sent >100 ms after it was due
  double max_send_lag_s = 0;
  Clock::time_point first_send{};
  Clock::time_point last_done{};
  uint32_t passes = 1;  // times the corpus was (partly) replayed
};

// Hands out corpus batches in order, looping with patched copies (new trace IDs, later times)
// when the corpus runs out, until the duration or the span budget is used up.
class Dispatcher {
 public:
  // `corpus` must outlive this object; its pass-0 payloads are sent as they are.
  Dispatcher(const Corpus& corpus, const LoadOptions& options, int64_t pass_time_step_ns);

  // Marks the start of the run (the clock of `duration_s` and of the rate schedule).
  void Start();
  // The next request, or nullopt once the run is over. For a replayed pass the bytes are written
  // to `scratch`, which must stay alive and untouched until that request completes.
  std::optional<Work> Next(std::string* scratch);
  // Records the outcome of a request sent at `sent`; `error` (the kind) empty means accepted.
  void Done(const Work& work, Clock::time_point sent, const std::string& error,
            const std::string& detail = "");

  LoadStats& stats() { return stats_; }
  Clock::time_point start() const { return start_; }

 private:
  const Corpus& corpus_;
  LoadOptions options_;
  int64_t pass_time_step_ns_;
  Clock::time_point start_;
  Clock::time_point end_;
  uint64_t next_ = 0;  // next batch to hand out, counted over passes (pass × batches + index)
  uint64_t spans_issued_ = 0;
  LoadStats stats_;
};

}  // namespace tempo::bench
