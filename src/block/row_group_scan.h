#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "block/chunk_reader.h"
#include "block/condition_plan.h"
#include "block/footer.h"
#include "tempo/common/result.h"

namespace tempo::block {

// Decides planned conditions per trace (or, for same-span conjunctions, per span) on the columns
// of one row group, decoding only the columns the conditions name (plus the owner tables'
// attribute shapes and the row bounds and references that tie owner rows to spans and traces).
// Values are tested first; shapes and bounds are decoded only when some value may satisfy a
// condition. Not thread-safe; one per row group scan. `footer`, `row_group` and `reader` must
// outlive it.
class RowGroupScan {
 public:
  RowGroupScan(const Footer& footer, const RowGroupMeta& row_group, ChunkReader& reader);

  // The columns Hits (and with `same_span`, SpanHits) may read for `plans` (present in the row
  // group or not).
  static std::vector<uint32_t> Columns(const std::vector<ConditionPlan>& plans,
                                       bool same_span = false);

  // Sets (*hits)[t] = 1 for every trace row t of the row group on which `plan` holds on some
  // row (span, event, link, its resource or scope, or the trace itself); other entries are left
  // unchanged. `hits` has one entry per trace row. kCorruption on bad data.
  Status Hits(const ConditionPlan& plan, std::vector<uint8_t>* hits);

  // Limits the scan to the trace rows whose entry in `traces` (one per trace row) is non-zero:
  // the tables whose rows belong to traces (resource spans, scope spans, spans, events, links)
  // are then decoded only in those traces' rows when they are a small part of the table (values,
  // attribute shapes, counts, references; pages are cached decoded, and the
  // attribute values of a row range are found from the shape column's page starts). Hits and
  // SpanHits stay exact for the selected traces; the entries of other traces are unspecified.
  // Call before Hits / SpanHits; the reader should cache pages (ChunkReader::CachePages).
  void Restrict(std::vector<uint8_t> traces);

  // For conditions that must hold on one span together (FetchRequest::same_span): sets
  // (*hits)[t] = 1 for every trace row t with a span on which every plan holds, each through the
  // span's own row, its events or links, its ScopeSpans' scope, its ResourceSpans' resource or
  // its trace row. Unknown plans hold on every span. A superset of the traces with a span that
  // satisfies all conditions. kCorruption on bad data.
  Status SpanHits(const std::vector<ConditionPlan>& plans, std::vector<uint8_t>* hits);

 private:
  // The attribute shapes of rows of one table: a shape id per row. Ids are dictionary codes
  // when `dict` is set (the reader's, all pages loaded), else indexes into `plain` (the shapes as
  // stored).
  struct Shapes {
    std::vector<uint32_t> of_row;
    const PagedDictionary* dict = nullptr;
    std::vector<std::string_view> plain;
    size_t ids() const {
      return dict != nullptr ? static_cast<size_t>(dict->size()) : plain.size();
    }
    std::string_view shape(uint32_t id) const { return dict != nullptr ? dict->at(id) : plain[id]; }
  };

  // Row ranges [first, last) of the selected traces in one owner table, ascending and merged.
  using Ranges = std::vector<std::pair<uint64_t, uint64_t>>;
  // Attribute shapes of a restricted table's row ranges. Counting starts at each range's
  // `anchor`: the first row of the shape page holding `lo` (whose values before it are that
  // page's shape_page_starts entry), or the previous range's end when that is in the same page.
  // of_row covers [anchor, hi) of every range, in order.
  struct RangeShapes : Shapes {
    struct Range {
      uint64_t anchor = 0, lo = 0, hi = 0;
      bool carry = false;  // anchor is the previous range's end
      uint32_t page = 0;   // shape page holding `lo` (when !carry)
    };
    std::vector<Range> ranges;
  };

  // Values of a numeric column decoded and tested at once by OwnerHits (two full pages).
  static constexpr uint64_t kScanWindow = 4096;

