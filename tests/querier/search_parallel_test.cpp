// The job-parallel pushdown search against the decode-everything path (Querier::ForEachTrace +
// the engine), with traces split between blocks and live data; early stop, progress and
// cancellation.
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <functional>
#include <random>
#include <set>

#include "querier/search_node.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/memory_fetcher.h"

using tempo::RequestContext;
using tempo::testing::SearchNode;
using tempo::testing::TestSpan;

namespace {

constexpr uint64_t kBase = 1'800'000'000'000'000'000ull;
constexpr uint64_t kSecond = 1'000'000'000ull;

// Every matching span is listed (spss = 0): which `spss` spans are listed follows each trace's
// span order, which combining fragments may change for test blocks written without combining.
tempo::traceql::SearchOptions Window(uint32_t limit) {
  tempo::traceql::SearchOptions options;
  options.limit = limit;
  options.spans_per_spanset = 0;
  options.start_unix_nano = kBase - 3600 * kSecond;
  options.end_unix_nano = kBase + 3600 * kSecond;
  return options;
}

// The reference: every trace decoded and combined, then the engine.
tempopb::SearchResponse Slow(const SearchNode& node, const tempo::traceql::SearchQuery& query,
                             const tempo::traceql::SearchOptions& options) {
  RequestContext ctx;
  ctx.tenant = node.tenant;
  tempo::traceql::InMemoryFetcher all;
  REQUIRE(node.querier
              ->ForEachTrace(
                  ctx, *options.start_unix_nano, *options.end_unix_nano,
                  [&](tempo::traceql::TraceView&& view) {
                    all.Add(std::move(view));
                    return true;
                  },
                  nullptr, nullptr)
              .ok());
  tempopb::SearchResponse response;
  REQUIRE(tempo::traceql::Search(ctx, query, all, options, &response).ok());
  response.clear_metrics();
  return response;
}

tempopb::SearchResponse Fast(const tempo::querier::Querier& querier, const std::string& tenant,
                             const tempo::traceql::SearchQuery& query,
                             const tempo::traceql::SearchOptions& options) {
  RequestContext ctx;
  ctx.tenant = tenant;
  tempopb::SearchResponse response;
  tempo::Status s = querier.Search(ctx, query, options, &response);
  INFO(s.ToString());
  REQUIRE(s.ok());
  response.clear_metrics();
  return response;
}

// Spans of a spanset come in no guaranteed order (traceql.md §17): compare them sorted.
tempopb::SearchResponse Canonical(tempopb::SearchResponse r) {
  auto sort_spans = [](tempopb::SpanSet* set) {
    std::sort(
        set->mutable_spans()->begin(), set->mutable_spans()->end(),
        [](const tempopb::Span& x, const tempopb::Span& y) { return x.spanid() < y.spanid(); });
  };
  for (auto& t : *r.mutable_traces()) {
    for (auto& set : *t.mutable_spansets()) sort_spans(&set);
    if (t.has_spanset()) sort_spans(t.mutable_spanset());
  }
  return r;
}

bool Same(const tempopb::SearchResponse& a, const tempopb::SearchResponse& b) {
  std::string report;
  google::protobuf::util::MessageDifferencer d;
  d.ReportDifferencesToString(&report);
  const bool same = d.Compare(Canonical(a), Canonical(b));
  if (!same) UNSCOPED_INFO(report.substr(0, 2000));
  return same;
}

// 80 traces over three blocks and live data; every fourth trace has spans in two or three places.
void Populate(SearchNode& node) {
  std::mt19937_64 rng(11);
  std::vector<TestSpan> parts[4];
  const char* services[] = {"api", "db", "cache"};
  const char* names[] = {"GET /a", "GET /b", "POST /c", "query"};
  for (uint64_t t = 1; t <= 80; ++t) {
    const uint64_t spans = 1 + rng() % 6;
    for (uint64_t s = 1; s <= spans; ++s) {
      TestSpan span;
      span.trace = t;
      span.span = t * 100 + s;
      span.parent = s == 1 ? 0 : t * 100 + 1;
      span.service = services[rng() % 3];
      span.name = names[rng() % 4];
      span.start_unix_nano = kBase + (t % 40) * kSecond + s * 1000;
      span.duration_nanos = (1 + rng() % 300) * 1'000'000;
      if (rng() % 3 == 0) span.attributes["db.system"] = rng() % 2 ? "postgresql" : "redis";
      if (rng() % 4 == 0)
        span.attributes["http.status_code"] = std::to_string(200 + rng() % 4 * 100);
      // The trace's home: one place, or (every fourth trace) spread over several.
      size_t place = t % 4 == 0 ? rng() % 4 : t % 4;
      parts[place].push_back(span);
    }
  }
  node.WriteBlock(parts[0]);
  node.WriteBlock(parts[1]);
  node.WriteBlock(parts[2]);
  node.Push(parts[3]);
}

const char* kQueries[] = {
    "{ }",
    "{ resource.service.name = \"db\" }",
    "{ resource.service.name = \"api\" && duration > 100ms }",
    "{ span.db.system = \"postgresql\" }",
    "{ .http.status_code = \"500\" }",
    "{ name =~ \"GET.*\" } | count() > 2",
    "{ resource.service.name = \"api\" } >> { resource.service.name = \"db\" }",
    "{ name = \"POST /c\" } && { span.db.system = \"redis\" }",
    "{ name = \"nothing\" }",
};

// Runs `{ }` and `{ .http.status_code = "500" }`, each with every hint of `hints` appended, at
// limits 1, 5 and 20 on `querier`, and hands `check` the answer (metrics included), the answer
// of decoding every trace, whether the query is most_recent, and the limit.
void ForEachLimitedSearch(const SearchNode& node, const tempo::querier::Querier& querier,
                          std::initializer_list<const char*> hints,
                          const std::function<void(const tempopb::SearchResponse& fast,
                                                   const tempopb::SearchResponse& slow,
                                                   bool most_recent, uint32_t limit)>& check) {
  for (const char* text : {"{ }", "{ .http.status_code = \"500\" }"}) {
    for (const char* hint : hints) {
      const std::string q = std::string(text) + hint;
      auto query = tempo::traceql::SearchQuery::Compile(q);
      REQUIRE(query.ok());
      for (uint32_t limit : {1u, 5u, 20u}) {
        INFO(q << " limit " << limit);
        RequestContext ctx;
        ctx.tenant = node.tenant;
        tempopb::SearchResponse fast;
        REQUIRE(querier.Search(ctx, *query, Window(limit), &fast).ok());
        check(fast, Slow(node, *query, Window(limit)), *hint != '\0', limit);
      }
    }
  }
}

// The most_recent forms of ForEachLimitedSearch: each answer must be exactly the newest matches;
// `check` sees its metrics.
void CheckMostRecent(const SearchNode& node, const tempo::querier::Querier& querier,
                     const std::function<void(const tempopb::SearchMetrics&, uint32_t)>& check) {
  ForEachLimitedSearch(node, querier, {" with(most_recent=true)"},
                       [&check](tempopb::SearchResponse fast, const tempopb::SearchResponse& slow,
                                bool, uint32_t limit) {
                         check(fast.metrics(), limit);
                         fast.clear_metrics();
                         CHECK(Same(fast, slow));
                       });
}

}  // namespace

