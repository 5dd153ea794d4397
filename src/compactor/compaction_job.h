#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/block_writer.h"
#include "tempo/block/trace_cursor.h"
#include "tempo/common/result.h"

namespace tempo::compactor {

// What one merge did.
struct MergeStats {
  uint64_t traces_read = 0;        // traces over all inputs
  uint64_t traces_written = 0;     // traces of the output
  uint64_t traces_combined = 0;    // output traces built from fragments of several inputs
  uint64_t duplicate_spans = 0;    // spans dropped because another input had them already
  uint64_t traces_dropped = 0;     // traces left out because they are deleted
  uint64_t bytes_read = 0;         // of the inputs' data.tcb
};

// Says whether a trace is deleted (left out of the output). Empty: none is.
using DropFn = std::function<bool(const TraceId&)>;

// Merges `inputs` (each positioned before its first trace) into `writer` in ascending trace-ID
// order: a trace present in one input is copied, one present in several is combined
// (model::CombineFragments: equal resources and scopes merged, a span whose (span ID, kind) was
// already seen dropped); a trace `drop` (may be empty) names is left out. Memory: one trace batch
// per input plus the writer's row group. `cancelled` is polled between traces; when it returns
// true the merge stops with kCancelled. Errors: those of the cursors and the writer.
Status MergeCursors(const std::vector<block::TraceCursor*>& inputs, block::BlockWriter* writer,
                    const std::function<bool()>& cancelled, MergeStats* stats,
                    const DropFn& drop = nullptr);

// Runs one compaction up to and including its commit point: streams the merge of `inputs` (all of
// one tenant) into `<tenant>/<output_id>/data.tcb`, leaving out the traces `drop` names, then
// writes the output's meta.json, whose `replaces` lists the inputs and whose level is the highest
// input level + 1 (or that level with `keep_level`: a rewrite of one block without its deleted
// traces is not a merge). Marking the inputs compacted is the caller's next step. On an error
// before the commit the output directory is removed (best effort; Compactor::Recover removes what
// a crash leaves). Crash points: "compaction:after_data", "compaction:after_meta". Not
// thread-safe; one job at a time per output.
class CompactionJob {
 public:
  // `backend` must outlive the job.
  CompactionJob(backend::Backend& backend, block::WriterOptions options,
                std::vector<block::BlockMeta> inputs, DropFn drop = nullptr,
                bool keep_level = false);

  // Returns the committed output meta. `created_at_unix` is stored in it. kNotFound (and no
  // output) when every trace of the inputs is dropped: the inputs can simply be retired.
  Result<block::BlockMeta> Run(const std::string& output_id, int64_t created_at_unix,
                               const std::function<bool()>& cancelled);
  const MergeStats& stats() const { return stats_; }
  // Whether Run found nothing but dropped traces (then it returned kNotFound, no output).
  bool all_dropped() const { return all_dropped_; }

 private:
  Result<block::BlockMeta> Write(const std::string& output_id, int64_t created_at_unix,
                                 const std::function<bool()>& cancelled);

  backend::Backend& backend_;
  block::WriterOptions options_;
  std::vector<block::BlockMeta> inputs_;
  DropFn drop_;
  bool keep_level_ = false;
  MergeStats stats_;
  bool all_dropped_ = false;
};


}  // namespace tempo::compactor
