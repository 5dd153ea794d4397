#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tempo/block/block_meta.h"
#include "tempo/common/ids.h"
#include "tempo/common/result.h"

namespace tempopb {
class Trace;
}

namespace tempo::block {

// Tuning of the block encoder. Defaults are what the block builder uses; see
// docs/block-format.md for what each one changes in the file.
struct WriterOptions {
  // A row group is cut after the trace that makes it reach this many spans (a trace is never
  // split across row groups).
  uint32_t spans_per_row_group = 100'000;
  // zstd level of every page (1..19). Higher costs encode time, barely changes decode time.
  int zstd_level = 3;
  // Target false-positive rate of the trace-ID bloom filter.
  double bloom_false_positive = 0.01;
  // A data page holds at most this many values...
  uint32_t values_per_page = 8192;
  // ...and is cut earlier once its uncompressed payload reaches this many bytes.
  uint32_t page_bytes = 1 << 20;
};

class RowGroupBuilder;

// Encodes one block (`data.tcb`) in memory: traces go in through Append, the finished file comes
// out of Finish. Traces must be appended in strictly ascending trace-ID order. Each finished row
// group is encoded immediately, so memory is the encoded block plus one row group of columns.
// Not thread-safe; one writer per block.
class BlockWriter {
 public:
  explicit BlockWriter(WriterOptions options = {});
  ~BlockWriter();
  BlockWriter(const BlockWriter&) = delete;
  BlockWriter& operator=(const BlockWriter&) = delete;

  // Adds one trace. `trace` must already be combined and de-duplicated; every field is kept
  // (see docs/block-format.md for the one canonicalisation: spans inside a ScopeSpans come back in
  // depth-first order). Errors: kInvalidArgument if `id` is not greater than the previous ID or
  // if the writer is finished; kResourceExhausted if the trace is too large to encode (a page over
  // 256 MiB).
  [[nodiscard]] Status Append(const TraceId& id, const tempopb::Trace& trace);

  // Encodes the directory, bloom filter and footer, and returns the whole data.tcb. Fills in
  // `meta`'s version, start/end, totals, size_bytes, footer_size, row_groups and min/max IDs; the
  // caller fills block_id, tenant_id, compaction_level, replaces and created_at_unix. The writer
  // cannot be used afterwards.
  [[nodiscard]] Result<std::string> Finish(BlockMeta* meta);

  uint64_t traces() const { return traces_; }
  uint64_t spans() const { return spans_; }

 private:
  Status FlushRowGroup();

  struct State;
  WriterOptions options_;
  std::unique_ptr<State> state_;
  uint64_t traces_ = 0;
  uint64_t spans_ = 0;
  bool finished_ = false;
};

}  // namespace tempo::block
