#include <catch2/catch.hpp>

#include "fixtures.h"
#include "receivers/zipkin/zipkin_decoder.h"
#include "zipkin/zipkin.pb.h"

namespace tempo::receivers::zipkin {
namespace {

namespace trace = opentelemetry::proto::trace::v1;
using testing::AllSpans;
using testing::Attr;
using testing::HasAttr;
using testing::Hex;
using testing::StrAttr;

model::OtlpRequest FromJson(const std::string& json) {
  model::OtlpRequest out;
  Status s = V2JsonToOtlp(json, &out);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

Status JsonError(const std::string& json) {
  model::OtlpRequest out;
  return V2JsonToOtlp(json, &out);
}

trace::Span Only(const model::OtlpRequest& r) {
  auto spans = AllSpans(r);
  REQUIRE(spans.size() == 1);
  return *spans[0];
}

TEST_CASE("Zipkin v2 JSON ids, times, name and parent", "[receivers]") {
  auto r = FromJson(R"([{"traceId":"0af7651916cd43dd8448eb211c80319c","id":"b7ad6b7169203331",
    "parentId":"00f067aa0ba902b7","name":"get /x","timestamp":1700000000000001,"duration":2500,
    "localEndpoint":{"serviceName":"svc"}}])");
  const auto& span = Only(r);
  CHECK(Hex(span.trace_id()) == "0af7651916cd43dd8448eb211c80319c");
  CHECK(Hex(span.span_id()) == "b7ad6b7169203331");
  CHECK(Hex(span.parent_span_id()) == "00f067aa0ba902b7");
  CHECK(span.name() == "get /x");
  CHECK(span.start_time_unix_nano() == 1'700'000'000'000'001'000ull);
  CHECK(span.end_time_unix_nano() == 1'700'000'000'002'501'000ull);
  CHECK(span.kind() == trace::Span::SPAN_KIND_UNSPECIFIED);
  CHECK_FALSE(HasAttr(span.attributes(), "otel.zipkin.absentField.startTime"));
}

TEST_CASE("Zipkin v2 64-bit trace ids are padded; a parent equal to the id is ignored",
          "[receivers]") {
  auto r = FromJson(R"([{"traceId":"8448eb211c80319c","id":"00000000000000aa",
    "parentId":"00000000000000aa","timestamp":1}])");
  const auto& span = Only(r);
  CHECK(Hex(span.trace_id()) == "00000000000000008448eb211c80319c");
  CHECK(span.parent_span_id().empty());
}

TEST_CASE("Zipkin v2 JSON keys match case-insensitively", "[receivers]") {
  auto r = FromJson(R"([{"TRACEID":"1","Id":"2","NAME":"n","LocalEndpoint":{"SERVICENAME":"s"}}])");
  const auto& span = Only(r);
  CHECK(span.name() == "n");
  CHECK(StrAttr(r.resource_spans(0).resource().attributes(), "service.name") == "s");
}

TEST_CASE("Zipkin v2 kind and span.kind tag", "[receivers]") {
  CHECK(Only(FromJson(R"([{"traceId":"1","id":"2","kind":"CLIENT"}])")).kind() ==
        trace::Span::SPAN_KIND_CLIENT);
  CHECK(Only(FromJson(R"([{"traceId":"1","id":"2","kind":"SERVER"}])")).kind() ==
        trace::Span::SPAN_KIND_SERVER);
  CHECK(Only(FromJson(R"([{"traceId":"1","id":"2","kind":"PRODUCER"}])")).kind() ==
        trace::Span::SPAN_KIND_PRODUCER);
  CHECK(Only(FromJson(R"([{"traceId":"1","id":"2","kind":"CONSUMER"}])")).kind() ==
        trace::Span::SPAN_KIND_CONSUMER);
  CHECK(Only(FromJson(R"([{"traceId":"1","id":"2","kind":"client"}])")).kind() ==
        trace::Span::SPAN_KIND_UNSPECIFIED);
  auto internal = FromJson(R"([{"traceId":"1","id":"2","tags":{"span.kind":"internal"}}])");
  CHECK(Only(internal).kind() == trace::Span::SPAN_KIND_INTERNAL);
  CHECK_FALSE(HasAttr(Only(internal).attributes(), "span.kind"));
  auto other = FromJson(R"([{"traceId":"1","id":"2","tags":{"span.kind":"weird"}}])");
  CHECK(Only(other).kind() == trace::Span::SPAN_KIND_UNSPECIFIED);
  CHECK_FALSE(HasAttr(Only(other).attributes(), "span.kind"));
  // With a kind, the tag is an ordinary attribute.
  auto kept = FromJson(R"([{"traceId":"1","id":"2","kind":"SERVER","tags":{"span.kind":"x"}}])");
  CHECK(StrAttr(Only(kept).attributes(), "span.kind") == "x");
}

