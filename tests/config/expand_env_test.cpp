#include <catch2/catch.hpp>
#include <cstdlib>

#include "tempo/config/loader.h"

using tempo::config::ExpandEnv;

TEST_CASE("ExpandEnv replaces ${VAR} and ${VAR:-default}", "[config]") {
  ::setenv("TEMPO_CFG_TEST_SET", "4317", 1);
  ::unsetenv("TEMPO_CFG_TEST_UNSET");
  ::setenv("TEMPO_CFG_TEST_EMPTY", "", 1);

  CHECK(ExpandEnv("port: ${TEMPO_CFG_TEST_SET}").value() == "port: 4317");
  CHECK(ExpandEnv("a ${TEMPO_CFG_TEST_SET:-9} b").value() == "a 4317 b");
  CHECK(ExpandEnv("${TEMPO_CFG_TEST_UNSET:-/tmp/x}").value() == "/tmp/x");
  CHECK(ExpandEnv("${TEMPO_CFG_TEST_EMPTY:-fallback}").value() == "fallback");
  CHECK(ExpandEnv("[${TEMPO_CFG_TEST_UNSET}]").value() == "[]");
  CHECK(ExpandEnv("${TEMPO_CFG_TEST_UNSET:-}").value() == "");
  CHECK(ExpandEnv("cost $5 and $HOME stay").value() == "cost $5 and $HOME stay");
  CHECK(ExpandEnv("").value() == "");
}

TEST_CASE("ExpandEnv refuses a malformed ${ and names its line", "[config]") {
  auto unclosed = ExpandEnv("a: 1\nb: ${OOPS\n");
  REQUIRE_FALSE(unclosed.ok());
  CHECK(unclosed.status().code() == tempo::StatusCode::kInvalidArgument);
  CHECK_THAT(unclosed.status().message(), Catch::Contains("line 2"));

  CHECK_FALSE(ExpandEnv("${}").ok());
  CHECK_FALSE(ExpandEnv("${1ABC}").ok());
  CHECK_FALSE(ExpandEnv("${A B}").ok());
  CHECK_FALSE(ExpandEnv("${A:=x}").ok());
}

TEST_CASE("LoadYamlText expands the environment only when asked", "[config]") {
  ::setenv("TEMPO_CFG_TEST_PORT", "3300", 1);
  ::unsetenv("TEMPO_CFG_TEST_WAL");
  const std::string text =
      "server:\n  http_listen_port: ${TEMPO_CFG_TEST_PORT}\n"
      "storage:\n  trace:\n    wal:\n      path: ${TEMPO_CFG_TEST_WAL:-/tmp/wal-default}\n";

  tempo::config::AppConfig config;
  REQUIRE(tempo::config::LoadYamlText(text, true, &config, nullptr).ok());
  CHECK(config.server.http_listen_port == 3300);
  CHECK(config.wal.path == "/tmp/wal-default");

  tempo::config::AppConfig raw;
  tempo::Status status = tempo::config::LoadYamlText(text, false, &raw, nullptr);
  REQUIRE_FALSE(status.ok());  // "${TEMPO_CFG_TEST_PORT}" is not a port
  CHECK_THAT(status.message(), Catch::Contains("server.http_listen_port"));
}
