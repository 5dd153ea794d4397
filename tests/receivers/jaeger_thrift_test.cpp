#include <catch2/catch.hpp>

#include "fixtures.h"
#include "receivers/jaeger/jaeger_decoder.h"

namespace tempo::receivers::jaeger {
namespace {

using testing::AllSpans;
using testing::Attr;
using testing::BinTag;
using testing::BoolTag;
using testing::DoubleTag;
using testing::EncodeAgentMessage;
using testing::EncodeJaegerBatch;
using testing::HasAttr;
using testing::Hex;
using testing::JBatch;
using testing::JLog;
using testing::JRef;
using testing::JSpan;
using testing::JTag;
using testing::LongTag;
using testing::StrAttr;
using testing::StrTag;
namespace trace = opentelemetry::proto::trace::v1;

JSpan BasicSpan(int64_t id = 1) {
  JSpan s;
  s.trace_low = 0x0a0b0c0d0e0f1011;
  s.trace_high = 0x0102030405060708;
  s.span_id = id;
  s.name = "op";
  s.start_us = 1'700'000'000'000'000;
  s.duration_us = 2500;
  return s;
}

// Decodes `batch` as a thrift_http body (binary) and, separately, as compact, and checks both
// produce the same OTLP. Returns the binary result.
model::OtlpRequest Decode(const JBatch& batch) {
  model::OtlpRequest binary, compact;
  Status s = ThriftHttpBodyToOtlp(EncodeJaegerBatch(batch, false), &binary);
  INFO(s.ToString());
  REQUIRE(s.ok());
  Batch decoded;
  std::string compact_bytes = EncodeJaegerBatch(batch, true);
  s = DecodeThriftBatch(compact_bytes, ThriftProtocol::kCompact, &decoded);
  INFO(s.ToString());
  REQUIRE(s.ok());
  TranslateToOtlp(decoded, Flavor::kThrift, &compact);
  REQUIRE(binary.SerializeAsString() == compact.SerializeAsString());
  return binary;
}

trace::Span OnlySpan(const model::OtlpRequest& r) {
  auto spans = AllSpans(r);
  REQUIRE(spans.size() == 1);
  return *spans[0];
}

TEST_CASE("Jaeger thrift ids, name and times map to OTLP", "[receivers]") {
  JBatch b;
  b.spans = {BasicSpan(0x00000000000000ff)};
  auto r = Decode(b);
  const auto& span = OnlySpan(r);
  CHECK(Hex(span.trace_id()) == "01020304050607080a0b0c0d0e0f1011");
  CHECK(Hex(span.span_id()) == "00000000000000ff");
  CHECK(span.parent_span_id().empty());
  CHECK(span.name() == "op");
  CHECK(span.start_time_unix_nano() == 1'700'000'000'000'000'000ull);
  CHECK(span.end_time_unix_nano() == 1'700'000'000'002'500'000ull);
  CHECK(span.kind() == trace::Span::SPAN_KIND_UNSPECIFIED);
  CHECK(span.trace_state().empty());
  // One resource, one empty scope for the whole thrift batch.
  REQUIRE(r.resource_spans_size() == 1);
  REQUIRE(r.resource_spans(0).scope_spans_size() == 1);
  CHECK(r.resource_spans(0).scope_spans(0).scope().name().empty());
}

TEST_CASE("Jaeger 64-bit trace ids are left-padded and negative i64 are unsigned", "[receivers]") {
  JBatch b;
  JSpan s = BasicSpan(-1);
  s.trace_high = 0;
  s.trace_low = -2;
  b.spans = {s};
  const auto& span = OnlySpan(Decode(b));
  CHECK(Hex(span.trace_id()) == "0000000000000000fffffffffffffffe");
  CHECK(Hex(span.span_id()) == "ffffffffffffffff");
}

TEST_CASE("Jaeger parent: parentSpanId, then CHILD_OF, then FOLLOWS_FROM of the same trace",
          "[receivers]") {
  JBatch b;
  JSpan s = BasicSpan(5);
  SECTION("parentSpanId wins and a matching CHILD_OF reference is not a link") {
    s.parent_span_id = 9;
    s.refs = {JRef{0, s.trace_low, s.trace_high, 9}, JRef{1, 1, 2, 3}};
    b.spans = {s};
    const auto& span = OnlySpan(Decode(b));
    CHECK(Hex(span.parent_span_id()) == "0000000000000009");
    REQUIRE(span.links_size() == 1);
    CHECK(Hex(span.links(0).trace_id()) == "00000000000000020000000000000001");
    CHECK(Hex(span.links(0).span_id()) == "0000000000000003");
    CHECK(StrAttr(span.links(0).attributes(), "opentracing.ref_type") == "follows_from");
  }
  SECTION("only parentSpanId: no links") {
    s.parent_span_id = 9;
    b.spans = {s};
    const auto& span = OnlySpan(Decode(b));
    CHECK(Hex(span.parent_span_id()) == "0000000000000009");
    CHECK(span.links_size() == 0);
  }
  SECTION("CHILD_OF of another trace is not the parent") {
    s.refs = {JRef{0, 77, 0, 8}, JRef{1, s.trace_low, s.trace_high, 6},
              JRef{0, s.trace_low, s.trace_high, 7}};
    b.spans = {s};
    const auto& span = OnlySpan(Decode(b));
    CHECK(Hex(span.parent_span_id()) == "0000000000000007");
    REQUIRE(span.links_size() == 2);
    CHECK(StrAttr(span.links(0).attributes(), "opentracing.ref_type") == "child_of");
    CHECK(Hex(span.links(0).span_id()) == "0000000000000008");
    CHECK(StrAttr(span.links(1).attributes(), "opentracing.ref_type") == "follows_from");
  }
  SECTION("FOLLOWS_FROM of the same trace is the parent when no CHILD_OF matches") {
    s.refs = {JRef{1, s.trace_low, s.trace_high, 6}};
    b.spans = {s};
    const auto& span = OnlySpan(Decode(b));
    CHECK(Hex(span.parent_span_id()) == "0000000000000006");
    // It stays a link too: only the CHILD_OF parent is left out.
    REQUIRE(span.links_size() == 1);
  }
}

TEST_CASE("Jaeger tag types map to typed attributes", "[receivers]") {
  JBatch b;
  JSpan s = BasicSpan();
  JTag all_fields = DoubleTag("num", 2.5);
  all_fields.write_all = true;  // Node's jaeger-client writes every optional field
  all_fields.str = "ignored";
  JTag unknown = StrTag("weird", "x");
  unknown.type = 9;
  s.tags = {StrTag("s", "v"),
            all_fields,
            BoolTag("b", true),
            LongTag("l", -42),
            BinTag("bin", std::string("\x00\x01", 2)),
            unknown,
            StrTag("s", "last wins")};
  b.spans = {s};
  const auto& span = OnlySpan(Decode(b));
  const auto& attrs = span.attributes();
  CHECK(StrAttr(attrs, "s") == "last wins");
  CHECK(Attr(attrs, "num")->double_value() == 2.5);
  CHECK(Attr(attrs, "b")->bool_value());
  CHECK(Attr(attrs, "l")->int_value() == -42);
  CHECK(Attr(attrs, "bin")->bytes_value() == std::string("\x00\x01", 2));
  CHECK(StrAttr(attrs, "weird") == "<Unknown Jaeger TagType \"<UNSET>\">");
  CHECK(attrs.size() == 6);
  CHECK(attrs.Get(0).key() == "s");  // a repeated key keeps its first position
}

TEST_CASE("Jaeger span.kind tag sets the kind and is removed", "[receivers]") {
  const std::vector<std::pair<std::string, trace::Span::SpanKind>> cases = {
      {"client", trace::Span::SPAN_KIND_CLIENT},
      {"server", trace::Span::SPAN_KIND_SERVER},
      {"producer", trace::Span::SPAN_KIND_PRODUCER},
      {"consumer", trace::Span::SPAN_KIND_CONSUMER},
      {"internal", trace::Span::SPAN_KIND_INTERNAL},
      {"CLIENT", trace::Span::SPAN_KIND_UNSPECIFIED}};
  for (const auto& [text, kind] : cases) {
    JBatch b;
    JSpan s = BasicSpan();
    s.tags = {StrTag("span.kind", text)};
    b.spans = {s};
    const auto& span = OnlySpan(Decode(b));
    INFO(text);
    CHECK(span.kind() == kind);
    CHECK_FALSE(HasAttr(span.attributes(), "span.kind"));
  }
}

TEST_CASE("Jaeger status follows error, otel.status_code, then http.status_code", "[receivers]") {
  auto status_of = [](std::vector<JTag> tags) {
    JBatch b;
    JSpan s = BasicSpan();
    s.tags = std::move(tags);
    b.spans = {s};
    model::OtlpRequest r = Decode(b);
    return AllSpans(r)[0]->status();
  };
  auto span_of = [](std::vector<JTag> tags) {
    JBatch b;
    JSpan s = BasicSpan();
    s.tags = std::move(tags);
    b.spans = {s};
    model::OtlpRequest r = Decode(b);
    return *AllSpans(r)[0];
  };
  SECTION("error=true (bool) is ERROR with otel.status_description as message; both removed") {
    auto span = span_of({BoolTag("error", true), StrTag("otel.status_description", "boom"),
                         StrTag("otel.status_code", "OK")});
    CHECK(span.status().code() == trace::Status::STATUS_CODE_ERROR);
    CHECK(span.status().message() == "boom");
    CHECK_FALSE(HasAttr(span.attributes(), "error"));
    CHECK_FALSE(HasAttr(span.attributes(), "otel.status_description"));
    CHECK_FALSE(HasAttr(span.attributes(), "otel.status_code"));
  }
  SECTION("error=true takes http.status_message when there is no description") {
    auto span = span_of({BoolTag("error", true), StrTag("http.status_message", "Bad Gateway")});
    CHECK(span.status().code() == trace::Status::STATUS_CODE_ERROR);
    CHECK(span.status().message() == "Bad Gateway");
    CHECK(HasAttr(span.attributes(), "http.status_message"));
  }
  SECTION("error as the string \"true\" is not recognised and stays an attribute") {
    auto span = span_of({StrTag("error", "true")});
    CHECK(span.status().code() == trace::Status::STATUS_CODE_UNSET);
    CHECK(StrAttr(span.attributes(), "error") == "true");
  }
  SECTION("error=false is kept and does not set a status") {
    auto span = span_of({BoolTag("error", false)});
    CHECK(span.status().code() == trace::Status::STATUS_CODE_UNSET);
    CHECK(HasAttr(span.attributes(), "error"));
  }
  SECTION("otel.status_code is case-insensitive and takes its description") {
    auto span =
        span_of({StrTag("otel.status_code", "error"), StrTag("otel.status_description", "bad")});
    CHECK(span.status().code() == trace::Status::STATUS_CODE_ERROR);
    CHECK(span.status().message() == "bad");
    CHECK(span.attributes_size() == 0);
    CHECK(status_of({StrTag("otel.status_code", "Ok")}).code() == trace::Status::STATUS_CODE_OK);
    CHECK(status_of({StrTag("otel.status_code", "nope")}).code() ==
          trace::Status::STATUS_CODE_UNSET);
  }
  SECTION("http.status_code: 4xx depends on the kind, 100-398 unset, else error") {
    CHECK(status_of({LongTag("http.status_code", 404), StrTag("span.kind", "client")}).code() ==
          trace::Status::STATUS_CODE_ERROR);
    CHECK(status_of({LongTag("http.status_code", 404), StrTag("span.kind", "server")}).code() ==
          trace::Status::STATUS_CODE_UNSET);
    CHECK(status_of({LongTag("http.status_code", 404)}).code() == trace::Status::STATUS_CODE_ERROR);
    CHECK(status_of({LongTag("http.status_code", 200)}).code() == trace::Status::STATUS_CODE_UNSET);
    CHECK(status_of({LongTag("http.status_code", 398)}).code() == trace::Status::STATUS_CODE_UNSET);
    CHECK(status_of({LongTag("http.status_code", 399)}).code() == trace::Status::STATUS_CODE_ERROR);
    CHECK(status_of({StrTag("http.status_code", "503")}).code() ==
          trace::Status::STATUS_CODE_ERROR);
    // A double (what Node's jaeger-client sends) is ignored.
    CHECK(status_of({DoubleTag("http.status_code", 503)}).code() ==
          trace::Status::STATUS_CODE_UNSET);
    auto span = span_of({LongTag("http.status_code", 500), StrTag("http.status_message", "oops")});
    CHECK(span.status().message() == "oops");
    CHECK(HasAttr(span.attributes(), "http.status_code"));
  }
}

TEST_CASE("Jaeger logs become events named by their event field", "[receivers]") {
  JBatch b;
  JSpan s = BasicSpan();
  s.logs = {JLog{1'700'000'000'000'123, {StrTag("event", "retry"), LongTag("attempt", 2)}},
            JLog{1'700'000'000'000'456, {StrTag("message", "no name")}}};
  b.spans = {s};
  const auto& span = OnlySpan(Decode(b));
  REQUIRE(span.events_size() == 2);
  CHECK(span.events(0).name() == "retry");
  CHECK(span.events(0).time_unix_nano() == 1'700'000'000'000'123'000ull);
  CHECK_FALSE(HasAttr(span.events(0).attributes(), "event"));
  CHECK(Attr(span.events(0).attributes(), "attempt")->int_value() == 2);
  CHECK(span.events(1).name().empty());
  CHECK(StrAttr(span.events(1).attributes(), "message") == "no name");
}

TEST_CASE("Jaeger process becomes the resource, with hostname and jaeger.version renamed",
          "[receivers]") {
  JBatch b;
  b.service = "jc-svc";
  b.process_tags = {StrTag("hostname", "box"), StrTag("jaeger.version", "Node-3.19.0"),
                    StrTag("ip", "10.1.2.3"), StrTag("client-uuid", "u1"), LongTag("pid", 7)};
  b.spans = {BasicSpan()};
  auto r = Decode(b);
  const auto& attrs = r.resource_spans(0).resource().attributes();
  CHECK(StrAttr(attrs, "service.name") == "jc-svc");
  CHECK(StrAttr(attrs, "host.name") == "box");
  CHECK_FALSE(HasAttr(attrs, "hostname"));
  CHECK(StrAttr(attrs, "opencensus.exporterversion") == "Jaeger-Node-3.19.0");
  CHECK_FALSE(HasAttr(attrs, "jaeger.version"));
  CHECK(StrAttr(attrs, "ip") == "10.1.2.3");
  CHECK(StrAttr(attrs, "client-uuid") == "u1");
  CHECK(Attr(attrs, "pid")->int_value() == 7);

  SECTION("an existing host.name is kept and hostname stays") {
    b.process_tags = {StrTag("host.name", "real"), StrTag("hostname", "box")};
    auto r2 = Decode(b);
    const auto& attrs2 = r2.resource_spans(0).resource().attributes();
    CHECK(StrAttr(attrs2, "host.name") == "real");
    CHECK(StrAttr(attrs2, "hostname") == "box");
  }
  SECTION("thrift keeps otel.library.name as a span attribute") {
    JSpan s = BasicSpan();
    s.tags = {StrTag("otel.library.name", "lib"), StrTag("otel.scope.name", "scope")};
    b.spans = {s};
    auto r3 = Decode(b);
    CHECK(r3.resource_spans(0).scope_spans(0).scope().name().empty());
    CHECK(HasAttr(AllSpans(r3)[0]->attributes(), "otel.library.name"));
    CHECK(HasAttr(AllSpans(r3)[0]->attributes(), "otel.scope.name"));
  }
}

TEST_CASE("Jaeger thrift ignores w3c.tracestate and flags", "[receivers]") {
  JBatch b;
  JSpan s = BasicSpan();
  s.flags = 3;
  s.tags = {StrTag("w3c.tracestate", "a=b")};
  b.spans = {s};
  const auto& span = OnlySpan(Decode(b));
  CHECK(span.trace_state().empty());
  CHECK(StrAttr(span.attributes(), "w3c.tracestate") == "a=b");
  CHECK(span.flags() == 0);
}

TEST_CASE("Jaeger spans with every field at its default are skipped", "[receivers]") {
  JBatch b;
  JSpan blank;
  blank.flags = 0;
  b.spans = {blank, BasicSpan(3)};
  auto r = Decode(b);
  auto spans = AllSpans(r);
  REQUIRE(spans.size() == 1);
  CHECK(Hex(spans[0]->span_id()) == "0000000000000003");
}

TEST_CASE("Jaeger agent datagrams: emitBatch in both protocols", "[receivers]") {
  JBatch b = testing::RichJaegerBatch(2);
  for (bool compact : {false, true}) {
    INFO((compact ? "compact" : "binary"));
    ThriftProtocol protocol = compact ? ThriftProtocol::kCompact : ThriftProtocol::kBinary;
    model::OtlpRequest r;
    REQUIRE(AgentMessageToOtlp(EncodeAgentMessage(b, compact), protocol, &r).ok());
    CHECK(model::CountSpans(r) == 2);
    // A CALL message is accepted too.
    model::OtlpRequest call;
    CHECK(AgentMessageToOtlp(EncodeAgentMessage(b, compact, "emitBatch", 1), protocol, &call).ok());

    model::OtlpRequest zipkin;
    Status s =
        AgentMessageToOtlp(EncodeAgentMessage(b, compact, "emitZipkinBatch"), protocol, &zipkin);
    CHECK(s.code() == StatusCode::kUnimplemented);
    CHECK(s.message() == "unsupported method \"emitZipkinBatch\"");
    // The wrong protocol is an error, not a crash.
    model::OtlpRequest wrong;
    CHECK_FALSE(AgentMessageToOtlp(EncodeAgentMessage(b, !compact), protocol, &wrong).ok());
  }
  SECTION("the binary envelope starts 80 01 00 04, the compact one 82 81") {
    CHECK(EncodeAgentMessage(b, false).substr(0, 4) == std::string("\x80\x01\x00\x04", 4));
    CHECK(EncodeAgentMessage(b, true).substr(0, 2) == "\x82\x81");
  }
}

TEST_CASE("Jaeger thrift: a missing required field is an error", "[receivers]") {
  testing::ThriftWriter w(false);
  w.StructBegin();  // Batch without process
  w.Field(testing::ThriftWriter::kList, 2);
  w.ListBegin(testing::ThriftWriter::kStruct, 0);
  w.StructEnd();
  model::OtlpRequest r;
  Status s = ThriftHttpBodyToOtlp(w.bytes(), &r);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find("required field Batch.process is not set") != std::string::npos);
}

TEST_CASE("Jaeger thrift: unknown fields and fields of another type are skipped", "[receivers]") {
  testing::ThriftWriter w(false);
  w.StructBegin();
  w.Field(testing::ThriftWriter::kStruct, 1);
  w.StructBegin();
  w.StringField(1, "svc");
  w.I64Field(9, 5);  // unknown field
  w.StructEnd();
  w.StringField(2, "not a list");  // wrong type for spans: skipped, then spans below
  w.Field(testing::ThriftWriter::kList, 2);
  w.ListBegin(testing::ThriftWriter::kStruct, 0);
  w.Field(testing::ThriftWriter::kMap, 20);  // an unknown map field
  w.Raw(std::string("\x0b\x08\x00\x00\x00\x01\x00\x00\x00\x01k\x00\x00\x00\x07", 15));
  w.StructEnd();
  Batch batch;
  Status s = DecodeThriftBatch(w.bytes(), ThriftProtocol::kBinary, &batch);
  INFO(s.ToString());
  CHECK(s.ok());
  CHECK(batch.process.service_name == "svc");
}

TEST_CASE("Jaeger thrift: every truncation of a valid payload is an error", "[receivers]") {
  JBatch b = testing::RichJaegerBatch(2);
  for (bool compact : {false, true}) {
    std::string bytes = EncodeAgentMessage(b, compact);
    ThriftProtocol protocol = compact ? ThriftProtocol::kCompact : ThriftProtocol::kBinary;
    for (size_t n = 0; n < bytes.size(); ++n) {
      model::OtlpRequest r;
      Status s = AgentMessageToOtlp(std::string_view(bytes).substr(0, n), protocol, &r);
      INFO("compact=" << compact << " length " << n);
      REQUIRE_FALSE(s.ok());
    }
    std::string body = EncodeJaegerBatch(b, compact);
    for (size_t n = 0; n < body.size(); ++n) {
      Batch batch;
      REQUIRE_FALSE(DecodeThriftBatch(std::string_view(body).substr(0, n), protocol, &batch).ok());
    }
  }
}

TEST_CASE("Jaeger thrift: hostile sizes and nesting are errors", "[receivers]") {
  model::OtlpRequest r;
  SECTION("a list claiming 2^31-1 elements") {
    std::string bytes(
        "\x0c\x00\x01\x0b\x00\x01\x00\x00\x00\x01s\x00\x0f\x00\x02\x0c\x7f\xff\xff\xff", 20);
    Status s = ThriftHttpBodyToOtlp(bytes, &r);
    CHECK(s.code() == StatusCode::kInvalidArgument);
  }
  SECTION("a negative string length") {
    std::string bytes("\x0c\x00\x01\x0b\x00\x01\xff\xff\xff\xfe", 10);
    CHECK_FALSE(ThriftHttpBodyToOtlp(bytes, &r).ok());
  }
  SECTION("structs nested 10000 deep") {
    std::string bytes;
    for (int i = 0; i < 10000; ++i) bytes += std::string("\x0c\x00\x05", 3);
    Status s = ThriftHttpBodyToOtlp(bytes, &r);
    CHECK(s.message().find("nesting deeper") != std::string::npos);
  }
  SECTION("an unknown field type") {
    CHECK_FALSE(ThriftHttpBodyToOtlp(std::string("\x63\x00\x01", 3), &r).ok());
  }
}

}  // namespace
}  // namespace tempo::receivers::jaeger

namespace tempo::receivers::jaeger {
namespace {

TEST_CASE("Jaeger thrift strings that are not UTF-8 are repaired so OTLP stays valid",
          "[receivers]") {
  testing::JBatch b;
  testing::JSpan s;
  s.trace_low = 1;
  s.span_id = 2;
  s.name = "bad\xff";
  s.tags = {testing::StrTag("k\xc0", "v\xed\xa0\x80x"), testing::BinTag("bin", "\xff")};
  b.spans = {s};
  model::OtlpRequest r;
  REQUIRE(ThriftHttpBodyToOtlp(testing::EncodeJaegerBatch(b), &r).ok());
  const auto& span = *testing::AllSpans(r)[0];
  CHECK(span.name() == "bad\xEF\xBF\xBD");
  CHECK(testing::StrAttr(span.attributes(), "k\xEF\xBF\xBD") ==
        "v\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx");
  CHECK(testing::Attr(span.attributes(), "bin")->bytes_value() == "\xff");  // bytes untouched
  model::OtlpRequest again;
  CHECK(again.ParseFromString(r.SerializeAsString()));
}

}  // namespace
}  // namespace tempo::receivers::jaeger