TEST_CASE("Zipkin v2 resource: service name, resource-key tags, service name source",
          "[receivers]") {
  auto r = FromJson(R"([
    {"traceId":"1","id":"2","localEndpoint":{"serviceName":"svc"},"timestamp":1,
     "tags":{"deployment.environment":"prod","host.name":"h","k8s.pod.name":"p","http.method":"GET",
             "otel.library.name":"lib","otel.library.version":"1.2"}},
    {"traceId":"1","id":"3","localEndpoint":{"serviceName":"svc"},"timestamp":1,
     "tags":{"deployment.environment":"other","otel.library.name":"lib","otel.library.version":"1.2"}},
    {"traceId":"1","id":"4","localEndpoint":{"serviceName":"named"},
     "tags":{"otlp.service.name.source":"my.service"}},
    {"traceId":"1","id":"5","tags":{"host.name":"dropped"}}])");
  // Sorted by service: "OTLPResourceNoServiceName" < "named" < "svc".
  REQUIRE(r.resource_spans_size() == 3);
  CHECK(r.resource_spans(0).resource().attributes_size() == 0);
  CHECK_FALSE(HasAttr(r.resource_spans(0).scope_spans(0).spans(0).attributes(), "host.name"));
  const auto& named = r.resource_spans(1).resource().attributes();
  CHECK(StrAttr(named, "my.service") == "named");
  CHECK_FALSE(HasAttr(named, "service.name"));
  const auto& svc = r.resource_spans(2);
  CHECK(StrAttr(svc.resource().attributes(), "service.name") == "svc");
  CHECK(StrAttr(svc.resource().attributes(), "deployment.environment") == "prod");
  CHECK(StrAttr(svc.resource().attributes(), "host.name") == "h");
  CHECK(StrAttr(svc.resource().attributes(), "k8s.pod.name") == "p");
  REQUIRE(svc.scope_spans_size() == 1);
  CHECK(svc.scope_spans(0).scope().name() == "lib");
  CHECK(svc.scope_spans(0).scope().version() == "1.2");
  const auto& first = svc.scope_spans(0).spans(0).attributes();
  CHECK(first.size() == 1);
  CHECK(StrAttr(first, "http.method") == "GET");
  // The second span's resource tags are neither resource nor span attributes.
  CHECK(svc.scope_spans(0).spans(1).attributes_size() == 0);
}

TEST_CASE("Zipkin v2 endpoints become network attributes", "[receivers]") {
  auto r = FromJson(R"([{"traceId":"1","id":"2",
    "localEndpoint":{"serviceName":"svc","ipv4":"10.0.0.1","port":8080},
    "remoteEndpoint":{"serviceName":"db","ipv6":"2001:0db8:0000:0000:0000:0000:0000:0001","port":5432}}])");
  auto span = Only(r);
  const auto& attrs = span.attributes();
  CHECK(StrAttr(attrs, "network.local.address") == "10.0.0.1");
  CHECK(Attr(attrs, "net.host.port")->int_value() == 8080);
  CHECK(StrAttr(attrs, "service.peer.name") == "db");
  CHECK(StrAttr(attrs, "network.peer.address") == "2001:db8::1");
  CHECK(Attr(attrs, "net.peer.port")->int_value() == 5432);
  CHECK_FALSE(JsonError(R"([{"traceId":"1","id":"2","localEndpoint":{"ipv4":"300.1.1.1"}}])").ok());
  CHECK_FALSE(JsonError(R"([{"traceId":"1","id":"2","localEndpoint":{"port":70000}}])").ok());
}

