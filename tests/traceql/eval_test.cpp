// Evaluation semantics beyond the shared conformance data (traceql.md §6-§15).
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "search_fixture.h"
#include "tempo/traceql/engine.h"

namespace tempo::traceql {
namespace {

using testing::OtlpSpan;
using testing::SetAttr;
using testing::TraceMaker;

SearchQuery MustCompile(const std::string& query) {
  auto compiled = SearchQuery::Compile(query);
  INFO("query: " << query << "\nstatus: " << compiled.status().ToString());
  REQUIRE(compiled.ok());
  return *compiled;
}

// Names of the spans of every spanset the query produces, as one sorted set.
std::set<std::string> Names(const std::string& query, const TraceView& trace) {
  auto result = EvaluateSpansets(MustCompile(query), trace);
  INFO("query: " << query << "\nstatus: " << result.status().ToString());
  REQUIRE(result.ok());
  std::set<std::string> out;
  for (const Spanset& s : *result) {
    for (uint32_t i : s.spans) out.insert(trace.spans()[i].span->name());
  }
  return out;
}

using Set = std::set<std::string>;

// root(server) -> a(client) -> a1 ; root -> b ; attributes of several types and scopes.
TraceView SampleTrace() {
  TraceMaker t;
  OtlpSpan& root = t.AddSpan(1, 0, "root", "front", 1000, 1000);
  root.set_kind(OtlpSpan::SPAN_KIND_SERVER);
  SetAttr(root.mutable_attributes(), "int", int64_t{1});
  SetAttr(root.mutable_attributes(), "float", 1.0);
  SetAttr(root.mutable_attributes(), "str", "foobar");
  SetAttr(t.resource().mutable_attributes(), "region", "eu");
  SetAttr(t.resource().mutable_attributes(), "shared", "from-resource");
  OtlpSpan& a = t.AddSpan(2, 1, "a", "back", 1100, 300);
  a.set_kind(OtlpSpan::SPAN_KIND_CLIENT);
  a.mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  SetAttr(a.mutable_attributes(), "shared", "from-span");
  SetAttr(a.mutable_attributes(), "x", int64_t{6});
  SetAttr(a.mutable_attributes(), "y", int64_t{0});
  SetAttr(a.mutable_attributes(), "flag", true);
  auto* arr = a.add_attributes();
  arr->set_key("arr");
  for (int64_t v : {1, 2, 3})
    arr->mutable_value()->mutable_array_value()->add_values()->set_int_value(v);
  auto* e1 = a.add_events();
  e1->set_name("e1");
  e1->set_time_unix_nano(1150);
  SetAttr(e1->mutable_attributes(), "k", "v1");
  auto* e2 = a.add_events();
  e2->set_name("e2");
  e2->set_time_unix_nano(1200);
  SetAttr(e2->mutable_attributes(), "k", "v2");
  t.scope().set_name("lib");
  t.scope().set_version("1.2");
  OtlpSpan& a1 = t.AddSpan(3, 2, "a1", "back", 1200, 50);
  SetAttr(a1.mutable_attributes(), "str", "multi\nline");
  SetAttr(a1.mutable_attributes(), "x", int64_t{2});
  OtlpSpan& b = t.AddSpan(4, 1, "b", "front", 1500, 400);
  SetAttr(b.mutable_attributes(), "x", 4.5);
  SetAttr(b.mutable_attributes(), "flag", false);
  return t.Build();
}

TEST_CASE("Literals match custom attributes of their own numeric type only", "[traceql]") {
  TraceView t = SampleTrace();
  CHECK(Names("{ span.int = 1 }", t) == Set{"root"});
  CHECK(Names("{ span.int = 1.0 }", t).empty());
  CHECK(Names("{ span.float = 1.0 }", t) == Set{"root"});
  CHECK(Names("{ span.float = 1 }", t).empty());
  CHECK(Names("{ span.x > 4.0 }", t) == Set{"b"});
  CHECK(Names("{ span.x > 4 }", t) == Set{"a"});
  // Attribute against attribute and arithmetic compare numerically across kinds.
  CHECK(Names("{ span.int = span.float }", t) == Set{"root"});
  CHECK(Names("{ span.x * 1.0 > 4 }", t) == Set{"a", "b"});
  CHECK(Names("{ span.x + 1 = 7 }", t) == Set{"a"});
}

TEST_CASE("Comparisons with missing attributes are false, nil tests existence", "[traceql]") {
  TraceView t = SampleTrace();
  CHECK(Names("{ span.str != \"zzz\" }", t) == Set{"root", "a1"});
  CHECK(Names("{ span.missing != \"zzz\" }", t).empty());
  CHECK(Names("{ span.str = nil }", t) == Set{"a", "b"});
  CHECK(Names("{ span.str != nil }", t) == Set{"root", "a1"});
  CHECK(Names("{ !(span.str != nil) }", t) == Set{"a", "b"});
  CHECK(Names("{ .region = nil }", t) == Set{"a", "a1", "b"});
}

TEST_CASE("Regexes are fully anchored and dot matches newline", "[traceql]") {
  TraceView t = SampleTrace();
  CHECK(Names("{ span.str =~ \"bar\" }", t).empty());
  CHECK(Names("{ span.str =~ \".*bar\" }", t) == Set{"root"});
  CHECK(Names("{ span.str =~ \"multi.line\" }", t) == Set{"a1"});
  CHECK(Names("{ span.str !~ \"foo.*\" }", t) == Set{"a1"});
  CHECK(Names("{ name =~ \"a|b\" }", t) == Set{"a", "b"});
  CHECK(Names("{ span.int =~ \"1\" }", t).empty());
  // Case-insensitive and prefix patterns (the evaluator prefilters with the possible match range).
  CHECK(Names("{ name =~ \"(?i)A1\" }", t) == Set{"a1"});
  CHECK(Names("{ span.str =~ \"foo.*\" }", t) == Set{"root"});
  CHECK(Names("{ span.str =~ \"fo+bar\" }", t) == Set{"root"});
  CHECK(Names("{ name =~ \"\" }", t).empty());
}

TEST_CASE("Unscoped attributes match in any scope that has them", "[traceql]") {
  TraceView t = SampleTrace();
  // `a` has span shared=from-span; root's resource has shared=from-resource.
  CHECK(Names("{ .shared = \"from-span\" }", t) == Set{"a"});
  CHECK(Names("{ .shared = \"from-resource\" }", t) == Set{"root"});
  CHECK(Names("{ .region = \"eu\" }", t) == Set{"root"});
  CHECK(Names("{ .k = \"v2\" }", t) == Set{"a"});  // event attribute
  CHECK(Names("{ .shared != nil }", t) == Set{"root", "a"});
  CHECK(Names("{ .flag }", t) == Set{"a"});
  CHECK(Names("{ !.flag }", t) == Set{"b"});
}

TEST_CASE("Event conditions hold on one event at a time", "[traceql]") {
  TraceView t = SampleTrace();
  CHECK(Names("{ event:name = \"e2\" && event.k = \"v2\" }", t) == Set{"a"});
  CHECK(Names("{ event:name = \"e1\" && event.k = \"v2\" }", t).empty());
  CHECK(Names("{ event:timeSinceStart = 100ns }", t) == Set{"a"});
  CHECK(Names("{ event:name != nil }", t) == Set{"a"});
  CHECK(Names("{ instrumentation:name = \"lib\" && instrumentation:version = \"1.2\" }", t) ==
        Set{"a"});
}

TEST_CASE("Array attributes compare element-wise", "[traceql]") {
  TraceView t = SampleTrace();
  CHECK(Names("{ span.arr = 2 }", t) == Set{"a"});
  CHECK(Names("{ span.arr > 2 }", t) == Set{"a"});
  CHECK(Names("{ span.arr != 2 }", t).empty());
  CHECK(Names("{ span.arr != 7 }", t) == Set{"a"});
  CHECK(Names("{ span.arr = 7 }", t).empty());
}

TEST_CASE("Intrinsics evaluate per span and per trace", "[traceql]") {
  TraceView t = SampleTrace();
  CHECK(Names("{ duration > 200ns }", t) == Set{"root", "a", "b"});
  CHECK(Names("{ duration = 300 }", t) == Set{"a"});
  CHECK(Names("{ status = error }", t) == Set{"a"});
  CHECK(Names("{ kind = client }", t) == Set{"a"});
  CHECK(Names("{ span:childCount = 2 }", t) == Set{"root"});
  CHECK(Names("{ traceDuration = 1000ns && rootName = \"root\" && name = \"b\" }", t) == Set{"b"});
  CHECK(Names("{ rootServiceName = \"front\" && resource.service.name = \"back\" }", t) ==
        Set{"a", "a1"});
  CHECK(Names("{ span:id = \"0000000000000003\" }", t) == Set{"a1"});
  CHECK(Names("{ span:id = \"3\" }", t) == Set{"a1"});
  CHECK(Names("{ span:parentID = \"0000000000000001\" }", t) == Set{"a", "b"});
  CHECK(Names("{ trace:id = \"1\" }", t).size() == 4);
  CHECK(Names("{ nestedSetParent < 0 }", t) == Set{"root"});
}

TEST_CASE("Integer division by zero fails the query", "[traceql]") {
  TraceView t = SampleTrace();
  auto result = EvaluateSpansets(MustCompile("{ span.x / span.y = 1 }"), t);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kInvalidArgument);
  // Float division by zero is not an error.
  CHECK(Names("{ span.x / 0.0 > 1000 }", t) == Set{"a", "a1", "b"});
}

TEST_CASE("Spanset operators combine spans of the same trace", "[traceql]") {
  TraceView t = SampleTrace();
  CHECK(Names("{ name = \"a\" } && { name = \"b\" }", t) == Set{"a", "b"});
  CHECK(Names("{ name = \"a\" } && { name = \"zzz\" }", t).empty());
  CHECK(Names("{ name = \"a\" } || { name = \"zzz\" }", t) == Set{"a"});
  CHECK(Names("{ name = \"root\" } > { }", t) == Set{"a", "b"});
  CHECK(Names("{ name = \"root\" } >> { }", t) == Set{"a", "a1", "b"});
  CHECK(Names("{ name = \"a1\" } << { }", t) == Set{"root", "a"});
  CHECK(Names("{ name = \"a1\" } < { }", t) == Set{"a"});
  CHECK(Names("{ name = \"a\" } ~ { }", t) == Set{"b"});
  CHECK(Names("{ } !< { }", t) == Set{"a1", "b"});  // leaves
  CHECK(Names("{ name = \"root\" } !> { }", t) == Set{"root", "a1"});
  CHECK(Names("{ name = \"a\" } &> { }", t) == Set{"a", "a1"});
  CHECK(Names("{ name = \"root\" } > { name = \"a\" } > { }", t) == Set{"a1"});
}

TEST_CASE("Structural operators refuse several spansets per trace", "[traceql]") {
  TraceView t = SampleTrace();
  auto result = EvaluateSpansets(MustCompile("({ } | by(name)) > ({ })"), t);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().message().find("coalesce()") != std::string::npos);
  CHECK(Names("({ } | by(name) | coalesce()) > ({ })", t) == Set{"a", "a1", "b"});
}

