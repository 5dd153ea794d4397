#include "tempo/model/otlp_json.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>

#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::trace::v1::Span;
using opentelemetry::proto::trace::v1::Status;
using tempo::model::DecodeOtlpJson;

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

// What OTel JS 0.223 sends (spec/ingest-protocols.md §5.5), with the elided values filled in.
constexpr std::string_view kOtelJsExample = R"({"resourceSpans":[{"resource":{"attributes":[
{"key":"service.name","value":{"stringValue":"svc"}}],"droppedAttributesCount":0},
"scopeSpans":[{"scope":{"name":"my.scope","version":"1.2.3"},"spans":[{
"traceId":"0627cb2b4fd8cc9a4dbd2f3e8c5fa475","spanId":"ad0a0a4e6c2c70d7","name":"GET /hello",
"kind":2,"startTimeUnixNano":"1795249418473000000","endTimeUnixNano":"1795249418475960974",
"attributes":[{"key":"http.status_code","value":{"intValue":500}},
{"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"}]}}}],
"events":[{"name":"cache-miss","timeUnixNano":"1795249418474000000",
"attributes":[{"key":"hit","value":{"boolValue":false}}]}],
"links":[{"traceId":"11112222333344445555666677778888","spanId":"99990000aaaabbbb","flags":257,
"attributes":[{"key":"ratio","value":{"doubleValue":0.25}}]}],
"status":{"code":2,"message":"boom"},"flags":257}]}]}]})";

// Wraps one span object into a full request.
std::string WithSpan(std::string_view span_json) {
  return R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + std::string(span_json) + "]}]}]}";
}

// Wraps one AnyValue object into a full request (as the value of a span attribute).
std::string WithValue(std::string_view value_json) {
  return WithSpan(R"({"attributes":[{"key":"k","value":)" + std::string(value_json) + "}]}");
}

const Span& OnlySpan(const ExportTraceServiceRequest& req) {
  return req.resource_spans(0).scope_spans(0).spans(0);
}

const AnyValue& OnlyValue(const ExportTraceServiceRequest& req) {
  return OnlySpan(req).attributes(0).value();
}

TEST_CASE("The OTel JS example request decodes with every field", "[model]") {
  ExportTraceServiceRequest req;
  REQUIRE(DecodeOtlpJson(kOtelJsExample, &req).ok());
  REQUIRE(req.resource_spans_size() == 1);
  const auto& rs = req.resource_spans(0);
  REQUIRE(rs.has_resource());
  REQUIRE(rs.resource().attributes_size() == 1);
  CHECK(rs.resource().attributes(0).key() == "service.name");
  CHECK(rs.resource().attributes(0).value().string_value() == "svc");
  CHECK(rs.resource().dropped_attributes_count() == 0);
  CHECK(rs.schema_url().empty());
  CHECK(rs.deprecated_scope_spans_size() == 0);
  REQUIRE(rs.scope_spans_size() == 1);
  const auto& ss = rs.scope_spans(0);
  REQUIRE(ss.has_scope());
  CHECK(ss.scope().name() == "my.scope");
  CHECK(ss.scope().version() == "1.2.3");
  REQUIRE(ss.spans_size() == 1);

  const Span& span = ss.spans(0);
  CHECK(Hex(span.trace_id()) == "0627cb2b4fd8cc9a4dbd2f3e8c5fa475");
  CHECK(Hex(span.span_id()) == "ad0a0a4e6c2c70d7");
  CHECK(span.parent_span_id().empty());
  CHECK(span.name() == "GET /hello");
  CHECK(span.kind() == Span::SPAN_KIND_SERVER);
  CHECK(span.start_time_unix_nano() == 1795249418473000000ULL);
  CHECK(span.end_time_unix_nano() == 1795249418475960974ULL);
  CHECK(span.flags() == 257);
  REQUIRE(span.attributes_size() == 2);
  CHECK(span.attributes(0).key() == "http.status_code");
  CHECK(span.attributes(0).value().value_case() == AnyValue::kIntValue);
  CHECK(span.attributes(0).value().int_value() == 500);
  CHECK(span.attributes(1).key() == "tags");
  REQUIRE(span.attributes(1).value().array_value().values_size() == 1);
  CHECK(span.attributes(1).value().array_value().values(0).string_value() == "a");

  REQUIRE(span.events_size() == 1);
  CHECK(span.events(0).name() == "cache-miss");
  CHECK(span.events(0).time_unix_nano() == 1795249418474000000ULL);
  REQUIRE(span.events(0).attributes_size() == 1);
  CHECK(span.events(0).attributes(0).key() == "hit");
  CHECK(span.events(0).attributes(0).value().value_case() == AnyValue::kBoolValue);
  CHECK_FALSE(span.events(0).attributes(0).value().bool_value());

  REQUIRE(span.links_size() == 1);
  CHECK(Hex(span.links(0).trace_id()) == "11112222333344445555666677778888");
  CHECK(Hex(span.links(0).span_id()) == "99990000aaaabbbb");
  CHECK(span.links(0).flags() == 257);
  REQUIRE(span.links(0).attributes_size() == 1);
  CHECK(span.links(0).attributes(0).value().double_value() == 0.25);

  REQUIRE(span.has_status());
  CHECK(span.status().code() == Status::STATUS_CODE_ERROR);
  CHECK(span.status().message() == "boom");
}

