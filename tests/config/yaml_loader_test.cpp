#include <algorithm>
#include <catch2/catch.hpp>

#include "tempo/config/loader.h"

using tempo::config::AppConfig;
using tempo::config::LoadReport;
using tempo::config::LoadYamlText;

namespace {

// Loads `text` into a default config; fails the test on error.
AppConfig Load(const std::string& text, LoadReport* report = nullptr) {
  AppConfig config;
  tempo::Status status = LoadYamlText(text, false, &config, report);
  INFO(status.ToString());
  REQUIRE(status.ok());
  return config;
}

// The error message of loading `text`; fails the test if it loads.
std::string LoadError(const std::string& text) {
  AppConfig config;
  tempo::Status status = LoadYamlText(text, false, &config, nullptr);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == tempo::StatusCode::kInvalidArgument);
  return status.message();
}

}  // namespace

TEST_CASE("An empty file is valid and keeps every default", "[config]") {
  for (std::string text : {"", "# only a comment\n", "\n\n"}) {
    AppConfig config = Load(text);
    CHECK(config.server.http_listen_port == 3200);
    CHECK(config.wal.path == "./data/wal");
    CHECK(tempo::config::Validate(config).ok());
  }
}

TEST_CASE("An unknown key is an error naming its dotted path and line", "[config]") {
  CHECK(LoadError("server:\n  http_listen_port: 3200\n  http_listen_prot: 1\n") ==
        "unknown configuration key \"server.http_listen_prot\" at line 3");
  CHECK(LoadError("target: all\nnot_a_tempo_key: 1\n") ==
        "unknown configuration key \"not_a_tempo_key\" at line 2");
  CHECK(LoadError("storage:\n  trace:\n    wal:\n      paht: /x\n") ==
        "unknown configuration key \"storage.trace.wal.paht\" at line 4");
}

TEST_CASE("A YAML syntax error names its line", "[config]") {
  std::string message = LoadError("server:\n  http_listen_port: [1\n");
  CHECK_THAT(message, Catch::Contains("YAML syntax error at line"));
  CHECK_THAT(LoadError("a: b\n```\n"), Catch::Contains("line 2"));
}

