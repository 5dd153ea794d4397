// RawTraceFilter: never rules out a predicate that the engine finds true (every `match` query of
// the shared conformance data keeps the fixture trace), and does rule out what cannot hold.
#include "querier/raw_trace_filter.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tempo/traceql/engine.h"
#include "traceql/search_fixture.h"

namespace tempo::querier {
namespace {

using traceql::SearchQuery;

// Per predicate of `query`: whether the filter lets it hold on `bytes`.
std::vector<uint8_t> Holds(const SearchQuery& query, std::string_view bytes) {
  RawTraceFilter filter(query.fetch_request());
  std::vector<uint8_t> holds(filter.predicates(), 0);
  filter.Evaluate(bytes, holds.data());
  return holds;
}

// Whether CandidateRows would prune the trace (the rule of FetchRequest::all_conditions).
bool Pruned(const SearchQuery& query, std::string_view bytes) {
  std::vector<uint8_t> h = Holds(query, bytes);
  if (h.empty()) return false;
  const auto held = static_cast<size_t>(std::count(h.begin(), h.end(), 1));
  return query.fetch_request().all_conditions ? held < h.size() : held == 0;
}

std::string FixtureBytes() {
  return traceql::testing::DecodeTrace(traceql::testing::SearchCases()["trace"])
      .SerializeAsString();
}

TEST_CASE("The raw filter keeps the fixture for every conformance query that matches it",
          "[querier][raw]") {
  const std::string bytes = FixtureBytes();
  size_t checked = 0;
  for (const auto& q : traceql::testing::SearchCases()["match"]) {
    auto query = SearchQuery::Compile(q.get<std::string>());
    if (!query.ok()) continue;  // metrics or unsupported queries: covered elsewhere
    INFO(q.get<std::string>());
    CHECK_FALSE(Pruned(*query, bytes));
    ++checked;
  }
  CHECK(checked > 600);
}

TEST_CASE("The raw filter rules out most queries that do not match the fixture", "[querier][raw]") {
  const std::string bytes = FixtureBytes();
  size_t pruned = 0, total = 0;
  for (const auto& q : traceql::testing::SearchCases()["nomatch"]) {
    auto query = SearchQuery::Compile(q.get<std::string>());
    if (!query.ok()) continue;
    ++total;
    if (Pruned(*query, bytes)) ++pruned;
  }
  INFO(pruned << " of " << total << " ruled out");
  CHECK(pruned * 10 >= total * 8);  // 410 of 481 when this was written
}

tempopb::Trace OneSpan(int status, int kind, uint64_t duration) {
  tempopb::Trace trace;
  auto* rs = trace.add_resourcespans();
  auto* kv = rs->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("cart");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("otel-js");
  auto* span = ss->add_spans();
  span->set_name("GET /cart");
  span->set_kind(static_cast<opentelemetry::proto::trace::v1::Span::SpanKind>(kind));
  span->set_start_time_unix_nano(1'000'000'000);
  span->set_end_time_unix_nano(1'000'000'000 + duration);
  if (status != 0) {
    span->mutable_status()->set_code(
        static_cast<opentelemetry::proto::trace::v1::Status::StatusCode>(status));
  }
  auto* a = span->add_attributes();
  a->set_key("http.status_code");
  a->mutable_value()->set_int_value(200);
  a = span->add_attributes();
  a->set_key("ratio");
  a->mutable_value()->set_double_value(0.25);
  auto* event = span->add_events();
  event->set_name("exception");
  return trace;
}

TEST_CASE("The raw filter decides span intrinsics and typed attributes", "[querier][raw]") {
  const std::string ok_server = OneSpan(1, 2, 150'000'000).SerializeAsString();
  const std::string unset_client = OneSpan(0, 3, 5'000'000).SerializeAsString();
  struct Case {
    const char* query;
    bool pruned_ok_server;
    bool pruned_unset_client;
  };
  const Case cases[] = {
      {"{ status = error }", true, true},
      {"{ status = ok }", false, true},
      {"{ status = unset }", true, false},
      {"{ status != error }", false, false},
      {"{ kind = server }", false, true},
      {"{ kind = consumer }", true, true},
      {"{ duration > 100ms }", false, true},
      {"{ duration <= 5ms }", true, false},
      {"{ name = \"GET /cart\" }", false, false},
      {"{ name =~ \"POST.*\" }", true, true},
      {"{ span.http.status_code = 500 }", true, true},
      {"{ span.http.status_code >= 200 }", false, false},
      {"{ span.http.status_code = \"200\" }", true, true},  // a string never equals an int
      {"{ .http.status_code = 200 }", false, false},
      {"{ resource.http.status_code = 200 }", true, true},
      {"{ span.ratio > 0.2 }", false, false},
      {"{ span.ratio > 0.3 }", true, true},
      {"{ span.ratio != nil }", false, false},
      {"{ span.absent != nil }", true, true},
      {"{ event:name = \"exception\" }", false, false},
      {"{ event:name = \"retry\" }", true, true},
      {"{ instrumentation:name = \"otel-go\" }", true, true},
      {"{ resource.service.name = \"cart\" }", false, false},
      {"{ resource.service.name = \"unknown_service\" }", false, false},  // undecided
      {"{ status = error && kind = server }", true, true},
      {"{ status = error || kind = server }", false, true},
      {"{ trace:duration > 1h }", false, false},  // belongs to the combined trace: undecided
  };
  for (const Case& c : cases) {
    INFO(c.query);
    auto query = SearchQuery::Compile(c.query);
    REQUIRE(query.ok());
    CHECK(Pruned(*query, ok_server) == c.pruned_ok_server);
    CHECK(Pruned(*query, unset_client) == c.pruned_unset_client);
  }
}

TEST_CASE("Bytes that do not parse leave every predicate undecided", "[querier][raw]") {
  auto query = SearchQuery::Compile("{ status = error && span.x = 1 }");
  REQUIRE(query.ok());
  std::string bytes = OneSpan(1, 2, 1).SerializeAsString();
  bytes.resize(bytes.size() - 2);
  CHECK(Holds(*query, bytes) == std::vector<uint8_t>{1, 1});
}

}  // namespace
}  // namespace tempo::querier
