// The tag endpoints' limits and window parameters (spec/query-api.md §5.1, §8.9-§8.12): limit,
// maxStaleValues, max_bytes_per_tag_values_query, since, and the condition-group limit of q.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/api_server.h"
#include "api/query/tag_query.h"

using tempo::overrides::OverridesConfig;
using tempo::testing::ApiServer;
using tempo::testing::NowNanos;
using tempo::testing::Reply;
using tempo::testing::TestSpan;

namespace {

constexpr uint64_t kMinute = 60'000'000'000ull;

std::vector<std::string> Values(const std::string& body) {
  std::vector<std::string> out;
  auto json = nlohmann::json::parse(body);
  if (!json.contains("tagValues")) return out;
  for (const auto& v : json["tagValues"]) {
    out.push_back(v.is_string() ? v.get<std::string>() : v["value"].get<std::string>());
  }
  return out;
}

// Ten live spans `user` = user-0..user-9, one block span with `old` an hour ago.
void Populate(ApiServer& server) {
  const uint64_t now = NowNanos();
  std::vector<TestSpan> spans;
  for (uint64_t i = 0; i < 10; ++i) {
    spans.push_back({.trace = 100 + i,
                     .span = 100 + i,
                     .start_unix_nano = now - kMinute,
                     .attributes = {{"user", "user-" + std::to_string(i)}}});
  }
  server.node.Push(spans);
  server.node.WriteBlock({{.trace = 1,
                           .span = 1,
                           .start_unix_nano = now - 60 * kMinute,
                           .attributes = {{"old", "yes"}, {"user", "user-0"}}}});
}

// `{ .a = "0" || .a = "1" || ... }` with `n` groups.
std::string OrQuery(int n) {
  std::string q = "{";
  for (int i = 0; i < n; ++i) q += (i ? " || .a = \"" : " .a = \"") + std::to_string(i) + "\"";
  return q + " }";
}

std::string Encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("Tag values: limit, maxStaleValues and the byte limit", "[api][tags]") {
  ApiServer server;
  Populate(server);
  const std::string v2 = "/api/v2/search/tag/span.user/values";
  CHECK(Values(server.Get(v2).body).size() == 10);
  CHECK(Values(server.Get(v2 + "?limit=3").body).size() == 3);
  CHECK(Values(server.Get("/api/search/tag/user/values?limit=4").body).size() == 4);
  CHECK(Values(server.Get(v2 + "?limit=abc").body).size() == 10);  // lenient: unlimited
  Reply stale = server.Get(v2 + "?maxStaleValues=1");
  CHECK(stale.status == 200);
  CHECK(Values(stale.body).size() >= 1);

  OverridesConfig config;
  config.defaults.max_bytes_per_tag_values_query = 20;  // three "user-N" values
  server.node.overrides.Replace(config);
  std::vector<std::string> capped = Values(server.Get(v2).body);
  CHECK(capped.size() == 3);
  auto names = nlohmann::json::parse(server.Get("/api/v2/search/tags?scope=span").body);
  size_t bytes = 0;
  for (const auto& scope : names["scopes"]) {
    for (const auto& tag : scope["tags"]) bytes += tag.get<std::string>().size();
  }
  CHECK(bytes <= 20);
  config.defaults.max_bytes_per_tag_values_query = 0;  // off
  server.node.overrides.Replace(config);
  CHECK(Values(server.Get(v2).body).size() == 10);
}

TEST_CASE("Tag names: limit per scope", "[api][tags]") {
  ApiServer server;
  Populate(server);
  auto json = nlohmann::json::parse(server.Get("/api/v2/search/tags?since=2h&limit=1").body);
  for (const auto& scope : json["scopes"]) CHECK(scope["tags"].size() == 1);
  auto span = nlohmann::json::parse(server.Get("/api/v2/search/tags?scope=span&since=2h").body);
  CHECK(span["scopes"][0]["tags"] == std::vector<std::string>{"old", "user"});
}

TEST_CASE("Tag queries: since replaces start and end", "[api][tags]") {
  ApiServer server;
  Populate(server);
  // Default window (15 minutes): the block an hour ago is not in it.
  CHECK(Values(server.Get("/api/v2/search/tag/span.old/values").body).empty());
  CHECK(Values(server.Get("/api/v2/search/tag/span.old/values?since=2h").body) ==
        std::vector<std::string>{"yes"});
  CHECK(Values(server.Get("/api/v2/search/tag/span.old/values?since=30m").body).empty());
  CHECK(Values(server.Get("/api/search/tag/old/values?since=1d").body) ==
        std::vector<std::string>{"yes"});
  // since wins over start/end.
  CHECK(Values(server.Get("/api/v2/search/tag/span.old/values?since=90m&start=1&end=2").body) ==
        std::vector<std::string>{"yes"});
  Reply bad = server.Get("/api/v2/search/tags?since=abc");
  CHECK(bad.status == 400);
  CHECK(bad.body == "could not parse 'since' parameter: not a valid duration string: \"abc\"");
}

TEST_CASE("Tag queries: more OR condition groups than allowed is a 400", "[api][tags]") {
  ApiServer server;
  Populate(server);
  const std::string limit_text = "maximum condition groups reached";
  for (const std::string& path :
       {std::string("/api/v2/search/tags?q="), std::string("/api/search/tags?q="),
        std::string("/api/v2/search/tag/span.user/values?q=")}) {
    INFO(path);
    CHECK(server.Get(path + Encode(OrQuery(100))).status == 200);
    Reply over = server.Get(path + Encode(OrQuery(101)));
    CHECK(over.status == 400);
    CHECK(over.body == limit_text);
    // (a || b) && (c || d) && ... : 2^7 = 128 groups.
    std::string product = "{ true";
    for (int i = 0; i < 7; ++i) {
      product += " && (.x" + std::to_string(i) + " = 1 || .y" + std::to_string(i) + " = 2)";
    }
    CHECK(server.Get(path + Encode(product + " }")).body == limit_text);
    // A half-typed query is not checked: unfiltered.
    CHECK(server.Get(path + Encode(OrQuery(200).substr(0, 400))).status == 200);
  }
  // v1 tag values ignore q.
  CHECK(server.Get("/api/search/tag/user/values?q=" + Encode(OrQuery(101))).status == 200);
}

TEST_CASE("Condition groups of a tag query's filter", "[api][tags]") {
  auto groups = [](const std::string& q) {
    auto compiled = tempo::traceql::SearchQuery::Compile(q);
    REQUIRE(compiled.ok());
    return tempo::api::query::internal::ConditionGroups(compiled->ast());
  };
  CHECK(groups("{}") == 1);
  CHECK(groups("{ .a = 1 }") == 1);
  CHECK(groups("{ .a = 1 || .b = 2 }") == 2);
  CHECK(groups("{ (.a = 1 || .b = 2) && (.c = 1 || .d = 2 || .e = 3) }") == 6);
  CHECK(groups("({ .a = 1 || .b = 2 }) | count() > 1") == 2);
  CHECK(groups("{ .a = 1 } && { .b = 1 || .c = 2 }") == 0);  // a spanset operation
  CHECK(groups(OrQuery(500)) == tempo::api::query::kMaxConditionGroups + 1);
}

TEST_CASE("Prometheus durations of since", "[api][tags]") {
  using tempo::api::query::internal::ParsePrometheusDuration;
  CHECK(*ParsePrometheusDuration("0") == 0);
  CHECK(*ParsePrometheusDuration("90s") == 90'000'000'000ull);
  CHECK(*ParsePrometheusDuration("1h30m") == 5'400'000'000'000ull);
  CHECK(*ParsePrometheusDuration("2d") == 172'800'000'000'000ull);
  CHECK(*ParsePrometheusDuration("1w") == 604'800'000'000'000ull);
  CHECK(*ParsePrometheusDuration("1y") == 31'536'000'000'000'000ull);
  CHECK(*ParsePrometheusDuration("1m500ms") == 60'500'000'000ull);
  for (const char* bad : {"", "abc", "1", "1.5h", "30m1h", "1h1h", "-1h", "1ms1s"}) {
    INFO(bad);
    CHECK_FALSE(ParsePrometheusDuration(bad).ok());
  }
}

TEST_CASE("/status/overrides shows max_bytes_per_tag_values_query", "[api][tags]") {
  ApiServer server;
  Reply status = server.Get("/status/overrides");
  CHECK_THAT(status.body, Catch::Contains("    max_bytes_per_tag_values_query: 1000000\n"));
}
