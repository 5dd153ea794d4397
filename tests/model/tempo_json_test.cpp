#include "tempo/model/tempo_json.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "support/wire_bytes.h"
#include "tempopb/tempo.pb.h"

namespace {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::ResourceSpans;
using opentelemetry::proto::trace::v1::Span;
using opentelemetry::proto::trace::v1::Status;

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

void AddString(google::protobuf::RepeatedPtrField<KeyValue>* kvs, const std::string& key,
               const std::string& value) {
  KeyValue* kv = kvs->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

// A ResourceSpans that sets every field Tempo's JSON has, and one span with an empty status.
ResourceSpans FullResourceSpans() {
  ResourceSpans rs;
  rs.set_schema_url("https://res");
  AddString(rs.mutable_resource()->mutable_attributes(), "service.name", "svc");
  rs.mutable_resource()->set_dropped_attributes_count(1);

  auto* ss = rs.add_scope_spans();
  ss->set_schema_url("https://scope");
  ss->mutable_scope()->set_name("lib");
  ss->mutable_scope()->set_version("1.0");
  KeyValue* scope_attr = ss->mutable_scope()->add_attributes();
  scope_attr->set_key("k");
  scope_attr->mutable_value()->set_int_value(0);
  ss->mutable_scope()->set_dropped_attributes_count(2);

  Span* span = ss->add_spans();
  span->set_trace_id(Bytes({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));
  span->set_span_id(Bytes({1, 2, 3, 4, 5, 6, 7, 8}));
  span->set_trace_state("a=b");
  span->set_parent_span_id(Bytes({9, 10, 11, 12, 13, 14, 15, 16}));
  span->set_name("op");
  span->set_kind(Span::SPAN_KIND_SERVER);
  span->set_start_time_unix_nano(1700000000000000000ULL);
  span->set_end_time_unix_nano(1700000000000000123ULL);
  AddString(span->mutable_attributes(), "s", "");
  KeyValue* b = span->add_attributes();
  b->set_key("b");
  b->mutable_value()->set_bool_value(false);
  KeyValue* i = span->add_attributes();
  i->set_key("i");
  i->mutable_value()->set_int_value(-5);
  KeyValue* d = span->add_attributes();
  d->set_key("d");
  d->mutable_value()->set_double_value(1.5);
  KeyValue* a = span->add_attributes();
  a->set_key("a");
  auto* arr = a->mutable_value()->mutable_array_value();
  arr->add_values()->set_string_value("x");
  arr->add_values()->mutable_array_value();
  KeyValue* nested = arr->add_values()->mutable_kvlist_value()->add_values();
  nested->set_key("n");
  nested->mutable_value()->set_int_value(1);
  KeyValue* y = span->add_attributes();
  y->set_key("y");
  y->mutable_value()->set_bytes_value(Bytes({0x00, 0x01, 0xfe, 0xff}));
  KeyValue* e = span->add_attributes();
  e->set_key("e");
  e->mutable_value();
  span->set_dropped_attributes_count(3);

  auto* event = span->add_events();
  event->set_time_unix_nano(1700000000000000050ULL);
  event->set_name("ev");
  KeyValue* ek = event->add_attributes();
  ek->set_key("k");
  ek->mutable_value()->set_bool_value(true);
  event->set_dropped_attributes_count(4);
  span->set_dropped_events_count(5);

  auto* link = span->add_links();
  link->set_trace_id(std::string(16, '\xff'));
  link->set_span_id(std::string(8, '\xee'));
  link->set_trace_state("x=y");
  AddString(link->mutable_attributes(), "l", "v");
  link->set_dropped_attributes_count(6);
  link->set_flags(257);
  span->set_dropped_links_count(7);

  span->mutable_status()->set_message("boom");
  span->mutable_status()->set_code(Status::STATUS_CODE_ERROR);
  span->set_flags(257);

  Span* child = ss->add_spans();
  child->set_name("child");
  child->mutable_status();
  return rs;
}

constexpr std::string_view kFullResourceSpansJson =
    R"({"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}],)"
    R"("droppedAttributesCount":1},"scopeSpans":[{"scope":{"name":"lib","version":"1.0",)"
    R"("attributes":[{"key":"k","value":{"intValue":"0"}}],"droppedAttributesCount":2},)"
    R"("spans":[{"traceId":"AAECAwQFBgcICQoLDA0ODw==","spanId":"AQIDBAUGBwg=","traceState":"a=b",)"
    R"("parentSpanId":"CQoLDA0ODxA=","name":"op","kind":"SPAN_KIND_SERVER",)"
    R"("startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000000000123",)"
    R"("attributes":[{"key":"s","value":{"stringValue":""}},)"
    R"({"key":"b","value":{"boolValue":false}},)"
    R"({"key":"i","value":{"intValue":"-5"}},{"key":"d","value":{"doubleValue":1.5}},)"
    R"({"key":"a","value":{"arrayValue":{"values":[{"stringValue":"x"},{"arrayValue":{}},)"
    R"({"kvlistValue":{"values":[{"key":"n","value":{"intValue":"1"}}]}}]}}},)"
    R"({"key":"y","value":{"bytesValue":"AAH+/w=="}},{"key":"e","value":{}}],)"
    R"("droppedAttributesCount":3,"events":[{"timeUnixNano":"1700000000000000050","name":"ev",)"
    R"("attributes":[{"key":"k","value":{"boolValue":true}}],"droppedAttributesCount":4}],)"
    R"("droppedEventsCount":5,"links":[{"traceId":"/////////////////////w==",)"
    R"("spanId":"7u7u7u7u7u4=","traceState":"x=y","attributes":[{"key":"l","value":)"
    R"({"stringValue":"v"}}],"droppedAttributesCount":6,"flags":257}],"droppedLinksCount":7,)"
    R"("status":{"message":"boom","code":"STATUS_CODE_ERROR"},"flags":257},)"
    R"({"name":"child","status":{}}],"schemaUrl":"https://scope"}],"schemaUrl":"https://res"})";

