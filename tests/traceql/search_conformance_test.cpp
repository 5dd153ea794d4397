// Runs the shared search conformance data (shared/conformance/traceql/search_cases.json) against
// the evaluator: every `match` query returns the fixture trace and every `nomatch` query does not
// (both directly and through Search over a fetcher that also holds random filler traces), plus
// the expected spansets, existence checks, root-span presence, time ranges, the short trace-id
// variant and the expected trace metadata. Prints the counts per category.
#include <catch2/catch.hpp>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "search_fixture.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/memory_fetcher.h"

namespace tempo::traceql {
namespace {

using nlohmann::json;
using testing::FixtureTrace;
using testing::SearchCases;

void Report(const char* category, size_t passed, size_t total) {
  std::cout << "traceql search conformance " << category << ": " << passed << "/" << total
            << " passed\n";
}

SearchQuery MustCompile(const std::string& query) {
  auto compiled = SearchQuery::Compile(query);
  INFO("query: " << query << "\nstatus: " << compiled.status().ToString());
  REQUIRE(compiled.ok());
  return *compiled;
}

// The fixture plus 49 deterministic random traces, as the reference's block.
const InMemoryFetcher& FetcherWithFillers() {
  static const InMemoryFetcher* fetcher = [] {
    auto* f = new InMemoryFetcher();
    f->Add(FixtureTrace());
    std::mt19937_64 rng(20240601);
    for (int i = 0; i < 49; ++i) f->Add(testing::RandomTrace(rng, 10));
    return f;
  }();
  return *fetcher;
}

// Whether Search (unlimited) returns the trace `id_text`; `found` receives its entry.
bool SearchFinds(const std::string& query, const std::string& id_text, SearchOptions options,
                 tempopb::TraceSearchMetadata* found = nullptr) {
  tempopb::SearchResponse response;
  options.limit = 0;
  Status s = Search(RequestContext{}, MustCompile(query), FetcherWithFillers(), options, &response);
  INFO("query: " << query << "\nstatus: " << s.ToString());
  REQUIRE(s.ok());
  for (const auto& t : response.traces()) {
    if (t.traceid() == id_text) {
      if (found != nullptr) *found = t;
      return true;
    }
  }
  return false;
}

// Direct evaluation on the fixture; nullopt-like false when the trace does not match.
bool Evaluate(const std::string& query, const TraceView& trace, tempopb::TraceSearchMetadata* out,
              uint32_t spss = 3) {
  SearchOptions options;
  options.spans_per_spanset = spss;
  auto matched = EvaluateTrace(MustCompile(query), trace, options, out);
  INFO("query: " << query << "\nstatus: " << matched.status().ToString());
  REQUIRE(matched.ok());
  return *matched;
}

json AnyValueJson(const opentelemetry::proto::common::v1::AnyValue& v) {
  switch (v.value_case()) {
    case opentelemetry::proto::common::v1::AnyValue::kStringValue:
      return {{"stringValue", v.string_value()}};
    case opentelemetry::proto::common::v1::AnyValue::kIntValue:
      return {{"intValue", std::to_string(v.int_value())}};
    case opentelemetry::proto::common::v1::AnyValue::kBoolValue:
      return {{"boolValue", v.bool_value()}};
    case opentelemetry::proto::common::v1::AnyValue::kDoubleValue:
      return {{"doubleValue", v.double_value()}};
    default:
      return json::object();
  }
}

json AttributesJson(
    const google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>& kvs) {
  json out = json::object();
  for (const auto& kv : kvs) out[kv.key()] = AnyValueJson(kv.value());
  return out;
}

// One span of a result as the fixture file spells it, restricted to the fields `expected` gives.
json SpanJson(const tempopb::Span& span, const json& expected) {
  json out = json::object();
  out["spanID"] = span.spanid();
  if (expected.contains("startTimeUnixNano")) {
    out["startTimeUnixNano"] = std::to_string(span.starttimeunixnano());
  }
  if (expected.contains("durationNanos")) {
    out["durationNanos"] = std::to_string(span.durationnanos());
  }
  if (expected.contains("name")) out["name"] = span.name();
  if (expected.contains("attributes")) out["attributes"] = AttributesJson(span.attributes());
  return out;
}

// A spanset as a comparable value: its spans as a set (each restricted to the expected fields),
// matched and attributes.
json SpansetJson(const tempopb::SpanSet& set, const json& expected) {
  std::multiset<std::string> spans;
  std::map<std::string, json> expected_by_id;
  for (const json& e : expected["spans"]) expected_by_id[e["spanID"].get<std::string>()] = e;
  for (const auto& span : set.spans()) {
    auto it = expected_by_id.find(span.spanid());
    spans.insert(SpanJson(span, it == expected_by_id.end() ? json::object() : it->second).dump());
  }
  json out = json::object();
  out["spans"] = spans;
  out["matched"] = set.matched();
  out["attributes"] = AttributesJson(set.attributes());
  return out;
}

json ExpectedSpansetJson(const json& expected) {
  std::multiset<std::string> spans;
  for (const json& e : expected["spans"]) spans.insert(e.dump());
  json out = json::object();
  out["spans"] = spans;
  out["matched"] = expected["matched"];
  out["attributes"] = expected["attributes"];
  return out;
}

TEST_CASE("Every match query returns the fixture trace", "[traceql]") {
  TraceView fixture = FixtureTrace();
  const json& queries = SearchCases()["match"];
  size_t passed = 0;
  for (const json& q : queries) {
    std::string query = q.get<std::string>();
    INFO("query: " << query);
    tempopb::TraceSearchMetadata meta;
    bool direct = Evaluate(query, fixture, &meta);
    bool searched = SearchFinds(query, fixture.id_text(), SearchOptions{});
    CHECK(direct);
    CHECK(searched);
    if (direct && searched) ++passed;
  }
  Report("match", passed, queries.size());
  CHECK(passed == queries.size());
}

TEST_CASE("No nomatch query returns the fixture trace", "[traceql]") {
  TraceView fixture = FixtureTrace();
  const json& queries = SearchCases()["nomatch"];
  size_t passed = 0;
  for (const json& q : queries) {
    std::string query = q.get<std::string>();
    INFO("query: " << query);
    tempopb::TraceSearchMetadata meta;
    bool direct = Evaluate(query, fixture, &meta);
    bool searched = SearchFinds(query, fixture.id_text(), SearchOptions{});
    CHECK_FALSE(direct);
    CHECK_FALSE(searched);
    if (!direct && !searched) ++passed;
  }
  Report("nomatch", passed, queries.size());
  CHECK(passed == queries.size());
}

TEST_CASE("Structural, grouping and nested-set queries return the expected spansets", "[traceql]") {
  TraceView fixture = FixtureTrace();
  const json& cases = SearchCases()["expected_spansets"];
  size_t passed = 0;
  for (const json& c : cases) {
    std::string query = c["query"].get<std::string>();
    tempopb::TraceSearchMetadata meta;
    bool matched = Evaluate(query, fixture, &meta);
    INFO("query: " << query << "\nresult: " << meta.DebugString());
    CHECK(matched);
    std::multiset<std::string> expected, actual;
    const json& expected_sets = c["expected"]["spanSets"];
    for (const json& e : expected_sets) expected.insert(ExpectedSpansetJson(e).dump());
    // Pair each actual spanset with the expected one that names the same spans, so that only the
    // fields given are compared.
    for (const auto& set : meta.spansets()) {
      std::set<std::string> ids;
      for (const auto& span : set.spans()) ids.insert(span.spanid());
      const json* best = &expected_sets[0];
      for (const json& e : expected_sets) {
        std::set<std::string> expected_ids;
        for (const json& span : e["spans"]) expected_ids.insert(span["spanID"].get<std::string>());
        if (expected_ids == ids) best = &e;
      }
      actual.insert(SpansetJson(set, *best).dump());
    }
    CHECK(actual == expected);
    CHECK(meta.spanset().SerializeAsString() == meta.spansets(0).SerializeAsString());
    if (matched && actual == expected) ++passed;
  }
  Report("expected_spansets", passed, cases.size());
  CHECK(passed == cases.size());
}

TEST_CASE("Existence queries return only spans that have the field", "[traceql]") {
  TraceView fixture = FixtureTrace();
  const json& cases = SearchCases()["existence_checks"];
  size_t passed = 0;
  for (const json& c : cases) {
    std::string query = c["query"].get<std::string>();
    std::string has = c["every_returned_span_has"].get<std::string>();
    tempopb::TraceSearchMetadata meta;
    bool matched = Evaluate(query, fixture, &meta, /*spss=*/0);
    INFO("query: " << query << "\nresult: " << meta.DebugString());
    CHECK(matched);
    bool ok = matched;
    for (const auto& set : meta.spansets()) {
      for (const auto& span : set.spans()) {
        if (has == "name") {
          ok = ok && !span.name().empty();
        } else if (has == "durationNanos") {
          ok = ok && span.durationnanos() != 0;
        } else {
          REQUIRE(has.rfind("attribute ", 0) == 0);
          std::string key = has.substr(10);
          bool found = false;
          for (const auto& kv : span.attributes()) found = found || kv.key() == key;
          ok = ok && found;
        }
      }
    }
    CHECK(ok);
    if (ok) ++passed;
  }
  Report("existence_checks", passed, cases.size());
  CHECK(passed == cases.size());
}

TEST_CASE("Root span presence agrees with and without a structural operator", "[traceql]") {
  TraceView fixture = FixtureTrace();
  const json& cases = SearchCases()["root_span_presence"];
  size_t passed = 0;
  for (const json& c : cases) {
    std::string query = c["query"].get<std::string>();
    bool expected = c["root_span_0000000000040506_returned"].get<bool>();
    tempopb::TraceSearchMetadata meta;
    Evaluate(query, fixture, &meta, /*spss=*/0);
    bool returned = false;
    for (const auto& set : meta.spansets()) {
      for (const auto& span : set.spans()) returned |= span.spanid() == "0000000000040506";
    }
    INFO("query: " << query << "\nresult: " << meta.DebugString());
    CHECK(returned == expected);
    if (returned == expected) ++passed;
  }
  Report("root_span_presence", passed, cases.size());
  CHECK(passed == cases.size());
}

TEST_CASE("Search honours the requested time range", "[traceql]") {
  TraceView fixture = FixtureTrace();
  const json& cases = SearchCases()["time_range_cases"];
  size_t passed = 0;
  for (const json& c : cases) {
    SearchOptions options;
    options.start_unix_nano = c["start"].get<uint64_t>() * 1'000'000'000ull;
    options.end_unix_nano = c["end"].get<uint64_t>() * 1'000'000'000ull;
    bool found = SearchFinds(c["query"].get<std::string>(), fixture.id_text(), options);
    INFO("case: " << c.dump());
    CHECK(found == c["match"].get<bool>());
    if (found == c["match"].get<bool>()) ++passed;
  }
  Report("time_range_cases", passed, cases.size());
  CHECK(passed == cases.size());
}

TEST_CASE("A trace ID with leading zero bytes matches both spellings", "[traceql]") {
  const json& variant = SearchCases()["short_trace_id_variant"];
  TraceView trace = FixtureTrace(variant["trace_id_full"].get<std::string>());
  const std::string expected_id = variant["expected_traceID_in_results"].get<std::string>();
  size_t passed = 0, total = 0;
  for (const json& q : variant["match"]) {
    ++total;
    tempopb::TraceSearchMetadata meta;
    bool matched = Evaluate(q.get<std::string>(), trace, &meta);
    INFO("query: " << q.get<std::string>());
    CHECK(matched);
    CHECK(meta.traceid() == expected_id);
    if (matched && meta.traceid() == expected_id) ++passed;
  }
  for (const json& q : variant["nomatch"]) {
    ++total;
    tempopb::TraceSearchMetadata meta;
    bool matched = Evaluate(q.get<std::string>(), trace, &meta);
    INFO("query: " << q.get<std::string>());
    CHECK_FALSE(matched);
    if (!matched) ++passed;
  }
  for (const json& c : variant["span_checks"]) {
    ++total;
    tempopb::TraceSearchMetadata meta;
    bool matched = Evaluate(c["query"].get<std::string>(), trace, &meta, /*spss=*/0);
    std::set<std::string> ids;
    for (const auto& set : meta.spansets()) {
      for (const auto& span : set.spans()) ids.insert(span.spanid());
    }
    bool ok = matched == c["trace_matches"].get<bool>();
    if (c.contains("returned_spans_include")) {
      ok = ok && ids.count(c["returned_spans_include"].get<std::string>()) == 1;
    }
    if (c.contains("returned_spans_exclude")) {
      ok = ok && ids.count(c["returned_spans_exclude"].get<std::string>()) == 0;
    }
    INFO("case: " << c.dump() << "\nresult: " << meta.DebugString());
    CHECK(ok);
    if (ok) ++passed;
  }
  Report("short_trace_id_variant", passed, total);
  CHECK(passed == total);
}

TEST_CASE("The fixture's search metadata matches the reference", "[traceql]") {
  const json& expected = SearchCases()["expected_trace_metadata"];
  TraceView fixture = FixtureTrace();
  tempopb::TraceSearchMetadata meta;
  REQUIRE(Evaluate("{}", fixture, &meta));
  size_t passed = 0;
  auto check = [&passed](bool ok) {
    CHECK(ok);
    if (ok) ++passed;
  };
  check(meta.traceid() == expected["traceID"].get<std::string>());
  check(meta.rootservicename() == expected["rootServiceName"].get<std::string>());
  check(meta.roottracename() == expected["rootTraceName"].get<std::string>());
  check(std::to_string(meta.starttimeunixnano()) ==
        expected["startTimeUnixNano"].get<std::string>());
  check(meta.durationms() == expected["durationMs"].get<uint32_t>());
  // Through Search as well.
  tempopb::TraceSearchMetadata searched;
  REQUIRE(SearchFinds("{}", fixture.id_text(), SearchOptions{}, &searched));
  check(searched.rootservicename() == meta.rootservicename() &&
        searched.durationms() == meta.durationms());
  Report("expected_trace_metadata", passed, 6);
  CHECK(passed == 6);
}

}  // namespace
}  // namespace tempo::traceql
