// Tempo's JSON for traces (tempo_json.h), written from protobuf bytes: a trace found by ID stays
// bytes from the blocks to the answer, and the message-taking functions serialize their message
// and take the same path, so there is one writer of span JSON.
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "model/json_object_writer.h"
#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempo/model/tempo_json.h"
#include "tempo/model/wire_format.h"
#include "tempopb/tempo.pb.h"

namespace tempo::model {
namespace {

namespace commonpb = opentelemetry::proto::common::v1;
namespace tracepb = opentelemetry::proto::trace::v1;

// Protobuf's own parser stops at 100 nested messages, so this is never reached by decoded data; it
// only keeps a hand-built pathological value from overflowing the stack.
constexpr int kMaxAnyValueDepth = 200;
constexpr int kMaxGroupDepth = 100;  // libprotobuf's recursion limit

constexpr uint8_t kNone = 0xFF;  // no such field (schema) / not seen (Fields)
constexpr uint8_t kVar = wire::kVarint, kF64 = wire::kFixed64, kLen = wire::kLengthDelimited,
                  kF32 = wire::kFixed32;

// What a message's fields are, for field numbers below N: the wire type of each (kNone: not in
// the schema), which are repeated, which are singular messages (given twice, protobuf merges
// them) and which belong to the message's oneof.
template <size_t N>
struct Schema {
  std::array<uint8_t, N> type;
  uint32_t repeated = 0;
  uint32_t messages = 0;
  uint32_t oneof = 0;
};

// One message's fields, read in one pass as libprotobuf would parse them: the last occurrence of
// each singular field (last wins), and for each repeated field the bytes from its first
// occurrence to the end of its last (walked again when written). A field whose wire type is not
// the schema's is an unknown field to protobuf and skipped here too.
template <size_t N>
struct Fields {
  std::array<wire::Field, N> last;
  std::array<std::pair<size_t, size_t>, N> runs;
  uint32_t seen = 0;   // bit n: field n was read
  uint32_t oneof = 0;  // the oneof member set last (its number), 0: none

  bool Has(uint32_t n) const { return (seen >> n) & 1; }

