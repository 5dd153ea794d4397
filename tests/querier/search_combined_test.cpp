// The combined search job (traces spread over several blocks or also live) decides the query's
// conditions on the fragments' columns before decoding: traces that cannot match are never
// read, while conditions satisfied by different fragments still make the combined trace match.
#include <algorithm>
#include <catch2/catch.hpp>

#include "querier/search_node.h"
#include "tempo/traceql/engine.h"

using tempo::RequestContext;
using tempo::testing::SearchNode;
using tempo::testing::SearchWindow;
using tempo::testing::SortedIds;

namespace {

constexpr uint64_t kBase = 1'800'000'000'000'000'000ull;
constexpr uint64_t kSecond = 1'000'000'000ull;

tempopb::SearchResponse Run(SearchNode& node, const std::string& text) {
  return SearchWindow(node, text, kBase - 3600 * kSecond, kBase + 3600 * kSecond);
}

std::vector<std::string> Ids(SearchNode& node, const std::string& text) {
  INFO(text);
  return SortedIds(Run(node, text));
}

}  // namespace

TEST_CASE("The combined job decodes no shared trace that the columns rule out",
          "[querier][search]") {
  SearchNode node;
  // Trace 1 is in both blocks; 2 and 3 in one each.
  node.WriteBlock({{.trace = 1,
                    .span = 1,
                    .service = "a",
                    .name = "op",
                    .start_unix_nano = kBase,
                    .attributes = {{"k", "w"}}},
                   {.trace = 2,
                    .span = 2,
                    .service = "b",
                    .name = "op",
                    .start_unix_nano = kBase,
                    .attributes = {{"k", "z"}}}});
  node.WriteBlock({{.trace = 1,
                    .span = 11,
                    .service = "b",
                    .name = "op",
                    .start_unix_nano = kBase,
                    .attributes = {{"k", "z"}}},
                   {.trace = 3,
                    .span = 3,
                    .service = "c",
                    .name = "op",
                    .start_unix_nano = kBase,
                    .attributes = {{"k", "w"}}}});
  REQUIRE(Ids(node, "{}") == std::vector<std::string>{"1", "2", "3"});

  SECTION("ruled out by statistics: nothing is read") {
    tempopb::SearchResponse r = Run(node, "{ name = \"nope\" }");
    CHECK(r.traces_size() == 0);
    CHECK(r.metrics().inspectedtraces() == 0);
    CHECK(r.metrics().inspectedbytes() == 0);
  }
  SECTION("ruled out by the condition columns: only those are read") {
    tempopb::SearchResponse r = Run(node, "{ span.k = \"x\" }");
    CHECK(r.traces_size() == 0);
    CHECK(r.metrics().inspectedtraces() == 0);
    CHECK(r.metrics().inspectedbytes() > 0);
  }
  SECTION("a shared trace that may match is still decoded and matches") {
    tempopb::SearchResponse r = Run(node, "{ span.k = \"z\" }");
    CHECK(r.metrics().inspectedtraces() == 2);  // 1 (combined) and 2
    CHECK(Ids(node, "{ span.k = \"z\" }") == std::vector<std::string>{"1", "2"});
    CHECK(Ids(node, "{ resource.service.name = \"a\" }") == std::vector<std::string>{"1"});
  }
}

