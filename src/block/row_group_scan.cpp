#include "block/row_group_scan.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "block/coding.h"

namespace tempo::block {
namespace {

Status Bad(std::string_view what) { return CorruptionError("block data: " + std::string(what)); }

Col BeginColumn(Table t) {
  switch (t) {
    case Table::kResourceSpans:
      return Col::kTraceRsBegin;
    case Table::kScopeSpans:
      return Col::kTraceSsBegin;
    case Table::kEvent:
      return Col::kTraceEventBegin;
    case Table::kLink:
      return Col::kTraceLinkBegin;
    default:
      return Col::kTraceSpanBegin;
  }
}

void AddColumn(uint32_t c, std::vector<uint32_t>* out) {
  if (std::find(out->begin(), out->end(), c) == out->end()) out->push_back(c);
}

void AddColumn(Col c, std::vector<uint32_t>* out) { AddColumn(static_cast<uint32_t>(c), out); }

}  // namespace

RowGroupScan::RowGroupScan(const Footer& footer, const RowGroupMeta& row_group,
                           ChunkReader& reader)
    : footer_(footer), row_group_(row_group), reader_(reader) {}

std::vector<uint32_t> RowGroupScan::Columns(const std::vector<ConditionPlan>& plans) {
  std::vector<uint32_t> out;
  for (const ConditionPlan& plan : plans) {
    if (plan.unknown) continue;
    for (const ColumnSource& s : plan.sources) {
      if (s.has_values) AddColumn(s.column, &out);
      if (s.attribute) AddColumn(ShapeColumn(s.owner), &out);
      switch (s.owner) {
        case Table::kResource:
          AddColumn(Col::kRsResource, &out);
          AddColumn(Col::kTraceRsBegin, &out);
          break;
        case Table::kScope:
          AddColumn(Col::kSsScope, &out);
          AddColumn(Col::kTraceSsBegin, &out);
          break;
        case Table::kTrace:
          break;
        default:
          AddColumn(BeginColumn(s.owner), &out);
          break;
      }
    }
  }
  return out;
}

Result<const std::vector<uint64_t>*> RowGroupScan::Bounds(Table t) {
  const size_t ti = static_cast<size_t>(t);
  std::vector<uint64_t>& b = bounds_[ti];
  if (have_bounds_[ti]) return &b;
  const uint64_t traces = Rows(Table::kTrace);
  TEMPO_RETURN_IF_ERROR(
      reader_.Read(static_cast<uint32_t>(BeginColumn(t)), 0, traces, &values_));
  if (values_.defaulted) {
    b.assign(static_cast<size_t>(traces), 0);
  } else {
    b.assign(values_.ints.begin(), values_.ints.end());
  }
  b.push_back(Rows(t));
  for (size_t i = 0; i < b.size(); ++i) {
    if (b[i] > Rows(t) || (i > 0 && b[i] < b[i - 1])) {
      return Bad(std::string(TableName(t)) + " row bounds out of order or out of range");
    }
  }
  have_bounds_[ti] = true;
  return &b;
}

Result<const RowGroupScan::Shapes*> RowGroupScan::ShapesOf(Table t) {
  const size_t ti = static_cast<size_t>(t);
  Shapes& shapes = shapes_[ti];
  if (have_shapes_[ti]) return &shapes;
  const uint64_t n = Rows(t);
  ColumnValues raw;
  TEMPO_RETURN_IF_ERROR(
      reader_.Read(static_cast<uint32_t>(ShapeColumn(t)), 0, n, &raw, /*codes_only=*/true));
  auto parse = [&](std::string_view s) -> Status {
    std::vector<uint32_t>& columns = shapes.distinct.emplace_back();
    ByteReader reader(s, "attribute shape");
    while (!reader.empty()) {
      uint64_t c;
      if (!reader.ReadVarint(&c) || c >= footer_.columns.size() ||
          footer_.columns[c].role != ColumnRole::kAttribute || footer_.columns[c].table != t) {
        return Bad(std::string(TableName(t)) + " attribute shape names a bad column");
      }
      columns.push_back(static_cast<uint32_t>(c));
    }
    return Status::Ok();
  };
  if (raw.defaulted) {
    TEMPO_RETURN_IF_ERROR(parse({}));
    shapes.of_row.assign(static_cast<size_t>(n), 0);
  } else if (raw.dict != nullptr) {
    for (size_t d = 0; d < raw.dict->size(); ++d) TEMPO_RETURN_IF_ERROR(parse(raw.dict->at(d)));
    shapes.of_row = std::move(raw.codes);
  } else {
    std::unordered_map<std::string_view, uint32_t> ids;
    shapes.of_row.resize(static_cast<size_t>(n));
    for (size_t r = 0; r < shapes.of_row.size(); ++r) {
      auto [it, inserted] =
          ids.try_emplace(raw.strs[r], static_cast<uint32_t>(shapes.distinct.size()));
      if (inserted) TEMPO_RETURN_IF_ERROR(parse(raw.strs[r]));
      shapes.of_row[r] = it->second;
    }
  }
  have_shapes_[ti] = true;
  return &shapes;
}

Status RowGroupScan::OwnerHits(const ColumnSource& source, std::vector<uint8_t>* owner_hits,
                               bool* any) {
  const uint64_t n = Rows(source.owner);
  const ValueTest& test = source.test;
  *any = false;
  // Which values (of the fixed column, or of the attribute column) may satisfy the test.
  std::vector<uint8_t> value_hits;
  uint64_t num_values = n;
  if (source.has_values) {
    const ChunkMeta* chunk = reader_.Chunk(source.column);
    if (source.attribute) {
      if (chunk == nullptr) return Status::Ok();  // no owner has the attribute here
      num_values = chunk->num_values;
    }
    const bool is_string = test.kind() == ValueKind::kString;
    TEMPO_RETURN_IF_ERROR(reader_.Read(source.column, 0, num_values, &values_, is_string));
    value_hits.assign(static_cast<size_t>(num_values), 0);
    uint8_t* out = value_hits.data();
    if (values_.defaulted) {
      const bool hit = is_string ? test.String("") : test.Int(0);
      if (hit) std::fill(value_hits.begin(), value_hits.end(), 1);
    } else if (is_string && values_.dict != nullptr) {
      std::vector<uint8_t> entry(static_cast<size_t>(values_.dict->size()));
      bool some = false;
      for (size_t d = 0; d < entry.size(); ++d) {
        entry[d] = test.String(values_.dict->at(d));
        some = some || entry[d];
      }
      if (!some) return Status::Ok();
      for (size_t i = 0; i < values_.codes.size(); ++i) out[i] = entry[values_.codes[i]];
    } else if (is_string) {
      for (size_t i = 0; i < values_.strs.size(); ++i) out[i] = test.String(values_.strs[i]);
    } else if (test.kind() == ValueKind::kDouble) {
      for (size_t i = 0; i < values_.doubles.size(); ++i) out[i] = test.Double(values_.doubles[i]);
    } else if (test.kind() == ValueKind::kOpaque || test.kind() == ValueKind::kComplex) {
      if (test.constant()) std::fill(value_hits.begin(), value_hits.end(), 1);
    } else {
      const int64_t* v = values_.ints.data();
      for (size_t i = 0; i < values_.ints.size(); ++i) out[i] = test.Int(v[i]);
    }
    if (std::find(value_hits.begin(), value_hits.end(), 1) == value_hits.end()) {
      return Status::Ok();
    }
  } else if (!test.constant()) {
    return Status::Ok();
  }
  owner_hits->assign(static_cast<size_t>(n), 0);
  if (!source.attribute) {
    *owner_hits = std::move(value_hits);
    *any = true;
    return Status::Ok();
  }
  // Attribute values are in owner-row order: the shapes say how many each row holds.
  TEMPO_ASSIGN_OR_RETURN(const Shapes* shapes, ShapesOf(source.owner));
  std::vector<uint32_t> count(shapes->distinct.size(), 0);
  for (size_t d = 0; d < count.size(); ++d) {
    for (uint32_t c : shapes->distinct[d]) count[d] += c == source.column;
  }
  uint64_t vi = 0;
  for (size_t r = 0; r < shapes->of_row.size(); ++r) {
    const uint32_t k = count[shapes->of_row[r]];
    if (k == 0) continue;
    if (!source.has_values) {
      (*owner_hits)[r] = 1;
      *any = true;
      continue;
    }
    if (vi + k > num_values) break;
    for (uint32_t j = 0; j < k; ++j) {
      if (value_hits[static_cast<size_t>(vi + j)]) {
        (*owner_hits)[r] = 1;
        *any = true;
        break;
      }
    }
    vi += k;
  }
  if (source.has_values && vi != num_values) {
    return Bad("attribute column '" + footer_.columns[source.column].DisplayName() +
               "' does not match the attribute shapes");
  }
  return Status::Ok();
}

Status RowGroupScan::MarkTraces(Table owner, const std::vector<uint8_t>& owner_hits,
                                std::vector<uint8_t>* hits) {
  const size_t traces = hits->size();
  if (owner == Table::kTrace) {
    for (size_t t = 0; t < traces; ++t) (*hits)[t] |= owner_hits[t];
    return Status::Ok();
  }
  if (owner == Table::kResource || owner == Table::kScope) {
    // Through the ResourceSpans / ScopeSpans rows that reference the resource or scope.
    const Table link = owner == Table::kResource ? Table::kResourceSpans : Table::kScopeSpans;
    const Col ref = owner == Table::kResource ? Col::kRsResource : Col::kSsScope;
    TEMPO_ASSIGN_OR_RETURN(const std::vector<uint64_t>* b, Bounds(link));
    TEMPO_RETURN_IF_ERROR(reader_.Read(static_cast<uint32_t>(ref), 0, Rows(link), &values_));
    for (size_t t = 0; t < traces; ++t) {
      for (uint64_t r = (*b)[t]; r < (*b)[t + 1]; ++r) {
        const int64_t o = values_.defaulted ? 0 : values_.ints[static_cast<size_t>(r)];
        if (o >= 0 && static_cast<uint64_t>(o) < owner_hits.size() &&
            owner_hits[static_cast<size_t>(o)]) {
          (*hits)[t] = 1;
          break;
        }
      }
    }
    return Status::Ok();
  }
  TEMPO_ASSIGN_OR_RETURN(const std::vector<uint64_t>* b, Bounds(owner));
  for (size_t t = 0; t < traces; ++t) {
    if ((*hits)[t]) continue;
    for (uint64_t r = (*b)[t]; r < (*b)[t + 1]; ++r) {
      if (owner_hits[static_cast<size_t>(r)]) {
        (*hits)[t] = 1;
        break;
      }
    }
  }
  return Status::Ok();
}

Status RowGroupScan::Hits(const ConditionPlan& plan, std::vector<uint8_t>* hits) {
  if (plan.unknown) {
    std::fill(hits->begin(), hits->end(), 1);
    return Status::Ok();
  }
  std::vector<uint8_t> owner_hits;
  for (const ColumnSource& source : plan.sources) {
    if (Rows(source.owner) == 0) continue;
    bool any = false;
    TEMPO_RETURN_IF_ERROR(OwnerHits(source, &owner_hits, &any));
    if (any) TEMPO_RETURN_IF_ERROR(MarkTraces(source.owner, owner_hits, hits));
  }
  return Status::Ok();
}

}  // namespace tempo::block
