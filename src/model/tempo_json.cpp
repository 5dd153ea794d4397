#include "tempo/model/tempo_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempopb/tempo.pb.h"

namespace tempo::model {
namespace {

namespace commonpb = opentelemetry::proto::common::v1;
namespace resourcepb = opentelemetry::proto::resource::v1;
namespace tracepb = opentelemetry::proto::trace::v1;

// Protobuf's own parser stops at 100 nested messages, so this is never reached by decoded data; it
// only keeps a hand-built pathological value from overflowing the stack.
constexpr int kMaxAnyValueDepth = 200;

constexpr char kHexDigits[] = "0123456789abcdef";

// Writes the members of one JSON object, adding commas between them.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_.push_back('{'); }

  // Starts a member; the caller then appends the value.
  void Key(std::string_view key) {
    if (!first_) out_.push_back(',');
    first_ = false;
    out_.push_back('"');
    out_.append(key);
    out_.append("\":", 2);
  }

  void String(std::string_view key, const std::string& value) {
    if (value.empty()) return;
    Key(key);
    AppendJsonString(out_, value);
  }

  void Bytes(std::string_view key, const std::string& value) {
    if (value.empty()) return;
    Key(key);
    out_.push_back('"');
    AppendBase64(out_, value);
    out_.push_back('"');
  }

  void Uint32(std::string_view key, uint32_t value) {
    if (value == 0) return;
    Key(key);
    AppendNumber(value);
  }

  // 64-bit integers are JSON strings.
  void Uint64(std::string_view key, uint64_t value) {
    if (value == 0) return;
    Key(key);
    out_.push_back('"');
    AppendNumber(value);
    out_.push_back('"');
  }

  // Enum as its name; the zero value is omitted and a value without a name is written as a number.
  void Enum(std::string_view key, int value, std::string_view name) {
    if (value == 0) return;
    Key(key);
    if (name.empty()) {
      AppendNumber(value);
    } else {
      out_.push_back('"');
      out_.append(name);
      out_.push_back('"');
    }
  }

  void Finish() { out_.push_back('}'); }

 private:
  template <typename T>
  void AppendNumber(T value) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
    out_.append(buf, end);
  }

  std::string& out_;
  bool first_ = true;
};

// Appends the elements of a repeated field as `"key":[...]`, omitted when empty.
template <typename Repeated, typename AppendElement>
void RepeatedField(ObjectWriter& w, std::string& out, std::string_view key, const Repeated& items,
                   AppendElement append) {
  if (items.empty()) return;
  w.Key(key);
  out.push_back('[');
  bool first = true;
  for (const auto& item : items) {
    if (!first) out.push_back(',');
    first = false;
    append(out, item);
  }
  out.push_back(']');
}

void AppendInt64String(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.push_back('"');
  out.append(buf, end);
  out.push_back('"');
}

void AppendAnyValue(std::string& out, const commonpb::AnyValue& value, int depth);

void AppendKeyValue(std::string& out, const commonpb::KeyValue& kv, int depth) {
  ObjectWriter w(out);
  w.String("key", kv.key());
  if (kv.has_value()) {
    w.Key("value");
    AppendAnyValue(out, kv.value(), depth + 1);
  }
  w.Finish();
}

void AppendKeyValues(ObjectWriter& w, std::string& out, std::string_view key,
                     const google::protobuf::RepeatedPtrField<commonpb::KeyValue>& kvs) {
  RepeatedField(w, out, key, kvs,
                [](std::string& o, const commonpb::KeyValue& kv) { AppendKeyValue(o, kv, 0); });
}