TEST_CASE("OTLP JSON accepts snake_case keys", "[model]") {
  const std::string body = R"({"resource_spans":[{"schema_url":"https://s/1",
    "resource":{"attributes":[],"dropped_attributes_count":3},
    "scope_spans":[{"schema_url":"https://s/2","scope":{"name":"n","dropped_attributes_count":1},
    "spans":[{"trace_id":"000102030405060708090a0b0c0d0e0f","span_id":"0102030405060708",
    "parent_span_id":"1112131415161718","trace_state":"a=b","start_time_unix_nano":5,
    "end_time_unix_nano":"6","dropped_attributes_count":7,"dropped_events_count":8,
    "dropped_links_count":9,"events":[{"time_unix_nano":"10","dropped_attributes_count":11}],
    "links":[{"trace_id":"000102030405060708090a0b0c0d0e0f","span_id":"0102030405060708",
    "trace_state":"x=y","dropped_attributes_count":12}],
    "attributes":[{"key":"s","value":{"string_value":"v"}},{"key":"i","value":{"int_value":"1"}},
    {"key":"b","value":{"bool_value":true}},{"key":"d","value":{"double_value":2}},
    {"key":"y","value":{"bytes_value":"YWI="}},
    {"key":"a","value":{"array_value":{"values":[{"int_value":1}]}}},
    {"key":"l","value":{"kvlist_value":{"values":[{"key":"n","value":{"int_value":2}}]}}}]}]}]}]})";
  ExportTraceServiceRequest req;
  REQUIRE(DecodeOtlpJson(body, &req).ok());
  const auto& rs = req.resource_spans(0);
  CHECK(rs.schema_url() == "https://s/1");
  CHECK(rs.resource().dropped_attributes_count() == 3);
  CHECK(rs.scope_spans(0).schema_url() == "https://s/2");
  CHECK(rs.scope_spans(0).scope().name() == "n");
  CHECK(rs.scope_spans(0).scope().dropped_attributes_count() == 1);
  const Span& span = OnlySpan(req);
  CHECK(Hex(span.trace_id()) == "000102030405060708090a0b0c0d0e0f");
  CHECK(Hex(span.span_id()) == "0102030405060708");
  CHECK(Hex(span.parent_span_id()) == "1112131415161718");
  CHECK(span.trace_state() == "a=b");
  CHECK(span.start_time_unix_nano() == 5);
  CHECK(span.end_time_unix_nano() == 6);
  CHECK(span.dropped_attributes_count() == 7);
  CHECK(span.dropped_events_count() == 8);
  CHECK(span.dropped_links_count() == 9);
  CHECK(span.events(0).time_unix_nano() == 10);
  CHECK(span.events(0).dropped_attributes_count() == 11);
  CHECK(span.links(0).trace_state() == "x=y");
  CHECK(span.links(0).dropped_attributes_count() == 12);
  REQUIRE(span.attributes_size() == 7);
  CHECK(span.attributes(0).value().string_value() == "v");
  CHECK(span.attributes(1).value().int_value() == 1);
  CHECK(span.attributes(2).value().bool_value());
  CHECK(span.attributes(3).value().double_value() == 2.0);
  CHECK(span.attributes(4).value().bytes_value() == "ab");
  CHECK(span.attributes(5).value().array_value().values(0).int_value() == 1);
  CHECK(span.attributes(6).value().kvlist_value().values(0).key() == "n");
  CHECK(span.attributes(6).value().kvlist_value().values(0).value().int_value() == 2);
}

