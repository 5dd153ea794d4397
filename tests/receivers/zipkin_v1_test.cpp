#include <catch2/catch.hpp>

#include "fixtures.h"
#include "receivers/zipkin/zipkin_decoder.h"

namespace tempo::receivers::zipkin {
namespace {

namespace trace = opentelemetry::proto::trace::v1;
using testing::AllSpans;
using testing::Attr;
using testing::BinAnn;
using testing::HasAttr;
using testing::Hex;
using testing::StrAttr;
using testing::ZAnnotation;
using testing::ZBinaryAnnotation;
using testing::ZEndpoint;
using testing::ZSpanV1;

constexpr uint64_t kNow = 1'800'000'000'000'000'000ull;

model::OtlpRequest FromJson(const std::string& json) {
  model::OtlpRequest out;
  Status s = V1JsonToOtlp(json, kNow, &out);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

Status JsonError(const std::string& json) {
  model::OtlpRequest out;
  return V1JsonToOtlp(json, kNow, &out);
}

TEST_CASE("Zipkin v1 JSON: kind, resource and events from annotations", "[receivers]") {
  auto r = FromJson(R"([{"traceId":"0af7651916cd43dd8448eb211c80319c","id":"b7ad6b7169203331",
    "parentId":"00f067aa0ba902b7","name":"get",
    "annotations":[
      {"timestamp":1700000000000010,"value":"sr","endpoint":{"serviceName":"py-svc","ipv4":"127.0.0.1","port":8080}},
      {"timestamp":1700000000000020,"value":"custom-event","endpoint":{"serviceName":"py-svc"}},
      {"timestamp":1700000000000050,"value":"ss","endpoint":{"serviceName":"py-svc","ipv4":"127.0.0.1","port":8080}},
      {"timestamp":1700000000000060,"value":"cs"}],
    "binaryAnnotations":[{"key":"k","value":"v","endpoint":{"serviceName":"py-svc"}},
                         {"key":"lc","value":"comp"}]}])");
  auto spans = AllSpans(r);
  REQUIRE(spans.size() == 1);
  const auto& span = *spans[0];
  CHECK(Hex(span.trace_id()) == "0af7651916cd43dd8448eb211c80319c");
  CHECK(Hex(span.parent_span_id()) == "00f067aa0ba902b7");
  CHECK(span.kind() == trace::Span::SPAN_KIND_SERVER);  // the first core annotation wins
  // No span timestamp: earliest and latest annotation.
  CHECK(span.start_time_unix_nano() == 1'700'000'000'000'010'000ull);
  CHECK(span.end_time_unix_nano() == 1'700'000'000'000'060'000ull);
  REQUIRE(span.events_size() == 1);
  CHECK(span.events(0).name() == "custom-event");
  CHECK(StrAttr(span.attributes(), "k") == "v");
  CHECK(StrAttr(span.attributes(), "component") == "comp");
  const auto& res = r.resource_spans(0).resource().attributes();
  CHECK(StrAttr(res, "service.name") == "py-svc");
  CHECK(StrAttr(res, "ipv4") == "127.0.0.1");
  CHECK(StrAttr(res, "port") == "8080");
}

TEST_CASE("Zipkin v1 JSON: span times, fallback service names, grouping", "[receivers]") {
  auto r = FromJson(R"([
    {"traceId":"8448eb211c80319c","id":"0000000000000001","timestamp":1700000000000000,"duration":5,
     "binaryAnnotations":[{"key":"lc","value":"local-comp"}]},
    {"traceId":"8448eb211c80319c","id":"0000000000000002","timestamp":1700000000000000,
     "annotations":[{"timestamp":1700000000000001,"value":"cs","endpoint":{"serviceName":"a"}}]},
    {"traceId":"8448eb211c80319c","id":"0000000000000003",
     "annotations":[{"timestamp":1700000000000001,"value":"mr","endpoint":{"serviceName":"a"}}]},
    {"traceId":"8448eb211c80319c","id":"0000000000000004","duration":7}])");
  REQUIRE(r.resource_spans_size() == 3);
  CHECK(StrAttr(r.resource_spans(0).resource().attributes(), "service.name") == "local-comp");
  CHECK(StrAttr(r.resource_spans(1).resource().attributes(), "service.name") == "a");
  CHECK(r.resource_spans(1).scope_spans(0).spans_size() == 2);
  CHECK(StrAttr(r.resource_spans(2).resource().attributes(), "service.name") == "unknown-service");
  auto spans = AllSpans(r);
  CHECK(Hex(spans[0]->trace_id()) == "00000000000000008448eb211c80319c");
  CHECK(spans[0]->start_time_unix_nano() == 1'700'000'000'000'000'000ull);
  CHECK(spans[0]->end_time_unix_nano() == 1'700'000'000'000'005'000ull);
  CHECK(spans[1]->kind() == trace::Span::SPAN_KIND_CLIENT);
  CHECK(spans[2]->kind() == trace::Span::SPAN_KIND_CONSUMER);
  // No time at all: now, plus the marker.
  const auto* none = spans[3];
  CHECK(none->start_time_unix_nano() == kNow);
  CHECK(none->end_time_unix_nano() == kNow + 7000);
  CHECK(Attr(none->attributes(), "otel.zipkin.absentField.startTime")->bool_value());
}

