#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

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
  // Small pages keep a trace lookup cheap: it decompresses one page of every column it reads.
  uint32_t values_per_page = 2048;
  // ...and is cut earlier once its uncompressed payload reaches this many bytes.
  uint32_t page_bytes = 64 * 1024;
  // A dictionary page holds at most this many entries and is cut earlier once its strings
  // reach this many bytes (a lookup decompresses the dictionary pages its values point into).
  uint32_t dict_page_entries = 512;
  uint32_t dict_page_bytes = 16 * 1024;
  // Streaming mode only: a directory for an unnamed scratch file that holds the trace-ID
  // directory while the row groups are written, so that the writer's memory does not grow with
  // the number of traces. Empty: the directory is kept in memory (16 bytes per trace).
  std::string scratch_dir;
};

class BloomFilter;
class RowGroupBuilder;
struct TraceRows;

// Receives the bytes of data.tcb in file order, in pieces (the header with the first row group,
// each further row group, then the tail). An error stops the writer: Append and Finish return it.
using BlockSinkFn = std::function<Status(std::string_view bytes)>;

// Encodes one block (`data.tcb`): traces go in through Append, the file comes out of Finish.
// Traces must be appended in strictly ascending trace-ID order. Each finished row group is encoded
// immediately. Two modes:
//   * in memory (no sink): Finish returns the whole file; memory is the encoded block plus one
//     row group of columns (tests and benchmarks);
//   * streaming (with a sink): every finished row group is handed to the sink and dropped, so
//     memory is one row group of columns plus the trace-ID directory (16 bytes per trace, or a
//     1 MiB buffer of it with `scratch_dir`) and, while the tail is written, the bloom filter
//     (about 1.2 bytes per trace) (what the block builder and the compactor use).
// Not thread-safe; one writer per block.
class BlockWriter {
 public:
  explicit BlockWriter(WriterOptions options = {});
  // Streaming mode: the bytes go to `sink`, which must stay callable until Finish returns.
  BlockWriter(WriterOptions options, BlockSinkFn sink);
  ~BlockWriter();
  BlockWriter(const BlockWriter&) = delete;
  BlockWriter& operator=(const BlockWriter&) = delete;

  // Adds one trace. `trace` must already be combined and de-duplicated; every field is kept
  // (see docs/block-format.md for the one canonicalisation: spans inside a ScopeSpans come back in
  // depth-first order). Errors: kInvalidArgument if `id` is not greater than the previous ID or
  // if the writer is finished; kResourceExhausted if the trace is too large to encode (a page over
  // 256 MiB).
  [[nodiscard]] Status Append(const TraceId& id, const tempopb::Trace& trace);
  // Adds one trace laid out as rows (TraceCursor::rows(): a trace read from another block, which
  // is combined already), without protobuf objects. Errors: those of Append.
  [[nodiscard]] Status Append(const TraceId& id, const TraceRows& rows);
  // Adds one live trace given as its serialized tempopb.Trace fragments back to back, combined
  // as model::CombineFragments combines them. The rows are read straight off the bytes; only
  // bytes that need a full parse for that (a singular message field given twice, groups) are
  // parsed and combined as messages. Adds the spans dropped as duplicates to
  // `*duplicate_spans` when given. Errors: those of Append; kCorruption (from CombineFragments)
  // if the fragments do not parse.
  [[nodiscard]] Status AppendFragments(const TraceId& id, std::string_view fragments,
                                       uint64_t* duplicate_spans = nullptr);

  // Encodes the directory, bloom filter and footer, and returns the whole data.tcb (in streaming
  // mode the rest of the file goes to the sink and the returned string is empty). Fills in
  // `meta`'s version, start/end, totals, size_bytes, footer_size, row_groups and min/max IDs; the
  // caller fills block_id, tenant_id, compaction_level, replaces and created_at_unix. The writer
  // cannot be used afterwards. Errors: those of the sink; kResourceExhausted for a footer over
  // 4 GiB.
  [[nodiscard]] Result<std::string> Finish(BlockMeta* meta);

  uint64_t traces() const { return traces_; }
  uint64_t spans() const { return spans_; }
  // Bytes of data.tcb produced so far (handed to the sink or held in memory).
  uint64_t bytes_written() const;

 private:
  // Append's work once the trace is laid out as rows.
  Status AppendRows(const TraceId& id, const TraceRows& rows);
  Status FlushRowGroup();
  // Streaming mode: hands what is buffered to the sink.
  Status Drain();
  // Moves the buffered directory IDs to the scratch file (with scratch_dir).
  Status SpillDirectory();
  // Writes the directory section and fills `bloom` with its IDs.
  Status WriteDirectory(BloomFilter* bloom);

  struct State;
  WriterOptions options_;
  std::unique_ptr<State> state_;
  BlockSinkFn sink_;
  uint64_t drained_ = 0;  // bytes already handed to the sink
  uint64_t traces_ = 0;
  uint64_t spans_ = 0;
  bool finished_ = false;
};

}  // namespace tempo::block
