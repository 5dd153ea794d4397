#include "tempo/model/otlp_wire.h"

#include <catch2/catch.hpp>
#include <random>

#include "support/trace_builder.h"
#include "support/wire_bytes.h"
#include "tempo/model/batch.h"
#include "tempopb/tempo.pb.h"

using tempo::StatusCode;
using tempo::model::OtlpWireRequest;
using tempo::model::TraceFragment;
using tempo::testing::OtlpRequest;
using tempo::testing::SpanIdBytes;
using tempo::testing::TraceBuilder;
using tempo::testing::TraceIdBytes;

namespace {

// A request with what the split has to keep apart: two resources (with schema URLs), two scopes
// in one resource, traces interleaved across them, events, links, nested attribute values.
OtlpRequest RichRequest() {
  TraceBuilder b;
  b.AddSpan("frontend", 1, 1);
  b.AddSpan("frontend", 2, 2);
  b.AddSpan("frontend", 1, 3, 1);
  auto& cart = b.AddSpan("cart", 1, 4, 3, "GET /cart");
  auto* kv = cart.add_attributes();
  kv->set_key("list");
  auto* array = kv->mutable_value()->mutable_array_value();
  array->add_values()->set_string_value("x");
  array->add_values()->set_int_value(7);
  auto* event = cart.add_events();
  event->set_name("exception");
  event->set_time_unix_nano(5);
  auto* ea = event->add_attributes();
  ea->set_key("exception.stacktrace");
  ea->mutable_value()->set_string_value(std::string(300, 's'));
  auto* link = cart.add_links();
  link->set_trace_id(TraceIdBytes(9));
  link->set_span_id(SpanIdBytes(9));
  b.AddSpan("cart", 3, 5);
  b.AddSpan("cart", 2, 6, 2);
  OtlpRequest req = b.Build();
  req.mutable_resource_spans(0)->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
  // A second scope in the first resource, holding spans of traces 1 and 2.
  auto* ss = req.mutable_resource_spans(0)->add_scope_spans();
  ss->mutable_scope()->set_name("second-scope");
  ss->mutable_scope()->set_version("1.0");
  ss->set_schema_url("https://scope");
  *ss->add_spans() = req.resource_spans(0).scope_spans(0).spans(0);
  ss->mutable_spans(0)->set_span_id(SpanIdBytes(10));
  *ss->add_spans() = req.resource_spans(0).scope_spans(0).spans(1);
  ss->mutable_spans(1)->set_span_id(SpanIdBytes(11));
  return req;
}

OtlpWireRequest Wire(const std::string& bytes) {
  OtlpWireRequest wire;
  REQUIRE(wire.Parse(bytes).ok());
  return wire;
}

void CheckSameFragments(const std::vector<TraceFragment>& got,
                        const std::vector<TraceFragment>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].trace_id == want[i].trace_id);
    CHECK(got[i].span_count == want[i].span_count);
    CHECK(got[i].start_unix_nano == want[i].start_unix_nano);
    CHECK(got[i].end_unix_nano == want[i].end_unix_nano);
    CHECK(got[i].data == want[i].data);  // libprotobuf writes canonical bytes; so do we
  }
}

using tempo::testing::Field;
using tempo::testing::Varint;

bool LibprotobufParses(const std::string& bytes) {
  OtlpRequest req;
  return req.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}
bool WireParses(const std::string& bytes) {
  OtlpWireRequest wire;
  return wire.Parse(bytes).ok();
}

}  // namespace

TEST_CASE("The wire split gives the fragments of the message split, byte for byte", "[model]") {
  OtlpRequest req = RichRequest();
  const std::string bytes = req.SerializeAsString();
  OtlpWireRequest wire = Wire(bytes);
  CHECK(wire.span_count() == tempo::model::CountSpans(req));
  CHECK(wire.byte_size() == bytes.size());
  auto fragments = wire.SplitByTrace();
  CheckSameFragments(fragments, tempo::model::SplitByTrace(req));
  REQUIRE(fragments.size() == 3);
  tempopb::Trace trace;
  REQUIRE(trace.ParseFromString(fragments[0].data));
  // Trace 1: frontend (two scopes), then cart.
  REQUIRE(trace.resourcespans_size() == 2);
  CHECK(trace.resourcespans(0).schema_url() == "https://opentelemetry.io/schemas/1.21.0");
  CHECK(trace.resourcespans(0).scope_spans_size() == 2);
  CHECK(trace.resourcespans(0).scope_spans(1).scope().name() == "second-scope");
  CHECK(trace.resourcespans(1)
            .scope_spans(0)
            .spans(0)
            .events(0)
            .attributes(0)
            .value()
            .string_value()
            .size() == 300);
}

