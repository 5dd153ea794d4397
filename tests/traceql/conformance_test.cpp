// Runs every query of the shared conformance list (shared/conformance/traceql/test_examples.yaml,
// read in place through TEMPO_SOURCE_DIR) and checks its outcome class: valid, parse_fails,
// validate_fails or unsupported. Also checks that ToString() round-trips every parsed query.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "tempo/traceql/parser.h"
#include "tempo/traceql/validate.h"

namespace tempo::traceql {
namespace {

struct Conformance {
  std::vector<std::string> valid;
  std::vector<std::string> parse_fails;
  std::vector<std::string> validate_fails;
  std::vector<std::string> unsupported;
};

std::vector<std::string> ReadList(const YAML::Node& root, const char* key) {
  std::vector<std::string> out;
  for (const YAML::Node& n : root[key]) out.push_back(n.as<std::string>());
  return out;
}

Conformance ReadConformance() {
  const char* source_dir = std::getenv("TEMPO_SOURCE_DIR");
  REQUIRE(source_dir != nullptr);
  std::filesystem::path path = std::filesystem::path(source_dir) / ".." / "shared" / "conformance" /
                               "traceql" / "test_examples.yaml";
  REQUIRE(std::filesystem::exists(path));
  YAML::Node root = YAML::LoadFile(path.string());
  return Conformance{ReadList(root, "valid"), ReadList(root, "parse_fails"),
                     ReadList(root, "validate_fails"), ReadList(root, "unsupported")};
}

const Conformance& LoadConformance() {
  static const Conformance conformance = ReadConformance();
  return conformance;
}

void Report(const char* list, size_t passed, size_t total) {
  std::cout << "traceql conformance " << list << ": " << passed << "/" << total << " passed\n";
}

// Parses the canonical text again and requires the same canonical text.
void CheckRoundTrip(const std::string& query, const RootExpr& root) {
  std::string text = ToString(root);
  auto again = Parse(text);
  INFO("query: " << query << "\ncanonical: " << text);
  REQUIRE(again.ok());
  CHECK(ToString(**again) == text);
  CHECK(Validate(**again).code() == Validate(root).code());
}

TEST_CASE("Every valid conformance query parses and validates", "[traceql]") {
  const Conformance& c = LoadConformance();
  REQUIRE(!c.valid.empty());
  size_t passed = 0;
  for (const std::string& q : c.valid) {
    auto parsed = ParseAndValidate(q);
    INFO("query: " << q << "\nstatus: " << (parsed.ok() ? "OK" : parsed.status().ToString()));
    CHECK(parsed.ok());
    if (parsed.ok()) {
      ++passed;
      CheckRoundTrip(q, **parsed);
    }
  }
  Report("valid", passed, c.valid.size());
  CHECK(passed == c.valid.size());
}

TEST_CASE("Every parse_fails conformance query is rejected by the parser", "[traceql]") {
  const Conformance& c = LoadConformance();
  REQUIRE(!c.parse_fails.empty());
  size_t passed = 0;
  for (const std::string& q : c.parse_fails) {
    auto parsed = Parse(q);
    INFO("query: " << q << (parsed.ok() ? "\nparsed as: " + ToString(**parsed) : ""));
    CHECK_FALSE(parsed.ok());
    if (!parsed.ok()) {
      CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
      CHECK(parsed.status().message().rfind("parse error at line ", 0) == 0);
      ++passed;
    }
  }
  Report("parse_fails", passed, c.parse_fails.size());
  CHECK(passed == c.parse_fails.size());
}

TEST_CASE("Every validate_fails conformance query parses and then fails validation", "[traceql]") {
  const Conformance& c = LoadConformance();
  REQUIRE(!c.validate_fails.empty());
  size_t passed = 0;
  for (const std::string& q : c.validate_fails) {
    auto parsed = Parse(q);
    INFO("query: " << q << "\nparse: " << (parsed.ok() ? "OK" : parsed.status().ToString()));
    REQUIRE(parsed.ok());
    Status s = Validate(**parsed);
    INFO("validate: " << s.ToString());
    CHECK(s.code() == StatusCode::kInvalidArgument);
    if (s.code() == StatusCode::kInvalidArgument) ++passed;
    CheckRoundTrip(q, **parsed);
  }
  Report("validate_fails", passed, c.validate_fails.size());
  CHECK(passed == c.validate_fails.size());
}

TEST_CASE("Every unsupported conformance query parses and is answered unimplemented", "[traceql]") {
  const Conformance& c = LoadConformance();
  REQUIRE(!c.unsupported.empty());
  size_t passed = 0;
  for (const std::string& q : c.unsupported) {
    auto parsed = Parse(q);
    INFO("query: " << q << "\nparse: " << (parsed.ok() ? "OK" : parsed.status().ToString()));
    REQUIRE(parsed.ok());
    Status s = Validate(**parsed);
    INFO("validate: " << s.ToString());
    CHECK(s.code() == StatusCode::kUnimplemented);
    CHECK(s.message().find("not yet supported") != std::string::npos);
    if (s.code() == StatusCode::kUnimplemented) ++passed;
    CheckRoundTrip(q, **parsed);
  }
  Report("unsupported", passed, c.unsupported.size());
  CHECK(passed == c.unsupported.size());
}

}  // namespace
}  // namespace tempo::traceql
