// TraceView::Build: span table, parent resolution, nested-set numbering and trace-level values.
#include "tempo/traceql/trace_view.h"

#include <algorithm>
#include <limits>

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempopb/tempo.pb.h"
#include "traceql/eval/id_text.h"

namespace tempo::traceql {
namespace {

using opentelemetry::proto::trace::v1::Span;

std::string_view ServiceName(const opentelemetry::proto::resource::v1::Resource& resource) {
  for (const auto& kv : resource.attributes()) {
    if (kv.key() == "service.name" && kv.value().has_string_value()) {
      return kv.value().string_value();
    }
  }
  return {};
}

// A span with an OpenTracing `child_of` link into its own trace is not a root even without a
// parent ID (Jaeger/OpenTracing data converted to OTLP).
bool HasChildOfLink(const Span& span, std::string_view trace_id) {
  for (const auto& link : span.links()) {
    if (link.trace_id() != trace_id && link.trace_id() != span.trace_id()) continue;
    for (const auto& kv : link.attributes()) {
      if (kv.key() == "opentracing.ref_type" && kv.value().has_string_value() &&
          kv.value().string_value() == "child_of") {
        return true;
      }
    }
  }
  return false;
}

// Resolves each span's parent index (see the class comment). Returns false when an ID is shared
// by more than two spans. Span IDs are looked up in a sorted array rather than a hash map: no
// allocation per span.
bool ResolveParents(std::vector<SpanRef>& spans) {
  struct IdEntry {
    uint64_t prefix;  // the first 8 bytes, big-endian: orders most IDs without a memcmp
    std::string_view id;
    uint32_t span;
  };
  auto entry = [](std::string_view id, uint32_t span) {
    uint64_t prefix = 0;
    for (size_t b = 0; b < 8; ++b) {
      prefix = (prefix << 8) | (b < id.size() ? static_cast<uint8_t>(id[b]) : 0);
    }
    return IdEntry{prefix, id, span};
  };
  std::vector<IdEntry> by_id;
  by_id.reserve(spans.size());
  for (uint32_t i = 0; i < spans.size(); ++i) {
    const std::string& id = spans[i].span->span_id();
    if (!id.empty()) by_id.push_back(entry(id, i));
  }
  auto less = [](const IdEntry& a, const IdEntry& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    if (a.id != b.id) return a.id < b.id;
    return a.span < b.span;
  };
  auto same = [](const IdEntry& a, const IdEntry& b) {
    return a.prefix == b.prefix && a.id == b.id;
  };
  std::sort(by_id.begin(), by_id.end(), less);
  bool valid = true;
  for (size_t i = 2; i < by_id.size(); ++i) {
    if (same(by_id[i], by_id[i - 2])) valid = false;
  }
  for (uint32_t i = 0; i < spans.size(); ++i) {
    const Span& span = *spans[i].span;
    if (span.parent_span_id().empty()) continue;
    const IdEntry key = entry(span.parent_span_id(), 0);
    auto it = std::lower_bound(by_id.begin(), by_id.end(), key, less);
    int32_t first = -1, preferred = -1;
    size_t candidates = 0;
    const bool child_is_server = span.kind() == Span::SPAN_KIND_SERVER;
    for (; it != by_id.end() && same(*it, key); ++it) {
      const uint32_t c = it->span;
      if (c == i) continue;  // a span is never its own parent
      ++candidates;
      if (first < 0) first = static_cast<int32_t>(c);
      Span::SpanKind kind = spans[c].span->kind();
      if ((child_is_server && kind == Span::SPAN_KIND_CLIENT) ||
          (!child_is_server && kind == Span::SPAN_KIND_SERVER)) {
        preferred = static_cast<int32_t>(c);
      }
    }
    if (candidates == 0 || candidates > 2) continue;
    spans[i].parent = preferred >= 0 ? preferred : first;
  }
  return valid;
}

// Depth-first numbering from each root, iteratively (traces can be deep).
void NumberNestedSets(std::vector<SpanRef>& spans, const std::vector<uint32_t>& offsets,
                      const std::vector<uint32_t>& children) {
  int32_t counter = 1;
  struct Frame {
    uint32_t span;
    uint32_t next_child;
  };
  std::vector<Frame> stack;
  for (uint32_t root = 0; root < spans.size(); ++root) {
    if (!spans[root].span->parent_span_id().empty()) continue;
    spans[root].nested_set_left = counter++;
    spans[root].nested_set_parent = -1;
    stack.push_back({root, offsets[root]});
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next_child == offsets[top.span + 1]) {
        spans[top.span].nested_set_right = counter++;
        stack.pop_back();
        continue;
      }
      uint32_t child = children[top.next_child++];
      if (spans[child].nested_set_left != 0) continue;  // already numbered (defensive)
      spans[child].nested_set_left = counter++;
      spans[child].nested_set_parent = spans[top.span].nested_set_left;
      stack.push_back({child, offsets[child]});
    }
  }
}

}  // namespace

