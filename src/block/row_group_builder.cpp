#include "block/row_group_builder.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "block/any_value_codec.h"
#include "block/coding.h"
#include "block/message_identity.h"
#include "tempopb/tempo.pb.h"

namespace tempo::block {
namespace {

namespace otlp_common = opentelemetry::proto::common::v1;
namespace otlp_trace = opentelemetry::proto::trace::v1;

size_t Idx(Table t) { return static_cast<size_t>(t); }

AttrType TypeOf(const otlp_common::KeyValue& kv) {
  if (!kv.has_value()) return AttrType::kUnset;
  switch (kv.value().value_case()) {
    case otlp_common::AnyValue::kStringValue:
      return AttrType::kString;
    case otlp_common::AnyValue::kBoolValue:
      return AttrType::kBool;
    case otlp_common::AnyValue::kIntValue:
      return AttrType::kInt;
    case otlp_common::AnyValue::kDoubleValue:
      return AttrType::kDouble;
    case otlp_common::AnyValue::kBytesValue:
      return AttrType::kBytes;
    case otlp_common::AnyValue::VALUE_NOT_SET:
      return AttrType::kEmpty;
    default:
      return AttrType::kComplex;  // arrays, kvlists, string_value_strindex
  }
}

// Tempo's root rule: no parent ID and no link into the same trace marked as OpenTracing child_of.
bool IsRootSpan(const otlp_trace::Span& span, std::string_view trace_id) {
  if (!span.parent_span_id().empty()) return false;
  for (const auto& link : span.links()) {
    if (link.trace_id() != trace_id) continue;
    for (const auto& kv : link.attributes()) {
      if (kv.key() == "opentracing.ref_type" && kv.value().string_value() == "child_of") {
        return false;
      }
    }
  }
  return true;
}

std::string_view ServiceName(const opentelemetry::proto::resource::v1::Resource& resource) {
  for (const auto& kv : resource.attributes()) {
    if (kv.key() == "service.name" && kv.value().has_string_value()) {
      return kv.value().string_value();
    }
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

std::array<uint64_t, kTableCount> RowGroupBuilder::CountRows(const tempopb::Trace& trace) {
  std::array<uint64_t, kTableCount> n{};
  n[Idx(Table::kTrace)] = 1;
  for (const auto& rs : trace.resourcespans()) {
    ++n[Idx(Table::kResourceSpans)];
    ++n[Idx(Table::kResource)];  // an upper bound: resources are de-duplicated
    for (const auto& ss : rs.scope_spans()) {
      ++n[Idx(Table::kScopeSpans)];
      ++n[Idx(Table::kScope)];
      for (const auto& span : ss.spans()) {
        ++n[Idx(Table::kSpan)];
        n[Idx(Table::kEvent)] += static_cast<uint64_t>(span.events_size());
        n[Idx(Table::kLink)] += static_cast<uint64_t>(span.links_size());
      }
    }
  }
  return n;
}

bool RowGroupBuilder::Fits(const std::array<uint64_t, kTableCount>& add) const {
  for (size_t t = 0; t < kTableCount; ++t) {
    if (rows_[t] + add[t] > kMaxTableRows) return false;
  }
  return true;
}

void RowGroupBuilder::AddAttributes(
    Table table, const google::protobuf::RepeatedPtrField<otlp_common::KeyValue>& attrs) {
  shape_.clear();
  auto& ways = key_cache_[Idx(table)];
  std::vector<CachedKey>* way = nullptr;
  if (!attrs.empty()) {
    const AttrType first_type = TypeOf(attrs[0]);
    for (auto& w : ways) {
      if (!w.empty() && w[0].type == first_type && *w[0].key == attrs[0].key()) {
        way = &w;
        break;
      }
    }
    if (way == nullptr) {
      way = &ways[next_way_[Idx(table)]++ % kCacheWays];
      way->clear();
    }
  }
  for (int i = 0; i < attrs.size(); ++i) {
    std::vector<CachedKey>& cache = *way;
    const otlp_common::KeyValue& kv = attrs[i];
    AttrType type = TypeOf(kv);
    uint32_t column;
    const size_t slot = static_cast<size_t>(i);
    if (slot < cache.size() && cache[slot].type == type && *cache[slot].key == kv.key()) {
      column = cache[slot].column;
    } else {
      const std::string* key;
      column = catalog_.Attribute(table, type, kv.key(), &key);
      if (slot >= cache.size()) cache.resize(slot + 1);
      cache[slot] = CachedKey{type, key, column};
    }
    PutVarint(&shape_, column);
    PhysicalType value_type;
    if (!AttrValueType(type, &value_type)) continue;
    if (column >= attr_values_.size()) attr_values_.resize(column + 1);
    if (!attr_values_[column]) attr_values_[column] = std::make_unique<ColumnBuilder>(value_type);
    ColumnBuilder& b = *attr_values_[column];
    const otlp_common::AnyValue& v = kv.value();
    switch (type) {
      case AttrType::kString:
        b.AddString(v.string_value());
        break;
      case AttrType::kBool:
        b.AddInt(v.bool_value() ? 1 : 0);
        break;
      case AttrType::kInt:
        b.AddInt(v.int_value());
        break;
      case AttrType::kDouble:
        b.AddDouble(v.double_value());
        break;
      case AttrType::kBytes:
        b.AddBytes(v.bytes_value());
        break;
      case AttrType::kComplex:
        complex_.clear();
        EncodeAnyValue(v, &complex_);
        b.AddBytes(complex_);
        break;
      default:
        break;
    }
  }
  Column(ShapeColumn(table)).AddString(shape_);
}

int64_t RowGroupBuilder::ResourceRow(const opentelemetry::proto::resource::v1::Resource& r) {
  const uint64_t hash = HashResource(r);
  auto [lo, hi] = resource_index_.equal_range(hash);
  for (auto it = lo; it != hi; ++it) {
    if (SameResource(resources_[it->second], r)) return static_cast<int64_t>(it->second);
  }
  resource_index_.emplace(hash, resources_.size());
  resources_.push_back(r);
  Column(Col::kResourceDroppedAttrs).AddInt(r.dropped_attributes_count());
  AddAttributes(Table::kResource, r.attributes());
  ++rows_[Idx(Table::kResource)];
  return static_cast<int64_t>(resources_.size() - 1);
}

int64_t RowGroupBuilder::ScopeRow(const otlp_common::InstrumentationScope& scope) {
  const uint64_t hash = HashScope(scope);
  auto [lo, hi] = scope_index_.equal_range(hash);
  for (auto it = lo; it != hi; ++it) {
    if (SameScope(scopes_[it->second], scope)) return static_cast<int64_t>(it->second);
  }
  scope_index_.emplace(hash, scopes_.size());
  scopes_.push_back(scope);
  Column(Col::kScopeName).AddString(scope.name());
  Column(Col::kScopeVersion).AddString(scope.version());
  Column(Col::kScopeDroppedAttrs).AddInt(scope.dropped_attributes_count());
  AddAttributes(Table::kScope, scope.attributes());
  ++rows_[Idx(Table::kScope)];
  return static_cast<int64_t>(scopes_.size() - 1);
}

void RowGroupBuilder::AddTrace(const TraceId& id, const tempopb::Trace& trace, uint64_t* start,
                               uint64_t* end) {
  const std::string_view trace_id = id.view();
  Column(Col::kTraceRsBegin).AddInt(static_cast<int64_t>(rows_[Idx(Table::kResourceSpans)]));
  Column(Col::kTraceSsBegin).AddInt(static_cast<int64_t>(rows_[Idx(Table::kScopeSpans)]));
  Column(Col::kTraceSpanBegin).AddInt(static_cast<int64_t>(rows_[Idx(Table::kSpan)]));
  Column(Col::kTraceEventBegin).AddInt(static_cast<int64_t>(rows_[Idx(Table::kEvent)]));
  Column(Col::kTraceLinkBegin).AddInt(static_cast<int64_t>(rows_[Idx(Table::kLink)]));

  // Resources and scopes are stored once per row group (identical serialized messages share a
  // row). Spans are collected in trace order with their ScopeSpans and resource.
  struct SpanRef {
    const otlp_trace::Span* span;
    int64_t scope_spans;
    const opentelemetry::proto::resource::v1::Resource* resource;
  };
  std::vector<SpanRef> spans;
  int64_t ss_local = 0;
  for (const auto& rs : trace.resourcespans()) {
    Column(Col::kRsResource).AddInt(rs.has_resource() ? ResourceRow(rs.resource()) : -1);
    Column(Col::kRsSchemaUrl).AddString(rs.schema_url());
    Column(Col::kRsSsCount).AddInt(rs.scope_spans_size());
    ++rows_[Idx(Table::kResourceSpans)];
    for (const auto& ss : rs.scope_spans()) {
      Column(Col::kSsScope).AddInt(ss.has_scope() ? ScopeRow(ss.scope()) : -1);
      Column(Col::kSsSchemaUrl).AddString(ss.schema_url());
      ++rows_[Idx(Table::kScopeSpans)];
      for (const auto& span : ss.spans()) {
        spans.push_back({&span, ss_local, rs.has_resource() ? &rs.resource() : nullptr});
      }
      ++ss_local;
    }
  }

  linkage_.clear();
  uint64_t t_start = UINT64_MAX, t_end = 0;
  int64_t root = -1;
  for (size_t i = 0; i < spans.size(); ++i) {
    const otlp_trace::Span& s = *spans[i].span;
    linkage_.push_back({s.span_id(), s.parent_span_id(), static_cast<int>(s.kind())});
    t_start = std::min<uint64_t>(t_start, s.start_time_unix_nano());
    t_end = std::max<uint64_t>(t_end, s.end_time_unix_nano());
    if (IsRootSpan(s, trace_id)) root = static_cast<int64_t>(i);  // the last one wins
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
    root_name = spans[static_cast<size_t>(root)].span->name();
    const auto* resource = spans[static_cast<size_t>(root)].resource;
    if (resource != nullptr) root_service = ServiceName(*resource);
  }
  Column(Col::kTraceRootServiceName).AddString(root_service);
  Column(Col::kTraceRootSpanName).AddString(root_name);

  ComputeStructure(linkage_, &structure_);
  const TraceStructure& st = structure_;
  std::string tagged_trace_id;
  for (size_t pos = 0; pos < spans.size(); ++pos) {
    const SpanRef& ref = spans[st.order[pos]];
    const otlp_trace::Span& s = *ref.span;
    Column(Col::kSpanId).AddBytes(s.span_id());
    // Empty when equal to the block's trace ID; otherwise a 0 tag byte, then the value.
    if (s.trace_id() == trace_id) {
      Column(Col::kSpanTraceId).AddBytes({});
    } else {
      tagged_trace_id.assign(1, '\0');
      tagged_trace_id += s.trace_id();
      Column(Col::kSpanTraceId).AddBytes(tagged_trace_id);
    }
    // Empty when it equals the ID of the span at parent_pos (or is empty for a walk start).
    int32_t parent_pos = st.parent_pos[pos];
    std::string_view derived;
    if (parent_pos >= 0) derived = spans[st.order[static_cast<size_t>(parent_pos)]].span->span_id();
    Column(Col::kSpanParentSpanId)
        .AddBytes(s.parent_span_id() == derived ? std::string_view() : s.parent_span_id());
    Column(Col::kSpanParentPos).AddInt(parent_pos);
    Column(Col::kSpanSubtreeEnd).AddInt(st.subtree_end[pos]);
    Column(Col::kSpanNestedSetLeft).AddInt(st.nested_left[pos]);
    Column(Col::kSpanNestedSetRight).AddInt(st.nested_right[pos]);
    Column(Col::kSpanNestedSetParent).AddInt(st.nested_parent[pos]);
    Column(Col::kSpanDisconnected).AddInt(st.disconnected[pos]);
    Column(Col::kSpanScopeSpans).AddInt(ref.scope_spans);
    Column(Col::kSpanTraceState).AddString(s.trace_state());
    Column(Col::kSpanName).AddString(s.name());
    Column(Col::kSpanKind).AddInt(s.kind());
    Column(Col::kSpanStart).AddInt(static_cast<int64_t>(s.start_time_unix_nano() - t_start));
    Column(Col::kSpanDuration)
        .AddInt(static_cast<int64_t>(s.end_time_unix_nano() - s.start_time_unix_nano()));
    Column(Col::kSpanFlags).AddInt(s.flags());
    Column(Col::kSpanStatusPresent).AddInt(s.has_status() ? 1 : 0);
    Column(Col::kSpanStatusCode).AddInt(s.status().code());
    Column(Col::kSpanStatusMessage).AddString(s.status().message());
    Column(Col::kSpanDroppedAttrs).AddInt(s.dropped_attributes_count());
    Column(Col::kSpanDroppedEvents).AddInt(s.dropped_events_count());
    Column(Col::kSpanDroppedLinks).AddInt(s.dropped_links_count());
    Column(Col::kSpanEventCount).AddInt(s.events_size());
    Column(Col::kSpanLinkCount).AddInt(s.links_size());
    AddAttributes(Table::kSpan, s.attributes());
    ++rows_[Idx(Table::kSpan)];
    for (const auto& ev : s.events()) {
      Column(Col::kEventTimeSinceStart)
          .AddInt(static_cast<int64_t>(ev.time_unix_nano() - s.start_time_unix_nano()));
      Column(Col::kEventName).AddString(ev.name());
      Column(Col::kEventDroppedAttrs).AddInt(ev.dropped_attributes_count());
      AddAttributes(Table::kEvent, ev.attributes());
      ++rows_[Idx(Table::kEvent)];
    }
    for (const auto& link : s.links()) {
      Column(Col::kLinkTraceId).AddBytes(link.trace_id());
      Column(Col::kLinkSpanId).AddBytes(link.span_id());
      Column(Col::kLinkTraceState).AddString(link.trace_state());
      Column(Col::kLinkFlags).AddInt(link.flags());
      Column(Col::kLinkDroppedAttrs).AddInt(link.dropped_attributes_count());
      AddAttributes(Table::kLink, link.attributes());
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
  resources_.clear();
  scopes_.clear();
  resource_index_.clear();
  scope_index_.clear();
  rows_ = {};
  min_start_ = UINT64_MAX;
  max_end_ = 0;
}

}  // namespace tempo::block
