#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "block/chunk_reader.h"
#include "block/footer.h"
#include "block/trace_rows.h"
#include "tempo/common/result.h"
#include "tempo/traceql/fetcher.h"

namespace tempopb {
class Trace;
}

namespace tempo::block {

// Rebuilds OTLP traces from a range of trace rows of one row group: decodes the rows of every
// table that belong to those traces (only the pages that overlap them, plus the row group's
// resources and scopes), then lays out each trace as TraceRows and, for Run, builds its message
// (docs/block-format.md, "Reading a trace").
// Every index read from the file is range-checked. Not thread-safe; one per decode. `footer`,
// `row_group` and `bytes` (the row group's bytes) or the fetch function must outlive it.
// The fixed columns a TraceQL search reads (KeepIntrinsics' argument): every column of resources,
// scopes and the structure (combining fragments groups spans by them), the spans' IDs, parents,
// kinds, names, times and status codes, their trace IDs and their links' (parents, roots and
// trace-level intrinsics, service statistics), and the fields `request`'s conditions name
// (status message, event names and times, link span IDs). Left out: the trace states, flags and
// dropped counts of spans, events and links.
std::vector<uint8_t> SearchIntrinsics(const traceql::FetchRequest& request);

class TraceAssembler {
 public:
  TraceAssembler(const Footer& footer, const RowGroupMeta& row_group, std::string_view bytes);
  // Reads the pages it needs through `fetch` instead (ChunkReader's fetch mode), which must
  // outlive it.
  TraceAssembler(const Footer& footer, const RowGroupMeta& row_group, const ReadAtFn& fetch);
  ~TraceAssembler();

  // Limits the attributes decoded and put into traces to the attribute columns whose entry in
  // `keep` (by catalog index, one per footer column) is non-zero; the others are neither
  // decoded nor added. Empty (the default): every attribute. Call before Run.
  void KeepAttributes(std::vector<uint8_t> keep) { keep_ = std::move(keep); }
  // Leaves the fixed columns whose entry in `keep` (by Col, kIntrinsicCount entries) is zero
  // undecoded: their fields keep their defaults (0, ""). Only fields that carry no structure may
  // be left out (see SearchIntrinsics). Empty (the default): every column. Call before Run.
  void KeepIntrinsics(std::vector<uint8_t> keep) { keep_intrinsics_ = std::move(keep); }
  // Pages through `cache` (ChunkReader::UsePageCache), integer pages cached as stored: a trace
  // takes a few values of each page, which does not pay for re-encoding it. Call before Run.
  void UsePageCache(PageCache* cache, uint64_t block_key) {
    reader_.UsePageCache(cache, block_key, /*pack_ints=*/false);
  }

  // Decodes trace rows [first, last) of the row group and calls `fn(row, trace)` for each in
  // order, stopping at the first error. `ids` holds their 16-byte trace IDs back to back (spans
  // whose trace_id equals their trace's are stored without it). With `use_arena` the traces are
  // built in a protobuf arena that is reset after each call of `fn`. With `selected` (one entry
  // per row of [first, last)), only the rows whose entry is non-zero are assembled and handed to
  // `fn`; the others are only stepped over.
  Status Run(uint64_t first, uint64_t last, std::string_view ids,
             const std::function<Status(uint64_t row, tempopb::Trace&& trace)>& fn,
             bool use_arena = false, const std::vector<uint8_t>* selected = nullptr);
  // For a few selected rows of [first, last) (`selected` as for Run, required): each selected
  // trace is built on its own protobuf arena, owned by the shared_ptr handed to `fn` (a trace of
  // thousands of messages costs a few block allocations, not one per message and string).
  Status RunOwned(
      uint64_t first, uint64_t last, std::string_view ids, const std::vector<uint8_t>& selected,
      const std::function<Status(uint64_t row, std::shared_ptr<const tempopb::Trace> trace)>& fn);
  // For selected rows of [first, last) (`selected` as for Run, required): builds each selected
  // trace into the message `target(row)` returns (cleared first; on its arena if it has one).
  Status RunInto(uint64_t first, uint64_t last, std::string_view ids,
                 const std::vector<uint8_t>& selected,
                 const std::function<tempopb::Trace*(uint64_t row)>& target);
  // The same, handing each selected trace as its serialized tempopb.Trace (valid during the
  // call), written straight from its rows (TraceRows::AppendSerialized): no message is built.
  Status RunSerialized(uint64_t first, uint64_t last, std::string_view ids,
                       const std::vector<uint8_t>& selected,
                       const std::function<Status(uint64_t row, std::string_view bytes)>& fn);
  // The same, handing each selected trace as its rows (TraceRows; valid during the call).
  Status RunRows(uint64_t first, uint64_t last, std::string_view ids,
                 const std::vector<uint8_t>& selected,
                 const std::function<Status(uint64_t row, const TraceRows& rows)>& fn);