void AppendAnyValue(std::string& out, const commonpb::AnyValue& value, int depth) {
  if (depth > kMaxAnyValueDepth) {
    out.append("{}");
    return;
  }
  switch (value.value_case()) {
    case commonpb::AnyValue::kStringValue:
      out.append("{\"stringValue\":");
      AppendJsonString(out, value.string_value());
      break;
    case commonpb::AnyValue::kBoolValue:
      out.append(value.bool_value() ? "{\"boolValue\":true" : "{\"boolValue\":false");
      break;
    case commonpb::AnyValue::kIntValue:
      out.append("{\"intValue\":");
      AppendInt64String(out, value.int_value());
      break;
    case commonpb::AnyValue::kDoubleValue:
      out.append("{\"doubleValue\":");
      AppendJsonDouble(out, value.double_value());
      break;
    case commonpb::AnyValue::kArrayValue: {
      out.append("{\"arrayValue\":");
      ObjectWriter w(out);
      RepeatedField(w, out, "values", value.array_value().values(),
                    [depth](std::string& o, const commonpb::AnyValue& v) {
                      AppendAnyValue(o, v, depth + 1);
                    });
      w.Finish();
      break;
    }
    case commonpb::AnyValue::kKvlistValue: {
      out.append("{\"kvlistValue\":");
      ObjectWriter w(out);
      RepeatedField(w, out, "values", value.kvlist_value().values(),
                    [depth](std::string& o, const commonpb::KeyValue& kv) {
                      AppendKeyValue(o, kv, depth + 1);
                    });
      w.Finish();
      break;
    }
    case commonpb::AnyValue::kBytesValue:
      out.append("{\"bytesValue\":\"");
      AppendBase64(out, value.bytes_value());
      out.push_back('"');
      break;
    default:
      // Unset, or the profiles-only string_value_strindex that Tempo's schema does not have.
      out.append("{}");
      return;
  }
  out.push_back('}');
}

void AppendResource(std::string& out, const resourcepb::Resource& resource) {
  ObjectWriter w(out);
  AppendKeyValues(w, out, "attributes", resource.attributes());
  w.Uint32("droppedAttributesCount", resource.dropped_attributes_count());
  w.Finish();
}

void AppendScope(std::string& out, const commonpb::InstrumentationScope& scope) {
  ObjectWriter w(out);
  w.String("name", scope.name());
  w.String("version", scope.version());
  AppendKeyValues(w, out, "attributes", scope.attributes());
  w.Uint32("droppedAttributesCount", scope.dropped_attributes_count());
  w.Finish();
}

std::string_view SpanKindName(int kind) {
  switch (kind) {
    case tracepb::Span::SPAN_KIND_INTERNAL:
      return "SPAN_KIND_INTERNAL";
    case tracepb::Span::SPAN_KIND_SERVER:
      return "SPAN_KIND_SERVER";
    case tracepb::Span::SPAN_KIND_CLIENT:
      return "SPAN_KIND_CLIENT";
    case tracepb::Span::SPAN_KIND_PRODUCER:
      return "SPAN_KIND_PRODUCER";
    case tracepb::Span::SPAN_KIND_CONSUMER:
      return "SPAN_KIND_CONSUMER";
    default:
      return {};
  }
}

std::string_view StatusCodeName(int code) {
  switch (code) {
    case tracepb::Status::STATUS_CODE_OK:
      return "STATUS_CODE_OK";
    case tracepb::Status::STATUS_CODE_ERROR:
      return "STATUS_CODE_ERROR";
    default:
      return {};
  }
}

void AppendEvent(std::string& out, const tracepb::Span::Event& event) {
  ObjectWriter w(out);
  w.Uint64("timeUnixNano", event.time_unix_nano());
  w.String("name", event.name());
  AppendKeyValues(w, out, "attributes", event.attributes());
  w.Uint32("droppedAttributesCount", event.dropped_attributes_count());
  w.Finish();
}

void AppendLink(std::string& out, const tracepb::Span::Link& link) {
  ObjectWriter w(out);
  w.Bytes("traceId", link.trace_id());
  w.Bytes("spanId", link.span_id());
  w.String("traceState", link.trace_state());
  AppendKeyValues(w, out, "attributes", link.attributes());
  w.Uint32("droppedAttributesCount", link.dropped_attributes_count());
  w.Uint32("flags", link.flags());
  w.Finish();
}