TEST_CASE("Zipkin v2 status tags", "[receivers]") {
  auto status = [](const std::string& tags) {
    auto r = FromJson(R"([{"traceId":"1","id":"2","timestamp":1,"tags":)" + tags + "}]");
    return std::make_pair(AllSpans(r)[0]->status(), AllSpans(r)[0]->attributes());
  };
  {
    auto [st, attrs] =
        status(R"({"otel.status_code":"STATUS_CODE_OK","otel.status_description":"d"})");
    CHECK(st.code() == trace::Status::STATUS_CODE_OK);
    CHECK(st.message() == "d");
    CHECK(attrs.size() == 0);
  }
  {
    auto [st, attrs] = status(R"({"otel.status_code":"Error"})");
    CHECK(st.code() == trace::Status::STATUS_CODE_ERROR);
  }
  {
    // The OTel JS exporter's form: otel.status_code "ERROR" is not a known spelling, and its
    // error tag carries the message, which stays an attribute.
    auto [st, attrs] = status(R"({"otel.status_code":"ERROR","error":"boom"})");
    CHECK(st.code() == trace::Status::STATUS_CODE_ERROR);
    CHECK(st.message().empty());
    CHECK(StrAttr(attrs, "error") == "boom");
    CHECK_FALSE(HasAttr(attrs, "otel.status_code"));
  }
  {
    auto [st, attrs] = status(R"({"error":"true"})");
    CHECK(st.code() == trace::Status::STATUS_CODE_ERROR);
    CHECK_FALSE(HasAttr(attrs, "error"));
  }
  {
    // A description without a code is an ordinary attribute.
    auto [st, attrs] = status(R"({"otel.status_description":"d"})");
    CHECK(st.code() == trace::Status::STATUS_CODE_UNSET);
    CHECK(StrAttr(attrs, "otel.status_description") == "d");
  }
}

TEST_CASE("Zipkin v2 w3c.tracestate, links and events", "[receivers]") {
  auto r = FromJson(R"([{"traceId":"1","id":"2","tags":{
      "w3c.tracestate":"k=v",
      "otlp.link.0":"0af7651916cd43dd8448eb211c80319c|b7ad6b7169203331|ts=1|{\"a\":\"x\",\"n\":3,\"f\":1.5,\"b\":true}|2",
      "otlp.link.1":"too|few",
      "otlp.link.3":"0af7651916cd43dd8448eb211c80319c|b7ad6b7169203331||{}|0"},
    "annotations":[{"timestamp":1700000000000001,"value":"plain"},
                   {"timestamp":1700000000000002,"value":"ev|{\"k\":\"v\",\"i\":7}|1"},
                   {"timestamp":1700000000000003,"value":"a|b"}]}])");
  const auto& span = Only(r);
  CHECK(span.trace_state() == "k=v");
  REQUIRE(span.links_size() == 1);
  CHECK(Hex(span.links(0).trace_id()) == "0af7651916cd43dd8448eb211c80319c");
  CHECK(Hex(span.links(0).span_id()) == "b7ad6b7169203331");
  CHECK(span.links(0).trace_state() == "ts=1");
  CHECK(StrAttr(span.links(0).attributes(), "a") == "x");
  CHECK(Attr(span.links(0).attributes(), "n")->int_value() == 3);
  CHECK(Attr(span.links(0).attributes(), "f")->double_value() == 1.5);
  CHECK(Attr(span.links(0).attributes(), "b")->bool_value());
  CHECK(span.links(0).dropped_attributes_count() == 2);
  // Links stop at the first missing index; every consumed tag is removed.
  CHECK_FALSE(HasAttr(span.attributes(), "otlp.link.0"));
  CHECK_FALSE(HasAttr(span.attributes(), "otlp.link.1"));
  CHECK(StrAttr(span.attributes(), "otlp.link.3").size() > 10);
  REQUIRE(span.events_size() == 3);
  CHECK(span.events(0).name() == "plain");
  CHECK(span.events(0).time_unix_nano() == 1'700'000'000'000'001'000ull);
  CHECK(span.events(1).name() == "ev");
  CHECK(StrAttr(span.events(1).attributes(), "k") == "v");
  CHECK(Attr(span.events(1).attributes(), "i")->int_value() == 7);
  CHECK(span.events(1).dropped_attributes_count() == 1);
  CHECK(span.events(2).name() == "a|b");

  CHECK_FALSE(JsonError(R"([{"traceId":"1","id":"2","tags":{"otlp.link.0":"zz|b|c|{}|0"}}])").ok());
}

