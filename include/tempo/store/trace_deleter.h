#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "tempo/common/clock.h"
#include "tempo/common/ids.h"
#include "tempo/common/metrics.h"
#include "tempo/common/request_context.h"
#include "tempo/common/result.h"
#include "tempo/store/store.h"
#include "tempo/store/tombstones.h"

namespace tempo::store {

// What deleting a trace needs of the live (not yet blocked) data and of the WAL. The ingester
// provides it; app/ adapts it, since the store may not depend on the ingester. Implementations
// are thread-safe.
class LiveTraces {
 public:
  virtual ~LiveTraces() = default;
  // Whether live data of `tenant` holds trace `id`.
  virtual bool Holds(const std::string& tenant, const TraceId& id) const = 0;
  // Starts refusing spans of `id`. Returns an arrival minute that bounds every WAL record of the
  // trace received before the refusal.
  virtual uint32_t Refuse(const std::string& tenant, const TraceId& id) = 0;
  // Stops refusing spans of `id`.
  virtual void Accept(const std::string& tenant, const TraceId& id) = 0;
  // Drops the live data of `id`.
  virtual void Erase(const std::string& tenant, const TraceId& id) = 0;
  // Whether the WAL may still hold a record of `tenant` with arrival minute <= `minute`.
  virtual bool WalMayHold(const std::string& tenant, uint32_t minute) const = 0;
};

// What one delete found.
struct DeleteResult {
  bool live = false;                // live data held the trace
  std::vector<std::string> blocks;  // visible blocks holding it, to be rewritten without it
};

// Deletes traces (DELETE /api/traces/<id>) and drops their tombstones once they are purged.
// A delete makes the trace invisible at once and for good: a durable tombstone (Tombstones) that
// the store's lookups and searches filter on, live data erased, ingest and WAL replay refusing the
// trace ID. Blocks holding the trace are rewritten without it by the compactor, which then calls
// Prune. Spans of the trace ID that arrive while the tombstone exists are refused (discarded);
// after Prune dropped it, the ID is a new trace. All references must outlive the object.
// Thread-safe: deletes and prunes are serialized.
class TraceDeleter {
 public:
  TraceDeleter(Store& store, Tombstones& tombstones, LiveTraces& live, metrics::Registry& registry,
               Clock& clock);

  // Refuses the trace IDs of every loaded tombstone again (refusals live in memory). Call after
  // Tombstones::Load and before the ingester replays the WAL, so that replay skips them too.
  void RestoreRefusals();

  // Deletes trace `id` of `ctx.tenant`:
  //   1. kNotFound when neither live data nor a visible block holds it (also when it is deleted
  //      already: a tombstoned trace is invisible);
  //   2. live data starts refusing its spans (the minute bounding its WAL records is noted);
  //   3. the tombstone is written durably; on failure the refusal is lifted and the error
  //      (the backend's) returned, nothing else changed;
  //   4. from here every query hides the trace (the store filters on the same tombstones), and
  //      its live data is erased.
  // Once this returns ok the trace is gone from every query, and stays gone after a restart.
  Result<DeleteResult> Delete(const RequestContext& ctx, const TraceId& id);

  // Drops, durably, the tombstones of `tenant` whose trace no visible block holds and whose WAL
  // minute the WAL may no longer hold, then accepts those trace IDs again. Returns how many were
  // dropped. Must not run concurrently with a compaction that could write a block holding a
  // tombstoned trace (the compactor calls it between its jobs). Errors: the store's and the
  // backend's; then nothing changed.
  Result<size_t> Prune(const std::string& tenant);

 private:
  Store& store_;
  Tombstones& tombstones_;
  LiveTraces& live_;
  Clock& clock_;
  std::mutex mu_;                    // one delete or prune at a time
  metrics::CounterFamily& deletes_;  // {tenant}
};

}  // namespace tempo::store
