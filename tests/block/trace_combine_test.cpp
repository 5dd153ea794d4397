// The byte path of trace by ID: BlockReader::FindTraceSerialized, TraceRows::IsCombined and
// CombineSerializedTrace, each against the message path it replaces.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "block/trace_rows.h"
#include "block_test_util.h"
#include "fragment_cases.h"
#include "tempo/block/block_writer.h"
#include "tempo/block/trace_combine.h"
#include "tempo/model/combine.h"

namespace tempo::block {
namespace {

using testing::Fragments;
using testing::NonCanonicalFragments;
using testing::OpenString;
using testing::RandomTraces;
using testing::SpanCount;

// What trace by ID did before bytes: parse and combine the fragments as messages, serialize
// (without the fields unknown to the schema, which the bytes path drops).
std::string CombinedByMessages(std::string_view fragments, model::CombineStats* stats) {
  tempopb::Trace combined;
  REQUIRE(model::CombineFragments({fragments}, &combined, stats).ok());
  combined.DiscardUnknownFields();
  return combined.SerializeAsString();
}

void RequireCombinesAsMessages(std::string_view fragments) {
  model::CombineStats want_stats, got_stats;
  const std::string want = CombinedByMessages(fragments, &want_stats);
  std::string got = "prefix";
  REQUIRE(CombineSerializedTrace(fragments, &got, &got_stats).ok());
  REQUIRE(got.substr(0, 6) == "prefix");  // appended
  REQUIRE(got.substr(6) == want);
  CHECK(got_stats.spans == want_stats.spans);
  CHECK(got_stats.duplicate_spans == want_stats.duplicate_spans);
  CHECK(got_stats.input_bytes == fragments.size());
}

TEST_CASE("CombineSerializedTrace writes what combining the messages serializes", "[block]") {
  for (uint64_t seed : {1, 2, 3}) {
    INFO("seed " << seed);
    RandomTraces rng(seed, /*utf8_only=*/true);
    for (int i = 0; i < 150; ++i) {
      const int spans = rng.Chance(0.05) ? 300 : static_cast<int>(rng.Uniform(30));
      RequireCombinesAsMessages(Fragments(rng.Trace(rng.Id(), spans), rng));
    }
  }
  for (const testing::FragmentCase& c : NonCanonicalFragments()) {
    INFO(c.name);
    RequireCombinesAsMessages(c.bytes);
  }
}

TEST_CASE("CombineSerializedTrace reports fragments that do not parse", "[block]") {
  std::string out = "kept";
  const Status s = CombineSerializedTrace(std::string("\x0a\x05\x12", 3), &out, nullptr);
  CHECK(s.code() == StatusCode::kCorruption);
  CHECK(out == "kept");
}

// A block of random traces, appended as messages (not combined: shared resources, shared span
// IDs, spans without status) or as fragments (combined by the writer).
std::string WriteBlock(bool combined, std::vector<TraceId>* ids) {
  RandomTraces rng(11, /*utf8_only=*/true);
  std::map<TraceId, std::string> fragments;
  while (fragments.size() < 120) {
    const TraceId id = rng.Id();
    const int spans = rng.Chance(0.05) ? 200 : static_cast<int>(rng.Uniform(25));
    fragments[id] = Fragments(rng.Trace(id, spans), rng);
  }
  WriterOptions options;
  options.spans_per_row_group = 500;
  BlockWriter writer(options);
  for (const auto& [id, bytes] : fragments) {
    if (combined) {
      REQUIRE(writer.AppendFragments(id, bytes).ok());
    } else {
      tempopb::Trace trace;
      REQUIRE(trace.ParseFromString(bytes));
      REQUIRE(writer.Append(id, trace).ok());
    }
  }
  BlockMeta meta;
  Result<std::string> data = writer.Finish(&meta);
  REQUIRE(data.ok());
  for (const auto& [id, bytes] : fragments) ids->push_back(id);
  return std::move(data).value();
}

TEST_CASE("A trace found serialized is its message's bytes, marked when already combined",
          "[block]") {
  const bool combined = GENERATE(false, true);
  INFO((combined ? "appended as fragments" : "appended as messages"));
  std::vector<TraceId> ids;
  const std::string data = WriteBlock(combined, &ids);
  auto reader = OpenString(data);
  REQUIRE(reader.ok());
  int marked = 0, unmarked = 0;
  for (const TraceId& id : ids) {
    tempopb::Trace message;
    REQUIRE((*reader)->FindTrace(id, &message).value());
    std::string bytes = "x";
    uint32_t combined_spans = 99;
    REQUIRE((*reader)->FindTraceSerialized(id, &bytes, &combined_spans).value());
    REQUIRE(bytes == "x" + message.SerializeAsString());
    bytes.erase(0, 1);
    if (combined_spans > 0) {
      ++marked;
      CHECK(combined_spans == SpanCount(message));
      std::string again;
      REQUIRE(CombineSerializedTrace(bytes, &again, nullptr).ok());
      REQUIRE(again == bytes);  // what the mark promises
    } else {
      ++unmarked;
      if (combined) CHECK(SpanCount(message) == 0);  // the writer combined every trace
    }
  }
  if (combined) {
    CHECK(marked > 100);
  } else {
    CHECK(unmarked > 50);  // spans without status, shared resources, duplicate span IDs
    CHECK(marked > 0);
  }

  TraceId absent;
  absent.bytes.fill(0xEE);
  std::string bytes;
  uint32_t combined_spans = 7;
  CHECK_FALSE((*reader)->FindTraceSerialized(absent, &bytes, &combined_spans).value());
  CHECK(bytes.empty());
  CHECK(combined_spans == 0);
}

TEST_CASE("IsCombined is false for each thing combining would change", "[block]") {
  tempopb::Trace base;
  auto* rs = base.add_resourcespans();
  auto* attr = rs->mutable_resource()->add_attributes();
  attr->set_key("service.name");
  attr->mutable_value()->set_string_value("cart");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("lib");
  for (int i = 0; i < 3; ++i) {
    auto* span = ss->add_spans();
    span->set_span_id(std::string(7, '\0') + static_cast<char>(i + 1));
    span->set_name("op");
    span->mutable_status();
  }
  // Origins as TraceAssembler gives them: one per distinct resource and scope.
  auto rows_of = [](const tempopb::Trace& t, TraceRows* rows) {
    rows->FromMessage(t);
    uint64_t next = 1;
    for (auto& r : rows->resource_spans) r.resource.origin = next++;
    for (auto& s : rows->scope_spans) s.scope.origin = next++;
  };
  TraceRows rows;
  rows_of(base, &rows);
  CHECK(rows.IsCombined());

  SECTION("a span without status") {
    base.mutable_resourcespans(0)->mutable_scope_spans(0)->mutable_spans(1)->clear_status();
    rows_of(base, &rows);
    CHECK_FALSE(rows.IsCombined());
  }
  SECTION("a duplicate span ID of the same kind; another kind is no duplicate") {
    auto* spans = base.mutable_resourcespans(0)->mutable_scope_spans(0)->mutable_spans();
    spans->Mutable(2)->set_span_id(spans->Get(0).span_id());
    spans->Mutable(2)->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
    rows_of(base, &rows);
    CHECK(rows.IsCombined());
    spans->Mutable(2)->set_kind(spans->Get(0).kind());
    rows_of(base, &rows);
    CHECK_FALSE(rows.IsCombined());
  }
  SECTION("a resource without attributes") {
    base.mutable_resourcespans(0)->mutable_resource()->clear_attributes();
    rows_of(base, &rows);
    CHECK_FALSE(rows.IsCombined());
  }
  SECTION("containers without spans") {
    base.mutable_resourcespans(0)->add_scope_spans()->mutable_scope()->set_name("other");
    rows_of(base, &rows);
    CHECK_FALSE(rows.IsCombined());
  }
  // A second resource spans like the first, with spans of other IDs.
  auto add_copy = [&base] {
    auto* copy = base.add_resourcespans();
    *copy = base.resourcespans(0);
    for (auto& span : *copy->mutable_scope_spans(0)->mutable_spans()) {
      span.set_span_id(span.span_id() + "x");
    }
  };
  SECTION("two resource spans of one resource and schema URL") {
    add_copy();
    rows_of(base, &rows);
    CHECK(rows.IsCombined());  // different origins: different resources
    rows.resource_spans[1].resource.origin = rows.resource_spans[0].resource.origin;
    CHECK_FALSE(rows.IsCombined());
    rows.resource_spans[1].schema_url = "other";
    CHECK(rows.IsCombined());
  }
  SECTION("two scope spans of one scope") {
    *base.mutable_resourcespans(0)->add_scope_spans() = base.resourcespans(0).scope_spans(0);
    auto* spans = base.mutable_resourcespans(0)->mutable_scope_spans(1)->mutable_spans();
    for (auto& span : *spans) span.set_span_id(span.span_id() + "x");
    rows_of(base, &rows);
    CHECK(rows.IsCombined());
    rows.scope_spans[1].scope.origin = rows.scope_spans[0].scope.origin;
    CHECK_FALSE(rows.IsCombined());
  }
  SECTION("owners without an origin are not known to differ") {
    add_copy();
    rows_of(base, &rows);
    CHECK(rows.IsCombined());
    rows.resource_spans[0].resource.origin = 0;
    CHECK_FALSE(rows.IsCombined());
  }
}

}  // namespace
}  // namespace tempo::block
