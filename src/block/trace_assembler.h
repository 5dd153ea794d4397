#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "block/chunk_reader.h"
#include "block/footer.h"
#include "tempo/common/result.h"

namespace tempopb {
class Trace;
}
namespace opentelemetry::proto::resource::v1 {
class Resource;
}
namespace google::protobuf {
class Arena;
}
namespace opentelemetry::proto::common::v1 {
class InstrumentationScope;
}

namespace tempo::block {

// Rebuilds OTLP traces from a range of trace rows of one row group: decodes the rows of every
// table that belong to those traces (only the pages that overlap them, plus the row group's
// resources and scopes), then assembles each trace (docs/block-format.md, "Reading a trace").
// Every index read from the file is range-checked. Not thread-safe; one per decode. `footer`,
// `row_group` and `bytes` (the row group's bytes) or the fetch function must outlive it.
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

  // Decodes trace rows [first, last) of the row group and calls `fn(row, trace)` for each in
  // order, stopping at the first error. `ids` holds their 16-byte trace IDs back to back (spans
  // whose trace_id equals their trace's are stored without it). With `use_arena` the traces are
  // built in a protobuf arena that is reset after each call of `fn`. With `selected` (one entry
  // per row of [first, last)), only the rows whose entry is non-zero are assembled and handed to
  // `fn`; the others are only stepped over.
  Status Run(uint64_t first, uint64_t last, std::string_view ids,
             const std::function<Status(uint64_t row, tempopb::Trace&& trace)>& fn,
             bool use_arena = false, const std::vector<uint8_t>* selected = nullptr);
  // Decodes trace rows [first, last) like Run, building each trace on `arena` (which must outlive
  // them) and appending it to `out`: for a caller that keeps a batch of traces, this saves the
  // copy out of Run's per-trace arena. Traces that refer to one resource or scope row share one
  // message (set with unsafe_arena_set_allocated_*): the traces must be treated as read-only.
  Status RunOnArena(uint64_t first, uint64_t last, std::string_view ids,
                    google::protobuf::Arena* arena, std::vector<tempopb::Trace*>* out);

 private:
  // Attribute shapes of one owner table's decoded rows.
  struct Shapes {
    std::vector<std::vector<uint32_t>> distinct;  // catalog indexes, in attribute order
    std::vector<uint32_t> of_row;                 // per decoded row: index into `distinct`
  };

  Status RunSelected(uint64_t first, uint64_t last, std::string_view ids,
                     const std::function<Status(uint64_t row, tempopb::Trace&& trace)>& fn,
                     const std::vector<uint8_t>& selected);
  Status CheckRows(uint64_t first, uint64_t last, std::string_view ids) const;
  Status DecodeTables(uint64_t first, uint64_t last);
  Status DecodeAttributes(Table table);
  Status BuildResourcesAndScopes();
  // RunOnArena: the copy of resources_[row] / scopes_[row] on its arena.
  opentelemetry::proto::resource::v1::Resource* SharedResource(size_t row);
  opentelemetry::proto::common::v1::InstrumentationScope* SharedScope(size_t row);
  const ColumnValues& Values(Col c) const { return cols_[static_cast<size_t>(c)]; }
  int64_t Int(Col c, uint64_t row) const;
  std::string_view Str(Col c, uint64_t row) const;
  // Appends the attributes of `row` of `table`; rows of a table must come in ascending order.
  template <typename KeyValues>
  Status FillAttributes(Table table, uint64_t row, KeyValues* out);
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
  std::vector<uint8_t> range_used_;
  std::vector<uint8_t> keep_;  // KeepAttributes; empty: all
  bool kept(uint32_t column) const { return keep_.empty() || keep_[column] != 0; }
  bool resources_built_ = false;  // resources_ and scopes_ hold the whole row group's
  std::vector<opentelemetry::proto::resource::v1::Resource> resources_;
  std::vector<opentelemetry::proto::common::v1::InstrumentationScope> scopes_;
  // RunOnArena: its arena and the copies of resources_ / scopes_ on it, made on first use.
  google::protobuf::Arena* shared_arena_ = nullptr;
  std::vector<opentelemetry::proto::resource::v1::Resource*> shared_resources_;
  std::vector<opentelemetry::proto::common::v1::InstrumentationScope*> shared_scopes_;
};

}  // namespace tempo::block