TEST_CASE("OTLP JSON enums are accepted as numbers or names", "[model]") {
  ExportTraceServiceRequest req;
  REQUIRE(DecodeOtlpJson(
              WithSpan(R"({"kind":"SPAN_KIND_CLIENT","status":{"code":"STATUS_CODE_OK"}})"), &req)
              .ok());
  CHECK(OnlySpan(req).kind() == Span::SPAN_KIND_CLIENT);
  CHECK(OnlySpan(req).status().code() == Status::STATUS_CODE_OK);

  REQUIRE(DecodeOtlpJson(WithSpan(R"({"kind":5,"status":{"code":"2"}})"), &req).ok());
  CHECK(OnlySpan(req).kind() == Span::SPAN_KIND_CONSUMER);
  CHECK(OnlySpan(req).status().code() == Status::STATUS_CODE_ERROR);

  SECTION("an unknown name is an error naming the field") {
    tempo::Status s = DecodeOtlpJson(WithSpan(R"({"kind":"SPAN_KIND_BOGUS"})"), &req);
    CHECK(s.code() == tempo::StatusCode::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("span.kind"));
    CHECK_THAT(s.message(), Catch::Contains("SPAN_KIND_BOGUS"));
    CHECK_FALSE(DecodeOtlpJson(WithSpan(R"({"status":{"code":"ERROR"}})"), &req).ok());
    CHECK_FALSE(DecodeOtlpJson(WithSpan(R"({"kind":1.5})"), &req).ok());
    CHECK_FALSE(DecodeOtlpJson(WithSpan(R"({"kind":true})"), &req).ok());
  }
}

TEST_CASE("OTLP JSON 64-bit integers are accepted as numbers and strings", "[model]") {
  ExportTraceServiceRequest req;
  REQUIRE(DecodeOtlpJson(WithSpan(R"({"startTimeUnixNano":18446744073709551615,
      "endTimeUnixNano":"18446744073709551615","attributes":[
      {"key":"a","value":{"intValue":-9223372036854775808}},
      {"key":"b","value":{"intValue":"-42"}},
      {"key":"c","value":{"intValue":"9223372036854775807"}},
      {"key":"d","value":{"intValue":1e3}}]})"),
                         &req)
              .ok());
  const Span& span = OnlySpan(req);
  CHECK(span.start_time_unix_nano() == UINT64_MAX);
  CHECK(span.end_time_unix_nano() == UINT64_MAX);
  CHECK(span.attributes(0).value().int_value() == INT64_MIN);
  CHECK(span.attributes(1).value().int_value() == -42);
  CHECK(span.attributes(2).value().int_value() == INT64_MAX);
  CHECK(span.attributes(3).value().int_value() == 1000);

  SECTION("out of range, fractional, negative or non-numeric values are errors") {
    CHECK_FALSE(
        DecodeOtlpJson(WithSpan(R"({"startTimeUnixNano":"18446744073709551616"})"), &req).ok());
    CHECK_FALSE(
        DecodeOtlpJson(WithSpan(R"({"startTimeUnixNano":18446744073709551616})"), &req).ok());
    CHECK_FALSE(DecodeOtlpJson(WithSpan(R"({"startTimeUnixNano":-1})"), &req).ok());
    CHECK_FALSE(DecodeOtlpJson(WithSpan(R"({"startTimeUnixNano":"-1"})"), &req).ok());
    CHECK_FALSE(DecodeOtlpJson(WithSpan(R"({"startTimeUnixNano":"12abc"})"), &req).ok());
    CHECK_FALSE(DecodeOtlpJson(WithSpan(R"({"startTimeUnixNano":""})"), &req).ok());
    CHECK_FALSE(DecodeOtlpJson(WithValue(R"({"intValue":"9223372036854775808"})"), &req).ok());
    CHECK_FALSE(DecodeOtlpJson(WithValue(R"({"intValue":1.5})"), &req).ok());
    CHECK_FALSE(DecodeOtlpJson(WithSpan(R"({"flags":4294967296})"), &req).ok());
    CHECK_FALSE(DecodeOtlpJson(WithSpan(R"({"droppedEventsCount":-1})"), &req).ok());
    tempo::Status s = DecodeOtlpJson(WithSpan(R"({"endTimeUnixNano":"soon"})"), &req);
    CHECK_THAT(s.message(), Catch::Contains("span.endTimeUnixNano"));
  }
}

