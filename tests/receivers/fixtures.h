#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "receivers/jaeger/otlp_builder.h"
#include "thrift_writer.h"

namespace tempo::testing {

// Test payload builders for the Jaeger and Zipkin thrift formats, and OTLP inspection helpers.

// ---- Jaeger thrift ----------------------------------------------------------------------------

struct JTag {
  std::string key;
  int32_t type = 0;  // thrift TagType: 0 STRING, 1 DOUBLE, 2 BOOL, 3 LONG, 4 BINARY
  std::string str;
  double d = 0;
  bool b = false;
  int64_t l = 0;
  bool write_all = false;  // also write the optional fields the type does not select (Node does)
};
inline JTag StrTag(std::string k, std::string v) { return JTag{std::move(k), 0, std::move(v)}; }
inline JTag DoubleTag(std::string k, double v) { return JTag{std::move(k), 1, "", v}; }
inline JTag BoolTag(std::string k, bool v) { return JTag{std::move(k), 2, "", 0, v}; }
inline JTag LongTag(std::string k, int64_t v) { return JTag{std::move(k), 3, "", 0, false, v}; }
inline JTag BinTag(std::string k, std::string v) { return JTag{std::move(k), 4, std::move(v)}; }

struct JLog {
  int64_t timestamp_us = 0;
  std::vector<JTag> fields;
};

struct JRef {
  int32_t type = 0;  // 0 CHILD_OF, 1 FOLLOWS_FROM
  int64_t trace_low = 0;
  int64_t trace_high = 0;
  int64_t span_id = 0;
};

struct JSpan {
  int64_t trace_low = 0;
  int64_t trace_high = 0;
  int64_t span_id = 0;
  int64_t parent_span_id = 0;
  std::string name;
  std::vector<JRef> refs;
  int32_t flags = 1;
  int64_t start_us = 0;
  int64_t duration_us = 0;
  std::vector<JTag> tags;
  std::vector<JLog> logs;
};

struct JBatch {
  std::string service = "svc";
  std::vector<JTag> process_tags;
  std::vector<JSpan> spans;
};

inline void WriteTags(ThriftWriter& w, int16_t id, const std::vector<JTag>& tags) {
  w.Field(ThriftWriter::kList, id);
  w.ListBegin(ThriftWriter::kStruct, static_cast<uint32_t>(tags.size()));
  for (const JTag& t : tags) {
    w.StructBegin();
    w.StringField(1, t.key);
    w.I32Field(2, t.type);
    if (t.type == 0 || t.write_all) w.StringField(3, t.str);
    if (t.type == 1 || t.write_all) w.DoubleField(4, t.d);
    if (t.type == 2 || t.write_all) w.BoolField(5, t.b);
    if (t.type == 3 || t.write_all) w.I64Field(6, t.l);
    if (t.type == 4 || t.write_all) w.StringField(7, t.str);
    w.StructEnd();
  }
}

inline void WriteBatch(ThriftWriter& w, const JBatch& b) {
  w.StructBegin();
  w.Field(ThriftWriter::kStruct, 1);
  w.StructBegin();
  w.StringField(1, b.service);
  if (!b.process_tags.empty()) WriteTags(w, 2, b.process_tags);
  w.StructEnd();
  w.Field(ThriftWriter::kList, 2);
  w.ListBegin(ThriftWriter::kStruct, static_cast<uint32_t>(b.spans.size()));
  for (const JSpan& s : b.spans) {
    w.StructBegin();
    w.I64Field(1, s.trace_low);
    w.I64Field(2, s.trace_high);
    w.I64Field(3, s.span_id);
    w.I64Field(4, s.parent_span_id);
    w.StringField(5, s.name);
    if (!s.refs.empty()) {
      w.Field(ThriftWriter::kList, 6);
      w.ListBegin(ThriftWriter::kStruct, static_cast<uint32_t>(s.refs.size()));
      for (const JRef& r : s.refs) {
        w.StructBegin();
        w.I32Field(1, r.type);
        w.I64Field(2, r.trace_low);
        w.I64Field(3, r.trace_high);
        w.I64Field(4, r.span_id);
        w.StructEnd();
      }
    }
    w.I32Field(7, s.flags);
    w.I64Field(8, s.start_us);
    w.I64Field(9, s.duration_us);
    if (!s.tags.empty()) WriteTags(w, 10, s.tags);
    if (!s.logs.empty()) {
      w.Field(ThriftWriter::kList, 11);
      w.ListBegin(ThriftWriter::kStruct, static_cast<uint32_t>(s.logs.size()));
      for (const JLog& l : s.logs) {
        w.StructBegin();
        w.I64Field(1, l.timestamp_us);
        WriteTags(w, 2, l.fields);
        w.StructEnd();
      }
    }
    w.StructEnd();
  }
  w.I64Field(3, 7);  // seqNo, ignored
  w.StructEnd();
}

// A bare Batch struct (the thrift_http body).
inline std::string EncodeJaegerBatch(const JBatch& b, bool compact = false) {
  ThriftWriter w(compact);
  WriteBatch(w, b);
  return w.bytes();
}

// An agent datagram: message envelope + emitBatch args.
inline std::string EncodeAgentMessage(const JBatch& b, bool compact,
                                      const std::string& method = "emitBatch", uint8_t type = 4) {
  ThriftWriter w(compact);
  w.MessageBegin(method, type, 0);
  w.StructBegin();
  w.Field(ThriftWriter::kStruct, 1);
  WriteBatch(w, b);
  w.StructEnd();
  return w.bytes();
}

// A batch with one span per kind of content, for fuzzing and benchmarks.
inline JBatch RichJaegerBatch(int spans = 3) {
  JBatch b;
  b.service = "rich-svc";
  b.process_tags = {StrTag("hostname", "h1"), StrTag("jaeger.version", "Node-3.19.0"),
                    StrTag("ip", "10.0.0.1"), LongTag("pid", 42)};
  for (int i = 0; i < spans; ++i) {
    JSpan s;
    s.trace_low = 0x1122334455667788;
    s.trace_high = 0x0102030405060708;
    s.span_id = 100 + i;
    s.parent_span_id = i == 0 ? 0 : 100;
    s.name = "op-" + std::to_string(i);
    if (i == 2) s.refs = {JRef{1, 0x11, 0x22, 0x33}};
    s.start_us = 1'700'000'000'000'000 + i;
    s.duration_us = 1500;
    s.tags = {StrTag("span.kind", i == 0 ? "server" : "client"),
              DoubleTag("http.status_code", 503),
              BoolTag("error", i == 0),
              LongTag("retries", i),
              StrTag("component", "http"),
              BinTag("raw", std::string("\x00\xff", 2))};
    s.logs = {JLog{1'700'000'000'000'100, {StrTag("event", "retry"), LongTag("attempt", 2)}}};
    b.spans.push_back(std::move(s));
  }
  return b;
}

// ---- Zipkin v1 thrift -------------------------------------------------------------------------

struct ZEndpoint {
  int32_t ipv4 = 0;
  int16_t port = 0;
  std::string service;
  std::string ipv6;
};
struct ZAnnotation {
  int64_t timestamp_us = 0;
  std::string value;
  bool has_host = false;
  ZEndpoint host;
};
struct ZBinaryAnnotation {
  std::string key;
  std::string value;
  int32_t type = 6;  // 0 BOOL 1 BYTES 2 I16 3 I32 4 I64 5 DOUBLE 6 STRING
  bool has_host = false;
  ZEndpoint host;
};
inline ZBinaryAnnotation BinAnn(std::string key, std::string value, int32_t type) {
  ZBinaryAnnotation b;
  b.key = std::move(key);
  b.value = std::move(value);
  b.type = type;
  return b;
}

struct ZSpanV1 {
  int64_t trace_id = 0;
  int64_t trace_id_high = 0;
  std::string name;
  int64_t id = 0;
  int64_t parent_id = 0;
  std::vector<ZAnnotation> annotations;
  std::vector<ZBinaryAnnotation> binary_annotations;
  int64_t timestamp_us = 0;
  int64_t duration_us = 0;
};

inline void WriteZEndpoint(ThriftWriter& w, int16_t id, const ZEndpoint& e) {
  w.Field(ThriftWriter::kStruct, id);
  w.StructBegin();
  w.I32Field(1, e.ipv4);
  w.Field(ThriftWriter::kI16, 2);
  w.I16(e.port);
  w.StringField(3, e.service);
  if (!e.ipv6.empty()) w.StringField(4, e.ipv6);
  w.StructEnd();
}

inline std::string EncodeZipkinV1Thrift(const std::vector<ZSpanV1>& spans) {
  ThriftWriter w(false);
  w.ListBegin(ThriftWriter::kStruct, static_cast<uint32_t>(spans.size()));
  for (const ZSpanV1& s : spans) {
    w.StructBegin();
    w.I64Field(1, s.trace_id);
    w.StringField(3, s.name);
    w.I64Field(4, s.id);
    if (s.parent_id != 0) w.I64Field(5, s.parent_id);
    w.Field(ThriftWriter::kList, 6);
    w.ListBegin(ThriftWriter::kStruct, static_cast<uint32_t>(s.annotations.size()));
    for (const ZAnnotation& a : s.annotations) {
      w.StructBegin();
      w.I64Field(1, a.timestamp_us);
      w.StringField(2, a.value);
      if (a.has_host) WriteZEndpoint(w, 3, a.host);
      w.StructEnd();
    }
    w.Field(ThriftWriter::kList, 8);
    w.ListBegin(ThriftWriter::kStruct, static_cast<uint32_t>(s.binary_annotations.size()));
    for (const ZBinaryAnnotation& b : s.binary_annotations) {
      w.StructBegin();
      w.StringField(1, b.key);
      w.StringField(2, b.value);
      w.I32Field(3, b.type);
      if (b.has_host) WriteZEndpoint(w, 4, b.host);
      w.StructEnd();
    }
    w.BoolField(9, false);
    if (s.timestamp_us != 0) w.I64Field(10, s.timestamp_us);
    if (s.duration_us != 0) w.I64Field(11, s.duration_us);
    if (s.trace_id_high != 0) w.I64Field(12, s.trace_id_high);
    w.StructEnd();
  }
  return w.bytes();
}

// ---- OTLP inspection ----------------------------------------------------------------------------

using OtlpExport = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using OtlpSpanT = opentelemetry::proto::trace::v1::Span;
using AnyValueT = opentelemetry::proto::common::v1::AnyValue;
using KeyValuesT = receivers::otlp_builder::KeyValues;

inline std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

// The attribute's value, or nullptr.
inline const AnyValueT* Attr(const KeyValuesT& attrs, const std::string& key) {
  return receivers::otlp_builder::Find(attrs, key);
}
inline bool HasAttr(const KeyValuesT& attrs, const std::string& key) {
  return Attr(attrs, key) != nullptr;
}
inline std::string StrAttr(const KeyValuesT& attrs, const std::string& key) {
  const AnyValueT* v = Attr(attrs, key);
  return v != nullptr && v->has_string_value() ? v->string_value() : "<missing>";
}

// All spans of the request in order.
inline std::vector<const OtlpSpanT*> AllSpans(const OtlpExport& request) {
  std::vector<const OtlpSpanT*> out;
  for (const auto& rs : request.resource_spans()) {
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& s : ss.spans()) out.push_back(&s);
    }
  }
  return out;
}

}  // namespace tempo::testing
