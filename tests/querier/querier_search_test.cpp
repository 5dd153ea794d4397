#include <catch2/catch.hpp>

#include "querier/search_node.h"
#include "tempo/traceql/engine.h"

using tempo::RequestContext;
using tempo::testing::SearchNode;
using tempo::testing::TestSpan;

namespace {

constexpr uint64_t kBase = 1'800'000'000'000'000'000ull;
constexpr uint64_t kSecond = 1'000'000'000ull;

tempopb::SearchResponse Search(const SearchNode& node, const std::string& text,
                               tempo::traceql::SearchOptions options = {}) {
  auto query = tempo::traceql::SearchQuery::Compile(text);
  REQUIRE(query.ok());
  if (!options.start_unix_nano) options.start_unix_nano = kBase - 3600 * kSecond;
  if (!options.end_unix_nano) options.end_unix_nano = kBase + 3600 * kSecond;
  RequestContext ctx;
  ctx.tenant = node.tenant;
  tempopb::SearchResponse response;
  tempo::Status s = node.querier->Search(ctx, *query, options, &response);
  REQUIRE(s.ok());
  return response;
}

std::vector<std::string> Ids(const tempopb::SearchResponse& response) {
  std::vector<std::string> ids;
  for (const auto& t : response.traces()) ids.push_back(t.traceid());
  return ids;
}

}  // namespace

TEST_CASE("Search finds live and block traces, newest first", "[querier][search]") {
  SearchNode node;
  node.WriteBlock({{.trace = 1, .span = 1, .start_unix_nano = kBase + 1 * kSecond},
                   {.trace = 2, .span = 2, .start_unix_nano = kBase + 2 * kSecond}});
  node.WriteBlock({{.trace = 3, .span = 3, .start_unix_nano = kBase + 3 * kSecond}});
  node.Push({{.trace = 4, .span = 4, .start_unix_nano = kBase + 4 * kSecond},
             {.trace = 5, .span = 5, .start_unix_nano = kBase + 0 * kSecond}});

  tempopb::SearchResponse response = Search(node, "{}");
  CHECK(Ids(response) == std::vector<std::string>{"4", "3", "2", "1", "5"});
  CHECK(response.metrics().inspectedtraces() == 5);
  CHECK(response.metrics().totalblocks() == 2);
  CHECK(response.metrics().totaljobs() == 3);
  CHECK(response.metrics().completedjobs() == 3);
  CHECK(response.metrics().inspectedbytes() > 0);
  CHECK(response.traces(0).rootservicename() == "svc");
  CHECK(response.traces(0).starttimeunixnano() == kBase + 4 * kSecond);
  CHECK(response.traces(0).durationms() == 1);
}

TEST_CASE("Search stops at the limit and honours the time window", "[querier][search]") {
  SearchNode node;
  std::vector<TestSpan> spans;
  for (uint64_t i = 1; i <= 10; ++i) {
    spans.push_back({.trace = i, .span = i, .start_unix_nano = kBase + i * kSecond});
  }
  node.WriteBlock(spans);

  tempo::traceql::SearchOptions options;
  options.limit = 3;
  tempopb::SearchResponse limited = Search(node, "{}", options);
  CHECK(Ids(limited) == std::vector<std::string>{"a", "9", "8"});
  CHECK(limited.metrics().inspectedtraces() == 3);

  tempo::traceql::SearchOptions window;
  window.start_unix_nano = kBase + 4 * kSecond;
  window.end_unix_nano = kBase + 6 * kSecond;
  CHECK(Ids(Search(node, "{}", window)) == std::vector<std::string>{"6", "5", "4"});

  // A window missing every block inspects nothing.
  tempo::traceql::SearchOptions outside;
  outside.start_unix_nano = kBase + 100 * kSecond;
  outside.end_unix_nano = kBase + 200 * kSecond;
  tempopb::SearchResponse none = Search(node, "{}", outside);
  CHECK(none.traces().empty());
  CHECK(none.metrics().totalblocks() == 0);
}

TEST_CASE("A trace split between a block and live data appears once with all spans",
          "[querier][search]") {
  SearchNode node;
  node.WriteBlock({{.trace = 7, .span = 1, .name = "root", .start_unix_nano = kBase},
                   {.trace = 7, .span = 2, .name = "a", .start_unix_nano = kBase + 10,
                    .parent = 1}});
  node.Push({{.trace = 7, .span = 3, .service = "other", .name = "b",
              .start_unix_nano = kBase + 20, .parent = 1},
             {.trace = 7, .span = 2, .name = "a", .start_unix_nano = kBase + 10, .parent = 1}});

  tempo::traceql::SearchOptions options;
  options.spans_per_spanset = 0;
  tempopb::SearchResponse response = Search(node, "{}", options);
  REQUIRE(response.traces_size() == 1);
  const auto& trace = response.traces(0);
  CHECK(trace.traceid() == "7");
  CHECK(trace.roottracename() == "root");
  REQUIRE(trace.spansets_size() == 1);
  CHECK(trace.spansets(0).matched() == 3);
  CHECK(trace.servicestats().at("svc").spancount() == 2);
  CHECK(trace.servicestats().at("other").spancount() == 1);

  CHECK(Ids(Search(node, "{ resource.service.name = \"other\" } && { name = \"root\" }")) ==
        std::vector<std::string>{"7"});
}

TEST_CASE("Search filters and reports with(most_recent=true)", "[querier][search]") {
  SearchNode node;
  node.WriteBlock({{.trace = 1, .span = 1, .start_unix_nano = kBase + 1 * kSecond,
                    .attributes = {{"http.route", "/a"}}},
                   {.trace = 2, .span = 2, .start_unix_nano = kBase + 2 * kSecond,
                    .attributes = {{"http.route", "/b"}}}});
  node.Push({{.trace = 3, .span = 3, .start_unix_nano = kBase + 3 * kSecond,
              .attributes = {{"http.route", "/a"}}}});
  CHECK(Ids(Search(node, "{ span.http.route = \"/a\" }")) == std::vector<std::string>{"3", "1"});
  tempo::traceql::SearchOptions options;
  options.limit = 1;
  CHECK(Ids(Search(node, "{ } with(most_recent=true)", options)) ==
        std::vector<std::string>{"3"});
}

TEST_CASE("Search stops when the context is cancelled", "[querier][search]") {
  SearchNode node;
  node.Push({{.trace = 1, .span = 1, .start_unix_nano = kBase}});
  auto query = tempo::traceql::SearchQuery::Compile("{}");
  REQUIRE(query.ok());
  RequestContext ctx;
  ctx.tenant = "t";
  ctx.Cancel();
  tempo::traceql::SearchOptions options;
  options.start_unix_nano = 0;
  options.end_unix_nano = UINT64_MAX;
  tempopb::SearchResponse response;
  CHECK(node.querier->Search(ctx, *query, options, &response).code() ==
        tempo::StatusCode::kCancelled);
}