TEST_CASE("Block writer threads, the live memory bound and packing are read", "[config]") {
  AppConfig config =
      Load("ingester:\n  concurrent_flushes: 3\n  max_live_traces_bytes: 1.5e9\n"
           "  compress_live_traces: false\n");
  CHECK(config.ingester.concurrent_flushes == 3);
  CHECK_FALSE(config.ingester.compress_live_traces);
  CHECK(Load("ingester:\n  max_live_traces_bytes: 1\n").ingester.compress_live_traces);
  CHECK_THAT(LoadError("ingester:\n  compress_live_traces: maybe\n"),
             Catch::Contains("ingester.compress_live_traces"));
  // The key of earlier versions: 0 holds fragments as pushed, any other duration packs them.
  CHECK_FALSE(Load("ingester:\n  compress_idle_traces_after: 0s\n").ingester.compress_live_traces);
  CHECK(Load("ingester:\n  compress_live_traces: false\n  compress_idle_traces_after: 2s\n")
            .ingester.compress_live_traces);
  CHECK_THAT(LoadError("ingester:\n  compress_idle_traces_after: soon\n"),
             Catch::Contains("ingester.compress_idle_traces_after"));
  CHECK(config.ingester.max_live_traces_bytes == 1'500'000'000);
  CHECK_THAT(LoadError("ingester:\n  concurrent_flushes: two\n"),
             Catch::Contains("ingester.concurrent_flushes"));
}

TEST_CASE("Durations must be Go duration strings", "[config]") {
  AppConfig config = Load(
      "ingester:\n  trace_idle_period: 15s\n  max_block_duration: 1h30m\n"
      "  flush_check_period: 500ms\n  complete_block_timeout: 20m\n"
      "server:\n  graceful_shutdown_timeout: 1m\n  http_server_idle_timeout: 2m\n"
      "distributor:\n  retry_after_on_resource_exhausted: 0\n");
  CHECK(config.ingester.trace_idle_period == std::chrono::seconds(15));
  CHECK(config.ingester.max_block_duration == std::chrono::minutes(90));
  CHECK(config.ingester.flush_check_period == std::chrono::milliseconds(500));
  CHECK(config.ingester.complete_block_timeout == std::chrono::minutes(20));
  CHECK(config.server.graceful_shutdown_timeout == std::chrono::minutes(1));
  CHECK(config.server.http_server_idle_timeout == std::chrono::minutes(2));
  CHECK(config.distributor.retry_after_on_resource_exhausted.count() == 0);

  std::string bare = LoadError("ingester:\n  trace_idle_period: 10\n");
  CHECK_THAT(bare, Catch::StartsWith("ingester.trace_idle_period: \"10\" is not a duration"));
  CHECK_THAT(bare, Catch::EndsWith("at line 2"));
  CHECK_THAT(LoadError("ingester:\n  max_block_duration: 5 minutes\n"),
             Catch::Contains("ingester.max_block_duration"));
  CHECK_THAT(LoadError("ingester:\n  max_block_duration: -5m\n"),
             Catch::Contains("must not be negative"));
  CHECK_THAT(LoadError("ingester:\n  max_block_duration: [5m]\n"),
             Catch::Contains("expected a duration"));
}

TEST_CASE("Ports must be in range", "[config]") {
  CHECK(LoadError("server:\n  http_listen_port: 70000\n") ==
        "server.http_listen_port: 70000 is out of range (0-65535) at line 2");
  CHECK_THAT(LoadError("server:\n  grpc_listen_port: -1\n"),
             Catch::Contains("out of range (0-65535)"));
  CHECK_THAT(LoadError("server:\n  grpc_listen_port: abc\n"),
             Catch::Contains("server.grpc_listen_port: \"abc\" is not a port number"));
  CHECK(Load("server:\n  http_listen_port: 0\n").server.http_listen_port == 0);
}

TEST_CASE("Byte sizes accept integers and integral float notation", "[config]") {
  AppConfig config = Load(
      "ingester:\n  max_block_bytes: 1.073741824e+09\n"
      "overrides:\n  defaults:\n    global:\n      max_bytes_per_trace: 2e6\n");
  CHECK(config.ingester.max_block_bytes == 1'073'741'824ull);
  CHECK(config.overrides.defaults.max_bytes_per_trace == 2'000'000);
  CHECK_THAT(LoadError("ingester:\n  max_block_bytes: 1.5\n"),
             Catch::Contains("not a whole number of bytes"));
  CHECK_THAT(LoadError("ingester:\n  max_block_bytes: 10MB\n"),
             Catch::Contains("ingester.max_block_bytes"));
  CHECK_THAT(LoadError("ingester:\n  max_block_bytes: -1\n"),
             Catch::Contains("must not be negative"));
}

TEST_CASE("Bools and section shapes are type-checked", "[config]") {
  CHECK(Load("multitenancy_enabled: true\n").multitenancy_enabled);
  CHECK(Load("multitenancy_enabled: true\n").distributor.multitenancy_enabled);
  CHECK(Load("auth_enabled: yes\n").multitenancy_enabled);
  CHECK_FALSE(Load("storage:\n  trace:\n    wal:\n      sync: false\n").wal.sync);
  CHECK(Load("").wal.encoding == tempo::ValueCodec::kLz4);
  CHECK(Load("storage:\n  trace:\n    wal:\n      v2_encoding: zstd\n").wal.encoding ==
        tempo::ValueCodec::kZstd);
  CHECK(Load("storage:\n  trace:\n    wal:\n      v2_encoding: none\n").wal.encoding ==
        tempo::ValueCodec::kNone);
  CHECK_THAT(LoadError("storage:\n  trace:\n    wal:\n      v2_encoding: brotli\n"),
             Catch::Contains("storage.trace.wal.v2_encoding") &&
                 Catch::Contains("unknown encoding 'brotli'"));
  CHECK_THAT(LoadError("multitenancy_enabled: maybe\n"),
             Catch::Contains("multitenancy_enabled: \"maybe\" is not a bool"));
  CHECK_THAT(LoadError("server: 3200\n"), Catch::Contains("server: expected a mapping"));
  CHECK_THAT(LoadError("- a\n- b\n"), Catch::Contains("expected a mapping"));
  CHECK_THAT(LoadError("target: nope\n"), Catch::Contains("unknown target \"nope\""));
  CHECK_THAT(LoadError("server:\n  log_level: loud\n"), Catch::Contains("server.log_level"));
}

TEST_CASE("Without receivers Tempo's default receivers are enabled", "[config]") {
  for (std::string text :
       {"", "distributor:\n", "distributor:\n  receivers:\n", "distributor:\n  receivers: {}\n"}) {
    INFO(text);
    AppConfig config = Load(text);
    CHECK(config.receivers.otlp_grpc.enabled);
    CHECK(config.receivers.jaeger_grpc.enabled);
    CHECK(config.receivers.jaeger_thrift_http.enabled);
    CHECK_FALSE(config.receivers.otlp_http.enabled);
    CHECK_FALSE(config.receivers.zipkin.enabled);
    CHECK_FALSE(config.receivers.jaeger_thrift_compact.enabled);
    CHECK_FALSE(config.receivers.jaeger_thrift_binary.enabled);
  }
}

TEST_CASE("A receiver protocol key enables it, with its default endpoint when empty", "[config]") {
  AppConfig config = Load(
      "distributor:\n  receivers:\n    otlp:\n      protocols:\n        http:\n"
      "          traces_url_path: v1/custom\n          max_request_body_size: 1048576\n"
      "        grpc:\n          max_recv_msg_size_mib: 16\n"
      "    zipkin:\n");
  const auto& rx = config.receivers;
  CHECK(rx.otlp_http.enabled);
  CHECK(rx.otlp_http.endpoint == "localhost:4318");
  CHECK(rx.otlp_http_traces_url_path == "/v1/custom");
  CHECK(rx.http_max_request_body_bytes == 1'048'576);
  CHECK(rx.otlp_grpc.enabled);
  CHECK(rx.otlp_grpc.endpoint == "localhost:4317");
  CHECK(rx.otlp_grpc_max_recv_msg_size_bytes == 16ull << 20);
  CHECK(rx.zipkin.enabled);
  CHECK(rx.zipkin.endpoint == "localhost:9411");
  // Configuring any receiver turns Tempo's default set off.
  CHECK_FALSE(rx.jaeger_grpc.enabled);
  CHECK_FALSE(rx.jaeger_thrift_http.enabled);

  AppConfig jaeger = Load(
      "distributor:\n  receivers:\n    jaeger:\n      protocols:\n        thrift_compact:\n"
      "        thrift_binary:\n          endpoint: 127.0.0.1:7000\n");
  CHECK(jaeger.receivers.jaeger_thrift_compact.enabled);
  CHECK(jaeger.receivers.jaeger_thrift_compact.endpoint == "localhost:6831");
  CHECK(jaeger.receivers.jaeger_thrift_binary.endpoint == "127.0.0.1:7000");
  CHECK_FALSE(jaeger.receivers.otlp_grpc.enabled);
}

TEST_CASE("A receiver without any protocol is an error", "[config]") {
  CHECK_THAT(LoadError("distributor:\n  receivers:\n    otlp:\n"),
             Catch::Contains("distributor.receivers.otlp: at least one protocol"));
  CHECK_THAT(LoadError("distributor:\n  receivers:\n    jaeger:\n      protocols: {}\n"),
             Catch::Contains("distributor.receivers.jaeger: at least one protocol"));
}

TEST_CASE("The opencensus receiver is refused as removed from Tempo", "[config]") {
  std::string message = LoadError("distributor:\n  receivers:\n    opencensus:\n");
  CHECK(message ==
        "distributor.receivers.opencensus: receiver opencensus is not supported (removed from "
        "Tempo) at line 3");
  CHECK_THAT(LoadError("distributor:\n  receivers:\n    kafka:\n      brokers: [a]\n"),
             Catch::Contains("receiver kafka is not supported"));
}

TEST_CASE("Known but unused Tempo keys are reported once, top-most path only", "[config]") {
  LoadReport report;
  Load(
      "metrics_generator:\n  registry:\n    external_labels:\n      a: b\n"
      "storage:\n  trace:\n    blocklist_poll: 5m\n    blocklist_poll_concurrency: 10\n"
      "    pool:\n      max_workers: 1\n"
      "server:\n  log_format: json\n  grpc_server_max_recv_msg_size: 100\n"
      "overrides:\n  metrics_generator_processors: [service-graphs]\n",
      &report);
  CHECK(report.ignored_keys ==
        std::vector<std::string>{"metrics_generator", "storage.trace.blocklist_poll_concurrency",
                                 "storage.trace.pool",
                                 "server.log_format", "server.grpc_server_max_recv_msg_size",
                                 "overrides.metrics_generator_processors"});

  // The same key twice (two loads into one report) is listed once.
  AppConfig config;
  REQUIRE(LoadYamlText("querier: {}\n", false, &config, &report).ok());
  REQUIRE(LoadYamlText("querier: {}\n", false, &config, &report).ok());
  CHECK(std::count(report.ignored_keys.begin(), report.ignored_keys.end(), "querier") == 1);
}

TEST_CASE("The search page cache size is read; the other search keys are Tempo's", "[config]") {
  LoadReport report;
  AppConfig config = Load(
      "storage:\n  trace:\n    search:\n      page_cache_size_bytes: 1048576\n"
      "      chunk_size_bytes: 1000\n",
      &report);
  CHECK(config.storage.store.page_cache_bytes == 1'048'576);
  CHECK(report.ignored_keys == std::vector<std::string>{"storage.trace.search.chunk_size_bytes"});
  CHECK(Load("storage:\n  trace:\n    search:\n      page_cache_size_bytes: 0\n")
            .storage.store.page_cache_bytes == 0);
  CHECK(AppConfig{}.storage.store.page_cache_bytes == uint64_t{256} << 20);
  CHECK_THAT(LoadError("storage:\n  trace:\n    search:\n      page_cache_size_bytes: -1\n"),
             Catch::Contains("storage.trace.search.page_cache_size_bytes"));
}

TEST_CASE("Overrides load in the modern and in the legacy form", "[config]") {
  AppConfig modern = Load(
      "overrides:\n  defaults:\n    ingestion:\n      rate_limit_bytes: 1000\n"
      "      burst_size_bytes: 2000\n      max_attribute_bytes: 300\n"
      "      retry_info_enabled: false\n      max_traces_per_user: 10\n"
      "    global:\n      max_bytes_per_trace: 4000\n"
      "    read:\n      max_search_duration: 1h\n"
      "  per_tenant_override_config: /etc/overrides.yaml\n");
  const auto& limits = modern.overrides.defaults;
  CHECK(limits.ingestion_rate_limit_bytes == 1000);
  CHECK(limits.ingestion_burst_size_bytes == 2000);
  CHECK(limits.max_attribute_bytes == 300);
  CHECK_FALSE(limits.retry_info_enabled);
  CHECK(limits.max_bytes_per_trace == 4000);
  CHECK(modern.overrides.per_tenant_override_config == "/etc/overrides.yaml");

  AppConfig legacy = Load(
      "overrides:\n  ingestion_rate_limit_bytes: 11\n  ingestion_burst_size_bytes: 22\n"
      "  max_bytes_per_trace: 33\n  max_traces_per_user: 5\n");
  CHECK(legacy.overrides.defaults.ingestion_rate_limit_bytes == 11);
  CHECK(legacy.overrides.defaults.ingestion_burst_size_bytes == 22);
  CHECK(legacy.overrides.defaults.max_bytes_per_trace == 33);

  CHECK_THAT(LoadError("overrides:\n  max_bytes_per_trace: 1\n  defaults:\n    global:\n"
                       "      max_bytes_per_trace: 2\n"),
             Catch::Contains("cannot be mixed"));
}

TEST_CASE("Storage keys map onto the storage and WAL configs", "[config]") {
  AppConfig config = Load(
      "storage:\n  trace:\n    backend: local\n    local:\n      path: /data/blocks\n"
      "    wal:\n      path: /data/wal\n      sync: true\n");
  CHECK(config.storage.backend == "local");
  CHECK(config.storage.local_path == "/data/blocks");
  CHECK(config.wal.path == "/data/wal");
  CHECK(config.wal.sync);
}