TEST_CASE("Requests without spans or resources split into nothing", "[model]") {
  OtlpRequest req;
  req.add_resource_spans()->add_scope_spans();
  const std::string bytes = req.SerializeAsString();
  OtlpWireRequest wire = Wire(bytes);
  CHECK(wire.span_count() == 0);
  CHECK(wire.SplitByTrace().empty());
  CHECK(Wire("").span_count() == 0);
}

TEST_CASE("A span without resource or scope gets empty ones, as the message split", "[model]") {
  OtlpRequest req;
  auto* span = req.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_trace_id(TraceIdBytes(1));
  span->set_span_id(SpanIdBytes(1));
  span->set_start_time_unix_nano(10);
  span->set_end_time_unix_nano(5);  // ends before it starts: the end counts as the start
  CheckSameFragments(Wire(req.SerializeAsString()).SplitByTrace(), tempo::model::SplitByTrace(req));
}

TEST_CASE("Deprecated scope spans on the wire are used only without scope_spans", "[model]") {
  TraceBuilder b;
  b.AddSpan("svc", 1, 1);
  OtlpRequest req = b.Build();
  auto* rs = req.mutable_resource_spans(0);
  rs->mutable_deprecated_scope_spans()->Swap(rs->mutable_scope_spans());
  const std::string bytes = req.SerializeAsString();
  OtlpWireRequest only_deprecated = Wire(bytes);
  CHECK(only_deprecated.span_count() == 1);
  OtlpRequest normalized = req;
  tempo::model::NormalizeRequest(normalized);
  CheckSameFragments(only_deprecated.SplitByTrace(), tempo::model::SplitByTrace(normalized));

  SECTION("ignored when scope_spans is present, even if it comes later") {
    rs->add_scope_spans()->add_spans()->CopyFrom(rs->deprecated_scope_spans(0).spans(0));
    rs->mutable_scope_spans(0)->mutable_spans(0)->set_span_id(SpanIdBytes(2));
    rs->mutable_deprecated_scope_spans(0)->add_spans()->set_name("ignored");
    const std::string with_both = req.SerializeAsString();
    OtlpWireRequest wire = Wire(with_both);
    REQUIRE(wire.span_count() == 1);
    tempopb::Trace trace;
    REQUIRE(trace.ParseFromString(wire.SplitByTrace()[0].data));
    CHECK(trace.resourcespans(0).scope_spans(0).spans(0).span_id() == SpanIdBytes(2));
  }
}

TEST_CASE("Repeated resource fields merge as libprotobuf merges them", "[model]") {
  TraceBuilder b;
  b.AddSpan("svc", 1, 1);
  OtlpRequest req = b.Build();
  // ResourceSpans { resource {attr service.name} scope_spans {...} resource {attr extra} }
  std::string rs = req.resource_spans(0).SerializeAsString();
  opentelemetry::proto::resource::v1::Resource extra;
  auto* kv = extra.add_attributes();
  kv->set_key("extra");
  kv->mutable_value()->set_string_value("yes");
  rs += Field(1, extra.SerializeAsString());
  const std::string bytes = Field(1, rs);
  REQUIRE(LibprotobufParses(bytes));
  OtlpRequest parsed;
  REQUIRE(parsed.ParseFromString(bytes));
  CHECK(parsed.resource_spans(0).resource().attributes_size() == 2);
  tempopb::Trace got, want;
  REQUIRE(got.ParseFromString(Wire(bytes).SplitByTrace()[0].data));
  REQUIRE(want.ParseFromString(tempo::model::SplitByTrace(parsed)[0].data));
  CHECK(got.SerializeAsString() == want.SerializeAsString());
}

TEST_CASE("Wire ID checks answer as the message ID checks", "[model]") {
  auto check = [](const OtlpRequest& req) {
    const std::string bytes = req.SerializeAsString();
    tempo::Status want = tempo::model::ValidateIds(req);
    tempo::Status got = Wire(bytes).ValidateIds();
    CHECK(got.code() == want.code());
    CHECK(got.message() == want.message());
  };
  TraceBuilder b;
  b.AddSpan("svc", 1, 1);
  b.AddSpan("svc", 2, 2);
  OtlpRequest req = b.Build();
  check(req);
  auto* span = req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1);
  SECTION("short trace ID") {
    span->set_trace_id(std::string(8, '\x01'));
    check(req);
  }
  SECTION("all-zero trace ID counts as 0 bits") {
    span->set_trace_id(std::string(16, '\0'));
    check(req);
    CHECK(Wire(req.SerializeAsString()).ValidateIds().message() ==
          "trace ids must be 128 bit, received 0 bits");
  }
  SECTION("missing span ID") {
    span->clear_span_id();
    check(req);
  }
  SECTION("long span ID") {
    span->set_span_id(std::string(16, '\x02'));
    check(req);
  }
}