void AppendStatus(std::string& out, const tracepb::Status& status) {
  ObjectWriter w(out);
  w.String("message", status.message());
  w.Enum("code", status.code(), StatusCodeName(status.code()));
  w.Finish();
}

void AppendSpan(std::string& out, const tracepb::Span& span) {
  ObjectWriter w(out);
  w.Bytes("traceId", span.trace_id());
  w.Bytes("spanId", span.span_id());
  w.String("traceState", span.trace_state());
  w.Bytes("parentSpanId", span.parent_span_id());
  w.String("name", span.name());
  w.Enum("kind", span.kind(), SpanKindName(span.kind()));
  w.Uint64("startTimeUnixNano", span.start_time_unix_nano());
  w.Uint64("endTimeUnixNano", span.end_time_unix_nano());
  AppendKeyValues(w, out, "attributes", span.attributes());
  w.Uint32("droppedAttributesCount", span.dropped_attributes_count());
  RepeatedField(w, out, "events", span.events(), AppendEvent);
  w.Uint32("droppedEventsCount", span.dropped_events_count());
  RepeatedField(w, out, "links", span.links(), AppendLink);
  w.Uint32("droppedLinksCount", span.dropped_links_count());
  if (span.has_status()) {
    w.Key("status");
    AppendStatus(out, span.status());
  }
  w.Uint32("flags", span.flags());
  w.Finish();
}

void AppendScopeSpans(std::string& out, const tracepb::ScopeSpans& scope_spans) {
  ObjectWriter w(out);
  if (scope_spans.has_scope()) {
    w.Key("scope");
    AppendScope(out, scope_spans.scope());
  }
  RepeatedField(w, out, "spans", scope_spans.spans(), AppendSpan);
  w.String("schemaUrl", scope_spans.schema_url());
  w.Finish();
}

// {"<key>":[ResourceSpans...]} or {} for an empty trace.
void AppendTrace(std::string& out, const tempopb::Trace& trace, std::string_view key) {
  ObjectWriter w(out);
  RepeatedField(w, out, key, trace.resourcespans(), AppendResourceSpansJson);
  w.Finish();
}

// Length of the valid UTF-8 sequence starting at s[i] (a byte >= 0x80), or 0 if it is invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) -> unsigned { return static_cast<unsigned char>(s[k]); };
  const size_t n = s.size();
  const unsigned c = byte(i);
  auto cont = [&](size_t k, unsigned lo, unsigned hi) {
    return k < n && byte(k) >= lo && byte(k) <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) {
    return cont(i + 1, 0x80, 0xBF) ? 2 : 0;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned hi = c == 0xED ? 0x9F : 0xBF;  // no UTF-16 surrogates
    return cont(i + 1, lo, hi) && cont(i + 2, 0x80, 0xBF) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned hi = c == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    return cont(i + 1, lo, hi) && cont(i + 2, 0x80, 0xBF) && cont(i + 3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t run_start = 0;  // start of the bytes that can be copied verbatim
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    size_t len = 0;
    if (c >= 0x80) {
      len = Utf8SequenceLength(s, i);
      // U+2028 / U+2029 (E2 80 A8/A9) are valid JSON but break JavaScript; Go escapes them too.
      const bool line_separator = len == 3 && c == 0xE2 &&
                                  static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                                  (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8;
      if (len != 0 && !line_separator) {
        i += len;
        continue;
      }
    }
    out.append(s.data() + run_start, i - run_start);
    if (c >= 0x80) {
      if (len == 0) {
        out.append("\\ufffd");
        i += 1;
      } else {
        out.append(static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
        i += 3;
      }
    } else {
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default: {
          const char esc[6] = {'\\', 'u', '0', '0', kHexDigits[c >> 4], kHexDigits[c & 0xF]};
          out.append(esc, sizeof(esc));
        }
      }
      i += 1;
    }
    run_start = i;
  }
  out.append(s.data() + run_start, n - run_start);
  out.push_back('"');
}

std::string ToValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      out.push_back(s[i++]);
      continue;
    }
    const size_t len = Utf8SequenceLength(s, i);
    if (len == 0) {
      out.append("\xEF\xBF\xBD");
      i += 1;
    } else {
      out.append(s.data() + i, len);
      i += len;
    }
  }
  return out;
}

