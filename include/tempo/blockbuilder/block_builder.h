#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

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
// into heads and writes each due head (max_block_duration / max_block_bytes) as one block:
//   1. cut journal (block ID, covered WAL sequences) synced to the WAL database;
//   2. data.tcb written (temp file, fsync, rename);
//   3. meta.json written last: the commit point;
//   4. the block registered in the store, then the ingester forgets the covered data and drops
//      WAL minutes no live trace needs (journals covering only dropped minutes go with them).
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

  // One pass: idle traces to heads, then every due head to a block; `force` cuts every live trace
  // now. Returns the first error (the head stays and is retried on the next pass).
  Status CutOnce(bool force);

 private:
  Status WriteHead(const std::string& tenant);
  void Loop();

  ingester::IngesterConfig config_;
  ingester::Ingester& ingester_;
  wal::Wal& wal_;
  backend::Backend& backend_;
  store::Store& store_;
  Clock& clock_;
  block::WriterOptions writer_options_;

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