TEST_CASE("Aggregates filter spansets and label them", "[traceql]") {
  TraceView t = SampleTrace();
  auto result = EvaluateSpansets(MustCompile("{ } | avg(duration) > 300ns"), t);
  REQUIRE(result.ok());
  REQUIRE(result->size() == 1);
  REQUIRE(result->front().attributes.size() == 1);
  CHECK(result->front().attributes[0].first == "avg(duration)");
  CHECK(result->front().attributes[0].second == Static::Duration(437));  // 1750 / 4, truncated
  CHECK(Names("{ } | min(duration) = 50ns", t).size() == 4);
  CHECK(Names("{ } | max(duration) >= 1000", t).size() == 4);
  CHECK(Names("{ } | sum(span.x) = 8", t).size() == 4);  // ints only: 6 + 2 (4.5 skipped)
  CHECK(Names("{ } | count() = 4.0", t).size() == 4);
  CHECK(Names("{ } | avg(span.dne) != 0", t).empty());
  CHECK(Names("{ } | count() > 4", t).empty());
}

TEST_CASE("by() groups spans and labels groups, nil included", "[traceql]") {
  TraceView t = SampleTrace();
  auto result = EvaluateSpansets(MustCompile("{ } | by(span.x > 3)"), t);
  REQUIRE(result.ok());
  REQUIRE(result->size() == 2);
  CHECK((*result)[0].attributes[0].first == "by(span.x > 3)");
  // A missing x compares false; b's float 4.5 does not meet the int literal (typed matching).
  CHECK((*result)[0].attributes[0].second == Static::Bool(false));
  CHECK((*result)[0].spans == std::vector<uint32_t>{0, 2, 3});
  CHECK((*result)[1].attributes[0].second == Static::Bool(true));
  CHECK((*result)[1].spans == std::vector<uint32_t>{1});
  result = EvaluateSpansets(MustCompile("{ } | by(span.str) | count() = 2"), t);
  REQUIRE(result.ok());
  REQUIRE(result->size() == 1);
  CHECK(result->front().attributes[0].second == Static::String("nil"));
  CHECK(result->front().attributes[1] == std::make_pair(std::string("count()"), Static::Int(2)));
  CHECK(Names("{ } | by(resource.service.name) | count() = 2 | coalesce()", t).size() == 4);
}