TEST_CASE("Conditions held by different fragments in different blocks still match",
          "[querier][search]") {
  SearchNode node;
  node.WriteBlock({{.trace = 1, .span = 1, .service = "a", .name = "x", .start_unix_nano = kBase},
                   {.trace = 2, .span = 2, .service = "a", .name = "q", .start_unix_nano = kBase}});
  node.WriteBlock({{.trace = 1, .span = 11, .service = "b", .name = "y", .start_unix_nano = kBase},
                   {.trace = 3, .span = 3, .service = "b", .name = "q", .start_unix_nano = kBase}});
  CHECK(Ids(node, "{ resource.service.name = \"a\" } && { name = \"y\" }") ==
        std::vector<std::string>{"1"});
  CHECK(Ids(node, "{ resource.service.name = \"a\" } >> { name = \"y\" }").empty());
  CHECK(Ids(node, "{ resource.service.name = \"a\" && name = \"y\" }").empty());
  // One filter: both conditions must hold on one span, which is one fragment's: not decoded.
  CHECK(
      Run(node, "{ resource.service.name = \"a\" && name = \"y\" }").metrics().inspectedtraces() ==
      0);
  CHECK(Ids(node, "{ resource.service.name = \"b\" && name = \"y\" }") ==
        std::vector<std::string>{"1"});
  CHECK(Ids(node, "{ resource.service.name = \"b\" || name = \"nope\" }") ==
        std::vector<std::string>{"1", "3"});
  CHECK(Ids(node, "{ name = \"x\" } && { name = \"nope\" }").empty());
  // Trace-level fields are only known on the combined trace: span 11 ends 2s after span 1.
  node.WriteBlock(
      {{.trace = 4, .span = 4, .name = "r", .start_unix_nano = kBase, .duration_nanos = kSecond},
       {.trace = 5, .span = 5, .name = "r", .start_unix_nano = kBase}});
  node.WriteBlock({{.trace = 4,
                    .span = 41,
                    .name = "s",
                    .start_unix_nano = kBase + 2 * kSecond,
                    .duration_nanos = kSecond,
                    .parent = 4}});
  CHECK(Ids(node, "{ trace:duration > 2500ms }") == std::vector<std::string>{"4"});
  CHECK(Ids(node, "{ trace:rootName = \"r\" && name = \"s\" }") == std::vector<std::string>{"4"});
}

TEST_CASE("A shared trace with live data matches on its live spans", "[querier][search]") {
  SearchNode node;
  node.WriteBlock({{.trace = 1, .span = 1, .service = "a", .name = "x", .start_unix_nano = kBase},
                   {.trace = 2, .span = 2, .service = "a", .name = "x", .start_unix_nano = kBase}});
  node.Push({{.trace = 1, .span = 12, .service = "c", .name = "z", .start_unix_nano = kBase}});
  CHECK(Ids(node, "{ name = \"z\" }") == std::vector<std::string>{"1"});
  CHECK(Ids(node, "{ resource.service.name = \"a\" } && { name = \"z\" }") ==
        std::vector<std::string>{"1"});
  CHECK(Ids(node, "{ name = \"x\" }") == std::vector<std::string>{"1", "2"});
  CHECK(Ids(node, "{ name = \"nope\" }").empty());
}

TEST_CASE("Live traces are ruled out on their raw bytes before they are decoded",
          "[querier][search]") {
  SearchNode node;
  node.Push({{.trace = 5,
              .span = 1,
              .service = "live-svc",
              .name = "GET /cart",
              .start_unix_nano = kBase,
              .attributes = {{"http.route", "/cart"}}},
             {.trace = 6, .span = 2, .service = "live-svc", .name = "other",
              .start_unix_nano = kBase}});
  SECTION("a literal or a key that occurs nowhere: nothing decoded") {
    for (const char* q : {"{ name = \"GET /checkout\" }", "{ span.http.route = \"/pay\" }",
                          "{ span.db.system != nil }", "{ .absent > 3 }",
                          "{ name = \"other\" && span.http.route = \"/cart\" }"}) {
      INFO(q);
      tempopb::SearchResponse r = Run(node, q);
      CHECK(r.traces().empty());
      CHECK(r.metrics().inspectedtraces() == 0);
    }
  }
  SECTION("what the bytes cannot decide is still evaluated") {
    CHECK(Ids(node, "{ name = \"GET /cart\" }") == std::vector<std::string>{"5"});
    CHECK(Ids(node, "{ span.http.route != \"/pay\" }") == std::vector<std::string>{"5"});
    CHECK(Ids(node, "{ span.http.route =~ \"/ca.*\" }") == std::vector<std::string>{"5"});
    CHECK(Ids(node, "{ resource.service.name = \"live-svc\" && name = \"other\" }") ==
          std::vector<std::string>{"6"});
    CHECK(Ids(node, "{ name = \"nope\" || duration > 0 }") ==
          std::vector<std::string>{"5", "6"});
  }
}

