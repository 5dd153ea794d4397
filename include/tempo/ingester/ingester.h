#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tempo/common/clock.h"
#include "tempo/common/ids.h"
#include "tempo/common/metrics.h"
#include "tempo/common/shared_bytes.h"
#include "tempo/common/service.h"
#include "tempo/ingester/fragment_packer.h"
#include "tempo/ingester/ingester_config.h"
#include "tempo/model/sink.h"
#include "tempo/overrides/overrides.h"
#include "tempo/wal/wal.h"

namespace tempo::ingester {

// The raw fragments of one trace held in memory, as found by FindTraceByID.
struct LiveTraceView {
  // Concatenated serialized tempopb.Trace fragments: a reference to the live bytes (no copy),
  // which stay as they are while the view exists. Each piece holds whole fragments.
  BytesRef data;
  uint32_t span_count = 0;  // spans pushed since this process started (replayed ones not counted)
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = 0;
};

// The traces of a tenant's head taken for one block, sorted by trace ID. Holds only sizes and
// sequence numbers, not the fragments: the block builder reads each trace's fragments with
// ReadHeadTrace while it writes the block, so a cut never holds a second copy of the head.
struct HeadSnapshot {
  struct Trace {
    TraceId id;
    uint64_t bytes = 0;    // length of the trace's fragments as of the snapshot
    uint64_t max_seq = 0;  // highest WAL sequence included
  };
  std::string tenant;
  std::vector<Trace> traces;
  uint32_t max_epoch_minute = 0;  // newest arrival minute of the included records
  uint64_t bytes = 0;             // sum of traces[i].bytes
  // The arrival minute when the snapshot was taken: fragments appended since then (which stay
  // live after the cut) are in WAL minutes from this one on.
  uint32_t taken_minute = 0;
};

// Holds the live (not yet blocked) traces of every tenant and makes pushes durable through the
// WAL. Push appends fragments to the in-memory live traces and queues them on the WAL; the push
// is acknowledged once the WAL has synced them. Start() replays the WAL (skipping records that
// committed cut journals say are in blocks already), so every acknowledged span is back after a
// crash. Traces idle for trace_idle_period move to their tenant's head; the block builder writes
// the head as blocks of at most max_block_bytes of fragments each (SnapshotHead, ReadHeadTrace)
// and drops what each block holds (CompleteCut), which also range-deletes the WAL records no live
// trace needs any more. With compress_live_traces each pushed fragment is packed (LZ4, against a
// dictionary sampled from the pushes: FragmentPacker) before it is appended, and the WAL stores
// it as packed. `wal`, `overrides`, `registry` and `clock` must outlive the Ingester.
// Thread-safe.
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

  // Moves traces idle for trace_idle_period (every trace when `force`) into their tenant's head
  // and returns the tenants whose head is due: older than max_block_duration, larger than
  // max_block_bytes, or any non-empty head when `force`.
  std::vector<std::string> CollectDueHeads(bool force);
  // Takes the head traces of `tenant` in trace-ID order while their fragment bytes sum to at most
  // `max_bytes` (always at least one trace, however large), starting after the last trace ID the
  // previous completed cut took (from the lowest ID once none is above it): consecutive blocks
  // cover consecutive ID ranges, and every head trace is taken within one round. The rest stays
  // in the head; the whole head stays queryable until CompleteCut.
  HeadSnapshot SnapshotHead(const std::string& tenant, uint64_t max_bytes = UINT64_MAX) const;
  // Up to `max_parts` snapshots of consecutive ID ranges of the head, taken at once (one lock, one
  // sort) so that their blocks can be written concurrently: the first as SnapshotHead takes it,
  // each next one from where the previous ended (a part ends where the order wraps to the lowest
  // ID; no trace is in two parts). A part after the first is taken only while the rest of the
  // head would still be due without the earlier parts: all of it when the head is due by age or
  // `force`, otherwise while max_block_bytes or more is left. Empty when there is no head.
  std::vector<HeadSnapshot> SnapshotHeadParts(const std::string& tenant, uint64_t max_bytes,
                                              size_t max_parts, bool force) const;
  // Whether the head of `tenant` is non-empty and due (as CollectDueHeads decides, without
  // moving traces into it).
  bool HeadDue(const std::string& tenant, bool force) const;
  // A copy of the fragments `trace` of the snapshot covered (the first trace.bytes bytes of the
  // live trace; fragments that arrived since are left out). nullopt when the trace was erased
  // since the snapshot (a deletion). Must be called before CompleteCut(snapshot).
  std::optional<std::string> ReadHeadTrace(const std::string& tenant,
                                           const HeadSnapshot::Trace& trace) const;
  // Forgets what `snapshot` covered (fragments that arrived since stay live, and so do head traces
  // the snapshot left out) and drops WAL records older than the oldest arrival minute any
  // remaining trace of the tenant needs.
  Status CompleteCut(const HeadSnapshot& snapshot);

