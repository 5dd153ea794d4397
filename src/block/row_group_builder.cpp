#include "block/row_group_builder.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "block/coding.h"
#include "tempopb/tempo.pb.h"

namespace tempo::block {
namespace {

size_t Idx(Table t) { return static_cast<size_t>(t); }

// Tempo's root rule: no parent ID and no link into the same trace marked as OpenTracing child_of.
bool IsRootSpan(const TraceRows& trace, const TraceRows::Span& span, std::string_view trace_id) {
  if (!span.parent_span_id.empty()) return false;
  for (uint32_t l = span.links.begin; l < span.links.end; ++l) {
    const TraceRows::Link& link = trace.links[l];
    if (link.trace_id != trace_id) continue;
    for (uint32_t k = link.attrs.begin; k < link.attrs.end; ++k) {
      const TraceRows::Attr& kv = trace.attrs[k];
      // A missing or non-string value reads as "" (the message accessor's default).
      if (kv.key == "opentracing.ref_type" && kv.type == AttrType::kString &&
          kv.bytes == "child_of") {
        return false;
      }
    }
  }
  return true;
}

std::string_view ServiceName(const TraceRows& trace, const TraceRows::Owner& resource) {
  for (uint32_t k = resource.attrs.begin; k < resource.attrs.end; ++k) {
    const TraceRows::Attr& kv = trace.attrs[k];
    if (kv.key == "service.name" && kv.type == AttrType::kString) return kv.bytes;
  }
  return {};
}

}  // namespace

Catalog::Catalog() {
  for (const IntrinsicInfo& info : AllIntrinsics()) {
    columns_.push_back(ColumnDesc{ColumnRole::kIntrinsic, info.table, info.type, AttrType::kUnset,
                                  std::string(info.name)});
  }
}

uint32_t Catalog::Attribute(Table table, AttrType type, std::string_view key,
                            const std::string** stable_key) {
  KeyMap& map = index_[Idx(table)][static_cast<size_t>(type)];
  auto it = map.find(key);
  if (it == map.end()) {
    PhysicalType value_type = PhysicalType::kInt64;  // placeholder for types without values
    AttrValueType(type, &value_type);
    uint32_t index = static_cast<uint32_t>(columns_.size());
    columns_.push_back({ColumnRole::kAttribute, table, value_type, type, std::string(key)});
    it = map.emplace(std::string(key), index).first;
  }
  *stable_key = &it->first;  // unordered_map nodes never move
  return it->second;
}

RowGroupBuilder::RowGroupBuilder(Catalog& catalog) : catalog_(catalog) {
  for (const IntrinsicInfo& info : AllIntrinsics()) columns_.emplace_back(info.type);
}

std::array<uint64_t, kTableCount> RowGroupBuilder::CountRows(const TraceRows& trace) {
  std::array<uint64_t, kTableCount> n{};
  n[Idx(Table::kTrace)] = 1;
  n[Idx(Table::kResourceSpans)] = trace.resource_spans.size();
  n[Idx(Table::kResource)] = trace.resource_spans.size();  // an upper bound: de-duplicated
  n[Idx(Table::kScopeSpans)] = trace.scope_spans.size();
  n[Idx(Table::kScope)] = trace.scope_spans.size();
  n[Idx(Table::kSpan)] = trace.span_count();
  for (uint32_t pos = 0; pos < trace.span_count(); ++pos) {
    n[Idx(Table::kEvent)] += trace.span(pos).events.size();
    n[Idx(Table::kLink)] += trace.span(pos).links.size();
  }
  return n;
}

bool RowGroupBuilder::Fits(const std::array<uint64_t, kTableCount>& add) const {
  for (size_t t = 0; t < kTableCount; ++t) {
    if (rows_[t] + add[t] > kMaxTableRows) return false;
  }
  return true;
}

void RowGroupBuilder::AddAttributes(Table table, const TraceRows& trace,
                                    TraceRows::Range attrs) {
  shape_.clear();
  auto& ways = key_cache_[Idx(table)];
  std::vector<CachedKey>* way = nullptr;
  if (attrs.size() > 0) {
    const TraceRows::Attr& first = trace.attrs[attrs.begin];
    for (auto& w : ways) {
      if (!w.empty() && w[0].type == first.type && *w[0].key == first.key) {
        way = &w;
        break;
      }
    }
    if (way == nullptr) {
      way = &ways[next_way_[Idx(table)]++ % kCacheWays];
      way->clear();
    }
  }
  size_t next = 0;  // where in the way the next attribute is looked for first
  for (uint32_t i = 0; i < attrs.size(); ++i) {
    std::vector<CachedKey>& cache = *way;
    const TraceRows::Attr& kv = trace.attrs[attrs.begin + i];
    uint32_t column = UINT32_MAX;
    // The way holds the keys of one kind of owner in the order they come; lists that leave some
    // out, or add some, still find theirs a step or two further on.
    const size_t n = cache.size();
    for (size_t k = 0; k < n; ++k) {
      const size_t j = (next + k) % n;
      if (cache[j].type == kv.type && *cache[j].key == kv.key) {
        column = cache[j].column;
        next = j + 1;
        break;
      }
    }
    if (column == UINT32_MAX) {
      const std::string* key;
      column = catalog_.Attribute(table, kv.type, kv.key, &key);
      const size_t at = std::min(next, n);
      if (n < kMaxWayKeys) {
        cache.insert(cache.begin() + static_cast<ptrdiff_t>(at), CachedKey{kv.type, key, column});
        next = at + 1;
      } else {
        cache[at % n] = CachedKey{kv.type, key, column};
        next = at % n + 1;
      }
    }
    PutVarint(&shape_, column);
    PhysicalType value_type;
    if (!AttrValueType(kv.type, &value_type)) continue;
    if (column >= attr_values_.size()) attr_values_.resize(column + 1);
    if (!attr_values_[column]) attr_values_[column] = std::make_unique<ColumnBuilder>(value_type);
    ColumnBuilder& b = *attr_values_[column];
    switch (kv.type) {
      case AttrType::kString:
        b.AddString(kv.bytes);
        break;
      case AttrType::kBool:
      case AttrType::kInt:
        b.AddInt(kv.int_value);
        break;
      case AttrType::kDouble:
        b.AddDouble(kv.double_value);
        break;
      case AttrType::kBytes:
        b.AddBytes(kv.bytes);
        break;
      case AttrType::kComplex:
        b.AddBytes(ComplexEncoding(kv, &complex_, &complex_value_));
        break;
      default:
        break;
    }
  }
  Column(ShapeColumn(table)).AddString(shape_);
}

int64_t RowGroupBuilder::ResourceRow(const TraceRows& trace, const TraceRows::Owner& r) {
  if (!r.present) return -1;
  auto [row, added] = resources_.Row(trace, r);
  if (added) {
    Column(Col::kResourceDroppedAttrs).AddInt(r.dropped_attributes);
    AddAttributes(Table::kResource, trace, r.attrs);
    ++rows_[Idx(Table::kResource)];
  }
  return row;
}

int64_t RowGroupBuilder::ScopeRow(const TraceRows& trace, const TraceRows::Owner& scope) {
  if (!scope.present) return -1;
  auto [row, added] = scopes_.Row(trace, scope);
  if (added) {
    Column(Col::kScopeName).AddString(scope.name);
    Column(Col::kScopeVersion).AddString(scope.version);
    Column(Col::kScopeDroppedAttrs).AddInt(scope.dropped_attributes);
    AddAttributes(Table::kScope, trace, scope.attrs);
    ++rows_[Idx(Table::kScope)];
  }
  return row;
}

void RowGroupBuilder::AddTrace(const TraceId& id, const TraceRows& trace, uint64_t* start,
                               uint64_t* end) {
  const std::string_view trace_id = id.view();
  Column(Col::kTraceRsBegin).AddInt(static_cast<int64_t>(rows_[Idx(Table::kResourceSpans)]));
  Column(Col::kTraceSsBegin).AddInt(static_cast<int64_t>(rows_[Idx(Table::kScopeSpans)]));
  Column(Col::kTraceSpanBegin).AddInt(static_cast<int64_t>(rows_[Idx(Table::kSpan)]));
  Column(Col::kTraceEventBegin).AddInt(static_cast<int64_t>(rows_[Idx(Table::kEvent)]));
  Column(Col::kTraceLinkBegin).AddInt(static_cast<int64_t>(rows_[Idx(Table::kLink)]));

  // Resources and scopes are stored once per row group (DistinctOwners). Spans are taken in
  // trace order with their ScopeSpans (index within the trace) and resource.
  span_refs_.clear();
  int64_t ss_local = 0;
  for (const TraceRows::ResourceSpans& rs : trace.resource_spans) {
    Column(Col::kRsResource).AddInt(ResourceRow(trace, rs.resource));
    Column(Col::kRsSchemaUrl).AddString(rs.schema_url);
    Column(Col::kRsSsCount).AddInt(rs.scope_spans.size());
    ++rows_[Idx(Table::kResourceSpans)];
    for (uint32_t k = rs.scope_spans.begin; k < rs.scope_spans.end; ++k) {
      const TraceRows::ScopeSpans& ss = trace.scope_spans[k];
      Column(Col::kSsScope).AddInt(ScopeRow(trace, ss.scope));
      Column(Col::kSsSchemaUrl).AddString(ss.schema_url);
      ++rows_[Idx(Table::kScopeSpans)];
      for (uint32_t pos = ss.spans.begin; pos < ss.spans.end; ++pos) {
        span_refs_.push_back({&trace.span(pos), ss_local, &rs.resource});
      }
      ++ss_local;
    }
  }
  const std::vector<SpanRef>& spans = span_refs_;

  linkage_.clear();
  uint64_t t_start = UINT64_MAX, t_end = 0;
  int64_t root = -1;
  for (size_t i = 0; i < spans.size(); ++i) {
    const TraceRows::Span& s = *spans[i].span;
    linkage_.push_back({s.span_id, s.parent_span_id, s.kind});
    t_start = std::min<uint64_t>(t_start, s.start);
    t_end = std::max<uint64_t>(t_end, s.end);
    if (IsRootSpan(trace, s, trace_id)) root = static_cast<int64_t>(i);  // the last one wins
  }
  if (spans.empty()) t_start = 0;
  if (!spans.empty()) {
    min_start_ = std::min(min_start_, t_start);
    max_end_ = std::max(max_end_, t_end);
  }
  *start = t_start;
  *end = t_end;
  Column(Col::kTraceStart).AddInt(static_cast<int64_t>(t_start));
  Column(Col::kTraceDuration).AddInt(static_cast<int64_t>(t_end - t_start));
  std::string_view root_service, root_name;
  if (root >= 0) {
    const SpanRef& ref = spans[static_cast<size_t>(root)];
    root_name = ref.span->name;
    if (ref.resource->present) root_service = ServiceName(trace, *ref.resource);
  }
  Column(Col::kTraceRootServiceName).AddString(root_service);
  Column(Col::kTraceRootSpanName).AddString(root_name);

  ComputeStructure(linkage_, &structure_);
  const TraceStructure& st = structure_;
  for (size_t pos = 0; pos < spans.size(); ++pos) {
    const SpanRef& ref = spans[st.order[pos]];
    const TraceRows::Span& s = *ref.span;
    Column(Col::kSpanId).AddBytes(s.span_id);
    // Empty when equal to the block's trace ID; otherwise a 0 tag byte, then the value.
    if (s.trace_id == trace_id) {
      Column(Col::kSpanTraceId).AddBytes({});
    } else {
      tagged_trace_id_.assign(1, '\0');
      tagged_trace_id_ += s.trace_id;
      Column(Col::kSpanTraceId).AddBytes(tagged_trace_id_);
    }
    // Empty when it equals the ID of the span at parent_pos (or is empty for a walk start).
    int32_t parent_pos = st.parent_pos[pos];
    std::string_view derived;
    if (parent_pos >= 0) derived = spans[st.order[static_cast<size_t>(parent_pos)]].span->span_id;
    Column(Col::kSpanParentSpanId)
        .AddBytes(s.parent_span_id == derived ? std::string_view() : s.parent_span_id);
    Column(Col::kSpanParentPos).AddInt(parent_pos);
    Column(Col::kSpanSubtreeEnd).AddInt(st.subtree_end[pos]);
    // The nested-set columns are not written (omitted: derivable from the positions).
    Column(Col::kSpanDisconnected).AddInt(st.disconnected[pos]);
    Column(Col::kSpanScopeSpans).AddInt(ref.scope_spans);
    Column(Col::kSpanTraceState).AddString(s.trace_state);
    Column(Col::kSpanName).AddString(s.name);
    Column(Col::kSpanKind).AddInt(s.kind);
    Column(Col::kSpanStart).AddInt(static_cast<int64_t>(s.start - t_start));
    Column(Col::kSpanDuration).AddInt(static_cast<int64_t>(s.end - s.start));
    Column(Col::kSpanFlags).AddInt(s.flags);
    Column(Col::kSpanStatusPresent).AddInt(s.status_present ? 1 : 0);
    Column(Col::kSpanStatusCode).AddInt(s.status_code);
    Column(Col::kSpanStatusMessage).AddString(s.status_message);
    Column(Col::kSpanDroppedAttrs).AddInt(s.dropped_attributes);
    Column(Col::kSpanDroppedEvents).AddInt(s.dropped_events);
    Column(Col::kSpanDroppedLinks).AddInt(s.dropped_links);
    Column(Col::kSpanEventCount).AddInt(s.events.size());
    Column(Col::kSpanLinkCount).AddInt(s.links.size());
    AddAttributes(Table::kSpan, trace, s.attrs);
    ++rows_[Idx(Table::kSpan)];
    for (uint32_t e = s.events.begin; e < s.events.end; ++e) {
      const TraceRows::Event& ev = trace.events[e];
      Column(Col::kEventTimeSinceStart).AddInt(static_cast<int64_t>(ev.time - s.start));
      Column(Col::kEventName).AddString(ev.name);
      Column(Col::kEventDroppedAttrs).AddInt(ev.dropped_attributes);
      AddAttributes(Table::kEvent, trace, ev.attrs);
      ++rows_[Idx(Table::kEvent)];
    }
    for (uint32_t l = s.links.begin; l < s.links.end; ++l) {
      const TraceRows::Link& link = trace.links[l];
      Column(Col::kLinkTraceId).AddBytes(link.trace_id);
      Column(Col::kLinkSpanId).AddBytes(link.span_id);
      Column(Col::kLinkTraceState).AddString(link.trace_state);
      Column(Col::kLinkFlags).AddInt(link.flags);
      Column(Col::kLinkDroppedAttrs).AddInt(link.dropped_attributes);
      AddAttributes(Table::kLink, trace, link.attrs);
      ++rows_[Idx(Table::kLink)];
    }
  }
  ++rows_[Idx(Table::kTrace)];
}

std::map<uint32_t, std::vector<uint64_t>> RowGroupBuilder::ShapePageStarts(
    Table table, const std::vector<uint32_t>& cuts) const {
  std::map<uint32_t, std::vector<uint64_t>> starts;
  const std::vector<ColumnDesc>& catalog = catalog_.columns();
  for (uint32_t c = 0; c < attr_values_.size(); ++c) {
    if (attr_values_[c] && attr_values_[c]->size() > 0 && catalog[c].table == table) {
      starts[c];
    }
  }
  if (starts.empty()) return starts;
  const ColumnBuilder& shapes = columns_[static_cast<size_t>(ShapeColumn(table))];
  std::vector<std::vector<uint32_t>> parsed(shapes.distinct_strings());
  for (uint32_t code = 0; code < parsed.size(); ++code) {
    ByteReader r(shapes.distinct_string(code), "shape");
    uint64_t c;
    while (r.ReadVarint(&c)) parsed[code].push_back(static_cast<uint32_t>(c));
  }
  std::vector<uint64_t> counts(catalog.size(), 0);
  const std::vector<uint32_t>& codes = shapes.string_codes();
  size_t row = 0;
  for (size_t p = 0; p + 1 < cuts.size(); ++p) {
    for (; row < cuts[p]; ++row) {
      for (uint32_t c : parsed[codes[row]]) ++counts[c];
    }
    for (auto& [c, v] : starts) v.push_back(counts[c]);
  }
  return starts;
}

Status RowGroupBuilder::Encode(const PageLimits& limits, PageCompressor& compressor,
                               uint64_t offset, std::string* out, RowGroupMeta* meta) {
  const size_t start = out->size();
  meta->offset = offset;
  meta->rows = rows_;
  meta->min_start = min_start_ == UINT64_MAX ? 0 : min_start_;
  meta->max_end = max_end_;
  meta->chunks.clear();
  auto encode = [&](ColumnBuilder& column, uint32_t index, const std::vector<uint32_t>& cuts,
                    std::vector<uint64_t> shape_page_starts) {
    ChunkMeta chunk;
    chunk.column = index;
    chunk.offset = offset + (out->size() - start);
    TEMPO_RETURN_IF_ERROR(column.Encode(cuts, limits, compressor, out, &chunk));
    chunk.shape_page_starts = std::move(shape_page_starts);
    meta->chunks.push_back(std::move(chunk));
    return Status::Ok();
  };
  std::array<std::vector<uint32_t>, kTableCount> shape_cuts;
  for (size_t c = 0; c < columns_.size(); ++c) {
    // An omitted fixed column means "every value is the default".
    if (columns_[c].size() == 0 || columns_[c].AllDefault()) continue;
    std::vector<uint32_t> cuts = columns_[c].PageCuts(limits);
    const Table table = AllIntrinsics()[c].table;
    if (OwnsAttributes(table) && ShapeColumn(table) == static_cast<Col>(c)) {
      shape_cuts[Idx(table)] = cuts;
    }
    TEMPO_RETURN_IF_ERROR(encode(columns_[c], static_cast<uint32_t>(c), cuts, {}));
  }
  std::array<std::map<uint32_t, std::vector<uint64_t>>, kTableCount> starts;
  for (Table t : {Table::kResource, Table::kScope, Table::kSpan, Table::kEvent, Table::kLink}) {
    starts[Idx(t)] = ShapePageStarts(t, shape_cuts[Idx(t)]);
  }
  // Attribute columns follow in (table, key, type) order.
  const std::vector<ColumnDesc>& catalog = catalog_.columns();
  std::vector<uint32_t> attrs;
  for (uint32_t c = 0; c < attr_values_.size(); ++c) {
    if (attr_values_[c] && attr_values_[c]->size() > 0) attrs.push_back(c);
  }
  std::sort(attrs.begin(), attrs.end(), [&](uint32_t a, uint32_t b) {
    return std::tie(catalog[a].table, catalog[a].name, catalog[a].attr_type) <
           std::tie(catalog[b].table, catalog[b].name, catalog[b].attr_type);
  });
  for (uint32_t c : attrs) {
    ColumnBuilder& column = *attr_values_[c];
    TEMPO_RETURN_IF_ERROR(
        encode(column, c, column.PageCuts(limits), std::move(starts[Idx(catalog[c].table)][c])));
  }
  meta->length = out->size() - start;
  return Status::Ok();
}

void RowGroupBuilder::Clear() {
  for (ColumnBuilder& c : columns_) c.Clear();
  for (auto& a : attr_values_) {
    if (a) a->Clear();
  }
  resources_.Clear();
  scopes_.Clear();
  rows_ = {};
  min_start_ = UINT64_MAX;
  max_end_ = 0;
}

}  // namespace tempo::block
