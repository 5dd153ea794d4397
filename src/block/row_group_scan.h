#pragma once

#include <array>
#include <cstdint>
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

  // For conditions that must hold on one span together (FetchRequest::same_span): sets
  // (*hits)[t] = 1 for every trace row t with a span on which every plan holds, each through the
  // span's own row, its events or links, its ScopeSpans' scope, its ResourceSpans' resource or
  // its trace row. Unknown plans hold on every span. A superset of the traces with a span that
  // satisfies all conditions. kCorruption on bad data.
  Status SpanHits(const std::vector<ConditionPlan>& plans, std::vector<uint8_t>* hits);

 private:
  struct Shapes {
    std::vector<uint32_t> of_row;                 // per owner row: index into `distinct`
    std::vector<std::vector<uint32_t>> distinct;  // catalog indexes of each shape
  };

  uint64_t Rows(Table t) const { return row_group_.rows[static_cast<size_t>(t)]; }
  // Per trace row, the first row of table `t` (kSpan, kEvent, kLink, kResourceSpans,
  // kScopeSpans), plus the table's row count at the end.
  Result<const std::vector<uint64_t>*> Bounds(Table t);
  Result<const Shapes*> ShapesOf(Table t);
  // Which owner rows of `source` hold a value that may satisfy its test; `any` tells if one does.
  Status OwnerHits(const ColumnSource& source, std::vector<uint8_t>* owner_hits, bool* any);
  Status MarkTraces(Table owner, const std::vector<uint8_t>& owner_hits,
                    std::vector<uint8_t>* hits);
  // Values of the int column `c` for rows [0, n) (zeros when the column is omitted).
  Status ReadInts(Col c, uint64_t n, std::vector<int64_t>* out);
  // Per span row, its ScopeSpans row; per ScopeSpans row, its scope and resource rows (-1: none).
  Result<const std::vector<int64_t>*> SpanScopeSpans();
  Result<const std::vector<int64_t>*> ScopeSpansScope();
  Result<const std::vector<int64_t>*> ScopeSpansResource();
  // Sets (*span_hits)[s] = 1 for the span rows s tied to an owner row with a hit.
  Status MarkSpans(Table owner, const std::vector<uint8_t>& owner_hits,
                   std::vector<uint8_t>* span_hits);

  const Footer& footer_;
  const RowGroupMeta& row_group_;
  ChunkReader& reader_;
  std::array<std::vector<uint64_t>, kTableCount> bounds_;
  std::array<bool, kTableCount> have_bounds_{};
  std::array<Shapes, kTableCount> shapes_;
  std::array<bool, kTableCount> have_shapes_{};
  ColumnValues values_;
  std::vector<int64_t> span_ss_, ss_scope_, ss_resource_;
  bool have_span_ss_ = false, have_ss_scope_ = false, have_ss_resource_ = false;
};

}  // namespace tempo::block
