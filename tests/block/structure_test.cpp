#include "block/structure.h"

#include <catch2/catch.hpp>

#include "block_internals.h"
#include "block_test_util.h"

namespace tempo::block {
namespace {

namespace otlp_trace = opentelemetry::proto::trace::v1;

std::string Id8(int n) { return std::string(7, '\0') + static_cast<char>(n); }

struct Node {
  int id;
  int parent;  // 0 = none
  int kind = 1;
  std::string name;
};

// One trace with the nodes in the given order, in one ResourceSpans, or alternating between two
// when `split` (trace order is then the first one's spans, then the second one's).
tempopb::Trace MakeTrace(const TraceId& tid, const std::vector<Node>& nodes, bool split = true) {
  tempopb::Trace t;
  auto* a = t.add_resourcespans()->add_scope_spans();
  auto* b = t.add_resourcespans()->add_scope_spans();
  int i = 0;
  for (const Node& n : nodes) {
    auto* s = (!split || i++ % 2 == 0 ? a : b)->add_spans();
    s->set_trace_id(std::string(tid.view()));
    s->set_span_id(Id8(n.id));
    if (n.parent != 0) s->set_parent_span_id(Id8(n.parent));
    s->set_kind(static_cast<otlp_trace::Span_SpanKind>(n.kind));
    s->set_name(n.name);
  }
  return t;
}

std::vector<SpanLinkage> Linkage(const std::vector<Node>& nodes, std::vector<std::string>* ids) {
  ids->clear();
  for (const Node& n : nodes) {
    ids->push_back(Id8(n.id));
    ids->push_back(n.parent ? Id8(n.parent) : "");
  }
  std::vector<SpanLinkage> out;
  for (size_t i = 0; i < nodes.size(); ++i) {
    out.push_back({(*ids)[2 * i], (*ids)[2 * i + 1], nodes[i].kind});
  }
  return out;
}

TEST_CASE("Spans are placed depth-first the way Tempo numbers nested sets", "[block]") {
  // A is the root with children C and B (trace order), D is B's child, E's parent is missing and
  // F is E's child.
  std::vector<Node> nodes = {{4, 2, 1, "D"}, {1, 0, 2, "A"}, {5, 9, 1, "E"},
                             {3, 1, 1, "C"}, {2, 1, 1, "B"}, {6, 5, 1, "F"}};
  std::vector<std::string> ids;
  TraceStructure st;
  ComputeStructure(Linkage(nodes, &ids), &st);
  // Positions: A C B D E F.
  CHECK(st.order == std::vector<uint32_t>{1, 3, 4, 0, 2, 5});
  CHECK(st.parent_pos == std::vector<int32_t>{-1, 0, 0, 2, -1, 4});
  CHECK(st.subtree_end == std::vector<uint32_t>{3, 1, 3, 3, 5, 5});
  CHECK(st.disconnected == std::vector<uint8_t>{0, 0, 0, 0, 1, 1});

  SECTION("and the block stores those numbers and returns spans in that order") {
    TraceId tid = TraceId::FromBytes(std::string(15, '\0') + "\x01");
    tempopb::Trace trace = MakeTrace(tid, nodes, /*split=*/false);
    BlockWriter writer;
    REQUIRE(writer.Append(tid, trace).ok());
    BlockMeta meta;
    auto data = writer.Finish(&meta);
    REQUIRE(data.ok());
    auto footer = testing::FooterOf(*data);
    REQUIRE(footer.ok());
    auto column = [&](Col c) {
      auto v = testing::ColumnOf(*data, *footer, 0, c);
      REQUIRE(v.ok());
      return v->ints;
    };
    // The nested sets are derived from the positions, not stored.
    for (Col c : {Col::kSpanNestedSetLeft, Col::kSpanNestedSetRight, Col::kSpanNestedSetParent}) {
      auto v = testing::ColumnOf(*data, *footer, 0, c);
      REQUIRE(v.ok());
      CHECK(v->defaulted);
    }
    CHECK(column(Col::kSpanParentPos) == std::vector<int64_t>{-1, 0, 0, 2, -1, 4});
    CHECK(column(Col::kSpanSubtreeEnd) == std::vector<int64_t>{3, 1, 3, 3, 5, 5});
    CHECK(column(Col::kSpanDisconnected) == std::vector<int64_t>{0, 0, 0, 0, 1, 1});
    auto names = testing::ColumnOf(*data, *footer, 0, Col::kSpanName);
    REQUIRE(names.ok());
    CHECK(names->strs == std::vector<std::string_view>{"A", "C", "B", "D", "E", "F"});
    auto root = testing::ColumnOf(*data, *footer, 0, Col::kTraceRootSpanName);
    REQUIRE(root.ok());
    CHECK(root->strs == std::vector<std::string_view>{"A"});
  }
  SECTION("and spans come back in depth-first order within each ScopeSpans") {
    // Trace order is now D E B | A C F, so A's children are B then C: A B D C E F.
    TraceId tid = TraceId::FromBytes(std::string(15, '\0') + "\x01");
    tempopb::Trace trace = MakeTrace(tid, nodes, /*split=*/true);
    BlockWriter writer;
    REQUIRE(writer.Append(tid, trace).ok());
    BlockMeta meta;
    auto data = writer.Finish(&meta);
    REQUIRE(data.ok());
    auto reader = testing::OpenString(*data);
    REQUIRE(reader.ok());
    tempopb::Trace got;
    REQUIRE((*reader)->FindTrace(tid, &got).value());
    std::vector<std::string> first, second;
    for (const auto& s : got.resourcespans(0).scope_spans(0).spans()) first.push_back(s.name());
    for (const auto& s : got.resourcespans(1).scope_spans(0).spans()) second.push_back(s.name());
    CHECK(first == std::vector<std::string>{"B", "D", "E"});
    CHECK(second == std::vector<std::string>{"A", "C", "F"});
    CHECK(testing::Diff(trace, got).empty());
  }
}

TEST_CASE("Zipkin client and server spans sharing an ID are told apart by kind", "[block]") {
  constexpr int kServer = 2, kClient = 3;
  // R is the root; C (client) and S (server) share ID 2 and both name R as parent; G (internal)
  // hangs under the server one, H (server) under the client one.
  std::vector<Node> nodes = {{1, 0, kServer, "R"},
                             {2, 1, kClient, "C"},
                             {2, 1, kServer, "S"},
                             {3, 2, 1, "G"},
                             {4, 2, kServer, "H"}};
  std::vector<std::string> ids;
  TraceStructure st;
  ComputeStructure(Linkage(nodes, &ids), &st);
  // Order: R, C, H, S, G.
  CHECK(st.order == std::vector<uint32_t>{0, 1, 4, 2, 3});
  CHECK(st.parent_pos == std::vector<int32_t>{-1, 0, 1, 0, 3});
  CHECK(st.disconnected == std::vector<uint8_t>{0, 0, 0, 0, 0});
}

TEST_CASE("A span ID used more than twice, or no root, leaves the trace unnumbered", "[block]") {
  std::vector<std::string> ids;
  TraceStructure st;
  SECTION("three spans share an ID") {
    ComputeStructure(
        Linkage({{1, 0, 1, "R"}, {2, 1, 1, "a"}, {2, 1, 1, "b"}, {2, 1, 1, "c"}}, &ids), &st);
  }
  SECTION("no root") {
    ComputeStructure(
        Linkage({{1, 7, 1, "a"}, {2, 1, 1, "b"}, {3, 2, 1, "c"}, {4, 3, 1, "d"}}, &ids), &st);
    CHECK(st.parent_pos == std::vector<int32_t>{-1, 0, 1, 2});
  }
  SECTION("a cycle and a self-parent") {
    ComputeStructure(
        Linkage({{1, 2, 1, "a"}, {2, 1, 1, "b"}, {3, 3, 1, "c"}, {4, 3, 1, "d"}}, &ids), &st);
    CHECK(st.order.size() == 4);
  }
  CHECK(st.disconnected == std::vector<uint8_t>{1, 1, 1, 1});
  std::vector<uint32_t> sorted = st.order;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<uint32_t>{0, 1, 2, 3});
}

TEST_CASE("The root span is the last parentless span not linked as child_of", "[block]") {
  TraceId tid = TraceId::FromBytes(std::string(15, '\0') + "\x02");
  tempopb::Trace t =
      MakeTrace(tid, {{1, 0, 2, "first-root"}, {2, 0, 2, "second-root"}, {3, 1, 1, "child"}});
  auto* svc = t.mutable_resourcespans(1)->mutable_resource()->add_attributes();
  svc->set_key("service.name");
  svc->mutable_value()->set_string_value("backend");
  // "second-root" (in the second resource) names the first root as its OpenTracing parent.
  auto* link = t.mutable_resourcespans(1)->mutable_scope_spans(0)->mutable_spans(0)->add_links();
  link->set_trace_id(std::string(tid.view()));
  auto* ref = link->add_attributes();
  ref->set_key("opentracing.ref_type");
  ref->mutable_value()->set_string_value("child_of");
  BlockWriter writer;
  REQUIRE(writer.Append(tid, t).ok());
  BlockMeta meta;
  auto data = writer.Finish(&meta);
  REQUIRE(data.ok());
  auto footer = testing::FooterOf(*data);
  REQUIRE(footer.ok());
  CHECK(testing::ColumnOf(*data, *footer, 0, Col::kTraceRootSpanName)->strs ==
        std::vector<std::string_view>{"first-root"});
  CHECK(testing::ColumnOf(*data, *footer, 0, Col::kTraceRootServiceName)->strs ==
        std::vector<std::string_view>{""});
  SECTION("without the link the later root wins, with its resource's service") {
    t.mutable_resourcespans(1)->mutable_scope_spans(0)->mutable_spans(0)->clear_links();
    BlockWriter w2;
    REQUIRE(w2.Append(tid, t).ok());
    auto d2 = w2.Finish(&meta);
    REQUIRE(d2.ok());
    auto f2 = testing::FooterOf(*d2);
    REQUIRE(f2.ok());
    CHECK(testing::ColumnOf(*d2, *f2, 0, Col::kTraceRootSpanName)->strs ==
          std::vector<std::string_view>{"second-root"});
    CHECK(testing::ColumnOf(*d2, *f2, 0, Col::kTraceRootServiceName)->strs ==
          std::vector<std::string_view>{"backend"});
  }
}

}  // namespace
}  // namespace tempo::block