TEST_CASE("Zipkin v1 status: census, then otel, then error, then http", "[receivers]") {
  auto status_of = [](const std::string& binary) {
    auto r = FromJson(R"([{"traceId":"8448eb211c80319c","id":"0000000000000001","timestamp":1,
      "binaryAnnotations":)" +
                      binary + "}]");
    return *AllSpans(r)[0];
  };
  auto span = status_of(R"([{"key":"http.status_code","value":"500"},
    {"key":"census.status_code","value":"0"},{"key":"census.status_description","value":"c"}])");
  CHECK(span.status().code() == trace::Status::STATUS_CODE_UNSET);
  CHECK(span.status().message() == "c");
  CHECK(HasAttr(span.attributes(), "http.status_code"));
  CHECK_FALSE(HasAttr(span.attributes(), "census.status_code"));

  span = status_of(R"([{"key":"otel.status_code","value":"ERROR"},
    {"key":"otel.status_description","value":"d"},{"key":"http.status_code","value":"200"}])");
  CHECK(span.status().code() == trace::Status::STATUS_CODE_ERROR);
  CHECK(span.status().message() == "d");

  span = status_of(R"([{"key":"error","value":"true"},{"key":"http.status_code","value":"200"}])");
  CHECK(span.status().code() == trace::Status::STATUS_CODE_ERROR);
  CHECK_FALSE(HasAttr(span.attributes(), "error"));

  span = status_of(R"([{"key":"http.status_code","value":"404"}])");
  CHECK(span.status().code() == trace::Status::STATUS_CODE_ERROR);
  span = status_of(R"([{"key":"http.status_code","value":"399"}])");
  CHECK(span.status().code() == trace::Status::STATUS_CODE_UNSET);
}

TEST_CASE("Zipkin v1 JSON: boolean address annotations are accepted", "[receivers]") {
  auto r = FromJson(R"([{"traceId":"8448eb211c80319c","id":"0000000000000001","timestamp":1,
    "binaryAnnotations":[{"key":"sa","value":true,"endpoint":{"serviceName":"peer-db","ipv4":"10.0.0.9","port":5432}},
                         {"key":"n","value":3}]}])");
  const auto& span = *AllSpans(r)[0];
  CHECK(Attr(span.attributes(), "sa")->bool_value());
  CHECK(Attr(span.attributes(), "n")->int_value() == 3);
}

TEST_CASE("Zipkin v1 JSON errors", "[receivers]") {
  CHECK_FALSE(JsonError(R"([{"traceId":"123","id":"0000000000000001"}])").ok());
  CHECK_FALSE(JsonError(R"([{"traceId":"0000000000000000","id":"0000000000000001"}])").ok());
  CHECK_FALSE(JsonError(R"([{"traceId":"8448eb211c80319c","id":"1"}])").ok());
  CHECK_FALSE(JsonError(R"([{"traceId":"8448eb211c80319c","id":"0000000000000000"}])").ok());
  CHECK_FALSE(
      JsonError(R"([{"traceId":"8448eb211c80319c","id":"0000000000000001","parentId":"x"}])").ok());
  CHECK_FALSE(JsonError(R"([{"traceId":"8448eb211c80319c","id":"0000000000000001",
    "binaryAnnotations":[{"key":"k","value":{"a":1}}]}])")
                  .ok());
  CHECK_FALSE(JsonError("{").ok());
  CHECK(FromJson("[]").resource_spans_size() == 0);
}

