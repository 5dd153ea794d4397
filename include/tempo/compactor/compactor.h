#pragma once

#include <condition_variable>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/common/clock.h"
#include "tempo/common/metrics.h"
#include "tempo/common/service.h"
#include "tempo/compactor/compactor_config.h"
#include "tempo/overrides/overrides.h"
#include "tempo/store/store.h"
#include "tempo/store/trace_deleter.h"

namespace tempo::compactor {

class BackendScan;
class CompactionJob;

// Merges small blocks into bigger ones and applies retention, every compaction_cycle:
//   1. settle: finishes commits a crash interrupted (marks inputs of a visible output compacted);
//   2. cleanup: deletes blocks compacted longer than compacted_block_retention ago;
//   3. retention: marks compacted every block that ended longer than block_retention ago;
//   4. purge of deleted traces (when the store has tombstones): every visible block holding a
//      deleted trace is rewritten without it (a one-input job at the same level; a block holding
//      nothing else is just marked compacted), then the trace deleter drops the tombstones that
//      nothing holds any more (src/compactor/compactor_deletes.cpp);
//   5. compaction: groups blocks (tenant, window of the end time, level), picks 2-4 inputs per
//      job and merges each job into one output with a streaming k-way merge in trace-ID order;
//      deleted traces are left out of every output.
// Commit of one job: output data.tcb, then its meta.json (the commit point; it lists the inputs
// in `replaces`, and the store hides them as soon as it is visible), then meta.compacted.json for
// each input. Inputs are deleted by a later cleanup. A crash at any step loses and duplicates
// nothing (Recover and the settle step finish what was started).
// All references must outlive the compactor. Thread-safe: one cycle at a time, on its own thread.
class Compactor : public Service {
 public:
  Compactor(CompactorConfig config, backend::Backend& backend, store::Store& store,
            const overrides::Overrides& overrides, metrics::Registry& registry, Clock& clock);
  ~Compactor() override;

  // Settles what a crash left: finishes marking the inputs of committed outputs and deletes block
  // directories that hold neither meta.json nor meta.compacted.json (outputs and cuts interrupted
  // before their commit). Call after the store started and before anything writes blocks (the
  // block builder's loop), since an unfinished directory is only garbage when no writer runs.
  Status Recover();

  // Starts the cycle loop (first cycle after one compaction_cycle).
  Status Start() override;
  // Stops the loop; a job in progress stops at its next trace batch and leaves no visible trace.
  void Stop() override;

  // Lets the purge step drop the tombstones of purged traces (without it, blocks are rewritten
  // but tombstones stay). Call before Start; `deleter` must outlive the compactor.
  void SetTraceDeleter(store::TraceDeleter* deleter) { deleter_ = deleter; }

  // Makes merges and purge rewrites wait while `busy` returns true: before each job and between
  // the traces of one, looking again every `recheck` (Stop ends the wait). A wait longer than
  // compaction_cycle gives up the rest of the cycle's merges or rewrites (a job in progress is
  // abandoned, its inputs untouched), so that settling, cleanup and retention, which never wait,
  // still run every cycle under a load that never lets up. The server passes "the block builder has a whole block or more queued":
  // a cut that falls behind holds its spans in memory, a merge can wait, and merges slow cuts by
  // more than their CPU share (memory bandwidth, page cache, the disk). `busy` is called from the
  // compactor thread, often (per trace): it must be cheap and thread-safe. Call before Start.
  void SetYieldTo(std::function<bool()> busy,
                  std::chrono::milliseconds recheck = std::chrono::milliseconds(100));

  // One cycle (settle, cleanup, retention, purge, compaction). Returns the first error; the rest
  // of the cycle still runs where it can.
  Status RunCycle();

  // The parts of a cycle, for tests.
  Status ApplyRetentionForTest();
  Status CompactForTest();
  Status PurgeDeletedForTest();

 private:
  Status Settle(const BackendScan& scan);
  Status Cleanup(const BackendScan& scan);
  Status ApplyRetention(const BackendScan& scan);
  Status Compact(const BackendScan& scan);
  // Step 4: rewrites the blocks holding deleted traces, then prunes tombstones.
  Status PurgeDeleted();
  // Writes `meta`'s block again without the traces of `deleted` (`hits` of them are in it), or
  // only marks it compacted when nothing else is left.
  // `*later`: it was abandoned (kCancelled) for a later cycle because the cuts stayed behind.
  Status RewriteWithout(const block::BlockMeta& meta,
                        const std::shared_ptr<const store::TombstoneList>& deleted, uint64_t hits,
                        bool* later);
  // Writes meta.compacted.json for `meta` and drops its meta.json.
  Status MarkCompacted(const block::BlockMeta& meta);
  Status Scan(BackendScan* scan);
  void Loop();
  bool stopping() const;
  // What YieldToCuts found: go on, stop (Stop was called), or leave the work to a later cycle.
  enum class Go { kOn, kStop, kLater };
  // Waits while the yield_to_ predicate holds, at most one compaction_cycle.
  Go YieldToCuts();
  // Runs `job` (its cancellation polled through YieldToCuts); `*later` says whether it was
  // abandoned for a later cycle rather than stopped.
  Result<block::BlockMeta> RunYielding(CompactionJob& job, const std::string& output_id,
                                       int64_t created_at_unix, bool* later);

  CompactorConfig config_;
  backend::Backend& backend_;
  store::Store& store_;
  const overrides::Overrides& overrides_;
  Clock& clock_;
  store::TraceDeleter* deleter_ = nullptr;
  std::function<bool()> yield_to_;  // set before Start; empty: never wait
  std::chrono::milliseconds yield_recheck_{100};

  std::mutex cycle_mu_;  // one cycle at a time
  // Metas already read, by "tenant/block" (metas are immutable); guarded by cycle_mu_.
  std::map<std::string, block::BlockMeta> meta_cache_;
  // Compaction times of compacted blocks already read; guarded by cycle_mu_.
  std::map<std::string, int64_t> compacted_cache_;
  // Per visible block ("tenant/block"), the deleted trace IDs it was found not to hold (blocks are
  // immutable), so a purge step looks each block up once per tombstone; guarded by cycle_mu_.
  std::map<std::string, std::set<TraceId>> purge_checked_;

  mutable std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stopping_ = false;  // guarded by loop_mu_
  std::thread loop_;

  metrics::CounterFamily& blocks_compacted_;  // {level}
  metrics::Counter& bytes_written_;
  metrics::Counter& objects_written_;
  metrics::Counter& objects_combined_;
  metrics::Counter& errors_;
  metrics::Counter& retention_deleted_;
  metrics::Counter& retention_marked_;
  metrics::GaugeFamily& outstanding_;  // {tenant, level}
  metrics::GaugeFamily& pending_rewrites_;  // {tenant}
  metrics::Counter& rewrites_;
  metrics::Counter& traces_dropped_;
  metrics::Counter& deferred_seconds_;
};

}  // namespace tempo::compactor
