// TraceRows::FromFragments: the rows of a live trace read off its serialized fragments and
// combined as model::CombineFragments combines messages, without building protobuf objects.
// Field numbers are those of src/proto/opentelemetry (trace.proto, common.proto,
// resource.proto). A known field with another wire type than its own is skipped: libprotobuf
// keeps it as an unknown field, which the block does not store either.
#include <algorithm>
#include <unordered_map>

#include "block/coding.h"
#include "block/trace_rows.h"
#include "block/trace_rows_values.h"
#include "tempo/model/wire_format.h"

namespace tempo::block {
namespace {

namespace wire = model::wire;

constexpr uint32_t kDuplicate = UINT32_MAX;

using wire::Field;
using wire::IsBytes;
using wire::IsVarint;
using wire::ReadField;


uint64_t Hash(std::string_view a, std::string_view b, uint64_t c) {
  return HashMix(HashMix(HashBytes(a), HashBytes(b)), c);
}

}  // namespace

struct TraceRows::Combiner {
  struct ResourceGroup {
    std::string_view key, schema_url;
    TraceRows::Owner resource;
  };
  struct ScopeGroup {
    std::string_view key, schema_url;
    uint32_t resource = 0;  // its resource group
    TraceRows::Owner scope;
    uint32_t spans = 0;  // kept spans
  };
  struct SpanKey {
    std::string_view id;
    int32_t kind;
    uint32_t index;
  };

  void Clear() {
    resources.clear();
    scopes.clear();
    resource_lookup.clear();
    scope_lookup.clear();
    span_group.clear();
  }

  bool ResourceSpans(std::string_view bytes, TraceRows& rows);
  bool ScopeSpans(std::string_view bytes, uint32_t resource, TraceRows& rows);
  bool Span(std::string_view bytes, TraceRows& rows);
  bool Event(std::string_view bytes, TraceRows& rows);
  bool Link(std::string_view bytes, TraceRows& rows);
  void Finish(TraceRows& rows);