TEST_CASE("The search entry lists touched fields and spanset attributes", "[traceql]") {
  TraceView t = SampleTrace();
  tempopb::TraceSearchMetadata meta;
  SearchOptions options;
  options.spans_per_spanset = 1;
  auto matched = EvaluateTrace(
      MustCompile("{ status = error || kind = server } | select(span.x, name, duration)"), t,
      options, &meta);
  REQUIRE(matched.ok());
  REQUIRE(*matched);
  CHECK(meta.traceid() == "1");
  CHECK(meta.rootservicename() == "front");
  CHECK(meta.roottracename() == "root");
  CHECK(meta.starttimeunixnano() == 1000);
  CHECK(meta.durationms() == 0);
  REQUIRE(meta.spansets_size() == 1);
  const tempopb::SpanSet& set = meta.spansets(0);
  CHECK(set.matched() == 2);
  REQUIRE(set.spans_size() == 1);
  const tempopb::Span& span = set.spans(0);
  CHECK(span.spanid() == "0000000000000001");
  CHECK(span.name() == "root");
  CHECK(span.durationnanos() == 1000);
  std::map<std::string, std::string> attrs;
  for (const auto& kv : span.attributes()) attrs[kv.key()] = kv.value().ShortDebugString();
  CHECK(attrs == std::map<std::string, std::string>{{"status", "string_value: \"unset\""},
                                                    {"kind", "string_value: \"server\""}});
  CHECK(meta.spanset().matched() == 2);
  CHECK(meta.servicestats().at("back").spancount() == 2);
  CHECK(meta.servicestats().at("back").errorcount() == 1);
}

