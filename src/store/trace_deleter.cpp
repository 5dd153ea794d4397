#include "tempo/store/trace_deleter.h"

#include "tempo/common/log.h"

namespace tempo::store {

TraceDeleter::TraceDeleter(Store& store, Tombstones& tombstones, LiveTraces& live,
                           metrics::Registry& registry, Clock& clock)
    : store_(store),
      tombstones_(tombstones),
      live_(live),
      clock_(clock),
      deletes_(registry.AddCounter("tempo_trace_deletes_total",
                                   "Traces deleted through DELETE /api/traces/<id>.", {"tenant"})) {
}

void TraceDeleter::RestoreRefusals() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& tenant : tombstones_.Tenants()) {
    for (const Tombstone& t : *tombstones_.ForTenant(tenant)) live_.Refuse(tenant, t.id);
  }
}

Result<DeleteResult> TraceDeleter::Delete(const RequestContext& ctx, const TraceId& id) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string& tenant = ctx.tenant;
  if (tombstones_.Contains(tenant, id)) return NotFoundError("trace not found");
  DeleteResult result;
  // Live data first, then blocks: a cut makes its block visible before it forgets the live copy,
  // so a trace moving into a block meanwhile is seen in one or the other.
  result.live = live_.Holds(tenant, id);
  TEMPO_ASSIGN_OR_RETURN(result.blocks, store_.BlocksHolding(tenant, id));
  if (result.blocks.empty() && !result.live) return NotFoundError("trace not found");
  if (ctx.IsCancelled()) return CancelledError("delete cancelled");

  Tombstone tombstone;
  tombstone.id = id;
  tombstone.deleted_unix_nano = clock_.NowUnixNanos();
  // Refuse before the tombstone is durable, so that its minute bounds every record of the trace.
  tombstone.wal_minute = live_.Refuse(tenant, id);
  if (Status s = tombstones_.Add(tenant, tombstone); !s.ok()) {
    live_.Accept(tenant, id);
    return Status(s.code(),
                  "cannot store the tombstone of trace " + id.ToHex() + ": " + s.message());
  }
  // Queries hide the trace from here on; the live copy is not needed any more.
  live_.Erase(tenant, id);
  deletes_.WithLabels({tenant}).Inc();
  LOG_INFO << "deleted trace " << id.ToHex() << " of tenant " << tenant
           << (result.live ? " (live data erased)" : "") << "; " << result.blocks.size()
           << " blocks to rewrite";
  return result;
}

Result<size_t> TraceDeleter::Prune(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TraceId> purged;
  for (const Tombstone& t : *tombstones_.ForTenant(tenant)) {
    // WAL first, blocks second: a cut in progress drops its WAL minutes only after its block is
    // visible, so a trace moving from the WAL into a block is seen in one or the other.
    if (live_.WalMayHold(tenant, t.wal_minute)) continue;
    TEMPO_ASSIGN_OR_RETURN(std::vector<std::string> blocks, store_.BlocksHolding(tenant, t.id));
    if (!blocks.empty()) continue;
    purged.push_back(t.id);
  }
  if (purged.empty()) return size_t{0};
  // Durable first: accepting spans of the ID again before could let a crash bring the tombstone
  // back over the new trace.
  TEMPO_RETURN_IF_ERROR(tombstones_.Remove(tenant, purged));
  for (const TraceId& id : purged) {
    live_.Accept(tenant, id);
    LOG_INFO << "trace " << id.ToHex() << " of tenant " << tenant
             << " is purged from every block and the WAL; its tombstone is dropped";
  }
  return purged.size();
}

}  // namespace tempo::store