  uint64_t Rows(Table t) const { return row_group_.rows[static_cast<size_t>(t)]; }
  // The selected traces' rows of `t` when the scan is restricted and they are a small part of
  // the table; nullptr when the whole table is read.
  Result<const Ranges*> RangesOf(Table t);
  Result<const RangeShapes*> RangeShapesOf(Table t);
  bool Selected(size_t trace) const { return selected_.empty() || selected_[trace] != 0; }
  // Tests `n` decoded values (one range of a column; `defaulted`: n default values) into
  // hits[0, n). Dictionary codes are tested through `dict_memo` (per dictionary entry: -1
  // unknown, else the answer), which the caller keeps across ranges of one column.
  static void TestValues(const ValueTest& test, const ColumnValues& values, size_t n,
                         std::vector<int8_t>* dict_memo, uint8_t* hits);
  // OwnerHits over a restricted table: only the rows of `ranges` are decoded and marked.
  Status RangeOwnerHits(const ColumnSource& source, const Ranges& ranges,
                        std::vector<uint8_t>* owner_hits, bool* any);
  // Per trace row, the first row of table `t` (kSpan, kEvent, kLink, kResourceSpans,
  // kScopeSpans), plus the table's row count at the end.
  Result<const std::vector<uint64_t>*> Bounds(Table t);
  Result<const Shapes*> ShapesOf(Table t);
  // Per shape id used by a row of `shapes` (of table `t`): how many values of attribute column
  // `column` the shape holds (ids no row uses are left unset). kCorruption for a bad shape.
  Status ColumnCounts(Table t, const Shapes& shapes, uint32_t column, std::vector<uint32_t>* count);
  // Which owner rows of `source` hold a value that may satisfy its test; `any` tells if one does.
  Status OwnerHits(const ColumnSource& source, std::vector<uint8_t>* owner_hits, bool* any);
  Status MarkTraces(Table owner, const std::vector<uint8_t>& owner_hits,
                    std::vector<uint8_t>* hits);
  // Values of the int column `c` of table `t`, one per row (zeros when the column is omitted;
  // with a restriction, zeros outside the selected rows).
  Status ReadInts(Col c, Table t, std::vector<int64_t>* out);
  // Per span row, the index of its ScopeSpans among its trace's (span.scope_spans as stored);
  // per ScopeSpans row, its scope and resource rows (-1: none).
  Result<const std::vector<int64_t>*> SpanScopeSpans();
  Result<const std::vector<int64_t>*> ScopeSpansScope();
  Result<const std::vector<int64_t>*> ScopeSpansResource();
  // Sets (*span_hits)[s] = 1 for the span rows s tied to an owner row with a hit, looking only
  // at the spans whose entry in `only` (one per span row) is non-zero.
  Status MarkSpans(Table owner, const std::vector<uint8_t>& owner_hits, const uint8_t* only,
                   std::vector<uint8_t>* span_hits);

  const Footer& footer_;
  const RowGroupMeta& row_group_;
  ChunkReader& reader_;
  std::array<std::vector<uint64_t>, kTableCount> bounds_;
  std::array<bool, kTableCount> have_bounds_{};
  std::array<Shapes, kTableCount> shapes_;
  std::array<bool, kTableCount> have_shapes_{};
  ColumnValues values_;
  // Per table, per catalog column: 1 for the table's attribute columns (ColumnCounts' check).
  std::array<std::vector<uint8_t>, kTableCount> attribute_columns_;
  std::vector<uint8_t> selected_;        // Restrict's traces; empty: every trace
  std::array<Ranges, kTableCount> ranges_;
  std::array<bool, kTableCount> have_ranges_{};
  std::array<bool, kTableCount> restricted_{};
  std::array<RangeShapes, kTableCount> range_shapes_;
  std::array<bool, kTableCount> have_range_shapes_{};
  std::vector<int64_t> span_ss_, ss_scope_, ss_resource_;
  bool have_span_ss_ = false, have_ss_scope_ = false, have_ss_resource_ = false;
};

}  // namespace tempo::block
