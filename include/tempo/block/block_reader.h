#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/common/ids.h"
#include "tempo/common/result.h"

namespace tempopb {
class Trace;
}

namespace tempo::block {

// Reads `length` bytes of data.tcb starting at `offset`. Must return exactly `length` bytes or an
// error. Called concurrently when the reader is used from several threads.
using ReadAtFn = std::function<Result<std::string>(uint64_t offset, uint64_t length)>;

struct BlockIndex;
class PageCache;
class TraceAssembler;

// How lookups read a row group: all of it with one read (object stores, where each request is
// costly), or only the pages the trace needs, one read each (local disk, where small reads are
// cheap and a row group is megabytes).
enum class LookupReads { kRowGroup, kPages };

// Reads one block (data.tcb) through a ReadAtFn. Open reads and verifies only the tail of the file
// (trailer, footer, trace-ID directory, bloom filter) and the 8-byte header; lookups read only the
// row group they need. Every byte read is checksummed: corrupt input yields kCorruption (with the
// section and offset), never a crash, and no allocation is sized by an unchecked length.
// Thread-safe after Open: all methods are const and share no mutable state.
class BlockReader {
 public:
  // `size` is the size of data.tcb. `tail_hint` (meta.footer_size, or 0 if unknown) lets Open read
  // the whole tail with one request. With `page_cache`, searches and trace lookups keep the
  // pages they decompress there and look pages up there first (whole-block reads such as
  // ForEachTrace, which compaction uses, do not). Errors: kCorruption ("bad magic", "unsupported
  // block format version N", checksum mismatch, offsets out of range, truncated file); errors of
  // `read`.
  static Result<std::unique_ptr<BlockReader>> Open(
      ReadAtFn read, uint64_t size, uint64_t tail_hint = 0,
      LookupReads lookup_reads = LookupReads::kRowGroup,
      std::shared_ptr<PageCache> page_cache = nullptr);
  ~BlockReader();

  // Bloom filter check: false means the trace is certainly not in the block.
  bool MayContain(const TraceId& id) const;

  // Looks `id` up in the directory; if present, reads its row group (or, with
  // LookupReads::kPages, the pages of it that hold the trace, unless the row group is small) and
  // fills `out` with the whole trace (every OTLP field; spans of a ScopeSpans in depth-first
  // order), built on `out`'s arena when it has one, and returns true. Returns false if the block
  // does not hold the trace. Errors: kCorruption, errors of the read function.
  Result<bool> FindTrace(const TraceId& id, tempopb::Trace* out) const;
  // The same trace appended to `out` as a serialized tempopb.Trace (the bytes FindTrace's
  // message serializes to), written from the decoded columns without building the message.
  // `combined_spans` (optional) is set to the trace's span count when combining it alone would
  // leave it unchanged (block::CombineSerializedTrace; true of every trace a block writer
  // combined), else to 0.
  Result<bool> FindTraceSerialized(const TraceId& id, std::string* out,
                                   uint32_t* combined_spans = nullptr) const;

  // Calls `fn` for every trace in ascending ID order, one row group at a time (memory is bounded
  // by one decoded row group). Stops at and returns the first error of `fn` or of decoding. The
  // trace handed to `fn` lives in an arena that is reused after `fn` returns: moving from it is
  // allowed (and copies), keeping a reference is not.
  Status ForEachTrace(const std::function<Status(const TraceId&, tempopb::Trace&&)>& fn) const;

  // Global index (position in the trace-ID directory) of trace `id`, or nullopt if the block
  // does not hold it. Bloom filter, then directory; no I/O.
  std::optional<uint64_t> FindRow(const TraceId& id) const;
  // The trace-ID directory: 16 bytes per trace, strictly ascending.
  std::string_view trace_ids() const;

  // Decodes the traces at the directory positions `rows` (ascending, each < traces()) and calls
  // `fn(row, trace)` for each, reading each row group that holds some of them once. Stops at and
  // returns the first error of `fn` or of decoding; kInvalidArgument for bad rows.
  Status ReadTraces(const std::vector<uint64_t>& rows,
                    const std::function<Status(uint64_t row, tempopb::Trace&&)>& fn) const;

  // Time range and size of each row group, in file (trace-ID) order.
  struct RowGroupInfo {
    uint64_t min_start = 0;  // earliest span start, unix ns
    uint64_t max_end = 0;    // latest span end, unix ns
    // No trace of the row group starts later (its earliest span) than this, unix ns: the largest
    // value of the trace.start pages' statistics, max_end where they are missing.
    uint64_t max_trace_start = 0;
    uint64_t traces = 0;
    uint64_t spans = 0;
    uint64_t bytes = 0;
  };
  std::vector<RowGroupInfo> RowGroupInfos() const;

  // Size per physical column summed over row groups, in file order of first appearance; the
  // directory, bloom filter and footer appear as "section.directory" etc.
  struct ColumnStats {
    std::string name;
    uint64_t compressed_bytes = 0;
    uint64_t uncompressed_bytes = 0;
    uint64_t values = 0;
  };
  std::vector<ColumnStats> ColumnSizes() const;

  uint32_t row_groups() const;
  uint64_t traces() const;
  uint64_t spans() const;

 private:
  // The rows of one row group ForRowGroupsOf hands over: trace rows [lo, hi) of the row group
  // with their IDs, `selected` (one entry per row of [lo, hi)) marking the wanted ones, and the
  // directory position of the row group's first trace.
  struct RowGroupSelection {
    TraceAssembler& assembler;
    uint64_t lo, hi;
    std::string_view ids;
    std::vector<uint8_t> selected;
    uint64_t first_trace;
  };
  // Opens an assembler (KeepAttributes `keep`, KeepIntrinsics `keep_intrinsics` unless null)
  // over each row group holding some of `rows` (ascending, < traces()) and calls `visit` for it.
  Status ForRowGroupsOf(const std::vector<uint64_t>& rows, const std::vector<uint8_t>* keep,
                        const std::vector<uint8_t>* keep_intrinsics,
                        const std::function<Status(const RowGroupSelection&)>& visit) const;
  // ReadTraces handing each trace serialized (a tempopb.Trace, valid during the call), decoding
  // only the attribute columns whose entry in `keep` (one per footer column) is 1 and the fixed
  // columns whose entry in `keep_intrinsics` (one per Col) is 1; null: all of them
  // (TraceAssembler::KeepAttributes / KeepIntrinsics, RunSerialized).
  Status ReadTracesKeeping(
      const std::vector<uint64_t>& rows, const std::vector<uint8_t>* keep,
      const std::vector<uint8_t>* keep_intrinsics,
      const std::function<Status(uint64_t row, std::string_view bytes)>& fn) const;

  friend class BlockFetcher;  // scans columns of row groups (block_fetcher.cpp)
  friend class BlockTags;     // reads catalogs and dictionaries (block_tags.cpp)

  BlockReader(ReadAtFn read, uint64_t size, std::unique_ptr<BlockIndex> index,
              LookupReads lookup_reads, std::shared_ptr<PageCache> page_cache);

  ReadAtFn read_;
  LookupReads lookup_reads_;
  uint64_t size_;
  std::unique_ptr<BlockIndex> index_;
  std::shared_ptr<PageCache> page_cache_;  // may be null
  uint64_t cache_key_;                     // this reader's PageCache key
};

}  // namespace tempo::block
