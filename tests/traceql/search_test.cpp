// Fetch requests derived from queries, the storage pruning helpers, InMemoryFetcher and Search.
#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "search_fixture.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/memory_fetcher.h"

namespace tempo::traceql {
namespace {

using testing::SetAttr;
using testing::TraceMaker;

SearchQuery MustCompile(const std::string& query) {
  auto compiled = SearchQuery::Compile(query);
  INFO("query: " << query << "\nstatus: " << compiled.status().ToString());
  REQUIRE(compiled.ok());
  return *compiled;
}

FetchRequest RequestOf(const std::string& query) { return MustCompile(query).fetch_request(); }

std::vector<std::string> Predicates(const FetchRequest& r) {
  std::vector<std::string> out;
  for (const Condition& c : r.conditions) {
    if (c.op)
      out.push_back(ToString(c.attribute) + " " + std::string(BinaryOpText(*c.op)) + " " +
                    ToString(c.operand));
  }
  return out;
}

std::vector<std::string> FetchOnly(const FetchRequest& r) {
  std::vector<std::string> out;
  for (const Condition& c : r.conditions) {
    if (!c.op) out.push_back(ToString(c.attribute));
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST_CASE("Fetch requests carry the pushable comparisons and every field read", "[traceql]") {
  FetchRequest r = RequestOf("{ span.http.status_code = 500 }");
  CHECK(Predicates(r) == Strings{"span.http.status_code = 500"});
  CHECK(r.all_conditions);
  CHECK_FALSE(r.needs_structure);

  r = RequestOf("{ resource.service.name = \"x\" && duration > 100ms }");
  CHECK(Predicates(r) == Strings{"resource.service.name = \"x\"", "duration > 100ms"});
  CHECK(r.all_conditions);

  r = RequestOf("{ .a = 1 || 2 < .b }");
  CHECK(Predicates(r) == Strings{".a = 1", ".b > 2"});
  CHECK_FALSE(r.all_conditions);

  r = RequestOf("{ .a = 1 } && { .b =~ \"x.*\" } | by(.c) | avg(.d) > 2");
  CHECK(Predicates(r) == Strings{".a = 1", ".b =~ \"x.*\""});
  CHECK(r.all_conditions);
  CHECK(FetchOnly(r) == Strings{".c", ".d"});

  r = RequestOf("{ !(.a = 1) || .b = nil }");
  CHECK(Predicates(r).empty());
  CHECK(FetchOnly(r) == Strings{".a", ".b"});
  CHECK_FALSE(r.has_predicates());

  r = RequestOf("{ .a = 1 } !< { .b != nil }");
  CHECK(Predicates(r) == Strings{".b != nil"});
  CHECK(FetchOnly(r) == Strings{".a"});
  CHECK(r.needs_structure);

  r = RequestOf("{ trace:id = \"000abc\" } | select(nestedSetLeft)");
  CHECK(Predicates(r) == Strings{"trace:id = \"abc\""});
  CHECK(r.needs_structure);
}

Condition ConditionOf(const std::string& query) {
  FetchRequest r = RequestOf(query);
  REQUIRE(r.conditions.size() == 1);
  return r.conditions[0];
}

TEST_CASE("Pruning helpers agree with the evaluator", "[traceql]") {
  Condition eq = ConditionOf("{ span.x = 5 }");
  CHECK(MayMatchRange(eq, int64_t{1}, int64_t{10}));
  CHECK_FALSE(MayMatchRange(eq, int64_t{6}, int64_t{10}));
  CHECK_FALSE(MayMatchRange(eq, 1.0, 10.0));  // an int literal never matches float values
  CHECK(MayMatchValue(eq, Static::Int(5)));
  CHECK_FALSE(MayMatchValue(eq, Static::Float(5)));
  CHECK_FALSE(MayMatchString(eq, "5"));

  Condition neq = ConditionOf("{ span.x != 5 }");
  CHECK_FALSE(MayMatchRange(neq, int64_t{5}, int64_t{5}));
  CHECK(MayMatchRange(neq, int64_t{5}, int64_t{6}));

  Condition gt = ConditionOf("{ duration > 100ms }");
  CHECK_FALSE(MayMatchRange(gt, int64_t{0}, int64_t{50'000'000}));
  CHECK(MayMatchRange(gt, int64_t{0}, int64_t{200'000'000}));

  Condition lt = ConditionOf("{ span.f < 1.5 }");
  CHECK(MayMatchRange(lt, 1.0, 2.0));
  CHECK_FALSE(MayMatchRange(lt, 1.5, 2.0));
  CHECK_FALSE(MayMatchRange(lt, int64_t{0}, int64_t{1}));

  Condition re = ConditionOf("{ name =~ \"GET.*\" }");
  CHECK(MayMatchString(re, "GET /a"));
  CHECK_FALSE(MayMatchString(re, "xGET"));
  CHECK_FALSE(MayMatchRange(re, int64_t{0}, int64_t{1}));
  Condition not_re = ConditionOf("{ name !~ \"GET.*\" }");
  CHECK_FALSE(MayMatchString(not_re, "GET /a"));
  CHECK(MayMatchString(not_re, "POST"));

  Condition svc = ConditionOf("{ resource.service.name = \"x\" }");
  CHECK(MayMatchString(svc, "x"));
  CHECK_FALSE(MayMatchString(svc, "y"));

  Condition status = ConditionOf("{ status = error }");
  CHECK(MayMatchValue(status, Static::Status(SpanStatusCode::kError)));
  CHECK_FALSE(MayMatchValue(status, Static::Status(SpanStatusCode::kOk)));

  Condition exists = ConditionOf("{ span.x != nil }");
  CHECK(MayMatchString(exists, "anything"));
  Condition fetch_only = RequestOf("{ } | by(span.x)").conditions.at(0);
  CHECK(MayMatchRange(fetch_only, int64_t{0}, int64_t{0}));
}

// Trace `n` starts at n seconds and has one span named "even" or "odd".
TraceView NumberedTrace(uint64_t n) {
  TraceMaker t;
  t.set_trace_id(n);
  t.AddSpan(1, 0, n % 2 == 0 ? "even" : "odd", "svc", n * 1'000'000'000ull, 5'000'000);
  return t.Build();
}

// Yields its traces in the stored order; counts calls.
class VectorFetcher : public SpansetFetcher {
 public:
  explicit VectorFetcher(std::vector<TraceView> traces) : traces_(std::move(traces)) {}
  Status Fetch(const RequestContext&, const FetchRequest&,
               const std::function<bool(TraceView&&)>& consume) const override {
    ++calls;
    for (TraceView t : traces_) {
      if (!consume(std::move(t))) break;
    }
    return Status::Ok();
  }
  mutable std::atomic<int> calls{0};

 private:
  std::vector<TraceView> traces_;
};

std::vector<std::string> Ids(const tempopb::SearchResponse& response) {
  std::vector<std::string> out;
  for (const auto& t : response.traces()) out.push_back(t.traceid());
  return out;
}

TEST_CASE("InMemoryFetcher searches newest first and honours limit and time range", "[traceql]") {
  InMemoryFetcher fetcher;
  for (uint64_t n = 1; n <= 30; ++n) fetcher.Add(NumberedTrace(n));
  CHECK(fetcher.size() == 30);
  tempopb::SearchResponse response;
  SearchOptions options;
  options.limit = 5;
  REQUIRE(Search(RequestContext{}, MustCompile("{ name = \"odd\" }"), fetcher, options, &response)
              .ok());
  CHECK(Ids(response) == Strings{"1d", "1b", "19", "17", "15"});
  CHECK(response.metrics().inspectedtraces() == 10);

  options.start_unix_nano = 10'000'000'000ull;
  options.end_unix_nano = 14'000'000'000ull;
  REQUIRE(Search(RequestContext{}, MustCompile("{ }"), fetcher, options, &response).ok());
  CHECK(Ids(response) == Strings{"e", "d", "c", "b", "a"});
  options.start_unix_nano = 100'000'000'000ull;
  options.end_unix_nano = 200'000'000'000ull;
  REQUIRE(Search(RequestContext{}, MustCompile("{ }"), fetcher, options, &response).ok());
  CHECK(response.traces_size() == 0);
  CHECK(response.has_metrics());
}

TEST_CASE("most_recent scans every candidate and keeps the newest", "[traceql]") {
  std::vector<TraceView> oldest_first;
  for (uint64_t n = 1; n <= 40; ++n) oldest_first.push_back(NumberedTrace(n));
  VectorFetcher fetcher(oldest_first);
  SearchOptions options;
  options.limit = 3;
  tempopb::SearchResponse response;
  REQUIRE(Search(RequestContext{}, MustCompile("{ }"), fetcher, options, &response).ok());
  CHECK(Ids(response) == Strings{"3", "2", "1"});  // the first found, sorted newest first
  REQUIRE(Search(RequestContext{}, MustCompile("{ } with(most_recent=true)"), fetcher, options,
                 &response)
              .ok());
  CHECK(Ids(response) == Strings{"28", "27", "26"});
  CHECK(response.metrics().inspectedtraces() == 40);
}

TEST_CASE("A trace found twice is merged into one result", "[traceql]") {
  TraceMaker part1, part2;
  part1.AddSpan(1, 0, "root", "a", 1000, 10);
  part2.AddSpan(2, 1, "child", "b", 900, 500);
  VectorFetcher fetcher({part1.Build(), part2.Build()});
  tempopb::SearchResponse response;
  REQUIRE(Search(RequestContext{}, MustCompile("{ } | by(resource.service.name)"), fetcher,
                 SearchOptions{}, &response)
              .ok());
  REQUIRE(response.traces_size() == 1);
  const auto& t = response.traces(0);
  CHECK(t.starttimeunixnano() == 900);
  CHECK(t.roottracename() == "root");
  CHECK(t.spansets_size() == 2);
}

TEST_CASE("Search skips the fetch for a query that cannot match and stops on cancel", "[traceql]") {
  VectorFetcher fetcher({NumberedTrace(1), NumberedTrace(2)});
  tempopb::SearchResponse response;
  REQUIRE(
      Search(RequestContext{}, MustCompile("{ false }"), fetcher, SearchOptions{}, &response).ok());
  CHECK(fetcher.calls == 0);
  CHECK(response.traces_size() == 0);

  RequestContext ctx;
  ctx.Cancel();
  Status s = Search(ctx, MustCompile("{ }"), fetcher, SearchOptions{}, &response);
  CHECK(s.code() == StatusCode::kCancelled);

  InMemoryFetcher memory;
  memory.Add(NumberedTrace(1));
  s = Search(ctx, MustCompile("{ }"), memory, SearchOptions{}, &response);
  CHECK(s.code() == StatusCode::kCancelled);
}

TEST_CASE("A run-time query error fails the search", "[traceql]") {
  TraceMaker t;
  auto& span = t.AddSpan(1, 0, "root");
  SetAttr(span.mutable_attributes(), "zero", int64_t{0});
  InMemoryFetcher fetcher;
  fetcher.Add(t.Build());
  tempopb::SearchResponse response;
  Status s = Search(RequestContext{}, MustCompile("{ 1 / span.zero = 1 }"), fetcher,
                    SearchOptions{}, &response);
  CHECK(s.code() == StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tempo::traceql
