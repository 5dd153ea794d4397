// RowGroupScan restricted to some traces (Restrict): their row ranges, their rows' attribute
// shapes, and owner hits decided on those rows only.
#include <algorithm>
#include <string>
#include <unordered_map>

#include "block/coding.h"
#include "block/row_group_scan.h"

namespace tempo::block {

void RowGroupScan::Restrict(std::vector<uint8_t> traces) {
  selected_ = std::move(traces);
  have_ranges_ = {};
  have_range_shapes_ = {};
}

Result<const RowGroupScan::Ranges*> RowGroupScan::RangesOf(Table t) {
  if (selected_.empty() || t == Table::kTrace || t == Table::kResource || t == Table::kScope) {
    return nullptr;  // not restricted, or a table that rows of traces do not partition
  }
  const size_t ti = static_cast<size_t>(t);
  if (!have_ranges_[ti]) {
    if (selected_.size() != Rows(Table::kTrace)) {
      return InvalidArgumentError("row group scan: selection size differs from the traces");
    }
    TEMPO_ASSIGN_OR_RETURN(const std::vector<uint64_t>* b, Bounds(t));
    Ranges& ranges = ranges_[ti];
    ranges.clear();
    uint64_t rows = 0;
    for (size_t i = 0; i < selected_.size(); ++i) {
      if (!selected_[i] || (*b)[i] == (*b)[i + 1]) continue;
      if (!ranges.empty() && ranges.back().second == (*b)[i]) {
        ranges.back().second = (*b)[i + 1];
      } else {
        ranges.emplace_back((*b)[i], (*b)[i + 1]);
      }
      rows += (*b)[i + 1] - (*b)[i];
    }
    // Reading the table whole costs less per row: worth it once the selection is not small.
    restricted_[ti] = rows * 8 <= Rows(t);
    have_ranges_[ti] = true;
  }
  return restricted_[ti] ? &ranges_[ti] : nullptr;
}

Result<const RowGroupScan::RangeShapes*> RowGroupScan::RangeShapesOf(Table t) {
  const size_t ti = static_cast<size_t>(t);
  RangeShapes& rs = range_shapes_[ti];
  if (have_range_shapes_[ti]) return &rs;
  TEMPO_ASSIGN_OR_RETURN(const Ranges* ranges, RangesOf(t));
  if (ranges == nullptr) return InternalError("row group scan: table not restricted");
  rs.ranges.clear();
  rs.of_row.clear();
  rs.dict = nullptr;
  rs.plain.clear();
  const uint32_t shape_col = static_cast<uint32_t>(ShapeColumn(t));
  const ChunkMeta* shape_chunk = reader_.Chunk(shape_col);
  if (shape_chunk == nullptr) {
    // Every row has the empty shape: no attribute values at all.
    rs.plain.emplace_back();
    for (const auto& [lo, hi] : *ranges) {
      rs.ranges.push_back({.anchor = lo, .lo = lo, .hi = hi, .carry = true});
      rs.of_row.resize(rs.of_row.size() + static_cast<size_t>(hi - lo), 0);
    }
    have_range_shapes_[ti] = true;
    return &rs;
  }
  std::vector<uint64_t> page_first{0};
  for (const PageMeta& p : shape_chunk->pages) page_first.push_back(page_first.back() + p.num_values);
  std::unordered_map<std::string_view, uint32_t> plain_ids;  // shapes stored without dictionary
  ColumnValues raw;
  for (const auto& [lo, hi] : *ranges) {
    RangeShapes::Range r{.lo = lo, .hi = hi};
    const size_t page = static_cast<size_t>(
        std::upper_bound(page_first.begin(), page_first.end(), lo) - page_first.begin() - 1);
    if (page + 1 >= page_first.size()) return BadBlockData("attribute shapes end before the rows");
    if (!rs.ranges.empty() && rs.ranges.back().hi >= page_first[page]) {
      r.carry = true;
      r.anchor = rs.ranges.back().hi;
    } else {
      r.page = static_cast<uint32_t>(page);
      r.anchor = page_first[page];
    }
    TEMPO_RETURN_IF_ERROR(reader_.Read(shape_col, r.anchor, hi, &raw, /*codes_only=*/true));
    if (raw.dict != nullptr) {
      rs.dict = raw.dict;
      rs.of_row.insert(rs.of_row.end(), raw.codes.begin(), raw.codes.end());
    } else {
      for (std::string_view v : raw.strs) {
        auto [it, inserted] = plain_ids.try_emplace(v, static_cast<uint32_t>(rs.plain.size()));
        if (inserted) rs.plain.push_back(v);
        rs.of_row.push_back(it->second);
      }
    }
    rs.ranges.push_back(r);
  }
  have_range_shapes_[ti] = true;
  return &rs;
}

void RowGroupScan::TestValues(const ValueTest& test, const ColumnValues& values, size_t n,
                              std::vector<int8_t>* dict_memo, uint8_t* hits) {
  const bool is_string = test.kind() == ValueKind::kString;
  if (values.defaulted) {
    const bool hit = is_string ? test.String("") : test.Int(0);
    std::fill(hits, hits + n, hit ? 1 : 0);
  } else if (is_string && values.dict != nullptr) {
    std::vector<int8_t> local;
    std::vector<int8_t>& memo = dict_memo != nullptr ? *dict_memo : local;
    memo.resize(static_cast<size_t>(values.dict->size()), -1);
    for (size_t i = 0; i < values.codes.size(); ++i) {
      int8_t& m = memo[values.codes[i]];
      if (m < 0) m = test.String(values.dict->at(values.codes[i])) ? 1 : 0;
      hits[i] = static_cast<uint8_t>(m);
    }
  } else if (is_string) {
    for (size_t i = 0; i < values.strs.size(); ++i) hits[i] = test.String(values.strs[i]);
  } else if (test.kind() == ValueKind::kDouble) {
    for (size_t i = 0; i < values.doubles.size(); ++i) hits[i] = test.Double(values.doubles[i]);
  } else if (test.kind() == ValueKind::kOpaque || test.kind() == ValueKind::kComplex) {
    std::fill(hits, hits + n, test.constant() ? 1 : 0);
  } else {
    const int64_t* v = values.ints.data();
    for (size_t i = 0; i < values.ints.size(); ++i) hits[i] = test.Int(v[i]);
  }
}

Status RowGroupScan::RangeOwnerHits(const ColumnSource& source, const Ranges& ranges,
                                    std::vector<uint8_t>* owner_hits, bool* any) {
  const ValueTest& test = source.test;
  const bool is_string = test.kind() == ValueKind::kString;
  *any = false;
  owner_hits->assign(static_cast<size_t>(Rows(source.owner)), 0);
  uint8_t* hits = owner_hits->data();
  std::vector<int8_t> memo;
  if (!source.attribute) {
    for (const auto& [lo, hi] : ranges) {
      if (source.has_values) {
        TEMPO_RETURN_IF_ERROR(reader_.Read(source.column, lo, hi, &values_, is_string));
        TestValues(test, values_, static_cast<size_t>(hi - lo), &memo, hits + lo);
      } else if (test.constant()) {
        std::fill(hits + lo, hits + hi, 1);
      }
    }
    *any = std::find(owner_hits->begin(), owner_hits->end(), 1) != owner_hits->end();
    return Status::Ok();
  }
  const ChunkMeta* chunk = nullptr;
  if (source.has_values) {
    chunk = reader_.Chunk(source.column);
    if (chunk == nullptr) return Status::Ok();  // no owner has the attribute here
  } else if (!test.constant()) {
    return Status::Ok();
  }
  // Attribute values are in owner-row order: the shapes say how many each row holds, and the
  // values before a shape page come from the column's shape_page_starts.
  TEMPO_ASSIGN_OR_RETURN(const RangeShapes* shapes, RangeShapesOf(source.owner));
  std::vector<uint32_t> count;
  TEMPO_RETURN_IF_ERROR(ColumnCounts(source.owner, *shapes, source.column, &count));
  const uint32_t* of_row = shapes->of_row.data();
  std::vector<uint8_t> value_hits;
  uint64_t offset = 0;  // the column's value index at the current row
  for (const RangeShapes::Range& r : shapes->ranges) {
    if (!r.carry && chunk != nullptr) {
      offset = r.page > 0 ? chunk->shape_page_starts[r.page - 1] : 0;
    }
    for (uint64_t row = r.anchor; row < r.lo; ++row) offset += count[*of_row++];
    uint64_t within = 0;
    for (uint64_t i = 0; i < r.hi - r.lo; ++i) within += count[of_row[i]];
    if (chunk != nullptr && within > 0) {
      if (offset + within > chunk->num_values) {
        return BadBlockData("attribute column '" + footer_.columns[source.column].DisplayName() +
                   "' does not match the attribute shapes");
      }
      TEMPO_RETURN_IF_ERROR(
          reader_.Read(source.column, offset, offset + within, &values_, is_string));
      value_hits.assign(static_cast<size_t>(within), 0);
      TestValues(test, values_, value_hits.size(), &memo, value_hits.data());
    }
    size_t v = 0;
    for (uint64_t row = r.lo; row < r.hi; ++row) {
      const uint32_t k = count[*of_row++];
      for (uint32_t j = 0; j < k; ++j) {
        if (chunk == nullptr || value_hits[v + j]) {
          hits[row] = 1;
          *any = true;
          break;
        }
      }
      v += k;
    }
    offset += within;
  }
  return Status::Ok();
}

}  // namespace tempo::block