TEST_CASE("Compile reports errors with the API's prefix", "[traceql]") {
  auto parse = SearchQuery::Compile("{ .a = }");
  REQUIRE_FALSE(parse.ok());
  CHECK(parse.status().code() == StatusCode::kInvalidArgument);
  CHECK(parse.status().message().rfind("invalid TraceQL query: parse error at line 1, col", 0) ==
        0);
  auto type = SearchQuery::Compile("{ 1 = \"foo\" }");
  REQUIRE_FALSE(type.ok());
  CHECK(type.status().code() == StatusCode::kInvalidArgument);
  CHECK(type.status().message().rfind("invalid TraceQL query: ", 0) == 0);
  auto unsupported = SearchQuery::Compile("{ parent.foo = 1 }");
  REQUIRE_FALSE(unsupported.ok());
  CHECK(unsupported.status().code() == StatusCode::kUnimplemented);
  auto metrics = SearchQuery::Compile("{ } | rate()");
  REQUIRE_FALSE(metrics.ok());
  CHECK(metrics.status().code() == StatusCode::kInvalidArgument);
  CHECK(metrics.status().message().find("not a search query") != std::string::npos);
}

TEST_CASE("Queries whose filters fold to false never match", "[traceql]") {
  CHECK(MustCompile("{ false }").never_matches());
  CHECK(MustCompile("{ nil = nil }").never_matches());
  CHECK(MustCompile("{ false } && { true }").never_matches());
  CHECK_FALSE(MustCompile("{ false } || { true }").never_matches());
  CHECK_FALSE(MustCompile("{ false } !< { true }").never_matches());
  CHECK(MustCompile("{ true } !< { false }").never_matches());
  CHECK(MustCompile("{ true } with(most_recent=true)").most_recent());
}

}  // namespace
}  // namespace tempo::traceql
