#include <catch2/catch.hpp>

#include <fstream>

#include "app/overrides_reloader.h"
#include "support/temp_dir.h"

using tempo::app::OverridesReloader;
using tempo::overrides::Overrides;
using tempo::overrides::OverridesConfig;

namespace {

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

double GaugeValue(tempo::metrics::Registry& registry, const std::string& name) {
  return registry.AddGauge(name, "").WithLabels({}).value();
}

}  // namespace

TEST_CASE("Runtime overrides: applied at start, reloaded on change, bad files keep the last "
          "good values",
          "[app]") {
  tempo::testing::TempDir dir;
  const std::string path = dir.Sub("overrides.yaml");
  Write(path, "overrides:\n  a:\n    max_bytes_per_trace: 1000\n");

  OverridesConfig config;
  config.defaults.max_bytes_per_trace = 5;
  config.per_tenant["static"].max_bytes_per_trace = 9;
  config.per_tenant_override_config = path;
  config.per_tenant_override_period = std::chrono::hours(1);  // reloads are driven by ReloadNow
  Overrides overrides(config);
  tempo::metrics::Registry registry;
  OverridesReloader reloader(config, overrides, registry);
  REQUIRE(reloader.Start().ok());

  CHECK(overrides.For("a")->max_bytes_per_trace == 1000);
  CHECK(overrides.For("static")->max_bytes_per_trace == 9);  // tempo.yaml entries stay
  CHECK(overrides.For("other")->max_bytes_per_trace == 5);
  CHECK(GaugeValue(registry, "tempo_runtime_config_last_reload_successful") == 1);

  // A change is applied; "*" becomes the default of tenants without an entry.
  Write(path, "overrides:\n  a:\n    global:\n      max_bytes_per_trace: 2000\n"
              "  \"*\":\n    max_bytes_per_trace: 77\n");
  REQUIRE(reloader.ReloadNow().ok());
  CHECK(overrides.For("a")->max_bytes_per_trace == 2000);
  CHECK(overrides.For("other")->max_bytes_per_trace == 77);

  // A broken file is refused and the previous values stay in force.
  Write(path, "overrides:\n  a:\n    max_bytes_per_trace: [\n");
  tempo::Status bad = reloader.ReloadNow();
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.message(), Catch::Contains(path));
  CHECK(overrides.For("a")->max_bytes_per_trace == 2000);
  CHECK(GaugeValue(registry, "tempo_runtime_config_last_reload_successful") == 0);

  // A missing file too.
  std::remove(path.c_str());
  CHECK(reloader.ReloadNow().code() == tempo::StatusCode::kNotFound);
  CHECK(overrides.For("a")->max_bytes_per_trace == 2000);
  reloader.Stop();
}

TEST_CASE("Runtime overrides: a bad file at start fails the start", "[app]") {
  tempo::testing::TempDir dir;
  OverridesConfig config;
  config.per_tenant_override_config = dir.Sub("overrides.yaml");
  Write(config.per_tenant_override_config, "overrides:\n  a:\n    unknown_limit: 1\n");
  Overrides overrides(config);
  tempo::metrics::Registry registry;
  OverridesReloader reloader(config, overrides, registry);
  tempo::Status s = reloader.Start();
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("unknown runtime override \"overrides.a.unknown_limit\""));
}

TEST_CASE("Runtime overrides: nothing happens without a file", "[app]") {
  OverridesConfig config;
  Overrides overrides(config);
  tempo::metrics::Registry registry;
  OverridesReloader reloader(config, overrides, registry);
  REQUIRE(reloader.Start().ok());
  reloader.Stop();
}