TEST_CASE("Zipkin v2 absent timestamp: start 0, end = duration, marker attribute", "[receivers]") {
  auto r = FromJson(R"([{"traceId":"1","id":"2","duration":10}])");
  const auto& span = Only(r);
  CHECK(span.start_time_unix_nano() == 0);
  CHECK(span.end_time_unix_nano() == 10'000);
  CHECK(Attr(span.attributes(), "otel.zipkin.absentField.startTime")->bool_value());
}

TEST_CASE("Zipkin v2 JSON errors name the problem", "[receivers]") {
  CHECK(JsonError("[{").code() == StatusCode::kInvalidArgument);
  CHECK(JsonError(R"({"traceId":"1"})").message().find("cannot unmarshal object") !=
        std::string::npos);
  CHECK(JsonError(R"([{"traceId":"1"}])").message() == "valid span id required");
  CHECK(JsonError(R"([{"id":"1"}])").message() == "valid traceId required");
  CHECK(JsonError(R"([{"traceId":"0","id":"1"}])").message() == "valid traceId required");
  CHECK(JsonError(R"([{"traceId":"xyz","id":"1"}])").message() == "valid traceId required");
  CHECK_FALSE(JsonError(R"([{"traceId":"1","id":"12345678901234567"}])").ok());
  CHECK_FALSE(JsonError(R"([{"traceId":"1","id":"2","name":5}])").ok());
  CHECK_FALSE(JsonError(R"([{"traceId":"1","id":"2","timestamp":-1}])").ok());
  CHECK_FALSE(JsonError(R"([{"traceId":"1","id":"2","tags":{"a":1}}])").ok());
  CHECK(JsonError(R"([{"traceId":"1","id":"2","annotations":[{"value":"x"}]}])").message() ==
        "valid annotation timestamp required");
  // null and [] are empty uploads; null elements are skipped.
  CHECK(FromJson("null").resource_spans_size() == 0);
  CHECK(FromJson("[]").resource_spans_size() == 0);
  CHECK(model::CountSpans(FromJson(R"([null,{"traceId":"1","id":"2"}])")) == 1);
}

// ---- proto3 ----------------------------------------------------------------------------------

std::string Raw(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

TEST_CASE("Zipkin v2 proto3 maps like JSON", "[receivers]") {
  ::zipkin::proto3::ListOfSpans list;
  auto* s = list.add_spans();
  s->set_trace_id(Raw("0af7651916cd43dd8448eb211c80319c"));
  s->set_id(Raw("b7ad6b7169203331"));
  s->set_parent_id(Raw("00f067aa0ba902b7"));
  s->set_kind(::zipkin::proto3::Span::SERVER);
  s->set_name("proto-span");
  s->set_timestamp(1'700'000'000'000'000);
  s->set_duration(1500);
  s->mutable_local_endpoint()->set_service_name("zproto-svc");
  s->mutable_local_endpoint()->set_ipv4(Raw("7f000001"));
  s->mutable_local_endpoint()->set_port(9411);
  s->mutable_remote_endpoint()->set_ipv6(Raw("00000000000000000000ffff0a000002"));
  auto add_tag = [&](const char* key, const char* value) {
    auto* tag = s->add_tags();
    tag->set_key(key);
    tag->set_value(value);
  };
  add_tag("http.method", "POST");
  add_tag("error", "true");
  add_tag("http.method", "GET");  // a repeated map key: the last one wins
  auto* a = s->add_annotations();
  a->set_timestamp(1'700'000'000'000'100);
  a->set_value("cache-miss");

  model::OtlpRequest r;
  REQUIRE(V2ProtoToOtlp(list.SerializeAsString(), &r).ok());
  const auto& span = Only(r);
  CHECK(Hex(span.trace_id()) == "0af7651916cd43dd8448eb211c80319c");
  CHECK(Hex(span.parent_span_id()) == "00f067aa0ba902b7");
  CHECK(span.kind() == trace::Span::SPAN_KIND_SERVER);
  CHECK(span.start_time_unix_nano() == 1'700'000'000'000'000'000ull);
  CHECK(span.end_time_unix_nano() == 1'700'000'000'001'500'000ull);
  CHECK(StrAttr(span.attributes(), "network.local.address") == "127.0.0.1");
  CHECK(Attr(span.attributes(), "net.host.port")->int_value() == 9411);
  CHECK(StrAttr(span.attributes(), "network.peer.address") == "10.0.0.2");
  CHECK(StrAttr(span.attributes(), "http.method") == "GET");
  CHECK(span.status().code() == trace::Status::STATUS_CODE_ERROR);
  CHECK(span.events(0).name() == "cache-miss");
  CHECK(StrAttr(r.resource_spans(0).resource().attributes(), "service.name") == "zproto-svc");

  SECTION("timestamp 0 is the epoch, without the absent marker") {
    s->clear_timestamp();
    model::OtlpRequest r2;
    REQUIRE(V2ProtoToOtlp(list.SerializeAsString(), &r2).ok());
    CHECK_FALSE(HasAttr(Only(r2).attributes(), "otel.zipkin.absentField.startTime"));
    CHECK(Only(r2).end_time_unix_nano() == 1'500'000);
  }
  SECTION("id lengths are checked") {
    model::OtlpRequest r3;
    s->set_trace_id(Raw("8448eb211c80319c"));
    CHECK(V2ProtoToOtlp(list.SerializeAsString(), &r3).message() ==
          "invalid TraceID: has length 8 yet wanted length 16");
    s->set_trace_id(Raw("0af7651916cd43dd8448eb211c80319c"));
    s->set_id("");
    CHECK(V2ProtoToOtlp(list.SerializeAsString(), &r3).message() == "expected a non-nil SpanID");
    s->set_id(Raw("b7ad6b7169203331"));
    s->set_parent_id("abc");
    CHECK_FALSE(V2ProtoToOtlp(list.SerializeAsString(), &r3).ok());
  }
  SECTION("garbage does not parse") {
    model::OtlpRequest r4;
    CHECK(V2ProtoToOtlp(std::string("\x0a\xff\xff", 3), &r4).message() ==
          "proto: cannot parse invalid wire-format data");
  }
}

TEST_CASE("IP formatting follows Go's net.IP", "[receivers]") {
  std::string out;
  CHECK(CanonicalIp("::1", &out));
  CHECK(out == "::1");
  CHECK(CanonicalIp("2001:DB8:0:0:1:0:0:1", &out));
  CHECK(out == "2001:db8::1:0:0:1");
  CHECK(CanonicalIp("::ffff:1.2.3.4", &out));
  CHECK(out == "1.2.3.4");
  CHECK(CanonicalIp("::1.2.3.4", &out));
  CHECK(out == "::102:304");
  CHECK_FALSE(CanonicalIp("1.2.3", &out));
  CHECK(FormatIp(std::string("\x01\x02\x03", 3)) == "?010203");
}

}  // namespace
}  // namespace tempo::receivers::zipkin