TEST_CASE("Zipkin v1 thrift: typed binary annotations and endpoints", "[receivers]") {
  ZEndpoint host{0x7f000001, 8080, "thrift-svc", ""};
  ZSpanV1 s;
  s.trace_id = 0x1122334455667788;
  s.trace_id_high = 0x0102030405060708;
  s.id = 0x42;
  s.parent_id = 0x41;
  s.name = "thrift-op";
  s.timestamp_us = 1'700'000'000'000'000;
  s.duration_us = 10;
  s.annotations = {ZAnnotation{1'700'000'000'000'000, "cs", true, host},
                   ZAnnotation{1'700'000'000'000'005, "note", true, host},
                   ZAnnotation{1'700'000'000'000'010, "cr", true, host}};
  s.binary_annotations = {BinAnn("str", "v", 6),
                          BinAnn("flag", std::string("\x01", 1), 0),
                          BinAnn("i16", std::string("\xff\xfe", 2), 2),
                          BinAnn("i32", std::string("\x00\x00\x01\x00", 4), 3),
                          BinAnn("i64", std::string("\x00\x00\x00\x00\x00\x00\x00\x05", 8), 4),
                          BinAnn("dbl", std::string("\x3f\xf8\x00\x00\x00\x00\x00\x00", 8), 5),
                          BinAnn("bytes", std::string("\x00\x01", 2), 1)};
  model::OtlpRequest r;
  Status st = V1ThriftToOtlp(testing::EncodeZipkinV1Thrift({s}), kNow, &r);
  INFO(st.ToString());
  REQUIRE(st.ok());
  const auto& span = *AllSpans(r)[0];
  CHECK(Hex(span.trace_id()) == "01020304050607081122334455667788");
  CHECK(Hex(span.span_id()) == "0000000000000042");
  CHECK(Hex(span.parent_span_id()) == "0000000000000041");
  CHECK(span.kind() == trace::Span::SPAN_KIND_CLIENT);
  CHECK(span.end_time_unix_nano() == 1'700'000'000'000'010'000ull);
  CHECK(StrAttr(span.attributes(), "str") == "v");
  CHECK(Attr(span.attributes(), "flag")->bool_value());
  CHECK(Attr(span.attributes(), "i16")->int_value() == -2);
  CHECK(Attr(span.attributes(), "i32")->int_value() == 256);
  CHECK(Attr(span.attributes(), "i64")->int_value() == 5);
  CHECK(Attr(span.attributes(), "dbl")->double_value() == 1.5);
  CHECK(Attr(span.attributes(), "bytes")->bytes_value() == std::string("\x00\x01", 2));
  REQUIRE(span.events_size() == 1);
  CHECK(span.events(0).name() == "note");
  const auto& res = r.resource_spans(0).resource().attributes();
  CHECK(StrAttr(res, "service.name") == "thrift-svc");
  CHECK(StrAttr(res, "ipv4") == "127.0.0.1");
  CHECK(StrAttr(res, "port") == "8080");

  SECTION("a typed value of the wrong size is an error") {
    s.binary_annotations = {BinAnn("i32", "abc", 3)};
    model::OtlpRequest r2;
    CHECK_FALSE(V1ThriftToOtlp(testing::EncodeZipkinV1Thrift({s}), kNow, &r2).ok());
  }
  SECTION("thrift spans without any time keep 0 (no 'now')") {
    s.timestamp_us = 0;
    s.annotations.clear();
    model::OtlpRequest r3;
    REQUIRE(V1ThriftToOtlp(testing::EncodeZipkinV1Thrift({s}), kNow, &r3).ok());
    CHECK(AllSpans(r3)[0]->start_time_unix_nano() == 0);
  }
  SECTION("every truncation is an error") {
    std::string bytes = testing::EncodeZipkinV1Thrift({s, s});
    for (size_t n = 0; n < bytes.size(); ++n) {
      model::OtlpRequest r4;
      INFO("length " << n);
      REQUIRE_FALSE(V1ThriftToOtlp(std::string_view(bytes).substr(0, n), kNow, &r4).ok());
    }
  }
}

}  // namespace
}  // namespace tempo::receivers::zipkin
