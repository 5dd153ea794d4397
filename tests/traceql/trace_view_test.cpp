#include "tempo/traceql/trace_view.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "search_fixture.h"

namespace tempo::traceql {
namespace {

using testing::OtlpSpan;
using testing::TraceMaker;

struct Numbers {
  int32_t left, right, parent;
  friend bool operator==(const Numbers&, const Numbers&) = default;
};

std::map<std::string, Numbers> NestedSets(const TraceView& view) {
  std::map<std::string, Numbers> out;
  for (const SpanRef& s : view.spans()) {
    out[s.span->name()] = {s.nested_set_left, s.nested_set_right, s.nested_set_parent};
  }
  return out;
}

TEST_CASE("The fixture trace gets the reference's nested-set numbers", "[traceql]") {
  TraceView view = testing::FixtureTrace();
  const nlohmann::json& notes = testing::SearchCases()["span_notes"];
  REQUIRE(view.span_count() == 4);
  for (const SpanRef& s : view.spans()) {
    std::string id;
    for (unsigned char c : s.span->span_id()) {
      static const char kHex[] = "0123456789abcdef";
      id += kHex[c >> 4];
      id += kHex[c & 15];
    }
    const nlohmann::json& note = notes[id];
    INFO("span " << id);
    CHECK(s.nested_set_left == note["nestedSetLeft"].get<int>());
    CHECK(s.nested_set_right == note["nestedSetRight"].get<int>());
    CHECK(s.nested_set_parent == note["nestedSetParent"].get<int>());
    if (note["childCount"].is_number()) CHECK(s.child_count == note["childCount"].get<uint32_t>());
  }
  CHECK(view.structure_valid());
  CHECK(view.root_span_name() == "RootSpan");
  CHECK(view.root_service_name() == "RootService");
  CHECK(view.start_unix_nano() == 1000000000000ull);
  CHECK(view.duration_nanos() == 2000000000ull);
  CHECK(view.id_text() == "7a3c5e9f1b2d4c6e8f0a1b2c3d4e5f60");
}

TEST_CASE("Nested sets follow trace order and disconnect orphans and cycles", "[traceql]") {
  TraceMaker t;
  t.AddSpan(1, 0, "root");
  t.AddSpan(2, 1, "a");
  t.AddSpan(3, 2, "a1");
  t.AddSpan(4, 1, "b");
  t.AddSpan(5, 99, "orphan");
  t.AddSpan(6, 7, "cycle1");
  t.AddSpan(7, 6, "cycle2");
  t.AddSpan(8, 0, "root2");
  t.AddSpan(9, 8, "c");
  TraceView view = t.Build();
  auto n = NestedSets(view);
  CHECK(n["root"] == Numbers{1, 8, -1});
  CHECK(n["a"] == Numbers{2, 5, 1});
  CHECK(n["a1"] == Numbers{3, 4, 2});
  CHECK(n["b"] == Numbers{6, 7, 1});
  CHECK(n["orphan"] == Numbers{0, 0, 0});
  CHECK(n["cycle1"] == Numbers{0, 0, 0});
  CHECK(n["cycle2"] == Numbers{0, 0, 0});
  CHECK(n["root2"] == Numbers{9, 12, -1});
  CHECK(n["c"] == Numbers{10, 11, 9});
  // The last parentless span is the root of the trace.
  CHECK(view.root_span_name() == "root2");
  CHECK(view.spans()[0].child_count == 2);
  REQUIRE(view.children(0).size() == 2);
  CHECK(view.children(0)[0] == 1);
  CHECK(view.children(0)[1] == 3);
}

TEST_CASE("A Zipkin client/server pair sharing an ID is linked by kind", "[traceql]") {
  TraceMaker t;
  t.AddSpan(1, 0, "root").set_kind(OtlpSpan::SPAN_KIND_SERVER);
  t.AddSpan(2, 1, "client").set_kind(OtlpSpan::SPAN_KIND_CLIENT);
  // The server half shares the client's ID and names it as its parent.
  t.AddSpan(2, 2, "server").set_kind(OtlpSpan::SPAN_KIND_SERVER);
  t.AddSpan(3, 2, "work").set_kind(OtlpSpan::SPAN_KIND_INTERNAL);
  TraceView view = t.Build();
  auto n = NestedSets(view);
  CHECK(n["root"] == Numbers{1, 8, -1});
  CHECK(n["client"] == Numbers{2, 7, 1});
  CHECK(n["server"] == Numbers{3, 6, 2});
  CHECK(n["work"] == Numbers{4, 5, 3});
}

TEST_CASE("A span that is its own parent is disconnected, not a root", "[traceql]") {
  TraceMaker t;
  t.AddSpan(1, 0, "root");
  t.AddSpan(5, 5, "self");
  TraceView view = t.Build();
  auto n = NestedSets(view);
  CHECK(n["root"] == Numbers{1, 2, -1});
  CHECK(n["self"] == Numbers{0, 0, 0});
  CHECK(view.spans()[1].parent == -1);
  CHECK(view.root_span_name() == "root");
}

TEST_CASE("An ID shared by more than two spans leaves the whole trace unnumbered", "[traceql]") {
  TraceMaker t;
  t.AddSpan(1, 0, "root");
  t.AddSpan(2, 1, "x");
  t.AddSpan(2, 1, "y");
  t.AddSpan(2, 1, "z");
  TraceView view = t.Build();
  CHECK_FALSE(view.structure_valid());
  for (const SpanRef& s : view.spans()) CHECK_FALSE(s.connected());
}

TEST_CASE("A parentless span with an OpenTracing child_of link is not the trace root",
          "[traceql]") {
  TraceMaker t;
  t.AddSpan(1, 0, "root", "front");
  OtlpSpan& follower = t.AddSpan(2, 0, "follower", "back");
  auto* link = follower.add_links();
  link->set_trace_id(follower.trace_id());
  link->set_span_id(TraceMaker::IdBytes(1));
  testing::AddStringAttribute(link->mutable_attributes(), "opentracing.ref_type", "child_of");
  TraceView view = t.Build();
  CHECK(view.root_span_name() == "root");
  CHECK(view.root_service_name() == "front");
}

TEST_CASE("An empty trace view has no spans and no root", "[traceql]") {
  TraceView view;
  CHECK(view.span_count() == 0);
  CHECK(view.root() == -1);
  CHECK(view.root_span_name().empty());
  CHECK(view.duration_nanos() == 0);
  TraceView copy = view;  // copies share the data
  CHECK(&copy.trace() == &view.trace());
}

}  // namespace
}  // namespace tempo::traceql
