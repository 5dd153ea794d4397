#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "block/chunk_reader.h"
#include "block/condition_plan.h"
#include "block/footer.h"
#include "tempo/common/result.h"

namespace tempo::block {

// Decides planned conditions per trace on the columns of one row group, decoding only the
// columns the conditions name (plus the owner tables' attribute shapes and the row bounds that
// tie owner rows to traces). Values are tested first; shapes and bounds are decoded only when
// some value may satisfy a condition. Not thread-safe; one per row group scan. `footer`,
// `row_group` and `reader` must outlive it.
class RowGroupScan {
 public:
  RowGroupScan(const Footer& footer, const RowGroupMeta& row_group, ChunkReader& reader);

  // The columns Hits may read for `plans` (present in the row group or not).
  static std::vector<uint32_t> Columns(const std::vector<ConditionPlan>& plans);

  // Sets (*hits)[t] = 1 for every trace row t of the row group on which `plan` holds on some
  // row (span, event, link, its resource or scope, or the trace itself); other entries are left
  // unchanged. `hits` has one entry per trace row. kCorruption on bad data.
  Status Hits(const ConditionPlan& plan, std::vector<uint8_t>* hits);

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

  const Footer& footer_;
  const RowGroupMeta& row_group_;
  ChunkReader& reader_;
  std::array<std::vector<uint64_t>, kTableCount> bounds_;
  std::array<bool, kTableCount> have_bounds_{};
  std::array<Shapes, kTableCount> shapes_;
  std::array<bool, kTableCount> have_shapes_{};
  ColumnValues values_;
};

}  // namespace tempo::block
