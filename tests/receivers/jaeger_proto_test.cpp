#include <catch2/catch.hpp>

#include "fixtures.h"
#include "jaeger/collector.pb.h"
#include "receivers/jaeger/jaeger_decoder.h"

namespace tempo::receivers::jaeger {
namespace {

namespace pb = ::jaeger::api_v2;
namespace trace = opentelemetry::proto::trace::v1;
using testing::AllSpans;
using testing::Attr;
using testing::HasAttr;
using testing::Hex;
using testing::StrAttr;

std::string Bytes(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

pb::KeyValue* AddTag(google::protobuf::RepeatedPtrField<pb::KeyValue>* tags, const std::string& key,
                     const std::string& value) {
  pb::KeyValue* kv = tags->Add();
  kv->set_key(key);
  kv->set_v_type(pb::STRING);
  kv->set_v_str(value);
  return kv;
}

pb::Span* AddSpan(pb::PostSpansRequest* request, const std::string& span_hex) {
  pb::Span* span = request->mutable_batch()->add_spans();
  span->set_trace_id(Bytes("0123456789abcdef0123456789abcdef"));
  span->set_span_id(Bytes(span_hex));
  span->set_operation_name("op-" + span_hex);
  span->mutable_start_time()->set_seconds(1'700'000'000);
  span->mutable_start_time()->set_nanos(5);
  span->mutable_duration()->set_nanos(2'000'000);
  return span;
}

model::OtlpRequest Decode(const pb::PostSpansRequest& request) {
  model::OtlpRequest out;
  Status s = PostSpansToOtlp(request.SerializeAsString(), &out);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

TEST_CASE("Jaeger gRPC spans map ids, times, parent and links", "[receivers]") {
  pb::PostSpansRequest request;
  request.mutable_batch()->mutable_process()->set_service_name("jgrpc-svc");
  AddSpan(&request, "00000000000000aa");
  pb::Span* child = AddSpan(&request, "00000000000000bb");
  pb::SpanRef* ref = child->add_references();
  ref->set_trace_id(Bytes("0123456789abcdef0123456789abcdef"));
  ref->set_span_id(Bytes("00000000000000aa"));
  ref->set_ref_type(pb::CHILD_OF);
  pb::SpanRef* other = child->add_references();
  other->set_trace_id(Bytes("00000000000000ff"));  // 8 bytes: low half
  other->set_span_id(Bytes("00000000000000cc"));
  other->set_ref_type(pb::FOLLOWS_FROM);

  auto r = Decode(request);
  auto spans = AllSpans(r);
  REQUIRE(spans.size() == 2);
  CHECK(Hex(spans[0]->trace_id()) == "0123456789abcdef0123456789abcdef");
  CHECK(spans[0]->start_time_unix_nano() == 1'700'000'000'000'000'005ull);
  CHECK(spans[0]->end_time_unix_nano() == 1'700'000'000'002'000'005ull);
  CHECK(spans[0]->parent_span_id().empty());
  CHECK(Hex(spans[1]->parent_span_id()) == "00000000000000aa");
  REQUIRE(spans[1]->links_size() == 1);
  CHECK(Hex(spans[1]->links(0).trace_id()) == "000000000000000000000000000000ff");
  CHECK(StrAttr(spans[1]->links(0).attributes(), "opentracing.ref_type") == "follows_from");
  CHECK(StrAttr(r.resource_spans(0).resource().attributes(), "service.name") == "jgrpc-svc");
}

TEST_CASE("Jaeger gRPC value types follow the protobuf enum order", "[receivers]") {
  pb::PostSpansRequest request;
  pb::Span* span = AddSpan(&request, "0000000000000001");
  auto add = [&](const char* key, pb::ValueType type) {
    pb::KeyValue* kv = span->add_tags();
    kv->set_key(key);
    kv->set_v_type(type);
    kv->set_v_str("str");
    kv->set_v_bool(true);
    kv->set_v_int64(-3);
    kv->set_v_float64(1.5);
    kv->set_v_binary("bin");
  };
  add("s", pb::STRING);
  add("b", pb::BOOL);
  add("i", pb::INT64);
  add("f", pb::FLOAT64);
  add("x", pb::BINARY);
  add("u", static_cast<pb::ValueType>(7));
  auto r = Decode(request);
  const auto& attrs = AllSpans(r)[0]->attributes();
  CHECK(StrAttr(attrs, "s") == "str");
  CHECK(Attr(attrs, "b")->bool_value());
  CHECK(Attr(attrs, "i")->int_value() == -3);
  CHECK(Attr(attrs, "f")->double_value() == 1.5);
  CHECK(Attr(attrs, "x")->bytes_value() == "bin");
  CHECK(StrAttr(attrs, "u") == "<Unknown Jaeger TagType \"7\">");
}

TEST_CASE("Jaeger gRPC: w3c.tracestate, kind, status and events", "[receivers]") {
  pb::PostSpansRequest request;
  pb::Span* span = AddSpan(&request, "0000000000000001");
  AddTag(span->mutable_tags(), "w3c.tracestate", "vendor=abc");
  AddTag(span->mutable_tags(), "span.kind", "server");
  pb::KeyValue* error = span->add_tags();
  error->set_key("error");
  error->set_v_type(pb::BOOL);
  error->set_v_bool(true);
  pb::Log* log = span->add_logs();
  log->mutable_timestamp()->set_seconds(1'700'000'001);
  AddTag(log->mutable_fields(), "event", "hello");
  auto r = Decode(request);
  const auto& s = *AllSpans(r)[0];
  CHECK(s.trace_state() == "vendor=abc");
  CHECK_FALSE(HasAttr(s.attributes(), "w3c.tracestate"));
  CHECK(s.kind() == trace::Span::SPAN_KIND_SERVER);
  CHECK(s.status().code() == trace::Status::STATUS_CODE_ERROR);
  CHECK(s.attributes_size() == 0);
  REQUIRE(s.events_size() == 1);
  CHECK(s.events(0).name() == "hello");
  CHECK(s.events(0).time_unix_nano() == 1'700'000'001'000'000'000ull);
}

TEST_CASE("Jaeger gRPC groups spans into scopes by otel.scope.name/version", "[receivers]") {
  pb::PostSpansRequest request;
  pb::Span* a = AddSpan(&request, "0000000000000001");
  AddTag(a->mutable_tags(), "otel.scope.name", "lib-a");
  AddTag(a->mutable_tags(), "otel.scope.version", "1.0");
  AddSpan(&request, "0000000000000002");
  pb::Span* c = AddSpan(&request, "0000000000000003");
  AddTag(c->mutable_tags(), "otel.scope.name", "lib-a");
  AddTag(c->mutable_tags(), "otel.scope.version", "1.0");
  auto r = Decode(request);
  REQUIRE(r.resource_spans_size() == 1);
  const auto& rs = r.resource_spans(0);
  REQUIRE(rs.scope_spans_size() == 2);
  CHECK(rs.scope_spans(0).scope().name() == "lib-a");
  CHECK(rs.scope_spans(0).scope().version() == "1.0");
  CHECK(rs.scope_spans(0).spans_size() == 2);
  CHECK(rs.scope_spans(1).scope().name().empty());
  CHECK_FALSE(HasAttr(rs.scope_spans(0).spans(0).attributes(), "otel.scope.name"));
}

TEST_CASE("Jaeger gRPC regroups spans with their own process into their own resource",
          "[receivers]") {
  pb::PostSpansRequest request;
  request.mutable_batch()->mutable_process()->set_service_name("batch-svc");
  AddSpan(&request, "0000000000000001");
  pb::Span* b = AddSpan(&request, "0000000000000002");
  b->mutable_process()->set_service_name("other-svc");
  AddTag(b->mutable_process()->mutable_tags(), "hostname", "h2");
  pb::Span* c = AddSpan(&request, "0000000000000003");
  *c->mutable_process() = b->process();
  auto r = Decode(request);
  REQUIRE(r.resource_spans_size() == 2);
  CHECK(StrAttr(r.resource_spans(0).resource().attributes(), "service.name") == "batch-svc");
  CHECK(StrAttr(r.resource_spans(1).resource().attributes(), "service.name") == "other-svc");
  CHECK(StrAttr(r.resource_spans(1).resource().attributes(), "host.name") == "h2");
  CHECK(r.resource_spans(1).scope_spans(0).spans_size() == 2);
}

TEST_CASE("Jaeger gRPC: a process named OTLPResourceNoServiceName is no resource", "[receivers]") {
  pb::PostSpansRequest request;
  request.mutable_batch()->mutable_process()->set_service_name("OTLPResourceNoServiceName");
  AddTag(request.mutable_batch()->mutable_process()->mutable_tags(), "k", "v");
  AddSpan(&request, "0000000000000001");
  auto r = Decode(request);
  CHECK(r.resource_spans(0).resource().attributes_size() == 0);
}

TEST_CASE("Jaeger gRPC: blank spans are skipped, bad ids and bytes are errors", "[receivers]") {
  pb::PostSpansRequest request;
  request.mutable_batch()->add_spans();  // blank
  AddSpan(&request, "0000000000000001");
  CHECK(model::CountSpans(Decode(request)) == 1);

  model::OtlpRequest out;
  pb::PostSpansRequest bad = request;
  bad.mutable_batch()->mutable_spans(1)->set_span_id("123");
  CHECK(PostSpansToOtlp(bad.SerializeAsString(), &out).code() == StatusCode::kInvalidArgument);
  bad = request;
  bad.mutable_batch()->mutable_spans(1)->set_trace_id("12345");
  CHECK_FALSE(PostSpansToOtlp(bad.SerializeAsString(), &out).ok());
  CHECK(PostSpansToOtlp(std::string("\x0a\x05\x0a\x03", 4), &out).message() ==
        "proto: cannot parse invalid wire-format data");
}

}  // namespace
}  // namespace tempo::receivers::jaeger
