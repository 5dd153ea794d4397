#include <algorithm>
#include <string>
#include <vector>

#include "tempo/model/tempo_json.h"
#include "tempopb/tempo.pb.h"

namespace tempo::model {
namespace {

// Writes `,"name":` (the comma only when `first` is false) and clears `first`.
void Key(std::string& out, bool& first, std::string_view name) {
  if (!first) out.push_back(',');
  first = false;
  out.push_back('"');
  out.append(name);
  out.append("\":");
}

void U64(std::string& out, bool& first, std::string_view name, uint64_t value) {
  if (value == 0) return;
  Key(out, first, name);
  out.push_back('"');
  out.append(std::to_string(value));
  out.push_back('"');
}

void U32(std::string& out, bool& first, std::string_view name, uint32_t value) {
  if (value == 0) return;
  Key(out, first, name);
  out.append(std::to_string(value));
}

void Str(std::string& out, bool& first, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  Key(out, first, name);
  AppendJsonString(out, value);
}

template <typename KeyValues>
void Attributes(std::string& out, bool& first, const KeyValues& attributes) {
  if (attributes.empty()) return;
  Key(out, first, "attributes");
  out.push_back('[');
  for (int i = 0; i < attributes.size(); ++i) {
    if (i) out.push_back(',');
    AppendKeyValueJson(out, attributes[i]);
  }
  out.push_back(']');
}

void AppendSpanSet(std::string& out, const tempopb::SpanSet& set) {
  out.push_back('{');
  bool first = true;
  if (!set.spans().empty()) {
    Key(out, first, "spans");
    out.push_back('[');
    for (int i = 0; i < set.spans_size(); ++i) {
      const tempopb::Span& span = set.spans(i);
      if (i) out.push_back(',');
      out.push_back('{');
      bool f = true;
      Str(out, f, "spanID", span.spanid());
      Str(out, f, "name", span.name());
      U64(out, f, "startTimeUnixNano", span.starttimeunixnano());
      U64(out, f, "durationNanos", span.durationnanos());
      Attributes(out, f, span.attributes());
      out.push_back('}');
    }
    out.push_back(']');
  }
  U32(out, first, "matched", set.matched());
  Attributes(out, first, set.attributes());
  out.push_back('}');
}

void AppendTrace(std::string& out, const tempopb::TraceSearchMetadata& t) {
  out.push_back('{');
  bool first = true;
  Str(out, first, "traceID", t.traceid());
  Str(out, first, "rootServiceName", t.rootservicename());
  Str(out, first, "rootTraceName", t.roottracename());
  U64(out, first, "startTimeUnixNano", t.starttimeunixnano());
  U32(out, first, "durationMs", t.durationms());
  if (t.has_spanset()) {
    Key(out, first, "spanSet");
    AppendSpanSet(out, t.spanset());
  }
  if (!t.spansets().empty()) {
    Key(out, first, "spanSets");
    out.push_back('[');
    for (int i = 0; i < t.spansets_size(); ++i) {
      if (i) out.push_back(',');
      AppendSpanSet(out, t.spansets(i));
    }
    out.push_back(']');
  }
  if (!t.servicestats().empty()) {
    // Sorted keys: deterministic output (Go's jsonpb sorts map keys too).
    std::vector<std::string> names;
    for (const auto& [name, stats] : t.servicestats()) names.push_back(name);
    std::sort(names.begin(), names.end());
    Key(out, first, "serviceStats");
    out.push_back('{');
    for (size_t i = 0; i < names.size(); ++i) {
      if (i) out.push_back(',');
      AppendJsonString(out, names[i]);
      out.push_back(':');
      const tempopb::ServiceStats& stats = t.servicestats().at(names[i]);
      out.push_back('{');
      bool f = true;
      U32(out, f, "spanCount", stats.spancount());
      U32(out, f, "errorCount", stats.errorcount());
      out.push_back('}');
    }
    out.push_back('}');
  }
  out.push_back('}');
}

void StringList(std::string& out, bool& first, std::string_view name,
                const google::protobuf::RepeatedPtrField<std::string>& values) {
  if (values.empty()) return;
  Key(out, first, name);
  out.push_back('[');
  for (int i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(out, values[i]);
  }
  out.push_back(']');
}

// `"name":[{...},...]` (nothing when `items` is empty); `fields(item, first)` writes the members
// of one object.
template <typename Items, typename Fields>
void ObjectList(std::string& out, bool& first, std::string_view name, const Items& items,
                Fields fields) {
  if (items.empty()) return;
  Key(out, first, name);
  out.push_back('[');
  for (int i = 0; i < items.size(); ++i) {
    if (i) out.push_back(',');
    out.push_back('{');
    bool f = true;
    fields(items[i], f);
    out.push_back('}');
  }
  out.push_back(']');
}

}  // namespace

void AppendSearchMetricsJson(std::string& out, const tempopb::SearchMetrics& m) {
  out.push_back('{');
  bool first = true;
  U32(out, first, "inspectedTraces", m.inspectedtraces());
  U64(out, first, "inspectedBytes", m.inspectedbytes());
  U32(out, first, "totalBlocks", m.totalblocks());
  U32(out, first, "completedJobs", m.completedjobs());
  U32(out, first, "totalJobs", m.totaljobs());
  U64(out, first, "totalBlockBytes", m.totalblockbytes());
  U64(out, first, "inspectedSpans", m.inspectedspans());
  out.push_back('}');
}

void AppendMetadataMetricsJson(std::string& out, const tempopb::MetadataMetrics& m) {
  out.push_back('{');
  bool first = true;
  U64(out, first, "inspectedBytes", m.inspectedbytes());
  U32(out, first, "totalJobs", m.totaljobs());
  U32(out, first, "completedJobs", m.completedjobs());
  U32(out, first, "totalBlocks", m.totalblocks());
  U64(out, first, "totalBlockBytes", m.totalblockbytes());
  out.push_back('}');
}

std::string SearchResponseToJson(const tempopb::SearchResponse& response) {
  std::string out = "{";
  bool first = true;
  if (!response.traces().empty()) {
    Key(out, first, "traces");
    out.push_back('[');
    for (int i = 0; i < response.traces_size(); ++i) {
      if (i) out.push_back(',');
      AppendTrace(out, response.traces(i));
    }
    out.push_back(']');
  }
  Key(out, first, "metrics");
  AppendSearchMetricsJson(out, response.metrics());
  out.push_back('}');
  return out;
}

namespace {

// A tag endpoint's response: `{` + what `body` writes + `"metrics":{...}}`.
template <typename Response, typename Body>
std::string TagResponseJson(const Response& response, Body body) {
  std::string out = "{";
  bool first = true;
  body(out, first);
  Key(out, first, "metrics");
  AppendMetadataMetricsJson(out, response.metrics());
  out.push_back('}');
  return out;
}

}  // namespace

std::string SearchTagsResponseToJson(const tempopb::SearchTagsResponse& response) {
  return TagResponseJson(response, [&](std::string& out, bool& first) {
    StringList(out, first, "tagNames", response.tagnames());
  });
}

std::string SearchTagsV2ResponseToJson(const tempopb::SearchTagsV2Response& response) {
  return TagResponseJson(response, [&](std::string& out, bool& first) {
    ObjectList(out, first, "scopes", response.scopes(),
               [&](const tempopb::SearchTagsV2Scope& scope, bool& f) {
                 Str(out, f, "name", scope.name());
                 StringList(out, f, "tags", scope.tags());
               });
  });
}

std::string SearchTagValuesResponseToJson(const tempopb::SearchTagValuesResponse& response) {
  return TagResponseJson(response, [&](std::string& out, bool& first) {
    StringList(out, first, "tagValues", response.tagvalues());
  });
}

std::string SearchTagValuesV2ResponseToJson(const tempopb::SearchTagValuesV2Response& response) {
  return TagResponseJson(response, [&](std::string& out, bool& first) {
    ObjectList(out, first, "tagValues", response.tagvalues(),
               [&](const tempopb::TagValue& value, bool& f) {
                 Str(out, f, "type", value.type());
                 Str(out, f, "value", value.value());
               });
  });
}

}  // namespace tempo::model