TEST_CASE("OTLP JSON doubles accept numbers, numeric strings and special values", "[model]") {
  ExportTraceServiceRequest req;
  REQUIRE(DecodeOtlpJson(WithValue(R"({"doubleValue":"NaN"})"), &req).ok());
  CHECK(std::isnan(OnlyValue(req).double_value()));
  REQUIRE(DecodeOtlpJson(WithValue(R"({"doubleValue":"Infinity"})"), &req).ok());
  CHECK(OnlyValue(req).double_value() == HUGE_VAL);
  REQUIRE(DecodeOtlpJson(WithValue(R"({"doubleValue":"-Infinity"})"), &req).ok());
  CHECK(OnlyValue(req).double_value() == -HUGE_VAL);
  REQUIRE(DecodeOtlpJson(WithValue(R"({"doubleValue":"2.5e-3"})"), &req).ok());
  CHECK(OnlyValue(req).double_value() == 2.5e-3);
  REQUIRE(DecodeOtlpJson(WithValue(R"({"doubleValue":-7})"), &req).ok());
  CHECK(OnlyValue(req).value_case() == AnyValue::kDoubleValue);
  CHECK(OnlyValue(req).double_value() == -7.0);
  CHECK_FALSE(DecodeOtlpJson(WithValue(R"({"doubleValue":"fast"})"), &req).ok());
  CHECK_FALSE(DecodeOtlpJson(WithValue(R"({"doubleValue":[1]})"), &req).ok());
}

TEST_CASE("OTLP JSON ids are hex of either case and empty means absent", "[model]") {
  ExportTraceServiceRequest req;
  REQUIRE(DecodeOtlpJson(WithSpan(R"({"traceId":"0627CB2B4FD8CC9A4DBD2F3E8C5FA475",
      "spanId":"AD0A0a4e6c2c70D7","parentSpanId":"","links":[{"traceId":"","spanId":""}]})"),
                         &req)
              .ok());
  const Span& span = OnlySpan(req);
  CHECK(Hex(span.trace_id()) == "0627cb2b4fd8cc9a4dbd2f3e8c5fa475");
  CHECK(Hex(span.span_id()) == "ad0a0a4e6c2c70d7");
  CHECK(span.parent_span_id().empty());
  CHECK(span.links(0).trace_id().empty());
  CHECK(span.links(0).span_id().empty());
}

TEST_CASE("OTLP JSON rejects ids of the wrong length or with non-hex characters", "[model]") {
  ExportTraceServiceRequest req;
  auto check_error = [&](std::string_view span_json, std::string_view needle) {
    INFO(span_json);
    tempo::Status s = DecodeOtlpJson(WithSpan(span_json), &req);
    CHECK(s.code() == tempo::StatusCode::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains(std::string(needle)));
  };
  check_error(R"({"traceId":"0627cb2b4fd8cc9a4dbd2f3e8c5fa4"})", "invalid trace id length");
  check_error(R"({"traceId":"0627cb2b4fd8cc9a4dbd2f3e8c5fa475ff"})", "span.traceId");
  check_error(R"({"traceId":"0627cb2b4fd8cc9a4dbd2f3e8c5fa47"})", "invalid trace id length");
  check_error(R"({"spanId":"ad0a0a4e6c2c70"})", "invalid span id length");
  check_error(R"({"parentSpanId":"ad0a0a4e6c2c70d7aa"})", "span.parentSpanId");
  check_error(R"({"traceId":"0627cb2b4fd8cc9a4dbd2f3e8c5fa47g"})",
              "invalid trace id in span.traceId");
  check_error(R"({"spanId":"ad0a0a4e6c2c70-7"})", "position 15");
  check_error(R"({"links":[{"traceId":"00"}]})", "link.traceId");
  check_error(R"({"links":[{"spanId":"zzzzzzzzzzzzzzzz"}]})", "link.spanId");
  // Base64 ids (what protobuf's own JSON mapping would use) are not OTLP JSON.
  check_error(R"({"spanId":"AQIDBAUGBwg="})", "span.spanId");
  check_error(R"({"traceId":16})", "span.traceId");
}