TEST_CASE("Many combined traces are split into parts that together find every match",
          "[querier][search]") {
  SearchNode node;
  std::vector<tempo::testing::TestSpan> spans;
  for (uint64_t t = 1; t <= 2500; ++t) {
    tempo::testing::TestSpan s{.trace = t, .span = t, .start_unix_nano = kBase + t};
    if (t == 7 || t == 1500 || t == 2400) s.attributes = {{"k", "hit"}};
    spans.push_back(std::move(s));
  }
  node.Push(spans);
  tempopb::SearchResponse r = Run(node, "{ span.k = \"hit\" }");
  CHECK(r.metrics().totaljobs() >= 2);
  std::vector<std::string> ids;
  for (const auto& t : r.traces()) ids.push_back(t.traceid());
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::string>{"5dc", "7", "960"});  // 1500, 7, 2400 in hex
  // Newest first across the parts.
  REQUIRE(r.traces_size() == 3);
  CHECK(r.traces(0).traceid() == "960");
  CHECK(r.traces(2).traceid() == "7");
}

TEST_CASE("Combined parts share one predicate scan of the blocks and still find every match",
          "[querier][search]") {
  // 2,500 traces with a fragment in each of two blocks: the combined job runs as several parts,
  // which read their traces' answers from one scan per block (CombinedScan). Conditions met by
  // different fragments of a trace still make it match.
  SearchNode node;
  std::vector<tempo::testing::TestSpan> first, second;
  for (uint64_t t = 1; t <= 2500; ++t) {
    tempo::testing::TestSpan a{.trace = t, .span = 2 * t, .start_unix_nano = kBase + t};
    tempo::testing::TestSpan b{.trace = t, .span = 2 * t + 1, .start_unix_nano = kBase + t};
    if (t == 7 || t == 1500) a.attributes = {{"k", "hit"}};
    if (t == 2400) b.attributes = {{"k", "hit"}};
    if (t == 7 || t == 2000) b.attributes = {{"j", "yes"}};
    first.push_back(std::move(a));
    second.push_back(std::move(b));
  }
  node.WriteBlock(first);
  node.WriteBlock(second);
  tempopb::SearchResponse r = Run(node, "{ span.k = \"hit\" }");
  CHECK(r.metrics().totaljobs() >= 4);  // two blocks' row groups and at least two parts
  CHECK(SortedIds(r) == std::vector<std::string>{"5dc", "7", "960"});  // 1500, 7, 2400 in hex
  CHECK(r.metrics().inspectedtraces() == 3);  // the scan ruled out every other trace
  CHECK(Ids(node, "{ span.k = \"hit\" } && { span.j = \"yes\" }") ==
        std::vector<std::string>{"7"});
  CHECK(Ids(node, "{ span.k = \"hit\" && span.j = \"yes\" }").empty());
}

TEST_CASE("Older combined traces wait behind newer row groups", "[querier][search]") {
  // Trace 1 is spread over two old blocks; a newer block holds five more matches. The combined
  // job's part is ordered by the start bound of its traces, after the newer row group, so a
  // search with a limit takes its answer from the newer block and need not combine trace 1.
  SearchNode node;
  node.WriteBlock({{.trace = 1, .span = 1, .start_unix_nano = kBase, .attributes = {{"k", "hit"}}},
                   {.trace = 2, .span = 2, .start_unix_nano = kBase}});
  node.WriteBlock({{.trace = 1, .span = 3, .start_unix_nano = kBase + kSecond,
                    .attributes = {{"k", "hit"}}}});
  std::vector<tempo::testing::TestSpan> newer;
  for (uint64_t t = 10; t < 15; ++t) {
    newer.push_back({.trace = t, .span = t, .start_unix_nano = kBase + 100 * kSecond + t,
                     .attributes = {{"k", "hit"}}});
  }
  node.WriteBlock(newer);
  // The jobs in the order they are accounted: the first one reported holds the newer block's.
  std::vector<std::vector<std::string>> reported;
  auto search = [&](const std::string& text) {
    auto query = tempo::traceql::SearchQuery::Compile(text).value();
    tempo::traceql::SearchOptions options;
    options.start_unix_nano = kBase - 3600 * kSecond;
    options.end_unix_nano = kBase + 3600 * kSecond;
    options.limit = 2;
    RequestContext ctx;
    ctx.tenant = node.tenant;
    tempopb::SearchResponse response;
    reported.clear();
    REQUIRE(node.querier
                ->Search(ctx, query, options, &response,
                         [&](const tempopb::SearchResponse& partial) {
                           if (partial.traces_size() > 0) reported.push_back(SortedIds(partial));
                         })
                .ok());
    return SortedIds(response);
  };
  const std::vector<std::string> any = search("{ span.k = \"hit\" }");
  REQUIRE(any.size() == 2);
  for (const std::string& id : any) {
    CHECK((id == "a" || id == "b" || id == "c" || id == "d" || id == "e"));  // 10..14
  }
  REQUIRE_FALSE(reported.empty());
  CHECK(reported[0] == std::vector<std::string>{"d", "e"});  // the newer block's job, newest first
  for (const auto& r : reported) CHECK(std::count(r.begin(), r.end(), "1") == 0);
  CHECK(search("{ span.k = \"hit\" } with(most_recent=true)") ==
        std::vector<std::string>{"d", "e"});
  // Without the newer block's matches the combined trace is found.
  CHECK(search("{ span.k = \"hit\" && duration > 0 } | count() > 1") ==
        std::vector<std::string>{"1"});
}