  // False where the bytes do not parse or need merging (a singular message field given twice,
  // a oneof message member given twice in a row). Unknown groups are skipped.
  bool Read(std::string_view bytes, const Schema<N>& schema) {
    wire::Reader r(bytes);
    wire::Field field;
    while (!r.done()) {
      const size_t at = bytes.size() - r.remaining();
      if (!wire::ReadFieldOrSkipGroup(r, &field, kMaxGroupDepth)) return false;
      const uint32_t n = field.number;
      if (n >= N || schema.type[n] != field.type) continue;
      const uint32_t bit = 1u << n;
      if (schema.repeated & bit) {
        if (!Has(n)) runs[n].first = at;
        runs[n].second = bytes.size() - r.remaining();
      } else if (schema.oneof & bit) {
        if ((schema.messages & bit) && oneof == n) return false;
        oneof = n;
      } else if ((schema.messages & bit) && Has(n)) {
        return false;
      }
      seen |= bit;
      last[n] = field;
    }
    return true;
  }
  std::string_view Str(uint32_t n) const { return Has(n) ? last[n].bytes : std::string_view(); }
  uint64_t Num(uint32_t n) const { return Has(n) ? last[n].value : 0; }
  uint32_t U32(uint32_t n) const { return static_cast<uint32_t>(Num(n)); }
  int32_t I32(uint32_t n) const { return static_cast<int32_t>(Num(n)); }
};

// Calls `fn(element bytes)` for each occurrence of repeated field `n` read by `f` from `bytes`.
template <size_t N, typename Fn>
bool Each(std::string_view bytes, const Fields<N>& f, uint32_t n, Fn fn) {
  if (!f.Has(n)) return true;
  wire::Reader r(bytes.substr(f.runs[n].first, f.runs[n].second - f.runs[n].first));
  wire::Field field;
  while (!r.done()) {
    if (!wire::ReadFieldOrSkipGroup(r, &field, kMaxGroupDepth)) return false;
    if (field.number == n && field.type == kLen && !fn(field.bytes)) return false;
  }
  return true;
}

constexpr Schema<2> kTraceSchema{{kNone, kLen}, 1u << 1};
constexpr Schema<4> kResourceSpansSchema{{kNone, kLen, kLen, kLen}, 1u << 2, 1u << 1};
constexpr Schema<3> kResourceSchema{{kNone, kLen, kVar}, 1u << 1};
constexpr Schema<4> kScopeSpansSchema{{kNone, kLen, kLen, kLen}, 1u << 2, 1u << 1};
constexpr Schema<5> kScopeSchema{{kNone, kLen, kLen, kLen, kVar}, 1u << 3};
constexpr Schema<17> kSpanSchema{
    {kNone, kLen, kLen, kLen, kLen, kLen, kVar, kF64, kF64, kLen, kVar, kLen, kVar, kLen, kVar,
     kLen, kF32},
    (1u << 9) | (1u << 11) | (1u << 13),
    1u << 15};
constexpr Schema<5> kEventSchema{{kNone, kF64, kLen, kLen, kVar}, 1u << 3};
constexpr Schema<7> kLinkSchema{{kNone, kLen, kLen, kLen, kLen, kVar, kF32}, 1u << 4};
constexpr Schema<4> kStatusSchema{{kNone, kNone, kLen, kVar}};
constexpr Schema<3> kKeyValueSchema{{kNone, kLen, kLen}, 0, 1u << 2};
constexpr Schema<9> kAnyValueSchema{
    {kNone, kLen, kVar, kVar, kF64, kLen, kLen, kLen, kVar}, 0, (1u << 5) | (1u << 6), 0x1FE};
constexpr Schema<2> kValuesSchema{{kNone, kLen}, 1u << 1};  // ArrayValue, KeyValueList

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

void AppendInt64String(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.push_back('"');
  out.append(buf, end);
  out.push_back('"');
}

double DoubleOf(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

// Writes the JSON of serialized messages. Each function returns false where its bytes do not
// parse or need merging (Fields::Read); what it wrote is then to be discarded. Not thread-safe;
// one per answer.
class TraceJson {
 public:
  explicit TraceJson(std::string& out) : out_(out) {}

  // {"<key>":[ResourceSpans...]} or {} for an empty trace.
  bool Trace(std::string_view bytes, std::string_view key) {
    Fields<2> f;
    if (!f.Read(bytes, kTraceSchema)) return false;
    ObjectWriter w(out_);
    if (!Array(w, key, bytes, f, 1, [this](std::string_view b) { return ResourceSpans(b); })) {
      return false;
    }
    w.Finish();
    return true;
  }

  bool ResourceSpans(std::string_view bytes) {
    Fields<4> f;
    if (!f.Read(bytes, kResourceSpansSchema)) return false;
    ObjectWriter w(out_);
    if (f.Has(1)) {
      w.Key("resource");
      if (!Resource(f.Str(1))) return false;
    }
    if (!Array(w, "scopeSpans", bytes, f, 2, [this](std::string_view b) { return ScopeSpans(b); })) {
      return false;
    }
    w.String("schemaUrl", f.Str(3));
    w.Finish();
    return true;
  }

  bool KeyValue(std::string_view bytes, int depth) {
    wire::ShortAttribute a;
    if (wire::ReadShortAttribute(bytes, &a)) {
      ObjectWriter w(out_);
      w.String("key", a.key);
      w.Key("value");
      switch (a.value_tag) {
        case wire::Tag(1, kLen):
          out_.append("{\"stringValue\":");
          AppendJsonString(out_, a.string_value);
          break;
        case wire::Tag(2, kVar):
          out_.append(a.number != 0 ? "{\"boolValue\":true" : "{\"boolValue\":false");
          break;
        case wire::Tag(3, kVar):
          out_.append("{\"intValue\":");
          AppendInt64String(out_, static_cast<int64_t>(a.number));
          break;
        case wire::Tag(4, kF64):
          out_.append("{\"doubleValue\":");
          AppendJsonDouble(out_, DoubleOf(a.number));
          break;
        default:  // no member
          out_.push_back('{');
      }
      out_.push_back('}');
      w.Finish();
      return true;
    }
    Fields<3> f;
    if (!f.Read(bytes, kKeyValueSchema)) return false;
    ObjectWriter w(out_);
    w.String("key", f.Str(1));
    if (f.Has(2)) {
      w.Key("value");
      if (!AnyValue(f.Str(2), depth + 1)) return false;
    }
    w.Finish();
    return true;
  }

  bool AnyValue(std::string_view bytes, int depth) {
    if (depth > kMaxAnyValueDepth) {
      out_.append("{}");
      return true;
    }
    Fields<9> f;
    if (!f.Read(bytes, kAnyValueSchema)) return false;
    const wire::Field& v = f.last[f.oneof];
    switch (f.oneof) {
      case 1:
        out_.append("{\"stringValue\":");
        AppendJsonString(out_, v.bytes);
        break;
      case 2:
        out_.append(v.value != 0 ? "{\"boolValue\":true" : "{\"boolValue\":false");
        break;
      case 3:
        out_.append("{\"intValue\":");
        AppendInt64String(out_, static_cast<int64_t>(v.value));
        break;
      case 4:
        out_.append("{\"doubleValue\":");
        AppendJsonDouble(out_, DoubleOf(v.value));
        break;
      case 5:
      case 6: {
        out_.append(f.oneof == 5 ? "{\"arrayValue\":" : "{\"kvlistValue\":");
        Fields<2> list;
        if (!list.Read(v.bytes, kValuesSchema)) return false;
        ObjectWriter w(out_);
        const bool array = f.oneof == 5;
        if (!Array(w, "values", v.bytes, list, 1, [&](std::string_view b) {
              return array ? AnyValue(b, depth + 1) : KeyValue(b, depth + 1);
            })) {
          return false;
        }
        w.Finish();
        break;
      }
      case 7:
        out_.append("{\"bytesValue\":\"");
        AppendBase64(out_, v.bytes);
        out_.push_back('"');
        break;
      default:
        // Unset, or the profiles-only string_value_strindex that Tempo's schema does not have.
        out_.append("{}");
        return true;
    }
    out_.push_back('}');
    return true;
  }

 private:
  // `"key":[...]` with the elements of repeated field `n`, left out when there are none.
  template <size_t N, typename Fn>
  bool Array(ObjectWriter& w, std::string_view key, std::string_view bytes, const Fields<N>& f,
             uint32_t n, Fn element) {
    if (!f.Has(n)) return true;
    w.Key(key);
    out_.push_back('[');
    bool first = true;
    const bool ok = Each(bytes, f, n, [&](std::string_view b) {
      if (!first) out_.push_back(',');
      first = false;
      return element(b);
    });
    out_.push_back(']');
    return ok;
  }

  template <size_t N>
  bool Attributes(ObjectWriter& w, std::string_view bytes, const Fields<N>& f, uint32_t n) {
    return Array(w, "attributes", bytes, f, n, [this](std::string_view b) { return KeyValue(b, 0); });
  }

  bool Resource(std::string_view bytes) {
    Fields<3> f;
    if (!f.Read(bytes, kResourceSchema)) return false;
    ObjectWriter w(out_);
    if (!Attributes(w, bytes, f, 1)) return false;
    w.Uint32("droppedAttributesCount", f.U32(2));
    w.Finish();
    return true;
  }

  bool ScopeSpans(std::string_view bytes) {
    Fields<4> f;
    if (!f.Read(bytes, kScopeSpansSchema)) return false;
    ObjectWriter w(out_);
    if (f.Has(1)) {
      w.Key("scope");
      if (!Scope(f.Str(1))) return false;
    }
    if (!Array(w, "spans", bytes, f, 2, [this](std::string_view b) { return Span(b); })) {
      return false;
    }
    w.String("schemaUrl", f.Str(3));
    w.Finish();
    return true;
  }

  bool Scope(std::string_view bytes) {
    Fields<5> f;
    if (!f.Read(bytes, kScopeSchema)) return false;
    ObjectWriter w(out_);
    w.String("name", f.Str(1));
    w.String("version", f.Str(2));
    if (!Attributes(w, bytes, f, 3)) return false;
    w.Uint32("droppedAttributesCount", f.U32(4));
    w.Finish();
    return true;
  }

  bool Span(std::string_view bytes) {
    Fields<17> f;
    if (!f.Read(bytes, kSpanSchema)) return false;
    ObjectWriter w(out_);
    w.Bytes("traceId", f.Str(1));
    w.Bytes("spanId", f.Str(2));
    w.String("traceState", f.Str(3));
    w.Bytes("parentSpanId", f.Str(4));
    w.String("name", f.Str(5));
    w.Enum("kind", f.I32(6), SpanKindName(f.I32(6)));
    w.Uint64("startTimeUnixNano", f.Num(7));
    w.Uint64("endTimeUnixNano", f.Num(8));
    if (!Attributes(w, bytes, f, 9)) return false;
    w.Uint32("droppedAttributesCount", f.U32(10));
    if (!Array(w, "events", bytes, f, 11, [this](std::string_view b) { return Event(b); })) {
      return false;
    }
    w.Uint32("droppedEventsCount", f.U32(12));
    if (!Array(w, "links", bytes, f, 13, [this](std::string_view b) { return Link(b); })) {
      return false;
    }
    w.Uint32("droppedLinksCount", f.U32(14));
    if (f.Has(15)) {
      Fields<4> status;
      if (!status.Read(f.Str(15), kStatusSchema)) return false;
      w.Key("status");
      ObjectWriter s(out_);
      s.String("message", status.Str(2));
      s.Enum("code", status.I32(3), StatusCodeName(status.I32(3)));
      s.Finish();
    }
    w.Uint32("flags", f.U32(16));
    w.Finish();
    return true;
  }

  bool Event(std::string_view bytes) {
    Fields<5> f;
    if (!f.Read(bytes, kEventSchema)) return false;
    ObjectWriter w(out_);
    w.Uint64("timeUnixNano", f.Num(1));
    w.String("name", f.Str(2));
    if (!Attributes(w, bytes, f, 3)) return false;
    w.Uint32("droppedAttributesCount", f.U32(4));
    w.Finish();
    return true;
  }

  bool Link(std::string_view bytes) {
    Fields<7> f;
    if (!f.Read(bytes, kLinkSchema)) return false;
    ObjectWriter w(out_);
    w.Bytes("traceId", f.Str(1));
    w.Bytes("spanId", f.Str(2));
    w.String("traceState", f.Str(3));
    if (!Attributes(w, bytes, f, 4)) return false;
    w.Uint32("droppedAttributesCount", f.U32(5));
    w.Uint32("flags", f.U32(6));
    w.Finish();
    return true;
  }

  std::string& out_;
};

// Runs `write(bytes)` (a TraceJson call appending to `out`); where the bytes need what only a
// full parse gives, parses them as `Message` and writes its canonical serialization instead.
// False, with `out` unchanged, where they do not parse.
template <typename Message, typename Write>
bool WriteBytes(std::string_view bytes, std::string& out, Write write) {
  const size_t before = out.size();
  if (write(bytes)) return true;
  out.resize(before);
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  const std::string canonical = message.SerializeAsString();
  if (write(canonical)) return true;
  out.resize(before);
  return false;
}

// For a message already parsed: its serialization is canonical, so the bytes path always takes.
template <typename Message, typename Write>
void WriteMessage(const Message& message, std::string& out, Write write) {
  const std::string bytes = message.SerializeAsString();
  const size_t before = out.size();
  if (!write(bytes)) out.resize(before);
}

}  // namespace

bool AppendTraceBytesJson(std::string& out, std::string_view trace, std::string_view key) {
  return WriteBytes<tempopb::Trace>(
      trace, out, [&](std::string_view b) { return TraceJson(out).Trace(b, key); });
}

bool TraceBytesToJsonV1(std::string_view trace, std::string* out) {
  out->reserve(out->size() + trace.size() * 2 + 16);
  return AppendTraceBytesJson(*out, trace, "batches");
}

bool TraceByIdBytesToJson(std::string_view trace, uint64_t inspected_bytes, std::string* out) {
  const size_t before = out->size();
  out->reserve(before + trace.size() * 2 + 64);
  ObjectWriter w(*out);
  w.Key("trace");
  if (!AppendTraceBytesJson(*out, trace, "resourceSpans")) {
    out->resize(before);
    return false;
  }
  w.Key("metrics");
  ObjectWriter m(*out);
  m.Uint64("inspectedBytes", inspected_bytes);
  m.Finish();
  w.Finish();
  return true;
}

std::string TraceToJsonV1(const tempopb::Trace& trace) {
  std::string out;
  WriteMessage(trace, out, [&](std::string_view b) {
    out.reserve(b.size() * 2 + 16);
    return TraceJson(out).Trace(b, "batches");
  });
  return out;
}

std::string TraceByIdResponseToJson(const tempopb::TraceByIDResponse& response) {
  std::string out;
  ObjectWriter w(out);
  if (response.has_trace()) {
    w.Key("trace");
    WriteMessage(response.trace(), out, [&](std::string_view b) {
      out.reserve(b.size() * 2 + 64);
      return TraceJson(out).Trace(b, "resourceSpans");
    });
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

void AppendResourceSpansJson(std::string& out, const tracepb::ResourceSpans& resource_spans) {
  WriteMessage(resource_spans, out,
               [&](std::string_view b) { return TraceJson(out).ResourceSpans(b); });
}

void AppendKeyValueJson(std::string& out, const commonpb::KeyValue& kv) {
  WriteMessage(kv, out, [&](std::string_view b) { return TraceJson(out).KeyValue(b, 0); });
}

void AppendAnyValueJson(std::string& out, const commonpb::AnyValue& value) {
  WriteMessage(value, out, [&](std::string_view b) { return TraceJson(out).AnyValue(b, 0); });
}

}  // namespace tempo::model
