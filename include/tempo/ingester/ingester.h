#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tempo/common/clock.h"
#include "tempo/common/ids.h"
#include "tempo/common/metrics.h"
#include "tempo/common/service.h"
#include "tempo/ingester/ingester_config.h"
#include "tempo/model/sink.h"
#include "tempo/overrides/overrides.h"
#include "tempo/wal/wal.h"

namespace tempo::ingester {

// The raw fragments of one trace held in memory, as found by FindTraceByID.
struct LiveTraceView {
  std::string data;  // concatenated serialized tempopb.Trace fragments
  uint32_t span_count = 0;
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = 0;
};

// Holds the live (not yet blocked) traces of every tenant and makes pushes durable through the
// WAL. Push appends fragments to the in-memory live traces and queues them on the WAL; the push
// is acknowledged once the WAL has synced them. Start() replays the WAL, so every acknowledged
// span is back after a crash. `wal`, `overrides`, `registry` and `clock` must outlive the
// Ingester. Thread-safe.
class Ingester : public model::TraceSink, public Service {
 public:
  Ingester(IngesterConfig config, wal::Wal& wal, const overrides::Overrides& overrides,
           metrics::Registry& registry, Clock& clock);
  ~Ingester() override;

  // Replays the WAL into live traces.
  Status Start() override;
  // Refuses new pushes (kUnavailable). Pushes already queued on the WAL still complete.
  void Stop() override;

  void Push(const RequestContext& ctx, std::vector<model::TraceFragment>&& fragments,
            model::PushCallback done) override;

  // The live fragments of `id` for `tenant`, if any.
  std::optional<LiveTraceView> FindTraceByID(const std::string& tenant, const TraceId& id) const;

  uint64_t live_traces() const;
  uint64_t live_bytes() const { return live_bytes_.load(std::memory_order_relaxed); }

 private:
  struct LiveTrace {
    std::string data;
    uint32_t span_count = 0;
    uint64_t start_unix_nano = 0;
    uint64_t end_unix_nano = 0;
    std::chrono::steady_clock::time_point last_append;
  };
  struct Tenant {
    mutable std::mutex mu;
    std::unordered_map<TraceId, LiveTrace, TraceIdHash> traces;  // guarded by mu
  };

  Tenant& GetTenant(const std::string& tenant);
  const Tenant* FindTenant(const std::string& tenant) const;
  static void AppendFragment(LiveTrace& trace, const model::TraceFragment& fragment,
                             std::chrono::steady_clock::time_point now);

  IngesterConfig config_;
  wal::Wal& wal_;
  const overrides::Overrides& overrides_;
  Clock& clock_;
  std::atomic_bool stopping_{false};
  std::atomic<uint64_t> live_bytes_{0};

  mutable std::mutex tenants_mu_;
  std::map<std::string, std::unique_ptr<Tenant>> tenants_;  // guarded by tenants_mu_

  metrics::GaugeFamily& live_traces_gauge_;
  metrics::CounterFamily& discarded_;
};

}  // namespace tempo::ingester
