// The conformance config (shared/conformance/config/dev-local.yaml) and our config/tempo.yaml.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/temp_dir.h"
#include "tempo/config/loader.h"

using tempo::config::AppConfig;
using tempo::config::LoadReport;

namespace {

std::string SourceDir() {
  const char* dir = std::getenv("TEMPO_SOURCE_DIR");
  if (dir == nullptr) FAIL("TEMPO_SOURCE_DIR is not set (run the tests through ctest)");
  return dir;
}

std::string DevLocalPath() { return SourceDir() + "/../shared/conformance/config/dev-local.yaml"; }

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) FAIL("cannot read " << path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Everything before the first line that starts with ``` (the file ends with stray markdown).
std::string YamlPart(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::string out;
  while (std::getline(in, line) && line.rfind("```", 0) != 0) out += line + "\n";
  return out;
}

bool Contains(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace

TEST_CASE("dev-local.yaml verbatim fails on its stray markdown fence at line 77", "[config]") {
  AppConfig config;
  LoadReport report;
  tempo::Status status = tempo::config::LoadYamlFile(DevLocalPath(), false, &config, &report);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == tempo::StatusCode::kInvalidArgument);
  CHECK_THAT(status.message(), Catch::Contains("YAML syntax error at line 77"));
  CHECK_THAT(status.message(), Catch::Contains("dev-local.yaml"));
}

TEST_CASE("The YAML part of dev-local.yaml loads with the expected values", "[config]") {
  const std::string yaml = YamlPart(ReadAll(DevLocalPath()));
  REQUIRE(yaml.find("```") == std::string::npos);
  REQUIRE(yaml.find("metrics_generator:") != std::string::npos);

  AppConfig config;
  LoadReport report;
  tempo::Status status = tempo::config::LoadYamlText(yaml, false, &config, &report);
  INFO(status.ToString());
  REQUIRE(status.ok());
  REQUIRE(tempo::config::Validate(config).ok());

  CHECK(config.server.http_listen_port == 3200);
  CHECK(config.server.grpc_listen_port == 9095);

  const auto& rx = config.receivers;
  CHECK(rx.otlp_grpc.enabled);
  CHECK(rx.otlp_grpc.endpoint == "0.0.0.0:4317");
  CHECK(rx.otlp_http.enabled);
  CHECK(rx.otlp_http.endpoint == "0.0.0.0:4318");
  CHECK(rx.zipkin.enabled);
  CHECK(rx.zipkin.endpoint == "0.0.0.0:9411");
  CHECK(rx.jaeger_thrift_http.enabled);
  CHECK(rx.jaeger_thrift_http.endpoint == "0.0.0.0:14268");
  CHECK(rx.jaeger_grpc.enabled);
  CHECK(rx.jaeger_grpc.endpoint == "0.0.0.0:14250");
  CHECK(rx.jaeger_thrift_binary.enabled);
  CHECK(rx.jaeger_thrift_binary.endpoint == "0.0.0.0:6832");
  CHECK(rx.jaeger_thrift_compact.enabled);
  CHECK(rx.jaeger_thrift_compact.endpoint == "0.0.0.0:6831");

  CHECK(config.ingester.max_block_duration == std::chrono::minutes(5));
  CHECK(config.ingester.max_block_bytes == 1'000'000);
  CHECK(config.ingester.trace_idle_period == std::chrono::seconds(10));

  CHECK(config.storage.backend == "local");
  CHECK(config.storage.local_path == "/var/tempo/blocks");
  CHECK(config.wal.path == "/var/tempo/wal");

  CHECK(config.compactor.block_retention == std::chrono::hours(72));
  CHECK(config.compactor.compacted_block_retention == std::chrono::hours(1));
  CHECK(config.compactor.compaction_window == std::chrono::hours(1));

  for (const std::string key : {"storage.trace.pool", "query_frontend", "metrics_generator"}) {
    INFO(key);
    CHECK(Contains(report.ignored_keys, key));
  }
  CHECK(report.ignored_keys.size() == 3);
}

TEST_CASE("dev-local.yaml loads through LoadConfig with its paths overridden by flags",
          "[config]") {
  // LoadConfig reads a file, so give it the YAML part in a temporary copy.
  tempo::testing::TempDir dir;
  const std::string copy = dir.Sub("dev-local-yaml-part.yaml");
  {
    std::ofstream out(copy, std::ios::binary);
    out << YamlPart(ReadAll(DevLocalPath()));
  }
  auto cl =
      tempo::config::ParseCommandLine({"-config.file=" + copy, "-storage.trace.wal.path=/tmp/t/wal",
                                       "--storage.trace.local.path", "/tmp/t/blocks"});
  REQUIRE(cl.ok());
  LoadReport report;
  auto config = tempo::config::LoadConfig(*cl, &report);
  INFO(config.status().ToString());
  REQUIRE(config.ok());
  CHECK(config->wal.path == "/tmp/t/wal");
  CHECK(config->storage.local_path == "/tmp/t/blocks");
  CHECK(config->server.http_listen_port == 3200);
  CHECK(Contains(report.ignored_keys, "metrics_generator"));
}

TEST_CASE("config/tempo.yaml loads and is valid", "[config]") {
  AppConfig config;
  LoadReport report;
  tempo::Status status =
      tempo::config::LoadYamlFile(SourceDir() + "/config/tempo.yaml", false, &config, &report);
  INFO(status.ToString());
  REQUIRE(status.ok());
  REQUIRE(tempo::config::Validate(config).ok());
  CHECK(report.ignored_keys.empty());
  CHECK(config.server.http_listen_port == 3200);
  CHECK(config.server.grpc_listen_port == 9095);
  CHECK(config.receivers.otlp_grpc.enabled);
  CHECK(config.receivers.otlp_grpc.endpoint == "0.0.0.0:4317");
  CHECK(config.receivers.otlp_http.enabled);
  CHECK(config.receivers.otlp_http.endpoint == "0.0.0.0:4318");
  CHECK(config.storage.local_path == "./data/blocks");
  CHECK(config.wal.path == "./data/wal");
}