TEST_CASE("Live traces without the status or kind a query asks for are not decoded",
          "[querier][search]") {
  SearchNode node;
  tempo::testing::OtlpRequest request = tempo::testing::BuildRequest(
      {{.trace = 8, .span = 1, .start_unix_nano = kBase},
       {.trace = 9, .span = 2, .start_unix_nano = kBase}});
  for (auto& rs : *request.mutable_resource_spans()) {
    for (auto& ss : *rs.mutable_scope_spans()) {
      for (auto& span : *ss.mutable_spans()) {
        if (span.span_id().back() == 1) {  // trace 8: an error server span
          span.mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
          span.set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
        } else {  // trace 9: ok client span
          span.mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_OK);
          span.set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
        }
      }
    }
  }
  node.PushRequest(request);
  CHECK(Ids(node, "{ status = error }") == std::vector<std::string>{"8"});
  CHECK(Ids(node, "{ status = ok }") == std::vector<std::string>{"9"});
  CHECK(Ids(node, "{ kind = server }") == std::vector<std::string>{"8"});
  CHECK(Ids(node, "{ kind = client && status = ok }") == std::vector<std::string>{"9"});
  CHECK(Ids(node, "{ status != error }") == std::vector<std::string>{"9"});
  CHECK(Ids(node, "{ status = unset }").empty());
  CHECK(Ids(node, "{ kind = consumer || status = error && kind = client }").empty());
  tempopb::SearchResponse r = Run(node, "{ kind = producer }");
  CHECK(r.traces().empty());
  CHECK(r.metrics().inspectedtraces() == 0);
}

TEST_CASE("A live trace pushed in several pieces is searched and fetched whole",
          "[querier][search]") {
  SearchNode node;
  node.Push({{.trace = 7, .span = 1, .service = "a", .name = "first", .start_unix_nano = kBase},
             {.trace = 8, .span = 3, .service = "a", .name = "other", .start_unix_nano = kBase}});
  node.Push({{.trace = 7,
              .span = 2,
              .service = "b",
              .name = "second",
              .start_unix_nano = kBase + kSecond,
              .parent = 1,
              .attributes = {{"k", "late"}}}});
  auto live = node.ingester->FindTraceByID("t", tempo::TraceId::FromBytes(
                                                    tempo::testing::TraceIdBytes(7)));
  REQUIRE(live.has_value());
  REQUIRE(live->data.piece_count() == 2);  // one piece per push, not copied together

  CHECK(Ids(node, "{ name = \"first\" } && { span.k = \"late\" }") ==
        std::vector<std::string>{"7"});
  CHECK(Ids(node, "{ name = \"first\" } >> { name = \"second\" }") ==
        std::vector<std::string>{"7"});
  CHECK(Ids(node, "{ trace:duration >= 1s }") == std::vector<std::string>{"7"});
  // Decided on the raw bytes of every piece: a value only the second piece holds keeps the
  // trace, one that no piece holds rules it out before decoding.
  CHECK(Ids(node, "{ span.k = \"late\" }") == std::vector<std::string>{"7"});
  tempopb::SearchResponse r = Run(node, "{ name = \"first\" && span.k = \"early\" }");
  CHECK(r.traces().empty());
  CHECK(r.metrics().inspectedtraces() == 0);

  RequestContext ctx;
  ctx.tenant = "t";
  tempopb::Trace trace;
  tempo::querier::TraceByIdStats stats;
  REQUIRE(node.querier
              ->FindTraceByID(ctx, tempo::TraceId::FromBytes(tempo::testing::TraceIdBytes(7)),
                              {}, &trace, &stats)
              .ok());
  CHECK(stats.spans == 2);
  CHECK(stats.inspected_bytes == live->data.size());
}
