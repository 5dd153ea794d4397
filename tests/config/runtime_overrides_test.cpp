#include <catch2/catch.hpp>

#include "tempo/config/loader.h"
#include "tempo/config/runtime_overrides.h"

using std::chrono::hours;
using tempo::config::ParseRuntimeOverrides;
using tempo::overrides::TenantLimits;

TEST_CASE("Runtime overrides: the modern form sets only the keys it names", "[config]") {
  TenantLimits defaults;
  defaults.max_bytes_per_trace = 123;
  auto parsed = ParseRuntimeOverrides(R"(
overrides:
  "tenant-a":
    ingestion:
      rate_limit_bytes: 30000000
      burst_size_bytes: 4.0e+07
    compaction:
      block_retention: 72h
    read:
      max_search_duration: 24h
    metrics_generator:
      processors: [service-graphs]
)",
                                      defaults);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 1);
  const TenantLimits& a = parsed->at("tenant-a");
  CHECK(a.ingestion_rate_limit_bytes == 30'000'000);
  CHECK(a.ingestion_burst_size_bytes == 40'000'000);
  CHECK(a.block_retention == hours(72));
  CHECK(a.max_search_duration == hours(24));
  CHECK(a.max_bytes_per_trace == 123);  // from the defaults
}

TEST_CASE("Runtime overrides: the legacy flat form and the wildcard tenant", "[config]") {
  auto parsed = ParseRuntimeOverrides(R"(
overrides:
  legacy:
    ingestion_rate_limit_bytes: 1000
    max_bytes_per_trace: 2000
    block_retention: 1h
    max_search_duration: 2h
    metrics_generator_processors: [span-metrics]
  "*":
    max_bytes_per_trace: 77
)",
                                      TenantLimits{});
  REQUIRE(parsed.ok());
  CHECK(parsed->at("legacy").ingestion_rate_limit_bytes == 1000);
  CHECK(parsed->at("legacy").max_bytes_per_trace == 2000);
  CHECK(parsed->at("legacy").block_retention == hours(1));
  CHECK(parsed->at("legacy").max_search_duration == hours(2));
  CHECK(parsed->at("*").max_bytes_per_trace == 77);
}

TEST_CASE("Runtime overrides: empty files are valid", "[config]") {
  for (const char* text : {"", "overrides:\n", "overrides: {}\n"}) {
    auto parsed = ParseRuntimeOverrides(text, TenantLimits{});
    REQUIRE(parsed.ok());
    CHECK(parsed->empty());
  }
}

TEST_CASE("Runtime overrides: bad files are refused with the path and line", "[config]") {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"overrides:\n  t:\n    ingestion:\n      rate_limit: 5\n",
       "unknown runtime override \"overrides.t.ingestion.rate_limit\" at line 4"},
      {"overrides:\n  t:\n    max_bytes_per_trace: lots\n",
       "overrides.t.max_bytes_per_trace: \"lots\""},
      {"overrides:\n  t:\n    block_retention: 3 days\n", "overrides.t.block_retention"},
      {"overrides:\n  t:\n    max_bytes_per_trace: 5\n    global:\n      max_bytes_per_trace: 6\n",
       "cannot be mixed"},
      {"limits:\n  t: {}\n", "unknown runtime override \"limits\" at line 1"},
      {"overrides: [a, b]\n", "expected a mapping of tenants"},
      {"overrides:\n  t: [\n", "YAML syntax error"},
      {"overrides:\n  t: 5\n", "overrides.t: expected a mapping"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    auto parsed = ParseRuntimeOverrides(c.text, TenantLimits{});
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == tempo::StatusCode::kInvalidArgument);
    CHECK_THAT(parsed.status().message(), Catch::Contains(c.message));
  }
}

TEST_CASE("tempo.yaml: max_search_duration and the override period are read", "[config]") {
  tempo::config::AppConfig config;
  REQUIRE(tempo::config::LoadYamlText(R"(
overrides:
  per_tenant_override_config: /etc/tempo/overrides.yaml
  per_tenant_override_period: 30s
  defaults:
    read:
      max_search_duration: 48h
)",
                                      false, &config, nullptr)
              .ok());
  CHECK(config.overrides.per_tenant_override_config == "/etc/tempo/overrides.yaml");
  CHECK(config.overrides.per_tenant_override_period == std::chrono::seconds(30));
  CHECK(config.overrides.defaults.max_search_duration == hours(48));

  tempo::config::AppConfig legacy;
  REQUIRE(tempo::config::LoadYamlText("overrides:\n  max_search_duration: 12h\n", false, &legacy,
                                      nullptr)
              .ok());
  CHECK(legacy.overrides.defaults.max_search_duration == hours(12));
}