  // Rows mode, for a caller that shreds the traces again (compaction): Decode reads trace rows
  // [first, last) like Run, then Rows lays out their traces one at a time, in order (i = 0, 1,
  // ...; trace_id = the i-th ID), as views into the decoded columns and `trace_id`, without
  // protobuf objects. The views stay valid until the next Decode or Run.
  Status Decode(uint64_t first, uint64_t last);
  Status Rows(size_t i, std::string_view trace_id, TraceRows* out);

 private:
  // Attribute shapes of one owner table's decoded rows.
  struct Shapes {
    std::vector<std::vector<uint32_t>> distinct;  // catalog indexes, in attribute order
    std::vector<uint32_t> of_row;                 // per decoded row: index into `distinct`
    // Dictionary-encoded shapes: `distinct` is indexed by code and entry `code` is parsed once
    // `parsed[code]` is set; `dict` is the reader's dictionary they come from.
    const PagedDictionary* dict = nullptr;
    std::vector<uint8_t> parsed;
  };

  // Decodes the selected rows of [first, last) in clusters and calls `each(i, k)` for each
  // selected row k (relative to `first`), i being its index in the decoded cluster (for Rows).
  Status ForSelected(uint64_t first, uint64_t last, std::string_view ids,
                     const std::vector<uint8_t>& selected,
                     const std::function<Status(size_t i, size_t k)>& each);
  Status CheckRows(uint64_t first, uint64_t last, std::string_view ids) const;
  Status DecodeTables(uint64_t first, uint64_t last);
  Status DecodeAttributes(Table table);
  // Lays out the row group's resources and scopes (owner_attrs_, resources_, scopes_).
  Status BuildOwners();
  const ColumnValues& Values(Col c) const { return cols_[static_cast<size_t>(c)]; }
  int64_t Int(Col c, uint64_t row) const;
  std::string_view Str(Col c, uint64_t row) const;
  // Appends the attributes of `row` of `table` to `out`; rows of a table must come in ascending
  // order.
  Status AddAttributes(Table table, uint64_t row, std::vector<TraceRows::Attr>* out,
                       TraceRows::Range* range);
  // Appends the attributes of resource or scope `from` to `out`'s, as `to`.
  void CopyOwner(const TraceRows::Owner& from, TraceRows* out, TraceRows::Owner* to) const;
  Status Assemble(size_t i, std::string_view trace_id, tempopb::Trace* trace);
  // Advances the attribute cursors past trace `i` without building it.
  void Skip(size_t i);

  const Footer& footer_;
  const RowGroupMeta& row_group_;
  ChunkReader reader_;
  uint64_t first_trace_ = 0;
  // Per table: the decoded row range [front, back], and for child tables of the trace table
  // the row bounds of every decoded trace (size traces + 1).
  std::array<std::vector<uint64_t>, kTableCount> bounds_;
  std::array<ColumnValues, kIntrinsicCount> cols_;
  std::array<Shapes, kTableCount> shapes_;
  // By catalog index: decoded attribute values and the index of the next one to hand out.
  std::vector<ColumnValues> attr_values_;
  std::vector<uint64_t> attr_next_;
  // Scratch of DecodeAttributes by catalog index, all zero between calls.
  std::vector<uint64_t> range_before_, range_within_;
  std::vector<uint64_t> shape_before_, shape_within_;  // by shape index
  std::vector<uint8_t> range_used_;
  std::vector<uint8_t> keep_;             // KeepAttributes; empty: all
  std::vector<uint8_t> keep_intrinsics_;  // KeepIntrinsics; empty: all
  bool kept(uint32_t column) const { return keep_.empty() || keep_[column] != 0; }
  bool owners_built_ = false;                 // resources_ and scopes_ hold the whole row group's
  std::vector<TraceRows::Attr> owner_attrs_;  // the attributes of resources_ and scopes_
  std::vector<TraceRows::Owner> resources_, scopes_;
  TraceRows rows_;                          // Assemble's layout of the trace it builds
  std::vector<uint32_t> span_scope_spans_;  // Rows: the scope spans index of each span
  std::vector<uint32_t> scope_spans_fill_;  // Rows: next position in span_order per scope spans
};

}  // namespace tempo::block