std::string KeyValueJson(const KeyValue& kv) {
  std::string out;
  tempo::model::AppendKeyValueJson(out, kv);
  return out;
}

std::string AnyValueJson(const AnyValue& value) {
  std::string out;
  tempo::model::AppendAnyValueJson(out, value);
  return out;
}

std::string DoubleJson(double value) {
  std::string out;
  tempo::model::AppendJsonDouble(out, value);
  return out;
}

std::string StringJson(std::string_view s) {
  std::string out;
  tempo::model::AppendJsonString(out, s);
  return out;
}

TEST_CASE("A ResourceSpans with every field encodes exactly as Tempo does", "[model]") {
  std::string out;
  tempo::model::AppendResourceSpansJson(out, FullResourceSpans());
  CHECK(out == kFullResourceSpansJson);
  CHECK_FALSE(nlohmann::json::parse(out, nullptr, false).is_discarded());
}

TEST_CASE("Trace-by-id v1 JSON uses the batches key", "[model]") {
  tempopb::Trace trace;
  CHECK(tempo::model::TraceToJsonV1(trace) == "{}");
  *trace.add_resourcespans() = FullResourceSpans();
  trace.add_resourcespans();
  CHECK(tempo::model::TraceToJsonV1(trace) ==
        R"({"batches":[)" + std::string(kFullResourceSpansJson) + ",{}]}");
}

