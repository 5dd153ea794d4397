#include <catch2/catch.hpp>
#include <fstream>
#include <functional>

#include "support/temp_dir.h"
#include "tempo/config/loader.h"

using tempo::config::AppConfig;
using tempo::config::CommandLine;
using tempo::config::LoadConfig;
using tempo::config::Validate;

namespace {

std::string WriteFile(const tempo::testing::TempDir& dir, const std::string& text) {
  std::string path = dir.Sub("tempo.yaml");
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

CommandLine Parse(const std::vector<std::string>& args) {
  auto parsed = tempo::config::ParseCommandLine(args);
  REQUIRE(parsed.ok());
  return std::move(parsed).value();
}

}  // namespace

TEST_CASE("The default configuration is valid and keeps data under ./data", "[config]") {
  AppConfig config;
  CHECK(Validate(config).ok());
  CHECK(config.target == "all");
  CHECK(config.storage.backend == "local");
  CHECK(config.storage.local_path.rfind("./data/", 0) == 0);
  CHECK(config.wal.path.rfind("./data/", 0) == 0);
}

TEST_CASE("LoadConfig without a file gives the defaults and Tempo's default receivers",
          "[config]") {
  auto config = LoadConfig(CommandLine{}, nullptr);
  REQUIRE(config.ok());
  CHECK(config->server.http_listen_port == 3200);
  CHECK(config->receivers.otlp_grpc.enabled);
  CHECK(config->receivers.jaeger_grpc.enabled);
  CHECK(config->receivers.jaeger_thrift_http.enabled);
}

TEST_CASE("Flags override values from the file", "[config]") {
  tempo::testing::TempDir dir;
  std::string path = WriteFile(dir,
                               "server:\n  http_listen_port: 3300\n  log_level: debug\n"
                               "multitenancy_enabled: false\n"
                               "storage:\n  trace:\n    wal:\n      path: /file/wal\n");
  auto config = LoadConfig(Parse({"--config.file", path, "-server.http-listen-port=4400",
                                  "-multitenancy.enabled", "-log.level", "error"}),
                           nullptr);
  INFO(config.status().ToString());
  REQUIRE(config.ok());
  CHECK(config->server.http_listen_port == 4400);
  CHECK(config->server.log_level == "error");
  CHECK(config->multitenancy_enabled);
  CHECK(config->distributor.multitenancy_enabled);
  CHECK(config->wal.path == "/file/wal");  // not overridden
}

TEST_CASE("LoadConfig expands the environment with -config.expand-env", "[config]") {
  ::setenv("TEMPO_CFG_TEST_GRPC_PORT", "9999", 1);
  tempo::testing::TempDir dir;
  std::string path = WriteFile(dir, "server:\n  grpc_listen_port: ${TEMPO_CFG_TEST_GRPC_PORT}\n");
  auto config = LoadConfig(Parse({"-config.file=" + path, "-config.expand-env"}), nullptr);
  REQUIRE(config.ok());
  CHECK(config->server.grpc_listen_port == 9999);
  CHECK_FALSE(LoadConfig(Parse({"-config.file=" + path}), nullptr).ok());
}

TEST_CASE("A missing config file is an error naming its path", "[config]") {
  tempo::testing::TempDir dir;
  std::string missing = dir.Sub("nope.yaml");
  auto config = LoadConfig(Parse({"-config.file=" + missing}), nullptr);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == tempo::StatusCode::kNotFound);
  CHECK_THAT(config.status().message(), Catch::Contains(missing));

  AppConfig unused;
  tempo::Status directory =
      tempo::config::LoadYamlFile(dir.path().string(), false, &unused, nullptr);
  REQUIRE_FALSE(directory.ok());
  CHECK_THAT(directory.message(), Catch::Contains(dir.path().string()));
}

TEST_CASE("Errors from a file name the file, the key and the line", "[config]") {
  tempo::testing::TempDir dir;
  std::string path = WriteFile(dir, "server:\n  http_listen_port: 3200\n  bogus: 1\n");
  auto config = LoadConfig(Parse({"-config.file=" + path}), nullptr);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message() ==
        path + ": unknown configuration key \"server.bogus\" at line 3");
}

TEST_CASE("Validate refuses an unsupported storage backend", "[config]") {
  AppConfig config;
  config.storage.backend = "s3";
  CHECK(Validate(config).message() == "storage.trace.backend: s3 is not supported yet");
  auto loaded = LoadConfig(Parse({"-storage.trace.backend=gcs"}), nullptr);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().message() == "storage.trace.backend: gcs is not supported yet");
}

TEST_CASE("Validate names the bad key", "[config]") {
  struct Case {
    std::function<void(AppConfig&)> mutate;
    std::string key;
  };
  std::vector<Case> cases = {
      {[](AppConfig& c) { c.target = "everything"; }, "target"},
      {[](AppConfig& c) { c.server.log_level = "trace"; }, "server.log_level"},
      {[](AppConfig& c) { c.wal.path.clear(); }, "storage.trace.wal.path"},
      {[](AppConfig& c) { c.storage.local_path.clear(); }, "storage.trace.local.path"},
      {[](AppConfig& c) { c.ingester.trace_idle_period = {}; }, "ingester.trace_idle_period"},
      {[](AppConfig& c) { c.ingester.max_block_duration = {}; }, "ingester.max_block_duration"},
      {[](AppConfig& c) { c.ingester.max_block_bytes = 0; }, "ingester.max_block_bytes"},
      {[](AppConfig& c) { c.ingester.concurrent_flushes = 65; }, "ingester.concurrent_flushes"},
      {[](AppConfig& c) { c.overrides.defaults.max_bytes_per_trace = -1; },
       "global.max_bytes_per_trace"},
      {[](AppConfig& c) {
         c.receivers.otlp_grpc = {true, "no-port"};
       },
       "distributor.receivers.otlp.protocols.grpc.endpoint"},
      {[](AppConfig& c) {
         c.receivers.zipkin = {true, "host:99999"};
       },
       "distributor.receivers.zipkin.endpoint"},
  };
  for (const Case& c : cases) {
    AppConfig config;
    c.mutate(config);
    tempo::Status status = Validate(config);
    INFO(c.key);
    REQUIRE_FALSE(status.ok());
    CHECK(status.code() == tempo::StatusCode::kInvalidArgument);
    CHECK_THAT(status.message(), Catch::Contains(c.key));
  }
  // A disabled receiver's endpoint is not checked.
  AppConfig disabled;
  disabled.receivers.zipkin = {false, "garbage"};
  CHECK(Validate(disabled).ok());
}

TEST_CASE("A bad endpoint in the file is reported by LoadConfig", "[config]") {
  tempo::testing::TempDir dir;
  std::string path =
      WriteFile(dir, "distributor:\n  receivers:\n    zipkin:\n      endpoint: \"0.0.0.0\"\n");
  auto config = LoadConfig(Parse({"-config.file=" + path}), nullptr);
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.status().message(), Catch::Contains("distributor.receivers.zipkin.endpoint"));
}