  // Copies of the live traces of `tenant` (head included) that may overlap [start, end] (unix
  // nanoseconds): traces whose time range is unknown (replayed from the WAL) are always included.
  // For search (src/ingester/ingester_search.cpp).
  std::vector<std::pair<TraceId, LiveTraceView>> SnapshotLiveTraces(const std::string& tenant,
                                                                    uint64_t start_unix_nano,
                                                                    uint64_t end_unix_nano) const;

  // Deletion of a trace (DELETE /api/traces/<id>; src/ingester/ingester_delete.cpp). While a trace
  // is refused, every fragment of it pushed is dropped (counted as discarded, reason
  // "trace_deleted"; the rest of the push is stored) and WAL replay skips its records. Refusals
  // are not persisted here: the owner of the tombstones calls RefuseTrace again for each before
  // Start.

  // Starts refusing `id` of `tenant`. Returns the current WAL arrival minute: every record of the
  // trace in the WAL (received before the refusal) has an arrival minute at most this.
  uint32_t RefuseTrace(const std::string& tenant, const TraceId& id);
  // Stops refusing `id` (the delete failed, or its tombstone was dropped).
  void AcceptTrace(const std::string& tenant, const TraceId& id);
  // Drops the live data of `id` (head included). Its WAL records stay until their minutes are
  // dropped; replay skips them while the trace is refused. Returns whether live data was held.
  bool EraseTrace(const std::string& tenant, const TraceId& id);
  // Whether the WAL may still hold a record of `tenant` with arrival minute <= `minute`.
  bool WalMayHold(const std::string& tenant, uint32_t minute) const;
  // Drops the WAL minutes of every tenant that no live trace needs any more (what CompleteCut
  // does after a cut), e.g. after a deleted trace was erased or once a tenant has no live
  // traces left. Must not run concurrently with a cut (the block builder calls it under its cut
  // lock): a head snapshot being written still needs its minutes.
  Status TrimWal();

  // The dictionary pushes are packed with now (null before the first large enough push, or with
  // compress_live_traces off).
  std::shared_ptr<const PackDictionary> pack_dictionary() const { return packer_.dictionary(); }

  uint64_t live_traces() const;
  uint64_t live_bytes() const { return live_bytes_.load(std::memory_order_relaxed); }
  // Fragment bytes (as received) in every tenant's head: traces idle long enough to be cut and
  // waiting for the block builder. Lock-free. At max_block_bytes or more the cut has at least a
  // whole block of work queued (the compactor defers to it then; see App).
  uint64_t head_bytes() const { return head_bytes_.load(std::memory_order_relaxed); }