TEST_CASE("OTLP JSON bytes values are base64, padded or not", "[model]") {
  ExportTraceServiceRequest req;
  REQUIRE(DecodeOtlpJson(WithValue(R"({"bytesValue":"AAH+/w=="})"), &req).ok());
  CHECK(OnlyValue(req).bytes_value() == std::string("\x00\x01\xfe\xff", 4));
  REQUIRE(DecodeOtlpJson(WithValue(R"({"bytesValue":"AAH+/w"})"), &req).ok());
  CHECK(OnlyValue(req).bytes_value() == std::string("\x00\x01\xfe\xff", 4));
  REQUIRE(DecodeOtlpJson(WithValue(R"({"bytesValue":""})"), &req).ok());
  CHECK(OnlyValue(req).value_case() == AnyValue::kBytesValue);
  CHECK(OnlyValue(req).bytes_value().empty());
  CHECK_FALSE(DecodeOtlpJson(WithValue(R"({"bytesValue":"A"})"), &req).ok());
  CHECK_FALSE(DecodeOtlpJson(WithValue(R"({"bytesValue":"AA*="})"), &req).ok());
  CHECK_FALSE(DecodeOtlpJson(WithValue(R"({"bytesValue":"AAH=/w=="})"), &req).ok());
}

TEST_CASE("OTLP JSON nested arrays and kvlists decode", "[model]") {
  ExportTraceServiceRequest req;
  REQUIRE(DecodeOtlpJson(WithValue(R"({"kvlistValue":{"values":[
      {"key":"arr","value":{"arrayValue":{"values":[{"intValue":"1"},
        {"arrayValue":{"values":[{"boolValue":true},{}]}},
        {"kvlistValue":{"values":[{"key":"deep","value":{"stringValue":"x"}}]}}]}}},
      {"key":"empty","value":{}},{"key":"noval"}]}})"),
                         &req)
              .ok());
  const auto& kvs = OnlyValue(req).kvlist_value().values();
  REQUIRE(kvs.size() == 3);
  const auto& arr = kvs[0].value().array_value().values();
  REQUIRE(arr.size() == 3);
  CHECK(arr[0].int_value() == 1);
  CHECK(arr[1].array_value().values(0).bool_value());
  CHECK(arr[1].array_value().values(1).value_case() == AnyValue::VALUE_NOT_SET);
  CHECK(arr[2].kvlist_value().values(0).value().string_value() == "x");
  CHECK(kvs[1].has_value());
  CHECK(kvs[1].value().value_case() == AnyValue::VALUE_NOT_SET);
  CHECK_FALSE(kvs[2].has_value());
}

TEST_CASE("OTLP JSON skips unknown keys and treats null as absent", "[model]") {
  ExportTraceServiceRequest req;
  const std::string body = R"({"future":{"a":[1,{"b":[[[]]]}]},"resourceSpans":[null,{
      "resource":null,"entityRefs":[{"type":"x"}],"scopeSpans":[{"scope":null,"spans":[{
      "name":null,"status":null,"traceId":null,"kind":null,"unknownNumber":12,
      "unknownString":"s","attributes":[{"key":"k","value":null,"keyStrindex":3}]}]}]}],
      "another":null})";
  REQUIRE(DecodeOtlpJson(body, &req).ok());
  REQUIRE(req.resource_spans_size() == 1);
  CHECK_FALSE(req.resource_spans(0).has_resource());
  CHECK_FALSE(req.resource_spans(0).scope_spans(0).has_scope());
  const Span& span = OnlySpan(req);
  CHECK(span.name().empty());
  CHECK_FALSE(span.has_status());
  CHECK(span.trace_id().empty());
  CHECK(span.attributes(0).key() == "k");
  CHECK_FALSE(span.attributes(0).has_value());
}