  std::vector<ResourceGroup> resources;
  std::vector<ScopeGroup> scopes;
  std::unordered_multimap<uint64_t, uint32_t> resource_lookup, scope_lookup;
  std::vector<uint32_t> span_group;  // per decoded span: its scope group, or kDuplicate
  std::vector<SpanKey> keys;
  std::vector<uint32_t> scope_order, offsets;
  // Payloads of the container being read, each list used at one nesting level only (repeated
  // fields may interleave on the wire, while rows keep each owner's children together).
  std::vector<std::string_view> scope_spans_payloads, span_payloads, attr_payloads,
      event_payloads, link_payloads;
};

TraceRows::TraceRows() : combiner_(std::make_unique<Combiner>()) {}
TraceRows::~TraceRows() = default;

bool TraceRows::FromFragments(std::string_view bytes) {
  Clear();
  Combiner& c = *combiner_;
  c.Clear();
  wire::Reader r(bytes);
  Field f;
  bool ok = true;
  while (ok && !r.done()) {
    ok = ReadField(r, &f);
    if (ok && f.number == 1 && IsBytes(f)) ok = c.ResourceSpans(f.bytes, *this);
  }
  if (!ok) {
    Clear();
    return false;
  }
  c.Finish(*this);
  return true;
}

bool TraceRows::Combiner::ResourceSpans(std::string_view bytes, TraceRows& rows) {
  wire::Reader r(bytes);
  Field f;
  std::string_view resource, schema_url;
  bool has_resource = false;
  scope_spans_payloads.clear();
  while (!r.done()) {
    if (!ReadField(r, &f)) return false;
    if (!IsBytes(f)) continue;
    if (f.number == 1) {
      if (has_resource) return false;  // two Resource messages merge
      has_resource = true;
      resource = f.bytes;
    } else if (f.number == 2) {
      scope_spans_payloads.push_back(f.bytes);
    } else if (f.number == 3) {
      schema_url = f.bytes;
    }
  }
  // An absent resource and an empty one are the same group (both serialize to nothing).
  const uint64_t hash = Hash(resource, schema_url, 0);
  uint32_t group = kDuplicate;
  auto [lo, hi] = resource_lookup.equal_range(hash);
  for (auto it = lo; it != hi; ++it) {
    const ResourceGroup& g = resources[it->second];
    if (g.key == resource && g.schema_url == schema_url) group = it->second;
  }
  if (group == kDuplicate) {
    ResourceGroup g;
    g.key = resource;
    g.schema_url = schema_url;
    if (!ReadOwner(resource, /*scope=*/false, &g.resource, &rows.attrs)) return false;
    if (g.resource.attrs.size() == 0) {
      g.resource.attrs.begin = static_cast<uint32_t>(rows.attrs.size());
      Attr& a = rows.attrs.emplace_back();
      a.key = "service.name";
      a.type = AttrType::kString;
      a.bytes = "unknown_service";
      g.resource.attrs.end = g.resource.attrs.begin + 1;
    }
    group = static_cast<uint32_t>(resources.size());
    resources.push_back(g);
    resource_lookup.emplace(hash, group);
  }
  for (std::string_view ss : scope_spans_payloads) {
    if (!ScopeSpans(ss, group, rows)) return false;
  }
  return true;
}

bool TraceRows::Combiner::ScopeSpans(std::string_view bytes, uint32_t resource, TraceRows& rows) {
  wire::Reader r(bytes);
  Field f;
  std::string_view scope, schema_url;
  bool has_scope = false;
  span_payloads.clear();
  while (!r.done()) {
    if (!ReadField(r, &f)) return false;
    if (!IsBytes(f)) continue;
    if (f.number == 1) {
      if (has_scope) return false;
      has_scope = true;
      scope = f.bytes;
    } else if (f.number == 2) {
      span_payloads.push_back(f.bytes);
    } else if (f.number == 3) {
      schema_url = f.bytes;
    }
  }
  const uint64_t hash = Hash(scope, schema_url, resource + 1);
  uint32_t group = kDuplicate;
  auto [lo, hi] = scope_lookup.equal_range(hash);
  for (auto it = lo; it != hi; ++it) {
    const ScopeGroup& g = scopes[it->second];
    if (g.resource == resource && g.key == scope && g.schema_url == schema_url) group = it->second;
  }
  if (group == kDuplicate) {
    ScopeGroup g;
    g.key = scope;
    g.schema_url = schema_url;
    g.resource = resource;
    if (!ReadOwner(scope, /*scope=*/true, &g.scope, &rows.attrs)) return false;
    group = static_cast<uint32_t>(scopes.size());
    scopes.push_back(g);
    scope_lookup.emplace(hash, group);
  }
  for (size_t i = 0; i < span_payloads.size(); ++i) {
    if (!Span(span_payloads[i], rows)) return false;
    span_group.push_back(group);
  }
  return true;
}

bool TraceRows::Combiner::Span(std::string_view bytes, TraceRows& rows) {
  wire::Reader r(bytes);
  Field f;
  TraceRows::Span s;
  s.status_present = true;  // a combined trace gives every span a status
  attr_payloads.clear();
  event_payloads.clear();
  link_payloads.clear();
  while (!r.done()) {
    if (!ReadField(r, &f)) return false;
    const bool b = IsBytes(f), v = IsVarint(f);
    switch (f.number) {
      case 1:
        if (b) s.trace_id = f.bytes;
        break;
      case 2:
        if (b) s.span_id = f.bytes;
        break;
      case 3:
        if (b) s.trace_state = f.bytes;
        break;
      case 4:
        if (b) s.parent_span_id = f.bytes;
        break;
      case 5:
        if (b) s.name = f.bytes;
        break;
      case 6:
        if (v) s.kind = static_cast<int32_t>(f.value);
        break;
      case 7:
        if (f.type == wire::kFixed64) s.start = f.value;
        break;
      case 8:
        if (f.type == wire::kFixed64) s.end = f.value;
        break;
      case 9:
        if (b) attr_payloads.push_back(f.bytes);
        break;
      case 10:
        if (v) s.dropped_attributes = static_cast<uint32_t>(f.value);
        break;
      case 11:
        if (b) event_payloads.push_back(f.bytes);
        break;
      case 12:
        if (v) s.dropped_events = static_cast<uint32_t>(f.value);
        break;
      case 13:
        if (b) link_payloads.push_back(f.bytes);
        break;
      case 14:
        if (v) s.dropped_links = static_cast<uint32_t>(f.value);
        break;
      case 15:
        // Status messages given twice merge: reading both in order is that merge.
        if (b) {
          wire::Reader sr(f.bytes);
          Field sf;
          while (!sr.done()) {
            if (!ReadField(sr, &sf)) return false;
            if (sf.number == 2 && IsBytes(sf)) s.status_message = sf.bytes;
            if (sf.number == 3 && IsVarint(sf)) s.status_code = static_cast<int32_t>(sf.value);
          }
        }
        break;
      case 16:
        if (f.type == wire::kFixed32) s.flags = static_cast<uint32_t>(f.value);
        break;
      default:
        break;
    }
  }
  s.attrs.begin = static_cast<uint32_t>(rows.attrs.size());
  for (std::string_view kv : attr_payloads) {
    if (!ReadKeyValue(kv, &rows.attrs)) return false;
  }
  s.attrs.end = static_cast<uint32_t>(rows.attrs.size());
  s.events.begin = static_cast<uint32_t>(rows.events.size());
  for (std::string_view ev : event_payloads) {
    if (!Event(ev, rows)) return false;
  }
  s.events.end = static_cast<uint32_t>(rows.events.size());
  s.links.begin = static_cast<uint32_t>(rows.links.size());
  for (std::string_view link : link_payloads) {
    if (!Link(link, rows)) return false;
  }
  s.links.end = static_cast<uint32_t>(rows.links.size());
  rows.spans.push_back(s);
  return true;
}

bool TraceRows::Combiner::Event(std::string_view bytes, TraceRows& rows) {
  wire::Reader r(bytes);
  Field f;
  TraceRows::Event e;
  e.attrs.begin = static_cast<uint32_t>(rows.attrs.size());
  while (!r.done()) {
    if (!ReadField(r, &f)) return false;
    if (f.number == 1 && f.type == wire::kFixed64) {
      e.time = f.value;
    } else if (f.number == 2 && IsBytes(f)) {
      e.name = f.bytes;
    } else if (f.number == 3 && IsBytes(f)) {
      if (!ReadKeyValue(f.bytes, &rows.attrs)) return false;
    } else if (f.number == 4 && IsVarint(f)) {
      e.dropped_attributes = static_cast<uint32_t>(f.value);
    }
  }
  e.attrs.end = static_cast<uint32_t>(rows.attrs.size());
  rows.events.push_back(e);
  return true;
}

bool TraceRows::Combiner::Link(std::string_view bytes, TraceRows& rows) {
  wire::Reader r(bytes);
  Field f;
  TraceRows::Link l;
  l.attrs.begin = static_cast<uint32_t>(rows.attrs.size());
  while (!r.done()) {
    if (!ReadField(r, &f)) return false;
    const bool b = IsBytes(f);
    if (f.number == 1 && b) {
      l.trace_id = f.bytes;
    } else if (f.number == 2 && b) {
      l.span_id = f.bytes;
    } else if (f.number == 3 && b) {
      l.trace_state = f.bytes;
    } else if (f.number == 4 && b) {
      if (!ReadKeyValue(f.bytes, &rows.attrs)) return false;
    } else if (f.number == 5 && IsVarint(f)) {
      l.dropped_attributes = static_cast<uint32_t>(f.value);
    } else if (f.number == 6 && f.type == wire::kFixed32) {
      l.flags = static_cast<uint32_t>(f.value);
    }
  }
  l.attrs.end = static_cast<uint32_t>(rows.attrs.size());
  rows.links.push_back(l);
  return true;
}

void TraceRows::Combiner::Finish(TraceRows& rows) {
  // Duplicates: the first span of each (span ID, kind) stays.
  const size_t n = rows.spans.size();
  if (n > 1) {
    keys.clear();
    for (uint32_t i = 0; i < n; ++i) {
      keys.push_back({rows.spans[i].span_id, rows.spans[i].kind, i});
    }
    std::sort(keys.begin(), keys.end(), [](const SpanKey& a, const SpanKey& b) {
      if (a.id != b.id) return a.id < b.id;
      if (a.kind != b.kind) return a.kind < b.kind;
      return a.index < b.index;
    });
    for (size_t k = 1; k < keys.size(); ++k) {
      if (keys[k].id == keys[k - 1].id && keys[k].kind == keys[k - 1].kind) {
        span_group[keys[k].index] = kDuplicate;
        ++rows.duplicate_spans;
      }
    }
  }
  for (uint32_t g : span_group) {
    if (g != kDuplicate) ++scopes[g].spans;
  }
  // Containers by resource group, then first appearance; those without spans are left out.
  scope_order.clear();
  for (uint32_t g = 0; g < scopes.size(); ++g) {
    if (scopes[g].spans > 0) scope_order.push_back(g);
  }
  std::stable_sort(scope_order.begin(), scope_order.end(), [&](uint32_t a, uint32_t b) {
    return scopes[a].resource < scopes[b].resource;
  });
  offsets.assign(scopes.size(), 0);
  uint32_t pos = 0;
  for (size_t k = 0; k < scope_order.size(); ++k) {
    const uint32_t g = scope_order[k];
    const ScopeGroup& sg = scopes[g];
    if (k == 0 || sg.resource != scopes[scope_order[k - 1]].resource) {
      TraceRows::ResourceSpans& rs = rows.resource_spans.emplace_back();
      rs.resource = resources[sg.resource].resource;
      rs.schema_url = resources[sg.resource].schema_url;
      rs.scope_spans.begin = static_cast<uint32_t>(rows.scope_spans.size());
    }
    TraceRows::ScopeSpans& ss = rows.scope_spans.emplace_back();
    ss.scope = sg.scope;
    ss.schema_url = sg.schema_url;
    ss.spans = {pos, pos + sg.spans};
    offsets[g] = pos;
    pos += sg.spans;
    rows.resource_spans.back().scope_spans.end = static_cast<uint32_t>(rows.scope_spans.size());
  }
  rows.span_order.resize(pos);
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t g = span_group[i];
    if (g != kDuplicate) rows.span_order[offsets[g]++] = i;
  }
}

}  // namespace tempo::block
