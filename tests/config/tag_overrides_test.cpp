// max_bytes_per_tag_values_query in tempo.yaml (modern and legacy forms) and in the runtime
// overrides file.
#include <catch2/catch.hpp>

#include "tempo/config/loader.h"
#include "tempo/config/runtime_overrides.h"

TEST_CASE("max_bytes_per_tag_values_query is read from tempo.yaml and runtime overrides",
          "[config]") {
  tempo::config::AppConfig config;
  REQUIRE(tempo::config::LoadYamlText(
              "overrides:\n  defaults:\n    read:\n      max_bytes_per_tag_values_query: 5000\n",
              false, &config, nullptr)
              .ok());
  CHECK(config.overrides.defaults.max_bytes_per_tag_values_query == 5000);
  tempo::config::AppConfig legacy;
  REQUIRE(tempo::config::LoadYamlText("overrides:\n  max_bytes_per_tag_values_query: 7000\n", false,
                                      &legacy, nullptr)
              .ok());
  CHECK(legacy.overrides.defaults.max_bytes_per_tag_values_query == 7000);
  CHECK(tempo::overrides::TenantLimits{}.max_bytes_per_tag_values_query == 1'000'000);

  auto modern = tempo::config::ParseRuntimeOverrides(
      "overrides:\n  a:\n    read:\n      max_bytes_per_tag_values_query: 10\n",
      tempo::overrides::TenantLimits{});
  REQUIRE(modern.ok());
  CHECK(modern->at("a").max_bytes_per_tag_values_query == 10);
  auto flat = tempo::config::ParseRuntimeOverrides(
      "overrides:\n  b:\n    max_bytes_per_tag_values_query: 20\n",
      tempo::overrides::TenantLimits{});
  REQUIRE(flat.ok());
  CHECK(flat->at("b").max_bytes_per_tag_values_query == 20);
}
