#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "block/column_builder.h"
#include "block/distinct_owners.h"
#include "block/footer.h"
#include "block/structure.h"
#include "block/trace_rows.h"
#include "tempo/common/ids.h"
#include "tempo/common/result.h"
#include "tempopb/tempo.pb.h"

namespace tempo::block {

// The column catalog of a block being written: the fixed columns, then one attribute column per
// (owner table, key, value type) in order of first appearance. Not thread-safe.
class Catalog {
 public:
  Catalog();
  // Catalog index of the attribute column (table, type, key); registers it on first use. Sets
  // `*stable_key` to the catalog's copy of the key, valid as long as the catalog.
  uint32_t Attribute(Table table, AttrType type, std::string_view key,
                     const std::string** stable_key);
  const std::vector<ColumnDesc>& columns() const { return columns_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using KeyMap = std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>>;
  std::vector<ColumnDesc> columns_;
  std::array<std::array<KeyMap, kMaxAttrType + 1>, kTableCount> index_;
};

// Shreds traces into the tables of one row group (docs/block-format.md, "Tables") and encodes
// them. Resources and scopes are stored once per row group. Not thread-safe; reused across row
// groups via Clear(). `catalog` must outlive it.
class RowGroupBuilder {
 public:
  explicit RowGroupBuilder(Catalog& catalog);

  // Rows each table gains from `trace`.
  static std::array<uint64_t, kTableCount> CountRows(const TraceRows& trace);
  // Whether adding that many rows keeps every table within kMaxTableRows.
  bool Fits(const std::array<uint64_t, kTableCount>& add) const;

  // Appends one trace. Fills `start`/`end` with its earliest span start and latest span end
  // (both 0 without spans).
  void AddTrace(const TraceId& id, const TraceRows& trace, uint64_t* start, uint64_t* end);

  uint64_t rows(Table t) const { return rows_[static_cast<size_t>(t)]; }

  // Appends the row group's chunks to `out` (which currently ends at file offset `offset`) and
  // describes it in `meta`.
  Status Encode(const PageLimits& limits, PageCompressor& compressor, uint64_t offset,
                std::string* out, RowGroupMeta* meta);

  void Clear();

 private:
  ColumnBuilder& Column(Col c) { return columns_[static_cast<size_t>(c)]; }
  // Appends the values of `attrs` to their attribute columns and the owner's shape (the list of
  // their catalog indexes) to the table's shape column.
  void AddAttributes(Table table, const TraceRows& trace, TraceRows::Range attrs);
  // For each attribute column of `table` with values: its values before each shape page after
  // the first (ChunkMeta::shape_page_starts), given the shape column's page cuts.
  std::map<uint32_t, std::vector<uint64_t>> ShapePageStarts(
      Table table, const std::vector<uint32_t>& cuts) const;
  // Row of the resource / scope in this row group (-1 when absent), adding it if new.
  int64_t ResourceRow(const TraceRows& trace, const TraceRows::Owner& resource);
  int64_t ScopeRow(const TraceRows& trace, const TraceRows::Owner& scope);

  Catalog& catalog_;
  std::vector<ColumnBuilder> columns_;  // indexed by Col
  // Value columns of attribute columns, indexed by catalog index (null: none yet / no values).
  std::vector<std::unique_ptr<ColumnBuilder>> attr_values_;
  DistinctOwners resources_, scopes_;  // the row group's resource and scope rows
  // Per table, a few recent attribute lists (keys in the order they come), picked by their first
  // key: owners of one kind list their attributes in the same order, which saves most catalog
  // lookups. A way holds up to kMaxWayKeys keys.
  struct CachedKey {
    AttrType type;
    const std::string* key;  // owned by the catalog, stable
    uint32_t column;
  };
  static constexpr size_t kCacheWays = 8;
  static constexpr size_t kMaxWayKeys = 64;
  std::array<std::array<std::vector<CachedKey>, kCacheWays>, kTableCount> key_cache_;
  std::array<size_t, kTableCount> next_way_{};
  std::string shape_, complex_;
  opentelemetry::proto::common::v1::AnyValue complex_value_;  // a kComplex value read from bytes
  std::array<uint64_t, kTableCount> rows_{};
  uint64_t min_start_ = UINT64_MAX, max_end_ = 0;
  // Scratch reused across traces.
  struct SpanRef {
    const TraceRows::Span* span;
    int64_t scope_spans;  // index of its ScopeSpans within the trace
    const TraceRows::Owner* resource;
  };
  std::vector<SpanRef> span_refs_;
  std::string tagged_trace_id_;
  std::vector<SpanLinkage> linkage_;
  TraceStructure structure_;
};

}  // namespace tempo::block