TEST_CASE("OTLP JSON present but empty messages stay present", "[model]") {
  ExportTraceServiceRequest req;
  REQUIRE(DecodeOtlpJson(R"({"resourceSpans":[{"resource":{},"scopeSpans":[{"scope":{},
      "spans":[{"status":{}}]}]}]})",
                         &req)
              .ok());
  CHECK(req.resource_spans(0).has_resource());
  CHECK(req.resource_spans(0).scope_spans(0).has_scope());
  CHECK(OnlySpan(req).has_status());
  REQUIRE(DecodeOtlpJson("{}", &req).ok());
  CHECK(req.resource_spans_size() == 0);
}

TEST_CASE("OTLP JSON deprecated scope spans go into field 1000", "[model]") {
  ExportTraceServiceRequest req;
  REQUIRE(DecodeOtlpJson(R"({"resourceSpans":[{"instrumentationLibrarySpans":[
      {"instrumentationLibrary":{"name":"old","version":"0.1"},"spans":[{"name":"a"}]}],
      "deprecatedScopeSpans":[{"scope":{"name":"newer"},"spans":[{"name":"b"}]}]}]})",
                         &req)
              .ok());
  const auto& rs = req.resource_spans(0);
  CHECK(rs.scope_spans_size() == 0);
  REQUIRE(rs.deprecated_scope_spans_size() == 2);
  CHECK(rs.deprecated_scope_spans(0).scope().name() == "old");
  CHECK(rs.deprecated_scope_spans(0).scope().version() == "0.1");
  CHECK(rs.deprecated_scope_spans(0).spans(0).name() == "a");
  CHECK(rs.deprecated_scope_spans(1).scope().name() == "newer");
  CHECK(rs.deprecated_scope_spans(1).spans(0).name() == "b");
}

TEST_CASE("OTLP JSON that does not parse is an error with the parser's position", "[model]") {
  ExportTraceServiceRequest req;
  tempo::Status s = DecodeOtlpJson(R"({"resourceSpans":[}")", &req);
  CHECK(s.code() == tempo::StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("invalid JSON"));
  CHECK_THAT(s.message(), Catch::Contains("line 1, column 19"));
  CHECK_FALSE(DecodeOtlpJson("", &req).ok());
  CHECK_FALSE(DecodeOtlpJson("{} x", &req).ok());
  CHECK_FALSE(DecodeOtlpJson("{\"a\":\"\xff\"}", &req).ok());  // invalid UTF-8
  CHECK_FALSE(DecodeOtlpJson("{\"a\":1,}", &req).ok());
}

TEST_CASE("OTLP JSON values of the wrong type are errors naming the field", "[model]") {
  ExportTraceServiceRequest req;
  auto check_error = [&](std::string_view body, std::string_view needle) {
    INFO(body);
    tempo::Status s = DecodeOtlpJson(body, &req);
    CHECK(s.code() == tempo::StatusCode::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains(std::string(needle)));
  };
  check_error("[]", "must be an object");
  check_error("42", "must be an object");
  check_error(R"({"resourceSpans":{}})", "request.resourceSpans");
  check_error(R"({"resourceSpans":"x"})", "request.resourceSpans");
  check_error(R"({"resourceSpans":[1]})", "request.resourceSpans");
  check_error(R"({"resourceSpans":[[]]})", "request.resourceSpans");
  check_error(R"({"resourceSpans":[{"resource":[]}]})", "resourceSpans.resource");
  check_error(R"({"resourceSpans":[{"schemaUrl":{}}]})", "resourceSpans.schemaUrl");
  check_error(WithSpan(R"({"name":7})"), "span.name");
  check_error(WithSpan(R"({"events":{}})"), "span.events");
  check_error(WithSpan(R"({"status":"ok"})"), "span.status");
  check_error(WithSpan(R"({"attributes":[{"key":1}]})"), "keyValue.key");
  check_error(WithValue(R"({"stringValue":1})"), "anyValue.stringValue");
  check_error(WithValue(R"({"boolValue":"yes"})"), "anyValue.boolValue");
  check_error(WithValue(R"({"arrayValue":[]})"), "anyValue.arrayValue");
  check_error(WithValue(R"({"arrayValue":{"values":[1]}})"), "arrayValue.values");
}

