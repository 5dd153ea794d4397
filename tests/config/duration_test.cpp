#include <catch2/catch.hpp>
#include <chrono>

#include "tempo/config/loader.h"

using std::chrono::nanoseconds;
using tempo::config::ParseDuration;

namespace {

int64_t Nanos(std::string_view text) {
  auto parsed = ParseDuration(text);
  REQUIRE(parsed.ok());
  return parsed->count();
}

}  // namespace

TEST_CASE("Go durations parse with every unit", "[config]") {
  CHECK(Nanos("0") == 0);
  CHECK(Nanos("7ns") == 7);
  CHECK(Nanos("3us") == 3'000);
  CHECK(Nanos("3\xC2\xB5s") == 3'000);  // U+00B5 micro sign
  CHECK(Nanos("3\xCE\xBCs") == 3'000);  // U+03BC greek mu
  CHECK(Nanos("300ms") == 300'000'000);
  CHECK(Nanos("10s") == 10'000'000'000);
  CHECK(Nanos("5m") == 300'000'000'000);
  CHECK(Nanos("1.5h") == 5'400'000'000'000);
  CHECK(Nanos("2h45m") == (2 * 3600 + 45 * 60) * 1'000'000'000LL);
  CHECK(Nanos("1h2m3s4ms5us6ns") == 3'723'004'005'006);
  CHECK(Nanos(".5s") == 500'000'000);
  CHECK(Nanos("1.s") == 1'000'000'000);
  CHECK(Nanos("-1.5s") == -1'500'000'000);
  CHECK(Nanos("+2s") == 2'000'000'000);
  CHECK(Nanos("0s") == 0);
}

TEST_CASE("Malformed Go durations are refused", "[config]") {
  for (std::string_view bad :
       {"", "10", "s", "5x", "1.2.3s", "-", ".s", "5 s", "5m10", "9999999999h", "1d"}) {
    INFO(bad);
    auto parsed = ParseDuration(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == tempo::StatusCode::kInvalidArgument);
  }
  CHECK_THAT(ParseDuration("10").status().message(), Catch::Contains("missing unit"));
  CHECK_THAT(ParseDuration("1d").status().message(), Catch::Contains("unknown unit \"d\""));
}