TraceView::TraceView() {
  auto data = std::make_shared<Data>();
  data->trace = std::make_shared<const tempopb::Trace>();
  data->child_offsets.push_back(0);
  data->attribute_offsets.push_back(0);
  data_ = std::move(data);
}

TraceView TraceView::Build(TraceId id, tempopb::Trace trace) {
  return Build(id, std::make_shared<const tempopb::Trace>(std::move(trace)));
}

TraceView TraceView::Build(TraceId id, std::shared_ptr<const tempopb::Trace> trace) {
  auto data = std::make_shared<Data>();
  data->id = id;
  eval::TraceIdText(id.view(), &data->id_text);
  data->trace = std::move(trace);

  std::vector<SpanRef>& spans = data->spans;
  size_t span_count = 0, attribute_count = 0;
  for (const auto& rs : data->trace->resourcespans()) {
    for (const auto& ss : rs.scope_spans()) {
      span_count += ss.spans_size();
      for (const auto& span : ss.spans()) attribute_count += span.attributes_size();
    }
  }
  spans.reserve(span_count);
  data->attributes.reserve(attribute_count);
  uint64_t start = std::numeric_limits<uint64_t>::max(), end = 0;
  for (const auto& rs : data->trace->resourcespans()) {
    std::string_view service = ServiceName(rs.resource());
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& span : ss.spans()) {
        SpanRef ref;
        ref.span = &span;
        ref.resource = &rs.resource();
        ref.scope = &ss.scope();
        ref.service_name = service;
        spans.push_back(ref);
        start = std::min<uint64_t>(start, span.start_time_unix_nano());
        end = std::max<uint64_t>(end, span.end_time_unix_nano());
      }
    }
  }
  data->attribute_offsets.reserve(spans.size() + 1);
  data->attribute_offsets.push_back(0);
  for (const SpanRef& ref : spans) {
    for (const auto& kv : ref.span->attributes()) {
      data->attributes.push_back(AttributeRef{kv.key(), &kv.value()});
    }
    data->attribute_offsets.push_back(static_cast<uint32_t>(data->attributes.size()));
  }
  if (!spans.empty()) {
    data->start_unix_nano = start;
    data->end_unix_nano = std::max(start, end);
  }

  data->structure_valid = ResolveParents(spans);

  // Children in trace order, as offsets into one array (counting sort by parent).
  data->child_offsets.assign(spans.size() + 1, 0);
  for (const SpanRef& s : spans) {
    if (s.parent >= 0) ++data->child_offsets[s.parent + 1];
  }
  for (size_t i = 0; i < spans.size(); ++i) {
    data->child_offsets[i + 1] += data->child_offsets[i];
    spans[i].child_count = data->child_offsets[i + 1] - data->child_offsets[i];
  }
  data->children.resize(data->child_offsets.back());
  std::vector<uint32_t> fill(data->child_offsets.begin(), data->child_offsets.end() - 1);
  for (uint32_t i = 0; i < spans.size(); ++i) {
    if (spans[i].parent >= 0) data->children[fill[spans[i].parent]++] = i;
  }

  if (data->structure_valid) NumberNestedSets(spans, data->child_offsets, data->children);

  for (uint32_t i = 0; i < spans.size(); ++i) {
    const Span& span = *spans[i].span;
    if (span.parent_span_id().empty() && !HasChildOfLink(span, id.view())) {
      data->root = static_cast<int32_t>(i);
    }
  }
  return TraceView(std::move(data));
}

std::string_view TraceView::root_span_name() const {
  return data_->root < 0 ? std::string_view() : data_->spans[data_->root].span->name();
}

std::string_view TraceView::root_service_name() const {
  return data_->root < 0 ? std::string_view() : data_->spans[data_->root].service_name;
}

}  // namespace tempo::traceql