 private:
  struct LiveTrace {
    SharedBytes data;
    uint32_t span_count = 0;
    uint64_t start_unix_nano = 0;
    uint64_t end_unix_nano = 0;
    std::chrono::steady_clock::time_point last_append;
    uint64_t max_seq = 0;
    uint32_t min_epoch = UINT32_MAX;  // oldest arrival minute of a WAL record still needed
    uint32_t max_epoch = 0;
    bool in_head = false;
  };
  struct Tenant {
    mutable std::mutex mu;
    std::unordered_map<TraceId, LiveTrace, TraceIdHash> traces;  // guarded by mu
    std::optional<std::chrono::steady_clock::time_point> head_since;  // guarded by mu
    uint64_t head_bytes = 0;                                          // guarded by mu
    // Deleted traces whose fragments are refused (RefuseTrace).
    std::unordered_set<TraceId, TraceIdHash> refused;  // guarded by mu
    // No WAL record of the tenant has an older arrival minute (UINT32_MAX: none known).
    uint32_t oldest_wal_minute = UINT32_MAX;  // guarded by mu
    // The highest trace ID of the last completed cut: the next snapshot starts after it.
    std::optional<TraceId> cut_cursor;  // guarded by mu
    // How many traces are in the head (in_head set).
    uint64_t head_traces = 0;  // guarded by mu
    // The head's trace IDs, ascending: every trace with in_head set, plus traces cut or erased
    // since the last CollectDueHeads, which prunes them. Snapshots walk it from the cut cursor,
    // so that a cut costs what it takes, not a pass over (and a sort of) every live trace.
    std::vector<TraceId> head_ids;  // guarded by mu
    // How many live traces have each min_epoch: the oldest WAL minute the tenant still needs
    // without a pass over its traces. Kept by SetMinEpoch and EraseLive.
    std::map<uint32_t, uint64_t> min_epochs;  // guarded by mu
  };

  Tenant& GetTenant(const std::string& tenant);
  const Tenant* FindTenant(const std::string& tenant) const;
  // Adds `data` (the serialized fragment, maybe packed) and `fragment`'s span count and times to
  // `trace`. Requires tenant.mu.
  static void AppendFragment(Tenant& tenant, LiveTrace& trace,
                             const model::TraceFragment& fragment, BytesPiece data,
                             std::chrono::steady_clock::time_point now, uint64_t seq,
                             uint32_t epoch);
  // Sets `trace`'s min_epoch, keeping tenant.min_epochs. Requires tenant.mu.
  static void SetMinEpoch(Tenant& tenant, LiveTrace& trace, uint32_t min_epoch);
  // Erases a live trace of `tenant` (out of the head first), keeping its counts. Requires
  // tenant.mu.
  void EraseLive(Tenant& tenant, std::unordered_map<TraceId, LiveTrace, TraceIdHash>::iterator it);
  // Move `trace` into / out of the head: in_head, head_traces and the head's bytes (its data as
  // it is now) together. LeaveHead does nothing for a trace not in the head. Require tenant.mu.
  void JoinHead(Tenant& tenant, LiveTrace& trace);
  void LeaveHead(Tenant& tenant, LiveTrace& trace);
  // Change tenant.head_bytes and head_bytes_ together. Require tenant.mu.
  void AddHeadBytes(Tenant& tenant, uint64_t bytes);
  void SubtractHeadBytes(Tenant& tenant, uint64_t bytes);
  uint32_t CurrentEpochMinute() const;
  // The oldest arrival minute any live trace of `tenant` still needs in the WAL (the current
  // minute when none), and in `*head_left` (if not null) whether any is in the head. Constant
  // time (the tenant's counts). Requires tenant.mu.
  uint32_t KeepFromLocked(const Tenant& tenant, bool* head_left = nullptr) const;
  // Drops the WAL minutes of `name` before `keep_from` and raises its oldest_wal_minute.
  Status DropWalBefore(const std::string& name, Tenant& tenant, uint32_t keep_from);

  IngesterConfig config_;
  wal::Wal& wal_;
  const overrides::Overrides& overrides_;
  Clock& clock_;
  std::atomic_bool stopping_{false};
  std::atomic<uint64_t> live_bytes_{0};
  std::atomic<uint64_t> head_bytes_{0};  // sum of every tenant's head_bytes
  std::atomic<uint64_t> next_seq_{1};
  mutable std::atomic<uint32_t> last_epoch_{0};

  mutable std::mutex tenants_mu_;
  std::map<std::string, std::unique_ptr<Tenant>> tenants_;  // guarded by tenants_mu_

  metrics::GaugeFamily& live_traces_gauge_;
  metrics::CounterFamily& discarded_;
  metrics::CounterFamily& packed_bytes_;

  FragmentPacker packer_;
};

}  // namespace tempo::ingester
