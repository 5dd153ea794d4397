#include <catch2/catch.hpp>

#include "support/trace_builder.h"
#include "tempo/model/batch.h"
#include "tempo/model/combine.h"
#include "tempopb/tempo.pb.h"

using tempo::StatusCode;
using tempo::testing::SpanIdBytes;
using tempo::testing::TraceBuilder;
using tempo::testing::TraceIdBytes;

TEST_CASE("ID validation rejects the first bad span with Tempo's message", "[model]") {
  TraceBuilder b;
  b.AddSpan("svc", 1, 1);
  REQUIRE(tempo::model::ValidateIds(b.Build()).ok());

  SECTION("a short trace id") {
    b.AddSpan("svc", 1, 2).set_trace_id(std::string(8, '\x01'));
    auto s = tempo::model::ValidateIds(b.Build());
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(s.message() == "trace ids must be 128 bit, received 64 bits");
  }
  SECTION("an all-zero trace id counts as zero bits") {
    b.AddSpan("svc", 1, 2).set_trace_id(std::string(16, '\0'));
    CHECK(tempo::model::ValidateIds(b.Build()).message() ==
          "trace ids must be 128 bit, received 0 bits");
  }
  SECTION("an all-zero span id") {
    b.AddSpan("svc", 1, 2).set_span_id(std::string(8, '\0'));
    CHECK(tempo::model::ValidateIds(b.Build()).message() ==
          "span ids must be 64 bit and not all zero, received 0 bits");
  }
  SECTION("a four-byte span id") {
    b.AddSpan("svc", 1, 2).set_span_id("abcd");
    CHECK(tempo::model::ValidateIds(b.Build()).message() ==
          "span ids must be 64 bit and not all zero, received 32 bits");
  }
}

TEST_CASE("Spans are regrouped per trace keeping resource and scope", "[model]") {
  TraceBuilder b;
  b.AddSpan("a", 1, 1);
  b.AddSpan("a", 2, 2);
  b.AddSpan("b", 1, 3, 1);
  auto fragments = tempo::model::SplitByTrace(b.Build());
  REQUIRE(fragments.size() == 2);
  CHECK(fragments[0].trace_id.view() == TraceIdBytes(1));
  CHECK(fragments[0].span_count == 2);
  CHECK(fragments[1].span_count == 1);

  tempopb::Trace t;
  REQUIRE(t.ParseFromString(fragments[0].data));
  REQUIRE(t.resourcespans_size() == 2);
  CHECK(t.resourcespans(0).resource().attributes(0).value().string_value() == "a");
  CHECK(t.resourcespans(1).resource().attributes(0).value().string_value() == "b");
  CHECK(t.resourcespans(0).scope_spans(0).scope().name() == "test-scope");
  CHECK(fragments[0].start_unix_nano < fragments[0].end_unix_nano);
}

TEST_CASE("Long attribute keys and string values are truncated, others kept", "[model]") {
  TraceBuilder b;
  auto& span = b.AddSpan("svc", 1, 1);
  auto* kv = span.add_attributes();
  kv->set_key(std::string(10, 'k'));
  kv->mutable_value()->set_string_value(std::string(10, 'v'));
  auto* num = span.add_attributes();
  num->set_key("n");
  num->mutable_value()->set_int_value(7);
  auto req = b.Build();
  // The resource's "service.name" key, the span attribute's key and its value.
  CHECK(tempo::model::TruncateAttributes(req, 4) == 3);
  CHECK(req.resource_spans(0).resource().attributes(0).key() == "serv");
  const auto& attrs = req.resource_spans(0).scope_spans(0).spans(0).attributes();
  CHECK(attrs[0].key() == "kkkk");
  CHECK(attrs[0].value().string_value() == "vvvv");
  CHECK(attrs[1].value().int_value() == 7);
  CHECK(tempo::model::TruncateAttributes(req, 0) == 0);
}

TEST_CASE("Deprecated scope spans are used only when scope_spans is empty", "[model]") {
  TraceBuilder b;
  b.AddSpan("svc", 1, 1);
  auto req = b.Build();
  auto* rs = req.mutable_resource_spans(0);
  rs->mutable_deprecated_scope_spans()->Swap(rs->mutable_scope_spans());
  tempo::model::NormalizeRequest(req);
  CHECK(tempo::model::CountSpans(req) == 1);
}

TEST_CASE("Fragments combine into one trace without duplicate spans", "[model]") {
  TraceBuilder first;
  first.AddSpan("svc", 1, 1);
  first.AddSpan("svc", 1, 2, 1);
  TraceBuilder second;
  second.AddSpan("svc", 1, 2, 1);  // duplicate of span 2
  second.AddSpan("other", 1, 3, 1);
  auto f1 = tempo::model::SplitByTrace(first.Build());
  auto f2 = tempo::model::SplitByTrace(second.Build());
  std::string joined = f1[0].data + f2[0].data;

  tempopb::Trace out;
  tempo::model::CombineStats stats;
  REQUIRE(tempo::model::CombineFragments({joined}, &out, &stats).ok());
  CHECK(stats.spans == 3);
  CHECK(stats.duplicate_spans == 1);
  REQUIRE(out.resourcespans_size() == 2);  // "svc" merged, "other" separate
  CHECK(out.resourcespans(0).scope_spans(0).spans_size() == 2);
  CHECK(out.resourcespans(0).scope_spans(0).spans(0).has_status());

  SECTION("a fragment that does not parse is corruption") {
    CHECK(tempo::model::CombineFragments({std::string("\xff\xff\xff", 3)}, &out, nullptr).code() ==
          StatusCode::kCorruption);
  }
}

TEST_CASE("A resource without attributes gets service.name unknown_service", "[model]") {
  TraceBuilder b;
  b.AddSpan("svc", 1, 1);
  auto req = b.Build();
  req.mutable_resource_spans(0)->mutable_resource()->clear_attributes();
  auto fragments = tempo::model::SplitByTrace(req);
  tempopb::Trace out;
  REQUIRE(tempo::model::CombineFragments({fragments[0].data}, &out, nullptr).ok());
  CHECK(out.resourcespans(0).resource().attributes(0).key() == "service.name");
  CHECK(out.resourcespans(0).resource().attributes(0).value().string_value() == "unknown_service");
}