TEST_CASE("Pushdown search equals decoding every trace, split traces included",
          "[querier][search]") {
  SearchNode node;
  Populate(node);
  tempo::querier::Querier one_thread(*node.ingester, *node.store, {.query_threads = 1});
  tempo::querier::Querier four_threads(*node.ingester, *node.store, {.query_threads = 4});
  for (const char* text : kQueries) {
    for (const char* hint : {"", " with(most_recent=true)"}) {
      const std::string q = std::string(text) + hint;
      INFO("query: " << q);
      auto query = tempo::traceql::SearchQuery::Compile(q);
      REQUIRE(query.ok());
      // Unlimited, and (most_recent) the exact newest five.
      for (uint32_t limit : {0u, 5u}) {
        if (limit != 0 && *hint == '\0') continue;
        tempopb::SearchResponse slow = Slow(node, *query, Window(limit));
        CHECK(Same(Fast(*node.querier, node.tenant, *query, Window(limit)), slow));
        CHECK(Same(Fast(one_thread, node.tenant, *query, Window(limit)), slow));
        CHECK(Same(Fast(four_threads, node.tenant, *query, Window(limit)), slow));
      }
      // Without most_recent the first jobs that reach the limit decide: the same traces
      // whatever the pool size, all of them matches.
      if (*hint == '\0') {
        tempopb::SearchResponse all = Slow(node, *query, Window(0));
        std::set<std::string> matches;
        for (const auto& t : all.traces()) matches.insert(t.traceid());
        tempopb::SearchResponse a = Fast(one_thread, node.tenant, *query, Window(3));
        // Repeated: with four threads, jobs finish out of order and the ones past the first
        // jobs holding the limit are not started or are stopped (SearchRun's horizon).
        for (int run = 0; run < 10; ++run) {
          CHECK(Same(a, Fast(four_threads, node.tenant, *query, Window(3))));
        }
        CHECK(a.traces_size() == std::min<int>(3, all.traces_size()));
        for (const auto& t : a.traces()) CHECK(matches.count(t.traceid()) == 1);
      }
    }
  }
}

