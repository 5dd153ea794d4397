// compactor.compaction.* and the per-tenant block_retention override.
#include <catch2/catch.hpp>

#include "tempo/config/loader.h"

namespace tempo::config {
namespace {

TEST_CASE("compactor.compaction keys set the compactor config; other compaction keys are ignored",
          "[config]") {
  AppConfig config;
  LoadReport report;
  Status s = LoadYamlText(R"(
compactor:
  compaction:
    compaction_window: 2h
    max_compaction_objects: 1000
    max_block_bytes: 1073741824
    block_retention: 48h
    compacted_block_retention: 10m
    compaction_cycle: 250ms
    retention_concurrency: 10
overrides:
  defaults:
    compaction:
      block_retention: 24h
      compaction_window: 1h
)",
                          false, &config, &report);
  REQUIRE(s.ok());
  CHECK(config.compactor.compaction_window == std::chrono::hours(2));
  CHECK(config.compactor.max_compaction_objects == 1000);
  CHECK(config.compactor.max_block_bytes == 1073741824);
  CHECK(config.compactor.block_retention == std::chrono::hours(48));
  CHECK(config.compactor.compacted_block_retention == std::chrono::minutes(10));
  CHECK(config.compactor.compaction_cycle == std::chrono::milliseconds(250));
  CHECK(config.overrides.defaults.block_retention == std::chrono::hours(24));
  CHECK(report.ignored_keys == std::vector<std::string>{
                                   "compactor.compaction.retention_concurrency",
                                   "overrides.defaults.compaction.compaction_window"});
}

TEST_CASE("Tempo's defaults apply without a compactor section", "[config]") {
  AppConfig config;
  LoadReport report;
  REQUIRE(LoadYamlText("", false, &config, &report).ok());
  CHECK(config.compactor.compaction_window == std::chrono::hours(1));
  CHECK(config.compactor.max_compaction_objects == 6'000'000);
  CHECK(config.compactor.max_block_bytes == uint64_t{100} << 30);
  CHECK(config.compactor.block_retention == std::chrono::hours(336));
  CHECK(config.compactor.compacted_block_retention == std::chrono::hours(1));
  CHECK(config.compactor.compaction_cycle == std::chrono::seconds(30));
  CHECK(config.overrides.defaults.block_retention.count() == 0);
}

TEST_CASE("The legacy overrides.block_retention is read too", "[config]") {
  AppConfig config;
  LoadReport report;
  REQUIRE(LoadYamlText("overrides:\n  block_retention: 12h\n", false, &config, &report).ok());
  CHECK(config.overrides.defaults.block_retention == std::chrono::hours(12));
}

TEST_CASE("A mistyped compactor value names its key", "[config]") {
  AppConfig config;
  LoadReport report;
  Status s = LoadYamlText("compactor:\n  compaction:\n    compaction_cycle: 10\n", false, &config,
                          &report);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find("compactor.compaction.compaction_cycle") != std::string::npos);
}

}  // namespace
}  // namespace tempo::config
