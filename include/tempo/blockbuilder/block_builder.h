#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tempo/backend/backend.h"
#include "tempo/block/block_writer.h"
#include "tempo/common/clock.h"
#include "tempo/common/metrics.h"
#include "tempo/common/service.h"
#include "tempo/ingester/ingester.h"
#include "tempo/store/store.h"
#include "tempo/wal/wal.h"

namespace tempo::blockbuilder {

// Turns the ingester's heads into blocks. Every ingester.flush_check_period it moves idle traces
// into heads and writes each due head (max_block_duration / max_block_bytes) as blocks holding at
// most max_block_bytes of trace fragments each (a larger single trace goes alone into its block),
// in trace-ID order, until the head is no longer due. Up to ingester.concurrent_flushes blocks of
// consecutive ID ranges are taken at once (Ingester::SnapshotHeadParts) and written concurrently,
// steps 1–3 each on its own thread, then step 4 for each in ID order on the cut thread. Each block:
//   1. cut journal (block ID, covered WAL sequences) synced to the WAL database;
//   2. data.tcb streamed to the backend (temp object, fsync, rename), reading one head trace at a
//      time from the ingester, so memory is one trace plus one row group of columns;
//   3. meta.json written last: the commit point;
//   4. the block registered in the store, then the ingester forgets the covered data and drops
//      WAL minutes no live trace (the rest of the head included) needs (journals covering only
//      dropped minutes go with them).
// A crash between any two steps loses and duplicates nothing: Recover() deletes a block whose
// meta is missing (its records are still in the WAL), and the ingester's replay skips records a
// committed block holds. All references must outlive the builder. Thread-safe.
class BlockBuilder : public Service {
 public:
  BlockBuilder(const ingester::IngesterConfig& config, ingester::Ingester& ingester,
               wal::Wal& wal, backend::Backend& backend, store::Store& store,
               metrics::Registry& registry, Clock& clock);
  ~BlockBuilder() override;

  // Settles cuts interrupted by a crash. Call after the store started and before the ingester
  // replays the WAL.
  Status Recover();

  // Starts the periodic flush loop.
  Status Start() override;
  // Stops the loop (a cut in progress finishes). No final cut: the WAL holds everything live.
  void Stop() override;

  // One pass: idle traces to heads, then every due head to blocks until it is no longer due (at
  // most kMaxBlocksPerPass blocks per tenant; Stop() ends it after the block being written);
  // `force` cuts every live trace now. Returns the first error (what is left of the head stays
  // and is retried on the next pass).
  Status CutOnce(bool force);

  // Bounds one pass over one tenant's head; what is left is still due on the next pass.
  static constexpr int kMaxBlocksPerPass = 1000;

 private:
  // Writes blocks from the head of `tenant` while it is due; counts them in `*blocks`.
  Status WriteDueHead(const std::string& tenant, bool force, int* blocks);
  // What steps 1–3 of one block came to, for step 4.
  struct WrittenPart {
    Status status;  // not ok: nothing of the part was committed; its traces stay in the head
    block::BlockMeta meta;
    uint64_t traces = 0;  // 0: every trace was erased since the snapshot; nothing committed
  };
  // Steps 1–3 of every part, concurrently (the first on the calling thread).
  std::vector<WrittenPart> WriteParts(const std::vector<ingester::HeadSnapshot>& parts);
  // Steps 1–3 of one block: journal, data, meta.json and the journal's commit mark. A failure
  // removes what was written. Thread-safe (parts are disjoint).
  WrittenPart WritePart(const ingester::HeadSnapshot& head);
  // Step 4: registers the block and has the ingester forget what it covered. On the cut thread,
  // in ID order (the ingester's cut cursor follows the last completed part).
  Status FinishPart(const ingester::HeadSnapshot& head, const WrittenPart& written,
                    std::chrono::steady_clock::time_point started);
  // Streams data.tcb of the traces of `head` still held by the ingester and fills `meta`'s
  // totals. `*traces` = traces written (0: every one was erased since the snapshot; then nothing
  // is committed).
  Status WriteData(const ingester::HeadSnapshot& head, block::BlockMeta* meta, uint64_t* traces);
  bool stopping();
  void Loop();

  ingester::IngesterConfig config_;
  ingester::Ingester& ingester_;
  wal::Wal& wal_;
  backend::Backend& backend_;
  store::Store& store_;
  Clock& clock_;
  block::WriterOptions writer_options_;
  size_t concurrent_flushes_;  // config_.concurrent_flushes, 0 resolved

  std::mutex cut_mu_;  // one cut at a time

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stopping_ = false;  // guarded by loop_mu_
  std::thread loop_;

  metrics::Counter& blocks_written_;
  metrics::Counter& bytes_written_;
  metrics::Counter& spans_written_;
  metrics::Counter& cut_errors_;
  metrics::Histogram& cut_seconds_;
};


}  // namespace tempo::blockbuilder