TEST_CASE("Wire truncation cuts what the message truncation cuts, and only that", "[model]") {
  OtlpRequest req = RichRequest();
  auto* res_kv = req.mutable_resource_spans(1)->mutable_resource()->add_attributes();
  res_kv->set_key("k8s.pod.labels");
  res_kv->mutable_value()->set_string_value(std::string(100, 'r'));
  auto* scope_kv =
      req.mutable_resource_spans(0)->mutable_scope_spans(1)->mutable_scope()->add_attributes();
  scope_kv->set_key(std::string(90, 'k'));
  scope_kv->mutable_value()->set_int_value(1);
  auto* link_kv = req.mutable_resource_spans(1)
                      ->mutable_scope_spans(0)
                      ->mutable_spans(0)
                      ->mutable_links(0)
                      ->add_attributes();
  link_kv->set_key("l");
  link_kv->mutable_value()->set_string_value(std::string(70, 'l'));
  const std::string bytes = req.SerializeAsString();

  for (size_t max : {0, 10, 64, 95, 200, 400}) {
    OtlpRequest expected = req;
    const size_t want_cut = tempo::model::TruncateAttributes(expected, max);
    OtlpWireRequest wire = Wire(bytes);
    CHECK(wire.TruncateAttributes(max) == want_cut);
    CheckSameFragments(wire.SplitByTrace(), tempo::model::SplitByTrace(expected));
  }
  // Strings inside arrays are left alone, by both.
  OtlpRequest nested = req;
  CHECK(Wire(bytes).TruncateAttributes(1000) == 0);
  CHECK(tempo::model::TruncateAttributes(nested, 1000) == 0);
}