void AppendJsonDouble(std::string& out, double value) {
  if (std::isnan(value)) {
    out.append("\"NaN\"");
    return;
  }
  if (std::isinf(value)) {
    out.append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  // Go's encoding/json: shortest digits, fixed notation for 1e-6 <= |v| < 1e21, else exponent
  // notation with a two-digit minimum exponent but no leading zero in a negative one (1e-7).
  char buf[400];
  const double abs = std::fabs(value);
  const bool exponent = abs != 0 && (abs < 1e-6 || abs >= 1e21);
  auto [end, ec] =
      std::to_chars(buf, buf + sizeof(buf), value,
                    exponent ? std::chars_format::scientific : std::chars_format::fixed);
  size_t len = static_cast<size_t>(end - buf);
  if (exponent && len >= 4 && buf[len - 4] == 'e' && buf[len - 3] == '-' && buf[len - 2] == '0') {
    buf[len - 2] = buf[len - 1];
    --len;
  }
  out.append(buf, len);
}

void AppendBase64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  const size_t start = out.size();
  out.resize(start + (n + 2) / 3 * 4);
  char* dst = out.data() + start;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    *dst++ = kAlphabet[v >> 18];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = kAlphabet[(v >> 6) & 63];
    *dst++ = kAlphabet[v & 63];
  }
  if (i < n) {
    const bool two = i + 1 < n;
    const uint32_t v = (uint32_t{p[i]} << 16) | (two ? uint32_t{p[i + 1]} << 8 : 0);
    *dst++ = kAlphabet[v >> 18];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = two ? kAlphabet[(v >> 6) & 63] : '=';
    *dst++ = '=';
  }
}

void AppendAnyValueJson(std::string& out, const commonpb::AnyValue& value) {
  AppendAnyValue(out, value, 0);
}

void AppendKeyValueJson(std::string& out, const commonpb::KeyValue& kv) {
  AppendKeyValue(out, kv, 0);
}

void AppendResourceSpansJson(std::string& out, const tracepb::ResourceSpans& resource_spans) {
  ObjectWriter w(out);
  if (resource_spans.has_resource()) {
    w.Key("resource");
    AppendResource(out, resource_spans.resource());
  }
  RepeatedField(w, out, "scopeSpans", resource_spans.scope_spans(), AppendScopeSpans);
  w.String("schemaUrl", resource_spans.schema_url());
  w.Finish();
}

std::string TraceToJsonV1(const tempopb::Trace& trace) {
  std::string out;
  out.reserve(trace.ByteSizeLong() * 2 + 16);
  AppendTrace(out, trace, "batches");
  return out;
}

std::string TraceByIdResponseToJson(const tempopb::TraceByIDResponse& response) {
  std::string out;
  out.reserve((response.has_trace() ? response.trace().ByteSizeLong() * 2 : 0) + 64);
  ObjectWriter w(out);
  if (response.has_trace()) {
    w.Key("trace");
    AppendTrace(out, response.trace(), "resourceSpans");
  }
  if (response.has_metrics()) {
    w.Key("metrics");
    ObjectWriter m(out);
    m.Uint64("inspectedBytes", response.metrics().inspectedbytes());
    m.Finish();
  }
  w.Enum("status", response.status(), response.status() == tempopb::PARTIAL ? "PARTIAL" : "");
  w.String("message", response.message());
  w.Finish();
  return out;
}

}  // namespace tempo::model