TEST_CASE("OTLP JSON nesting deeper than the cap is an error, not a crash", "[model]") {
  ExportTraceServiceRequest req;
  SECTION("deeply nested arrays of AnyValues") {
    std::string value = R"({"stringValue":"leaf"})";
    for (int i = 0; i < 5000; ++i) value = R"({"arrayValue":{"values":[)" + value + "]}}";
    tempo::Status s = DecodeOtlpJson(WithValue(value), &req);
    CHECK(s.code() == tempo::StatusCode::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("nesting"));
  }
  SECTION("deep nesting under an unknown key") {
    const std::string body = "{\"x\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
    CHECK_FALSE(DecodeOtlpJson(body, &req).ok());
  }
  SECTION("a moderately nested value still decodes") {
    std::string value = R"({"intValue":"7"})";
    for (int i = 0; i < 10; ++i) value = R"({"arrayValue":{"values":[)" + value + "]}}";
    REQUIRE(DecodeOtlpJson(WithValue(value), &req).ok());
    const AnyValue* v = &OnlyValue(req);
    for (int i = 0; i < 10; ++i) v = &v->array_value().values(0);
    CHECK(v->int_value() == 7);
  }
}

TEST_CASE("OTLP JSON decoding survives randomly mutated input", "[model]") {
  std::mt19937 rng(12345);
  const std::string base(kOtelJsExample);
  static constexpr char kInterestingBytes[] = "{}[]\",:0123456789-eE.\\ntfu\xff\x00";
  const std::string_view kInteresting(kInterestingBytes, sizeof(kInterestingBytes) - 1);
  ExportTraceServiceRequest req;
  int decoded = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string body = base;
    const int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations; ++m) {
      const size_t pos = rng() % body.size();
      switch (rng() % 4) {
        case 0:
          body[pos] = static_cast<char>(rng() & 0xFF);
          break;
        case 1:
          body[pos] = kInteresting[rng() % kInteresting.size()];
          break;
        case 2:
          body.erase(pos, 1 + rng() % 8);
          break;
        default:
          body.insert(pos, 1, kInteresting[rng() % kInteresting.size()]);
      }
      if (body.empty()) body = "{";
    }
    tempo::Status s = DecodeOtlpJson(body, &req);
    if (s.ok()) {
      ++decoded;
      std::string wire;
      CHECK(req.SerializeToString(&wire));
    } else {
      CHECK(s.code() == tempo::StatusCode::kInvalidArgument);
    }
  }
  CHECK(decoded > 0);
}

TEST_CASE("rpc.Status JSON bodies follow proto JSON", "[model]") {
  using tempo::model::EncodeRpcStatusJson;
  CHECK(EncodeRpcStatusJson(8, "RATE_LIMITED: slow down", 5) ==
        R"({"code":8,"message":"RATE_LIMITED: slow down","details":[)"
        R"({"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"5s"}]})");
  CHECK(EncodeRpcStatusJson(3, "bad \"span\"\n\x01", 0) ==
        R"({"code":3,"message":"bad \"span\"\n\u0001"})");
  CHECK(EncodeRpcStatusJson(14, "", 0) == R"({"code":14})");
  CHECK(EncodeRpcStatusJson(0, "", 0) == "{}");
}

TEST_CASE("rpc.Status protobuf bodies carry RetryInfo when asked", "[model]") {
  using tempo::model::EncodeRpcStatusProto;
  google::rpc::Status status;
  REQUIRE(status.ParseFromString(EncodeRpcStatusProto(8, "RATE_LIMITED", 5)));
  CHECK(status.code() == 8);
  CHECK(status.message() == "RATE_LIMITED");
  REQUIRE(status.details_size() == 1);
  CHECK(status.details(0).type_url() == "type.googleapis.com/google.rpc.RetryInfo");
  google::rpc::RetryInfo retry;
  REQUIRE(status.details(0).UnpackTo(&retry));
  CHECK(retry.retry_delay().seconds() == 5);
  CHECK(retry.retry_delay().nanos() == 0);

  REQUIRE(status.ParseFromString(EncodeRpcStatusProto(3, "bad", 0)));
  CHECK(status.code() == 3);
  CHECK(status.details_size() == 0);
}

}  // namespace