TEST_CASE("Trace-by-id v2 JSON has trace, metrics, status and message", "[model]") {
  tempopb::TraceByIDResponse response;
  SECTION("a not-found trace is present but empty") {
    response.mutable_trace();
    response.mutable_metrics();
    CHECK(tempo::model::TraceByIdResponseToJson(response) == R"({"trace":{},"metrics":{}})");
    response.mutable_metrics()->set_inspectedbytes(1234);
    CHECK(tempo::model::TraceByIdResponseToJson(response) ==
          R"({"trace":{},"metrics":{"inspectedBytes":"1234"}})");
  }
  SECTION("a partial trace carries status and message") {
    *response.mutable_trace()->add_resourcespans() = FullResourceSpans();
    response.mutable_metrics()->set_inspectedbytes(18446744073709551615ULL);
    response.set_status(tempopb::PARTIAL);
    response.set_message(
        "Trace exceeds maximum size of 5000000 bytes, a partial trace is returned");
    CHECK(tempo::model::TraceByIdResponseToJson(response) ==
          R"({"trace":{"resourceSpans":[)" + std::string(kFullResourceSpansJson) +
              R"(]},"metrics":{"inspectedBytes":"18446744073709551615"},"status":"PARTIAL",)"
              R"("message":"Trace exceeds maximum size of 5000000 bytes, )"
              R"(a partial trace is returned"})");
  }
  SECTION("absent messages and zero values are omitted") {
    CHECK(tempo::model::TraceByIdResponseToJson(response) == "{}");
  }
}

TEST_CASE("AnyValue always writes its oneof, even when zero", "[model]") {
  AnyValue v;
  CHECK(AnyValueJson(v) == "{}");
  v.set_int_value(0);
  CHECK(AnyValueJson(v) == R"({"intValue":"0"})");
  v.set_bool_value(false);
  CHECK(AnyValueJson(v) == R"({"boolValue":false})");
  v.set_string_value("");
  CHECK(AnyValueJson(v) == R"({"stringValue":""})");
  v.set_double_value(0);
  CHECK(AnyValueJson(v) == R"({"doubleValue":0})");
  v.set_bytes_value("");
  CHECK(AnyValueJson(v) == R"({"bytesValue":""})");
  v.mutable_kvlist_value();
  CHECK(AnyValueJson(v) == R"({"kvlistValue":{}})");
  v.set_int_value(INT64_MIN);
  CHECK(AnyValueJson(v) == R"({"intValue":"-9223372036854775808"})");
  v.set_double_value(std::numeric_limits<double>::quiet_NaN());
  CHECK(AnyValueJson(v) == R"({"doubleValue":"NaN"})");
}

TEST_CASE("KeyValue JSON omits an empty key and an absent value", "[model]") {
  KeyValue kv;
  CHECK(KeyValueJson(kv) == "{}");
  kv.set_key("http.method");
  CHECK(KeyValueJson(kv) == R"({"key":"http.method"})");
  kv.mutable_value()->set_string_value("GET");
  CHECK(KeyValueJson(kv) == R"({"key":"http.method","value":{"stringValue":"GET"}})");
}

TEST_CASE("Span enums without a name are written as numbers", "[model]") {
  ResourceSpans rs;
  Span* span = rs.add_scope_spans()->add_spans();
  span->set_kind(static_cast<Span::SpanKind>(9));
  span->mutable_status()->set_code(static_cast<Status::StatusCode>(7));
  std::string out;
  tempo::model::AppendResourceSpansJson(out, rs);
  CHECK(out == R"({"scopeSpans":[{"spans":[{"kind":9,"status":{"code":7}}]}]})");
}

TEST_CASE("Doubles are formatted like Go's encoding/json", "[model]") {
  CHECK(DoubleJson(1.5) == "1.5");
  CHECK(DoubleJson(0) == "0");
  CHECK(DoubleJson(-0.0) == "-0");
  CHECK(DoubleJson(0.1) == "0.1");
  CHECK(DoubleJson(123456789.123) == "123456789.123");
  CHECK(DoubleJson(1e20) == "100000000000000000000");
  CHECK(DoubleJson(1e21) == "1e+21");
  CHECK(DoubleJson(-1.25e100) == "-1.25e+100");
  CHECK(DoubleJson(0.000001) == "0.000001");
  CHECK(DoubleJson(1e-7) == "1e-7");
  CHECK(DoubleJson(2.5e-10) == "2.5e-10");
  CHECK(DoubleJson(5e-324) == "5e-324");
  CHECK(DoubleJson(std::numeric_limits<double>::infinity()) == R"("Infinity")");
  CHECK(DoubleJson(-std::numeric_limits<double>::infinity()) == R"("-Infinity")");
  CHECK(DoubleJson(std::nan("")) == R"("NaN")");
}

