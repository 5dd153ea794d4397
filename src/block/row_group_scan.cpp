#include "block/row_group_scan.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "block/coding.h"

namespace tempo::block {
namespace {

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

RowGroupScan::RowGroupScan(const Footer& footer, const RowGroupMeta& row_group, ChunkReader& reader)
    : footer_(footer), row_group_(row_group), reader_(reader) {}

std::vector<uint32_t> RowGroupScan::Columns(const std::vector<ConditionPlan>& plans,
                                            bool same_span) {
  std::vector<uint32_t> out;
  if (same_span) AddColumn(Col::kTraceSpanBegin, &out);
  for (const ConditionPlan& plan : plans) {
    if (plan.unknown) continue;
    for (const ColumnSource& s : plan.sources) {
      if (same_span) {
        switch (s.owner) {
          case Table::kResource:
            AddColumn(Col::kTraceRsBegin, &out);
            AddColumn(Col::kRsSsCount, &out);
            [[fallthrough]];
          case Table::kScope:
            AddColumn(Col::kTraceSsBegin, &out);
            AddColumn(Col::kSpanScopeSpans, &out);
            break;
          case Table::kEvent:
            AddColumn(Col::kSpanEventCount, &out);
            break;
          case Table::kLink:
            AddColumn(Col::kSpanLinkCount, &out);
            break;
          default:
            break;
        }
      }
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
  TEMPO_RETURN_IF_ERROR(reader_.Read(static_cast<uint32_t>(BeginColumn(t)), 0, traces, &values_));
  if (values_.defaulted) {
    b.assign(static_cast<size_t>(traces), 0);
  } else {
    b.assign(values_.ints.begin(), values_.ints.end());
  }
  b.push_back(Rows(t));
  for (size_t i = 0; i < b.size(); ++i) {
    if (b[i] > Rows(t) || (i > 0 && b[i] < b[i - 1])) {
      return BadBlockData(std::string(TableName(t)) + " row bounds out of order or out of range");
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
  shapes.dict = nullptr;
  shapes.plain.clear();
  if (raw.defaulted) {
    shapes.plain.emplace_back();  // every row has the empty shape
    shapes.of_row.assign(static_cast<size_t>(n), 0);
  } else if (raw.dict != nullptr) {
    shapes.dict = raw.dict;
    shapes.of_row = std::move(raw.codes);
  } else {
    std::unordered_map<std::string_view, uint32_t> ids;
    shapes.of_row.resize(static_cast<size_t>(n));
    for (size_t r = 0; r < shapes.of_row.size(); ++r) {
      auto [it, inserted] =
          ids.try_emplace(raw.strs[r], static_cast<uint32_t>(shapes.plain.size()));
      if (inserted) shapes.plain.push_back(raw.strs[r]);
      shapes.of_row[r] = it->second;
    }
  }
  have_shapes_[ti] = true;
  return &shapes;
}

Status RowGroupScan::ColumnCounts(Table t, const Shapes& shapes, uint32_t column,
                                  std::vector<uint32_t>* count) {
  // Counted on first use: each shape the rows use is read once.
  std::vector<uint8_t>& of_table = attribute_columns_[static_cast<size_t>(t)];
  if (of_table.empty()) of_table = AttributeColumnsOf(footer_, t);
  constexpr uint32_t kUnknown = UINT32_MAX;
  count->assign(shapes.ids(), kUnknown);
  for (uint32_t id : shapes.of_row) {
    uint32_t& n = (*count)[id];
    if (n != kUnknown) continue;
    TEMPO_RETURN_IF_ERROR(CountInAttributeShape(t, of_table, shapes.shape(id), column, &n));
  }
  return Status::Ok();
}

Status RowGroupScan::OwnerHits(const ColumnSource& source, std::vector<uint8_t>* owner_hits,
                               bool* any) {
  TEMPO_ASSIGN_OR_RETURN(const Ranges* ranges, RangesOf(source.owner));
  if (ranges != nullptr) return RangeOwnerHits(source, *ranges, owner_hits, any);
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
    value_hits.assign(static_cast<size_t>(num_values), 0);
    uint8_t* out = value_hits.data();
    if (!is_string && chunk != nullptr && chunk->dict_pages.empty()) {
      // Numbers are decoded and tested a few pages at a time: the decoded values stay in the
      // cache instead of filling (and zeroing) a vector of the whole column first.
      for (uint64_t lo = 0; lo < num_values; lo += kScanWindow) {
        const uint64_t hi = std::min(num_values, lo + kScanWindow);
        TEMPO_RETURN_IF_ERROR(reader_.Read(source.column, lo, hi, &values_));
        TestValues(test, values_, static_cast<size_t>(hi - lo), nullptr, out + lo);
      }
    } else {
      TEMPO_RETURN_IF_ERROR(reader_.Read(source.column, 0, num_values, &values_, is_string));
      if (!values_.defaulted && is_string && values_.dict != nullptr) {
        // Every entry is tested once, so that a dictionary no entry of which matches ends here.
        std::vector<uint8_t> entry(static_cast<size_t>(values_.dict->size()));
        bool some = false;
        for (size_t d = 0; d < entry.size(); ++d) {
          entry[d] = test.String(values_.dict->at(d));
          some = some || entry[d];
        }
        if (!some) return Status::Ok();
        for (size_t i = 0; i < values_.codes.size(); ++i) out[i] = entry[values_.codes[i]];
      } else {
        TestValues(test, values_, value_hits.size(), nullptr, out);
      }
    }
    if (std::find(value_hits.begin(), value_hits.end(), 1) == value_hits.end()) {
      return Status::Ok();
    }
  } else if (!test.constant()) {
    return Status::Ok();
  }
  if (!source.attribute) {
    *owner_hits = std::move(value_hits);
    *any = true;
    return Status::Ok();
  }
  owner_hits->assign(static_cast<size_t>(n), 0);
  // Attribute values are in owner-row order: the shapes say how many each row holds.
  TEMPO_ASSIGN_OR_RETURN(const Shapes* shapes, ShapesOf(source.owner));
  std::vector<uint32_t> count;
  TEMPO_RETURN_IF_ERROR(ColumnCounts(source.owner, *shapes, source.column, &count));
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
    return BadBlockData("attribute column '" + footer_.columns[source.column].DisplayName() +
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
    std::vector<int64_t> refs;
    TEMPO_RETURN_IF_ERROR(ReadInts(ref, link, &refs));
    for (size_t t = 0; t < traces; ++t) {
      if (!Selected(t)) continue;
      for (uint64_t r = (*b)[t]; r < (*b)[t + 1]; ++r) {
        const int64_t o = refs[static_cast<size_t>(r)];
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
    if ((*hits)[t] || !Selected(t)) continue;
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

Status RowGroupScan::ReadInts(Col c, Table t, std::vector<int64_t>* out) {
  const uint64_t n = Rows(t);
  TEMPO_ASSIGN_OR_RETURN(const Ranges* ranges, RangesOf(t));
  if (ranges != nullptr) {
    out->assign(static_cast<size_t>(n), 0);
    for (const auto& [lo, hi] : *ranges) {
      TEMPO_RETURN_IF_ERROR(reader_.Read(static_cast<uint32_t>(c), lo, hi, &values_));
      if (values_.defaulted) continue;
      if (values_.ints.size() != hi - lo) {
        return BadBlockData(std::string(Intrinsic(c).name) + " has a wrong value count");
      }
      std::copy(values_.ints.begin(), values_.ints.end(),
                out->begin() + static_cast<ptrdiff_t>(lo));
    }
    return Status::Ok();
  }
  ColumnValues values;
  TEMPO_RETURN_IF_ERROR(reader_.Read(static_cast<uint32_t>(c), 0, n, &values));
  if (values.defaulted) {
    out->assign(static_cast<size_t>(n), 0);
  } else {
    *out = std::move(values.ints);
  }
  if (out->size() != n)
    return BadBlockData(std::string(Intrinsic(c).name) + " has a wrong value count");
  return Status::Ok();
}

Result<const std::vector<int64_t>*> RowGroupScan::SpanScopeSpans() {
  if (have_span_ss_) return &span_ss_;
  TEMPO_RETURN_IF_ERROR(ReadInts(Col::kSpanScopeSpans, Table::kSpan, &span_ss_));
  have_span_ss_ = true;
  return &span_ss_;
}

Result<const std::vector<int64_t>*> RowGroupScan::ScopeSpansScope() {
  if (have_ss_scope_) return &ss_scope_;
  TEMPO_RETURN_IF_ERROR(ReadInts(Col::kSsScope, Table::kScopeSpans, &ss_scope_));
  have_ss_scope_ = true;
  return &ss_scope_;
}

Result<const std::vector<int64_t>*> RowGroupScan::ScopeSpansResource() {
  if (have_ss_resource_) return &ss_resource_;
  TEMPO_ASSIGN_OR_RETURN(const std::vector<uint64_t>* rs, Bounds(Table::kResourceSpans));
  TEMPO_ASSIGN_OR_RETURN(const std::vector<uint64_t>* ss, Bounds(Table::kScopeSpans));
  std::vector<int64_t> count, resource;
  TEMPO_RETURN_IF_ERROR(ReadInts(Col::kRsSsCount, Table::kResourceSpans, &count));
  TEMPO_RETURN_IF_ERROR(ReadInts(Col::kRsResource, Table::kResourceSpans, &resource));
  ss_resource_.assign(static_cast<size_t>(Rows(Table::kScopeSpans)), -1);
  for (size_t t = 0; t + 1 < rs->size(); ++t) {
    if (!Selected(t)) continue;
    uint64_t next = (*ss)[t];
    for (uint64_t r = (*rs)[t]; r < (*rs)[t + 1]; ++r) {
      const int64_t k = count[static_cast<size_t>(r)];
      if (k < 0 || static_cast<uint64_t>(k) > (*ss)[t + 1] - next) {
        return BadBlockData("resource_spans.scope_spans_count out of range");
      }
      for (int64_t j = 0; j < k; ++j)
        ss_resource_[static_cast<size_t>(next++)] = resource[static_cast<size_t>(r)];
    }
  }
  have_ss_resource_ = true;
  return &ss_resource_;
}

Status RowGroupScan::MarkSpans(Table owner, const std::vector<uint8_t>& owner_hits,
                               const uint8_t* only, std::vector<uint8_t>* span_hits) {
  auto hit = [&owner_hits](int64_t o) {
    return o >= 0 && static_cast<uint64_t>(o) < owner_hits.size() &&
           owner_hits[static_cast<size_t>(o)];
  };
  if (owner == Table::kSpan) {
    // The span rows to mark: the selected traces' when restricted, else all.
    TEMPO_ASSIGN_OR_RETURN(const Ranges* ranges, RangesOf(Table::kSpan));
    const Ranges all{{0, span_hits->size()}};
    for (const auto& [lo, hi] : ranges != nullptr ? *ranges : all) {
      for (size_t s = lo; s < hi; ++s) (*span_hits)[s] |= owner_hits[s];
    }
    return Status::Ok();
  }
  TEMPO_ASSIGN_OR_RETURN(const std::vector<uint64_t>* spans, Bounds(Table::kSpan));
  if (owner == Table::kResource || owner == Table::kScope) {
    // Through each span's ScopeSpans row: its trace's first one plus the span's index.
    TEMPO_ASSIGN_OR_RETURN(const std::vector<uint64_t>* ss, Bounds(Table::kScopeSpans));
    TEMPO_ASSIGN_OR_RETURN(const std::vector<int64_t>* span_ss, SpanScopeSpans());
    const std::vector<int64_t>* ss_owner;
    if (owner == Table::kScope) {
      TEMPO_ASSIGN_OR_RETURN(ss_owner, ScopeSpansScope());
    } else {
      TEMPO_ASSIGN_OR_RETURN(ss_owner, ScopeSpansResource());
    }
    for (size_t t = 0; t + 1 < spans->size(); ++t) {
      if (!Selected(t)) continue;
      const uint64_t first = (*ss)[t], count = (*ss)[t + 1] - first;
      for (uint64_t s = (*spans)[t]; s < (*spans)[t + 1]; ++s) {
        if (!only[s]) continue;
        const int64_t v = (*span_ss)[static_cast<size_t>(s)];
        if (v < 0 || static_cast<uint64_t>(v) >= count) {
          return BadBlockData("span.scope_spans out of range");
        }
        if (hit((*ss_owner)[static_cast<size_t>(first + static_cast<uint64_t>(v))])) {
          (*span_hits)[static_cast<size_t>(s)] = 1;
        }
      }
    }
    return Status::Ok();
  }
  if (owner == Table::kTrace) {
    for (size_t t = 0; t + 1 < spans->size(); ++t) {
      if (!owner_hits[t]) continue;
      std::fill(span_hits->begin() + static_cast<ptrdiff_t>((*spans)[t]),
                span_hits->begin() + static_cast<ptrdiff_t>((*spans)[t + 1]), 1);
    }
    return Status::Ok();
  }
  // Events and links: each span's are the next span.event_count (link_count) rows of its trace.
  TEMPO_ASSIGN_OR_RETURN(const std::vector<uint64_t>* b, Bounds(owner));
  std::vector<int64_t> count;
  TEMPO_RETURN_IF_ERROR(ReadInts(
      owner == Table::kEvent ? Col::kSpanEventCount : Col::kSpanLinkCount, Table::kSpan, &count));
  for (size_t t = 0; t + 1 < spans->size(); ++t) {
    if (!Selected(t)) continue;
    uint64_t next = (*b)[t];
    for (uint64_t s = (*spans)[t]; s < (*spans)[t + 1]; ++s) {
      const int64_t k = count[static_cast<size_t>(s)];
      if (k < 0 || static_cast<uint64_t>(k) > (*b)[t + 1] - next) {
        return BadBlockData(std::string(TableName(owner)) + " count of a span out of range");
      }
      for (int64_t j = 0; only[s] && j < k; ++j) {
        if (owner_hits[static_cast<size_t>(next + j)]) (*span_hits)[s] = 1;
      }
      next += static_cast<uint64_t>(k);
    }
  }
  return Status::Ok();
}

Status RowGroupScan::SpanHits(const std::vector<ConditionPlan>& plans, std::vector<uint8_t>* hits) {
  const size_t spans = static_cast<size_t>(Rows(Table::kSpan));
  TEMPO_ASSIGN_OR_RETURN(const Ranges* ranges, RangesOf(Table::kSpan));
  const Ranges all{{0, spans}};
  const Ranges& span_rows = ranges != nullptr ? *ranges : all;
  std::vector<uint8_t> pass(spans, 1), plan_hits, owner_hits;
  // Plans on the spans' own rows first: the others then look only at the spans still passing
  // (a span's resource or scope is two lookups away).
  std::vector<const ConditionPlan*> order;
  for (const ConditionPlan& plan : plans) order.push_back(&plan);
  auto on_spans = [](const ConditionPlan* plan) {
    return std::all_of(plan->sources.begin(), plan->sources.end(),
                       [](const ColumnSource& s) { return s.owner == Table::kSpan; });
  };
  std::stable_partition(order.begin(), order.end(), on_spans);
  bool decided = false;
  for (const ConditionPlan* plan : order) {
    if (plan->unknown) continue;
    decided = true;
    plan_hits.assign(spans, 0);
    for (const ColumnSource& source : plan->sources) {
      if (Rows(source.owner) == 0) continue;
      bool any = false;
      TEMPO_RETURN_IF_ERROR(OwnerHits(source, &owner_hits, &any));
      if (any) TEMPO_RETURN_IF_ERROR(MarkSpans(source.owner, owner_hits, pass.data(), &plan_hits));
    }
    bool any = false;
    for (const auto& [lo, hi] : span_rows) {
      for (size_t s = lo; s < hi; ++s) any |= (pass[s] &= plan_hits[s]);
    }
    if (!any) return Status::Ok();
  }
  if (!decided) {
    std::fill(hits->begin(), hits->end(), 1);
    return Status::Ok();
  }
  TEMPO_ASSIGN_OR_RETURN(const std::vector<uint64_t>* b, Bounds(Table::kSpan));
  for (size_t t = 0; t < hits->size(); ++t) {
    if ((*hits)[t] || !Selected(t)) continue;
    for (uint64_t s = (*b)[t]; s < (*b)[t + 1]; ++s) {
      if (pass[static_cast<size_t>(s)]) {
        (*hits)[t] = 1;
        break;
      }
    }
  }
  return Status::Ok();
}

}  // namespace tempo::block