TEST_CASE("The wire parser rejects what libprotobuf rejects", "[model]") {
  TraceBuilder b;
  b.AddSpan("svc", 1, 1).set_name("caf\xc3\xa9");
  const std::string span = b.Build().resource_spans(0).scope_spans(0).spans(0).SerializeAsString();
  auto request_with_span = [](const std::string& span_bytes) {
    return Field(1, Field(2, Field(2, span_bytes)));
  };
  std::vector<std::pair<std::string, std::string>> cases = {
      {"valid", request_with_span(span)},
      {"truncated", request_with_span(span).substr(0, 20)},
      {"invalid UTF-8 in a name", request_with_span(span + Field(5, "\xc3\x28"))},
      {"surrogate in a name", request_with_span(span + Field(5, "\xed\xa0\x80"))},
      {"overlong UTF-8", request_with_span(span + Field(5, "\xc0\xaf"))},
      {"beyond U+10FFFF", request_with_span(span + Field(5, "\xf4\x90\x80\x80"))},
      {"4-byte UTF-8", request_with_span(span + Field(5, "\xf0\x9f\x98\x80"))},
      {"invalid UTF-8 in bytes", request_with_span(span + Field(4, "\xff\xfe"))},
      {"invalid UTF-8 in an unknown field", request_with_span(span + Field(99, "\xff"))},
      {"known field, other wire type", request_with_span(span + Varint(5 << 3 | 0) + Varint(3))},
      {"field number 0", request_with_span(span + Varint(0 << 3 | 2) + Varint(1) + "x")},
      {"tag 0", request_with_span(span + std::string(1, '\0'))},
      {"stray end group", request_with_span(span + Varint(7 << 3 | 4))},
      {"unknown group", request_with_span(span + Varint(20 << 3 | 3) + Varint(1 << 3 | 0) +
                                          Varint(1) + Varint(20 << 3 | 4))},
      {"group closed by another field",
       request_with_span(span + Varint(20 << 3 | 3) + Varint(21 << 3 | 4))},
      {"unterminated group", request_with_span(span + Varint(20 << 3 | 3))},
      {"wire type 6", request_with_span(span + Varint(20 << 3 | 6))},
      {"10-byte varint",
       request_with_span(span + Varint(10 << 3 | 0) + std::string(9, '\xff') + "\x01")},
      {"11-byte varint",
       request_with_span(span + Varint(10 << 3 | 0) + std::string(10, '\xff') + "\x01")},
      {"6-byte tag", request_with_span(span + std::string(5, '\x80') + "\x01" + Varint(1))},
      {"fixed64 cut short", request_with_span(span + Varint(7 << 3 | 1) + "1234")},
      {"length past the end", request_with_span(span + Varint(5 << 3 | 2) + Varint(100) + "ab")},
      // Attributes in the short layout (key, then one value member) take a fast path.
      {"short attribute",
       request_with_span(span + Field(9, Field(1, "k") + Field(2, Field(1, "v"))))},
      {"invalid UTF-8 in a short attribute's key",
       request_with_span(span + Field(9, Field(1, "\xc3\x28") + Field(2, Field(1, "v"))))},
      {"invalid UTF-8 in a short attribute's string",
       request_with_span(span + Field(9, Field(1, "k") + Field(2, Field(1, "\xed\xa0\x80"))))},
      {"short attribute, 10-byte int",
       request_with_span(span + Field(9, Field(1, "k") +
                                             Field(2, Varint(3 << 3 | 0) + std::string(9, '\xff') +
                                                          "\x01")))},
      {"short attribute, 11-byte int",
       request_with_span(span + Field(9, Field(1, "k") +
                                             Field(2, Varint(3 << 3 | 0) + std::string(10, '\xff') +
                                                          "\x01")))},
      {"short attribute, double cut short",
       request_with_span(span + Field(9, Field(1, "k") + Field(2, Varint(4 << 3 | 1) + "1234")))},
  };
  for (const auto& [name, bytes] : cases) {
    INFO(name);
    CHECK(WireParses(bytes) == LibprotobufParses(bytes));
  }
  SECTION("nesting: 100 levels parse, 101 do not") {
    // A span is at depth 3, its attribute's AnyValue at 5; each array adds 2 levels, a kvlist 3.
    for (int arrays : {45, 46, 47, 48, 146, 147}) {
      std::string value = Field(1, "leaf");
      if (arrays > 100) value = Field(6, Field(1, Field(1, "k") + Field(2, value)));
      for (int i = 0; i < arrays % 100; ++i) value = Field(5, Field(1, value));
      std::string kv = Field(1, "k") + Field(2, value);
      std::string bytes = request_with_span(span + Field(9, kv));
      INFO(arrays);
      CHECK(WireParses(bytes) == LibprotobufParses(bytes));
    }
  }
}

TEST_CASE("The wire parser agrees with libprotobuf on mutated requests", "[model]") {
  const std::string base = RichRequest().SerializeAsString();
  std::mt19937 rng(7);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string bytes = base;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = rng() % bytes.size();
      switch (rng() % 4) {
        case 0:
          bytes[pos] = static_cast<char>(rng());
          break;
        case 1:
          bytes[pos] = static_cast<char>(bytes[pos] ^ (1 << (rng() % 8)));
          break;
        case 2:
          bytes.erase(pos, 1 + rng() % 4);
          break;
        default:
          bytes.insert(pos, 1, static_cast<char>(rng()));
          break;
      }
      if (bytes.empty()) bytes = base;
    }
    const bool want = LibprotobufParses(bytes);
    INFO("mutation " << i);
    REQUIRE(WireParses(bytes) == want);
    if (!want) continue;
    ++accepted;
    // What parses must split as the message path splits it (IDs permitting).
    OtlpRequest req;
    REQUIRE(req.ParseFromString(bytes));
    tempo::model::NormalizeRequest(req);
    OtlpWireRequest wire = Wire(bytes);
    REQUIRE(wire.span_count() == tempo::model::CountSpans(req));
    if (!tempo::model::ValidateIds(req).ok()) {
      CHECK(wire.ValidateIds().message() == tempo::model::ValidateIds(req).message());
      continue;
    }
    REQUIRE(wire.ValidateIds().ok());
    auto got = wire.SplitByTrace();
    auto want_fragments = tempo::model::SplitByTrace(req);
    REQUIRE(got.size() == want_fragments.size());
    for (size_t f = 0; f < got.size(); ++f) {
      tempopb::Trace a, b;
      REQUIRE(a.ParseFromString(got[f].data));
      REQUIRE(b.ParseFromString(want_fragments[f].data));
      CHECK(a.SerializeAsString() == b.SerializeAsString());
      CHECK(got[f].span_count == want_fragments[f].span_count);
    }
  }
  CHECK(accepted > 100);  // the mutations exercise the accepting path too
}
