#include "tempo/ingester/ingester.h"

namespace tempo::ingester {

std::vector<std::pair<TraceId, LiveTraceView>> Ingester::SnapshotLiveTraces(
    const std::string& tenant, uint64_t start_unix_nano, uint64_t end_unix_nano) const {
  std::vector<std::pair<TraceId, LiveTraceView>> out;
  const Tenant* t = FindTenant(tenant);
  if (!t) return out;
  std::lock_guard<std::mutex> lock(t->mu);
  out.reserve(t->traces.size());
  for (const auto& [id, trace] : t->traces) {
    // span_count == 0: replayed from the WAL, time range unknown; keep it.
    if (trace.span_count > 0 &&
        (trace.start_unix_nano > end_unix_nano || trace.end_unix_nano < start_unix_nano)) {
      continue;
    }
    out.emplace_back(id, LiveTraceView{trace.data.Ref(), trace.span_count, trace.start_unix_nano,
                                       trace.end_unix_nano});
  }
  return out;
}

}  // namespace tempo::ingester