TEST_CASE("JSON strings are valid for any bytes", "[model]") {
  CHECK(StringJson("plain") == R"("plain")");
  CHECK(StringJson("q\"b\\s/") == R"("q\"b\\s/")");
  CHECK(StringJson("\n\r\t\b\f\x01\x1f\x7f") == R"("\n\r\t\u0008\u000c\u0001\u001f)"
                                                "\x7f\"");
  CHECK(StringJson(std::string_view("a\0b", 3)) == R"("a\u0000b")");
  CHECK(StringJson("<&>") == R"("<&>")");
  CHECK(StringJson("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
        "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  CHECK(StringJson("\xe2\x80\xa8|\xe2\x80\xa9") == R"("\u2028|\u2029")");
  // Invalid UTF-8: stray continuation, truncated sequence, overlong, surrogate, > U+10FFFF.
  CHECK(StringJson("a\x80z") == R"("a\ufffdz")");
  CHECK(StringJson("\xe2\x82") == R"("\ufffd\ufffd")");
  CHECK(StringJson("\xc0\xaf") == R"("\ufffd\ufffd")");
  CHECK(StringJson("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");
  CHECK(StringJson("\xf4\x90\x80\x80") == R"("\ufffd\ufffd\ufffd\ufffd")");
  CHECK(StringJson("\xff") == R"("\ufffd")");

  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  const std::string json = StringJson(all_bytes + all_bytes);
  const nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
  REQUIRE(parsed.is_string());
  CHECK(parsed.get<std::string>().substr(0, 128) == all_bytes.substr(0, 128));
}

TEST_CASE("ToValidUtf8 replaces only invalid bytes", "[model]") {
  CHECK(tempo::model::ToValidUtf8("ok \xc3\xa9") == "ok \xc3\xa9");
  CHECK(tempo::model::ToValidUtf8("a\xffz") == "a\xef\xbf\xbdz");
}

TEST_CASE("Base64 is standard and padded", "[model]") {
  auto b64 = [](std::string_view s) {
    std::string out;
    tempo::model::AppendBase64(out, s);
    return out;
  };
  CHECK(b64("") == "");
  CHECK(b64("a") == "YQ==");
  CHECK(b64("ab") == "YWI=");
  CHECK(b64("abc") == "YWJj");
  CHECK(b64("abcd") == "YWJjZA==");
  CHECK(b64(Bytes({0xfb, 0xff})) == "+/8=");
}

TEST_CASE("Trace JSON from bytes reads any encoding as a parse does", "[model]") {
  using tempo::testing::Field;
  using tempo::testing::Varint;
  Span span;
  span.set_trace_id(std::string(16, '\x07'));
  span.set_span_id("\x01\x01\x01\x01\x01\x01\x01\x01");
  span.set_name("GET /cart");
  span.set_start_time_unix_nano(1'700'000'000'000'000'000ull);
  AddString(span.mutable_attributes(), "http.method", "GET");
  span.add_events()->set_name("retry");
  span.mutable_status()->set_code(Status::STATUS_CODE_ERROR);
  span.mutable_status()->set_message("first");
  const std::string base = span.SerializeAsString();

  Span later;
  AddString(later.mutable_attributes(), "late", "after the event");
  later.mutable_status()->set_message("second");  // merges into the first status
  AnyValue one, two;
  one.mutable_array_value()->add_values()->set_int_value(1);
  two.mutable_array_value()->add_values()->set_int_value(2);
  AnyValue list;
  AddString(list.mutable_kvlist_value()->mutable_values(), "k", "v");
  const std::string attr = Field(1, "peer");
  const std::string kind_as_varint = Varint(6 << 3) + Varint(2);
  // One trace of one resource and scope holding `span_bytes`, and `extra` after its scope spans.
  auto trace_with = [](const std::string& span_bytes, const std::string& extra = "") {
    KeyValue service;
    service.set_key("service.name");
    service.mutable_value()->set_string_value("checkout");
    return Field(1, Field(1, Field(1, service.SerializeAsString())) +
                        Field(2, Field(1, Field(1, "lib")) + Field(2, span_bytes)) + extra);
  };
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"canonical", trace_with(base)},
      {"fields in reverse order", trace_with(kind_as_varint + Field(5, "named last") + base)},
      {"attributes after events, status twice", trace_with(base + later.SerializeAsString())},
      {"a value given twice merges",
       trace_with(base + Field(9, attr + Field(2, one.SerializeAsString()) +
                                      Field(2, two.SerializeAsString())))},
      {"an array value given twice in a row merges",
       trace_with(base + Field(9, attr + Field(2, one.SerializeAsString() +
                                                      two.SerializeAsString())))},
      {"array, then string, then array: the last wins",
       trace_with(base + Field(9, attr + Field(2, one.SerializeAsString() + Field(1, "db") +
                                                      two.SerializeAsString())))},
      {"kvlist then int", trace_with(base + Field(9, attr + Field(2, list.SerializeAsString() +
                                                                      Varint(3 << 3) + Varint(5))))},
      {"unknown fields and a known field of another wire type",
       trace_with(base + Field(99, "x") + Field(6, "not a varint") + Field(20, ""),
                  Field(7, "unknown after the scope spans"))},
      {"an unknown group", trace_with(base + Varint(20 << 3 | 3) + Varint(1 << 3) + Varint(1) +
                                      Varint(20 << 3 | 4))},
      {"resource spans split by an unknown field",
       trace_with(base) + Field(5, "x") + trace_with(base)},
      {"a resource given twice",
       Field(1, Field(1, Field(1, Field(1, "a") + Field(2, Field(1, "1")))) +
                    Field(1, Field(1, Field(1, "b") + Field(2, Field(1, "2")))) +
                    Field(2, Field(2, base)))},
  };
  for (const auto& [name, bytes] : cases) {
    INFO(name);
    tempopb::Trace parsed;
    REQUIRE(parsed.ParseFromString(bytes));
    std::string got = "[";
    REQUIRE(tempo::model::TraceBytesToJsonV1(bytes, &got));
    CHECK(got == "[" + tempo::model::TraceToJsonV1(parsed));

    tempopb::TraceByIDResponse response;
    *response.mutable_trace() = parsed;
    response.mutable_metrics()->set_inspectedbytes(bytes.size());
    std::string v2;
    REQUIRE(tempo::model::TraceByIdBytesToJson(bytes, bytes.size(), &v2));
    CHECK(v2 == tempo::model::TraceByIdResponseToJson(response));
  }
}

TEST_CASE("Trace JSON from bytes rejects bytes that do not parse", "[model]") {
  for (const std::string bytes : {std::string("\x0a\x05\x12", 3), std::string("\x0a\x02\x0a\xff", 4),
                                  std::string("\x00", 1)}) {
    std::string out = "kept";
    CHECK_FALSE(tempo::model::TraceBytesToJsonV1(bytes, &out));
    CHECK_FALSE(tempo::model::TraceByIdBytesToJson(bytes, 1, &out));
    CHECK(out == "kept");
  }
  std::string empty;
  REQUIRE(tempo::model::TraceByIdBytesToJson("", 0, &empty));
  CHECK(empty == R"({"trace":{},"metrics":{}})");
}

}  // namespace