TEST_CASE("most_recent over many row groups finds the exact newest traces", "[querier][search]") {
  // Row groups whose traces span the whole time range (rows are in trace-ID order), so that every
  // row group holds some of the newest traces and jobs skip candidates below the shared floor.
  SearchNode node;
  std::mt19937_64 rng(3);
  std::vector<TestSpan> spans;
  for (uint64_t t = 1; t <= 600; ++t) {
    TestSpan span{.trace = t, .span = t, .start_unix_nano = kBase + (rng() % 500) * kSecond};
    span.service = rng() % 2 ? "api" : "db";
    if (rng() % 3 == 0) span.attributes["http.status_code"] = "500";
    spans.push_back(span);
  }
  tempo::block::WriterOptions options;
  options.spans_per_row_group = 50;
  node.WriteBlock(spans, options);
  tempo::querier::Querier one_thread(*node.ingester, *node.store, {.query_threads = 1});
  tempo::querier::Querier two_threads(*node.ingester, *node.store, {.query_threads = 2});
  for (const char* text : {"{ }", "{ .http.status_code = \"500\" }",
                           "{ resource.service.name = \"db\" }", "{ name = \"none\" }"}) {
    const std::string q = std::string(text) + " with(most_recent=true)";
    auto query = tempo::traceql::SearchQuery::Compile(q);
    REQUIRE(query.ok());
    for (uint32_t limit : {1u, 5u, 20u}) {
      INFO(q << " limit " << limit);
      tempopb::SearchResponse slow = Slow(node, *query, Window(limit));
      CHECK(Same(Fast(one_thread, node.tenant, *query, Window(limit)), slow));
      CHECK(Same(Fast(two_threads, node.tenant, *query, Window(limit)), slow));
    }
  }
}

TEST_CASE("most_recent decodes the newest candidates of all row groups, not each one's newest",
          "[querier][search]") {
  // 12 row groups, each holding traces from the whole time range (distinct starts). A search
  // that decoded each row group's own newest candidates before the limit-th match was known
  // would evaluate far more than limit + 1 traces; ranked across row groups, the first round
  // (limit + 1 candidates, all matches: the columns decide these queries exactly) settles it.
  SearchNode node;
  std::mt19937_64 rng(5);
  std::vector<uint64_t> starts(600);
  for (uint64_t i = 0; i < starts.size(); ++i) starts[i] = kBase + i * kSecond / 10;
  std::shuffle(starts.begin(), starts.end(), rng);
  std::vector<TestSpan> spans;
  for (uint64_t t = 1; t <= starts.size(); ++t) {
    TestSpan span{.trace = t, .span = t, .start_unix_nano = starts[t - 1]};
    if (rng() % 3 == 0) span.attributes["http.status_code"] = "500";
    spans.push_back(span);
  }
  tempo::block::WriterOptions options;
  options.spans_per_row_group = 50;
  node.WriteBlock(spans, options);
  tempo::querier::Querier two_threads(*node.ingester, *node.store, {.query_threads = 2});
  CheckMostRecent(node, two_threads, [](const tempopb::SearchMetrics& m, uint32_t limit) {
    CHECK(m.inspectedtraces() <= limit + 1);
  });
}

