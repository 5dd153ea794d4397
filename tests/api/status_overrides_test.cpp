#include <catch2/catch.hpp>

#include "api/api_server.h"
#include "api/query/search_params.h"

using tempo::overrides::OverridesConfig;
using tempo::testing::ApiServer;
using tempo::testing::Reply;

TEST_CASE("Per-tenant max_search_duration limits the search window", "[api][search]") {
  ApiServer server(true);
  OverridesConfig config;
  config.per_tenant["short"].max_search_duration = std::chrono::minutes(90);
  server.node.overrides.Replace(config);

  // 2 hours: over the tenant's 1h30m, within the default 168h of another tenant.
  const std::string target = "/api/search?start=1700000000&end=1700007200";
  Reply reply = server.Get(target, "short");
  CHECK(reply.status == 400);
  CHECK(reply.body ==
        "range specified by start and end exceeds 1h30m0s. received start=1700000000 "
        "end=1700007200");
  CHECK(server.Get(target, "other").status == 200);
  // A multi-tenant query is held to the smallest limit among its tenants.
  CHECK(server.Get(target, "other|short").status == 400);
}

TEST_CASE("Go duration text of search limits", "[api]") {
  CHECK(tempo::api::FormatGoDuration(168 * 3600) == "168h0m0s");
  CHECK(tempo::api::FormatGoDuration(5400) == "1h30m0s");
  CHECK(tempo::api::FormatGoDuration(2700) == "45m0s");
  CHECK(tempo::api::FormatGoDuration(30) == "30s");
  CHECK(tempo::api::FormatGoDuration(0) == "0s");
}

TEST_CASE("/status/overrides shows the effective limits", "[api]") {
  ApiServer server;
  OverridesConfig config;
  config.defaults.max_bytes_per_trace = 1234;
  config.per_tenant["team-a"].ingestion_rate_limit_bytes = 99;
  config.per_tenant["team-a"].block_retention = std::chrono::hours(72);
  config.per_tenant["team-a"].max_search_duration = std::chrono::milliseconds(1500);
  server.node.overrides.Replace(config);

  Reply all = server.Get("/status/overrides");
  REQUIRE(all.status == 200);
  CHECK(all.content_type.rfind("text/plain", 0) == 0);
  CHECK_THAT(all.body, Catch::StartsWith("defaults:\n  ingestion:\n    rate_limit_bytes: 15000000\n"));
  CHECK_THAT(all.body, Catch::Contains("  global:\n    max_bytes_per_trace: 1234\n"));
  CHECK_THAT(all.body, Catch::Contains("overrides:\n  \"team-a\":\n    ingestion:\n"
                                       "      rate_limit_bytes: 99\n"));
  CHECK_THAT(all.body, Catch::Contains("      block_retention: 72h0m0s\n"));
  CHECK_THAT(all.body, Catch::Contains("      max_search_duration: 1.5s\n"));

  Reply one = server.Get("/status/overrides/team-a");
  REQUIRE(one.status == 200);
  CHECK_THAT(one.body, Catch::StartsWith("ingestion:\n  rate_limit_bytes: 99\n"));
  Reply other = server.Get("/status/overrides/nobody");
  CHECK_THAT(other.body, Catch::Contains("global:\n  max_bytes_per_trace: 1234\n"));
}
