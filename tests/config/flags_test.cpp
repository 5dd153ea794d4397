#include <catch2/catch.hpp>

#include "tempo/config/loader.h"

using tempo::config::AppConfig;
using tempo::config::CommandLine;
using tempo::config::ParseCommandLine;

namespace {

using Settings = std::vector<std::pair<std::string, std::string>>;

CommandLine Parse(const std::vector<std::string>& args) {
  auto parsed = ParseCommandLine(args);
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  return std::move(parsed).value();
}

}  // namespace

TEST_CASE("Flags parse with one or two dashes, with = or a separate value", "[config]") {
  CommandLine cl = Parse({"-config.file=/etc/tempo.yaml", "--target", "all",
                          "-server.http-listen-port", "3300", "--server.grpc-listen-port=9999",
                          "-storage.trace.wal.path", "/w", "--log.level=debug"});
  CHECK(cl.config_file == "/etc/tempo.yaml");
  CHECK(cl.settings == Settings{{"target", "all"},
                                {"server.http-listen-port", "3300"},
                                {"server.grpc-listen-port", "9999"},
                                {"storage.trace.wal.path", "/w"},
                                {"log.level", "debug"}});
  CHECK(cl.positional.empty());

  CHECK(Parse({"--config.file", "x.yaml"}).config_file == "x.yaml");
}

TEST_CASE("A bool flag alone means true and takes no value from the next word", "[config]") {
  CommandLine cl = Parse({"-config.expand-env", "-multitenancy.enabled", "blocks", "list"});
  CHECK(cl.expand_env);
  CHECK(cl.settings == Settings{{"multitenancy.enabled", "true"}});
  CHECK(cl.positional == std::vector<std::string>{"blocks", "list"});

  CommandLine off = Parse({"--multitenancy.enabled=false", "-config.expand-env=0"});
  CHECK(off.settings == Settings{{"multitenancy.enabled", "false"}});
  CHECK_FALSE(off.expand_env);
}

TEST_CASE("The flags -version, -help and -h set their own fields", "[config]") {
  CHECK(Parse({"-version"}).print_version);
  CHECK(Parse({"--version"}).print_version);
  CHECK(Parse({"-help"}).print_help);
  CHECK(Parse({"-h"}).print_help);
  CHECK(Parse({"--help"}).print_help);
  CommandLine none = Parse({});
  CHECK_FALSE(none.print_help);
  CHECK_FALSE(none.print_version);
  CHECK(none.config_file.empty());
}

TEST_CASE("Words after -- are positional even when they look like flags", "[config]") {
  CommandLine cl = Parse({"query", "--", "-version", "x"});
  CHECK_FALSE(cl.print_version);
  CHECK(cl.positional == std::vector<std::string>{"query", "-version", "x"});
}

TEST_CASE("An unknown flag is an error that names it", "[config]") {
  auto parsed = ParseCommandLine({"-target=all", "-no.such-flag=1"});
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == tempo::StatusCode::kInvalidArgument);
  CHECK(parsed.status().message() == "unknown flag: -no.such-flag");
  CHECK(ParseCommandLine({"--bogus"}).status().message() == "unknown flag: -bogus");
}

TEST_CASE("Bad flag values are errors that name the flag", "[config]") {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"-server.http-listen-port=70000"},
                                             {"-server.grpc-listen-port", "abc"},
                                             {"-multitenancy.enabled=maybe"},
                                             {"-log.level=verbose"},
                                             {"-target=everything"}}) {
    auto parsed = ParseCommandLine(args);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == tempo::StatusCode::kInvalidArgument);
    std::string flag = args[0].substr(0, args[0].find('='));
    CHECK_THAT(parsed.status().message(), Catch::Contains("flag " + flag));
  }
  auto missing = ParseCommandLine({"-config.file"});
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.status().message(), Catch::Contains("-config.file"));
}

TEST_CASE("Every Tempo target name is accepted by -target", "[config]") {
  for (std::string target : {"all", "distributor", "ingester", "querier", "query-frontend",
                             "compactor", "metrics-generator", "scalable-single-binary"}) {
    CommandLine cl = Parse({"-target=" + target});
    AppConfig config;
    REQUIRE(tempo::config::ApplyFlags(cl, &config).ok());
    CHECK(config.target == target);
    CHECK(tempo::config::Validate(config).ok());
  }
}

TEST_CASE("ApplyFlags sets every mapped field", "[config]") {
  CommandLine cl = Parse({"-server.http-listen-address=127.0.0.1", "-server.http-listen-port=1",
                          "-server.grpc-listen-address=::1", "-server.grpc-listen-port=2",
                          "-storage.trace.backend=local", "-storage.trace.local.path=/b",
                          "-storage.trace.wal.path=/w", "-multitenancy.enabled", "-log.level=warn",
                          "-target=ingester"});
  AppConfig config;
  REQUIRE(tempo::config::ApplyFlags(cl, &config).ok());
  CHECK(config.server.http_listen_address == "127.0.0.1");
  CHECK(config.server.http_listen_port == 1);
  CHECK(config.server.grpc_listen_address == "::1");
  CHECK(config.server.grpc_listen_port == 2);
  CHECK(config.storage.backend == "local");
  CHECK(config.storage.local_path == "/b");
  CHECK(config.wal.path == "/w");
  CHECK(config.multitenancy_enabled);
  CHECK(config.distributor.multitenancy_enabled);
  CHECK(config.server.log_level == "warn");
  CHECK(config.target == "ingester");
}

TEST_CASE("The help text lists every flag with its default", "[config]") {
  std::string help = tempo::config::HelpText();
  for (std::string flag :
       {"-config.file", "-config.expand-env", "-target", "-server.http-listen-port",
        "-server.http-listen-address", "-server.grpc-listen-port", "-storage.trace.backend",
        "-storage.trace.local.path", "-storage.trace.wal.path", "-multitenancy.enabled",
        "-log.level", "-version", "-help", "-h"}) {
    CHECK_THAT(help, Catch::Contains(flag));
  }
  CHECK_THAT(help, Catch::Contains("(default 3200)"));
  CHECK_THAT(help, Catch::Contains("(default ./data/wal)"));
  CHECK_THAT(help, Catch::Contains("(default info)"));
}