TEST_CASE("most_recent scans only the row groups that can hold the newest traces",
          "[querier][search]") {
  // Blocks cut one after another: each of 12 blocks holds its own time slice. The newest
  // matches are in the newest blocks, and the older row groups are never scanned.
  SearchNode node;
  for (uint64_t b = 0; b < 12; ++b) {
    std::vector<TestSpan> spans;
    for (uint64_t i = 1; i <= 50; ++i) {
      const uint64_t t = b * 100 + i;
      TestSpan span{.trace = t, .span = t, .start_unix_nano = kBase + t * kSecond};
      if (i % 3 == 0) span.attributes["http.status_code"] = "500";
      spans.push_back(span);
    }
    node.WriteBlock(spans);
  }
  CheckMostRecent(node, *node.querier, [](const tempopb::SearchMetrics& m, uint32_t) {
    CHECK(m.totaljobs() >= 12);  // and the combined part (empty here)
    CHECK(m.completedjobs() <= 6);
  });
}

TEST_CASE("Live traces are decoded newest first and only as far as the limit needs",
          "[querier][search]") {
  // 900 live traces, a third of them also with spans in a block (combined), random starts.
  SearchNode node;
  std::mt19937_64 rng(8);
  std::vector<TestSpan> live, blocked;
  for (uint64_t t = 1; t <= 900; ++t) {
    TestSpan span{.trace = t, .span = t, .start_unix_nano = kBase + (rng() % 600) * kSecond};
    if (rng() % 4 == 0) span.attributes["http.status_code"] = "500";
    live.push_back(span);
    if (t % 3 == 0) {
      TestSpan early = span;
      early.span = 10'000 + t;
      early.start_unix_nano -= (rng() % 30) * kSecond;  // the block part may start earlier
      blocked.push_back(early);
    }
  }
  node.WriteBlock(blocked);
  node.Push(live);
  ForEachLimitedSearch(node, *node.querier, {"", " with(most_recent=true)"},
                       [](tempopb::SearchResponse fast, const tempopb::SearchResponse& slow,
                          bool most_recent, uint32_t) {
                         // Far fewer traces than the 900 candidates are decoded and evaluated.
                         CHECK(fast.metrics().inspectedtraces() < 300);
                         fast.clear_metrics();
                         if (most_recent) {
                           CHECK(Same(fast, slow));  // exactly the newest `limit`
                         } else {
                           CHECK(fast.traces_size() == slow.traces_size());
                         }
                       });
}

TEST_CASE("Search reports progress and honours cancellation", "[querier][search]") {
  SearchNode node;
  Populate(node);
  auto query = tempo::traceql::SearchQuery::Compile("{ }").value();
  RequestContext ctx;
  ctx.tenant = node.tenant;

  SECTION("partial results add up to the final one") {
    std::set<std::string> partial;
    uint32_t calls = 0, last_completed = 0;
    tempopb::SearchResponse response;
    REQUIRE(node.querier
                ->Search(ctx, query, Window(0), &response,
                         [&](const tempopb::SearchResponse& p) {
                           ++calls;
                           CHECK(p.metrics().completedjobs() >= last_completed);
                           last_completed = p.metrics().completedjobs();
                           for (const auto& t : p.traces())
                             CHECK(partial.insert(t.traceid()).second);
                         })
                .ok());
    CHECK(calls == response.metrics().totaljobs());
    CHECK(response.traces_size() == 80);
    CHECK(partial.size() == 80);
  }
  SECTION("a cancelled request stops with kCancelled") {
    ctx.Cancel();
    tempopb::SearchResponse response;
    CHECK(node.querier->Search(ctx, query, Window(0), &response).code() ==
          tempo::StatusCode::kCancelled);
  }
  SECTION("an expired deadline stops with kDeadlineExceeded") {
    ctx.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    tempopb::SearchResponse response;
    CHECK(node.querier->Search(ctx, query, Window(0), &response).code() ==
          tempo::StatusCode::kDeadlineExceeded);
  }
}
