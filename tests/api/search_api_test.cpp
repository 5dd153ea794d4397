#include <catch2/catch.hpp>

#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "querier/search_node.h"
#include "api_server.h"
#include "tempo/api/http_api.h"

namespace http = boost::beast::http;
using tempo::testing::SearchNode;
using tempo::testing::TestSpan;
using ApiServer = tempo::testing::ApiServer;
using tempo::testing::NowNanos;
using Reply = tempo::testing::Reply;

TEST_CASE("GET /api/search returns recent traces in Tempo's JSON shape", "[api][search]") {
  ApiServer server;
  uint64_t now = NowNanos();
  server.node.WriteBlock({{.trace = 0x1a, .span = 1, .service = "shop", .name = "checkout",
                           .start_unix_nano = now - 60'000'000'000ull,
                           .duration_nanos = 557'000'000,
                           .attributes = {{"http.route", "/pay"}}}});
  server.node.Push({{.trace = 0x2b, .span = 2, .service = "cart", .name = "add",
                     .start_unix_nano = now - 1'000'000, .duration_nanos = 500,
                     .attributes = {{"http.route", "/add"}}}});

  Reply reply = server.Get("/api/search");
  REQUIRE(reply.status == 200);
  CHECK(reply.content_type == "application/json");
  auto json = nlohmann::json::parse(reply.body);
  REQUIRE(json["traces"].size() == 2);
  const auto& first = json["traces"][0];
  CHECK(first["traceID"] == "2b");
  CHECK(first["rootServiceName"] == "cart");
  CHECK(first["rootTraceName"] == "add");
  CHECK(first["startTimeUnixNano"].is_string());
  CHECK_FALSE(first.contains("durationMs"));  // < 1 ms
  const auto& second = json["traces"][1];
  CHECK(second["traceID"] == "1a");
  CHECK(second["durationMs"] == 557);
  CHECK(second["spanSet"] == second["spanSets"][0]);
  const auto& span = second["spanSets"][0]["spans"][0];
  CHECK(span["spanID"] == "0000000000000001");
  CHECK(span["startTimeUnixNano"].is_string());
  CHECK(span["durationNanos"] == "557000000");
  CHECK(second["spanSets"][0]["matched"] == 1);
  CHECK(second["serviceStats"]["shop"]["spanCount"] == 1);
  for (const auto& [key, value] : json.items()) CHECK((key == "traces" || key == "metrics"));
  for (const auto& [key, value] : first.items()) {
    static const std::set<std::string> kKeys = {"traceID", "rootServiceName", "rootTraceName",
                                                "startTimeUnixNano", "durationMs", "spanSet",
                                                "spanSets", "serviceStats"};
    CHECK(kKeys.count(key) == 1);
  }
  CHECK(json["metrics"]["inspectedTraces"] == 2);
  CHECK(json["metrics"]["totalBlocks"] == 1);
  CHECK(json["metrics"]["inspectedBytes"].is_string());

  // Filters, legacy tags and limit.
  auto ids = [&](const std::string& target) {
    Reply r = server.Get(target);
    REQUIRE(r.status == 200);
    std::vector<std::string> out;
    auto j = nlohmann::json::parse(r.body);
    for (const auto& t : j.value("traces", nlohmann::json::array())) out.push_back(t["traceID"]);
    return out;
  };
  CHECK(ids("/api/search?q=%7Bspan.http.route%3D%22%2Fpay%22%7D") ==
        std::vector<std::string>{"1a"});
  CHECK(ids("/api/search?tags=http.route%3D%2Fadd") == std::vector<std::string>{"2b"});
  CHECK(ids("/api/search?http.route=%2Fpay") == std::vector<std::string>{"1a"});
  CHECK(ids("/api/search?minDuration=100ms") == std::vector<std::string>{"1a"});
  CHECK(ids("/api/search?limit=1") == std::vector<std::string>{"2b"});
  CHECK(ids("/api/search?q=%7Bname%3D%22nope%22%7D").empty());
  Reply empty = server.Get("/api/search?q=%7Bname%3D%22nope%22%7D");
  CHECK(nlohmann::json::parse(empty.body).contains("metrics"));

  std::string start = std::to_string(now / 1'000'000'000 - 120);
  std::string end = std::to_string(now / 1'000'000'000 - 30);
  CHECK(ids("/api/search?start=" + start + "&end=" + end) == std::vector<std::string>{"1a"});

  Reply proto = server.Get("/api/search", "", "application/protobuf");
  CHECK(proto.content_type == "application/protobuf");
  tempopb::SearchResponse decoded;
  REQUIRE(decoded.ParseFromString(proto.body));
  CHECK(decoded.traces_size() == 2);
}

TEST_CASE("GET /api/search rejects bad parameters with Tempo's texts", "[api][search]") {
  ApiServer server;
  const std::pair<std::string, std::string> cases[] = {
      {"/api/search?q=%7B&tags=a%3Db", "invalid request: can't specify tags and q in the same query"},
      {"/api/search?tags=a%3D1%20a%3D2", "invalid tags: tag a has been set twice"},
      {"/api/search?minDuration=abc", "invalid minDuration: time: invalid duration \"abc\""},
      {"/api/search?maxDuration=abc", "invalid maxDuration: time: invalid duration \"abc\""},
      {"/api/search?minDuration=2s&maxDuration=1s",
       "invalid maxDuration: must be greater than minDuration"},
      {"/api/search?limit=x", "invalid limit: strconv.Atoi: parsing \"x\": invalid syntax"},
      {"/api/search?limit=0", "invalid limit: must be a positive number"},
      {"/api/search?limit=262145", "limit 262145 exceeds max limit 262144"},
      {"/api/search?spss=x", "invalid spss: strconv.Atoi: parsing \"x\": invalid syntax"},
      {"/api/search?spss=101", "spans per span set exceeds 100. received 101"},
      {"/api/search?start=abc&end=10",
       "invalid start: strconv.ParseUint: parsing \"abc\": invalid syntax"},
      {"/api/search?start=10&end=abc",
       "invalid end: strconv.ParseUint: parsing \"abc\": invalid syntax"},
      {"/api/search?start=20&end=10",
       "http parameter start must be before end. received start=20 end=10"},
      {"/api/search?start=20", "http parameter start must be before end. received start=20 end=0"},
      {"/api/search?end=20",
       "error parsing date range: only one of start and end provided: must provide both or "
       "neither"},
      {"/api/search?start=1000&end=1000000",
       "range specified by start and end exceeds 168h0m0s. received start=1000 end=1000000"},
  };
  for (const auto& [target, text] : cases) {
    INFO(target);
    Reply reply = server.Get(target);
    CHECK(reply.status == 400);
    CHECK(reply.body == text);
  }
  Reply big = server.Get("/api/search?q=" + std::string(131073, 'a'));
  CHECK(big.status == 400);
  CHECK(big.body ==
        "TraceQL expression exceeds the configured maximum size of 131072 bytes, reduce the "
        "query expression size or contact your system administrator");
  Reply syntax = server.Get("/api/search?q=%7B%20.a%20%3D%20%7D");
  CHECK(syntax.status == 400);
  CHECK(syntax.body.starts_with("invalid TraceQL query: parse error at line 1, col"));
  Reply metrics = server.Get("/api/search?q=%7B%7D%20%7C%20rate()");
  CHECK(metrics.status == 400);
}

TEST_CASE("Search honours multitenancy", "[api][search]") {
  ApiServer server(true);
  CHECK(server.Get("/api/search").status == 401);
  CHECK(server.Get("/api/search").body == "no org id\n");
  CHECK(server.Get("/api/search", "other").status == 200);
}

TEST_CASE("Tag names and values", "[api][search]") {
  ApiServer server;
  uint64_t now = NowNanos();
  server.node.WriteBlock({{.trace = 1, .span = 1, .service = "shop", .name = "checkout",
                           .start_unix_nano = now - 60'000'000'000ull,
                           .attributes = {{"http.route", "/pay"}}}});
  server.node.Push({{.trace = 2, .span = 2, .service = "cart", .name = "add",
                     .start_unix_nano = now - 1'000'000, .attributes = {{"user", "bob"}}}});

  auto v2 = nlohmann::json::parse(server.Get("/api/v2/search/tags").body);
  std::map<std::string, std::vector<std::string>> scopes;
  for (const auto& s : v2["scopes"]) scopes[s["name"]] = s["tags"];
  CHECK(scopes["span"] == std::vector<std::string>{"http.route", "user"});
  CHECK(scopes["resource"] == std::vector<std::string>{"service.name"});
  CHECK(scopes["intrinsic"].size() == 25);
  CHECK(scopes["intrinsic"].front() == "duration");
  CHECK(v2.contains("metrics"));

  auto span_only = nlohmann::json::parse(server.Get("/api/v2/search/tags?scope=span").body);
  CHECK(span_only["scopes"].size() == 1);
  Reply bad_scope = server.Get("/api/v2/search/tags?scope=foo");
  CHECK(bad_scope.status == 400);
  CHECK(bad_scope.body == "invalid scope: foo");

  auto v1 = nlohmann::json::parse(server.Get("/api/search/tags").body);
  CHECK(v1["tagNames"] == std::vector<std::string>{"http.route", "service.name", "user"});

  auto filtered = nlohmann::json::parse(
      server.Get("/api/v2/search/tags?scope=span&q=%7Bresource.service.name%3D%22cart%22%7D")
          .body);
  CHECK(filtered["scopes"][0]["tags"] == std::vector<std::string>{"user"});
  // A half-typed query is not an error: unfiltered.
  Reply partial = server.Get("/api/v2/search/tags?scope=span&q=%7Bresource.service.name%3D");
  CHECK(partial.status == 200);

  auto values = nlohmann::json::parse(
      server.Get("/api/v2/search/tag/resource.service.name/values").body);
  std::set<std::pair<std::string, std::string>> got;
  for (const auto& v : values["tagValues"]) got.emplace(v["type"], v["value"]);
  CHECK(got == std::set<std::pair<std::string, std::string>>{{"string", "cart"},
                                                            {"string", "shop"}});
  auto status = nlohmann::json::parse(server.Get("/api/v2/search/tag/status/values").body);
  REQUIRE(status["tagValues"].size() == 3);
  CHECK(status["tagValues"][0] == nlohmann::json{{"type", "keyword"}, {"value", "ok"}});
  auto duration = nlohmann::json::parse(server.Get("/api/v2/search/tag/duration/values").body);
  CHECK_FALSE(duration.contains("tagValues"));
  auto names = nlohmann::json::parse(
      server.Get("/api/v2/search/tag/name/values?q=%7Bresource.service.name%3D%22shop%22%7D")
          .body);
  CHECK(names["tagValues"] == nlohmann::json::parse(R"([{"type":"string","value":"checkout"}])"));

  Reply invalid = server.Get("/api/v2/search/tag/app.user.id/values");
  CHECK(invalid.status == 400);
  CHECK(invalid.body.starts_with(
      "please provide a valid tagName: failed to parse identifier app.user.id: "));
  auto v1values = nlohmann::json::parse(server.Get("/api/search/tag/http.route/values").body);
  CHECK(v1values["tagValues"] == std::vector<std::string>{"/pay"});
  Reply only_start = server.Get("/api/v2/search/tags?start=10");
  CHECK(only_start.status == 400);
}
