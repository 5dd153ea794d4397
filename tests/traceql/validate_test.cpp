#include "tempo/traceql/validate.h"

#include <catch2/catch.hpp>
#include <string>

#include "tempo/traceql/parser.h"
#include "traceql/regex_syntax.h"

namespace tempo::traceql {
namespace {

Status ValidateQuery(const std::string& query) {
  auto root = Parse(query);
  INFO(query << ": " << (root.ok() ? "" : root.status().message()));
  REQUIRE(root.ok());
  return Validate(**root);
}

void CheckInvalid(const std::string& query, const std::string& fragment) {
  Status s = ValidateQuery(query);
  INFO(query << " -> " << s.ToString());
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find(fragment) != std::string::npos);
}

void CheckUnsupported(const std::string& query, const std::string& fragment) {
  Status s = ValidateQuery(query);
  INFO(query << " -> " << s.ToString());
  CHECK(s.code() == StatusCode::kUnimplemented);
  CHECK(s.message().find(fragment) != std::string::npos);
  CHECK(s.message().find("not yet supported") != std::string::npos);
}

TEST_CASE("Well-typed filters, pipelines and metrics queries validate", "[traceql]") {
  for (const char* q : {
           "{ .a }",
           "{ .a + 1 > .b * 2 }",
           "{ duration > 1 }",
           "{ 1 * 1h = 1 }",
           "{ name =~ \"GET .*\" && .x !~ \"(?i)a|b\" }",
           "{ span:childCount = 2 && nestedSetParent < 0 }",
           "{ instrumentation:name = 1 }",  // typed as attribute (§7)
           "{ name != nil && trace:id != nil }",
           "{ .x = nil && span.y = nil && instrumentation.z = nil }",
           "{ } | by(.a * 2) | avg(duration) > 1s",
           "{ } | rate() by (.a, .b, .c, .d, .e)",
           "{ } | histogram_over_time(duration) by (.a, .b, .c, .d)",
           "{ } | compare({ }, 1000, 1, 2)",
       }) {
    Status s = ValidateQuery(q);
    INFO(q << " -> " << s.ToString());
    CHECK(s.ok());
  }
}

TEST_CASE("Type errors in field expressions are invalid-argument errors", "[traceql]") {
  CheckInvalid("{ 1 + 1 }", "spanset filter must evaluate to a boolean, got int");
  CheckInvalid("{ 1 = \"foo\" }", "invalid operation: int = string in `1 = \"foo\"`");
  CheckInvalid("{ .a && \"x\" }", "invalid operation: attribute && string");
  CheckInvalid("{ status < ok }", "invalid operation: status < status");
  CheckInvalid("{ -true }", "unary - requires a number, got bool");
  CheckInvalid("{ !name = \"x\" }", "unary ! requires a boolean, got string");
  CheckInvalid("{ .a =~ .b }", "the right-hand side of =~ must be a string literal");
  CheckInvalid("{ span.foo =~ \"(\" }", "error parsing regexp: missing closing ): `(`");
  CheckInvalid("{ kind = nil }", "intrinsics cannot be nil");
  CheckInvalid("{ nil = resource.service.name }", "resource.service.name cannot be nil");
}

TEST_CASE("Aggregates and by() must reference the span", "[traceql]") {
  CheckInvalid("{ } | sum(3) = 2", "sum() argument must reference the span, got `3`");
  CheckInvalid("{ } | max(name) > 1", "max() requires a numeric argument, got string");
  CheckInvalid("{ } | by(\"foo\")", "by() expression must reference the span");
}

TEST_CASE("Metrics functions check their limits", "[traceql]") {
  CheckInvalid("{} | rate() | topk(0)", "topk() requires a positive integer, got 0");
  CheckInvalid("{} | quantile_over_time(duration, 1.5)", "must be between 0 and 1");
  CheckInvalid("{} | compare({ }, 1001)", "topN must be between 1 and 1000");
  CheckInvalid("{} | compare({ }, 10, 5, 5)", "end timestamp must be after its start");
  CheckInvalid("{} | compare({ 1 }, 10)", "spanset filter must evaluate to a boolean");
  CheckInvalid("({} | compare({ })) > 10", "compare() cannot be followed by second-stage");
  CheckInvalid("2 * ({} | compare({ }))", "compare() cannot be used in arithmetic");
}

TEST_CASE("Constructs that parse but are not implemented are unimplemented", "[traceql]") {
  CheckUnsupported("{ parent.a = 1 }", "parent scope (parent.a)");
  CheckUnsupported("{ parent = nil }", "parent intrinsic");
  CheckUnsupported("{ } | select(parent.resource.x)", "parent scope");
  CheckUnsupported("{ } | min_over_time(parent.x)", "parent scope");
  CheckUnsupported("count() > count()", "comparing an aggregate with another aggregate");
  CheckUnsupported("{ } | count() * 2 > 3", "arithmetic on aggregates");
  CheckUnsupported("{ } | 3 < count()", "literal on the left");
  CheckUnsupported("({ .a } | count()) > 2", "separate spanset pipelines");
  CheckUnsupported("{} | rate() by (.a, .b, .c, .d, .e, .f)", "more than 5 group-by");
  CheckUnsupported("{} | quantile_over_time(duration, .9) by (.a, .b, .c, .d, .e)",
                   "more than 4 group-by");
}

TEST_CASE("Validation reports the first problem in reading order", "[traceql]") {
  // A validation error inside an aggregate wins over the unsupported comparison around it.
  CheckInvalid("sum(3) = min(.a)", "sum() argument must reference the span");
  CheckUnsupported("{ parent.a = \"x\" + 1 }", "parent scope");
}

TEST_CASE("Regex syntax follows RE2", "[traceql]") {
  for (const char* ok : {"",
                         "a|b",
                         ".*bar.*",
                         "(?i)foo",
                         "(?i:a)b",
                         "(?P<name>x)",
                         "(?<n>x)",
                         "[[:alpha:]_-]+",
                         "\\d+\\.\\w*\\s?",
                         "\\pL\\p{Greek}\\PN",
                         "a{2,5}?",
                         "a{,5}",
                         "x{}",
                         "\\x41\\x{1F600}",
                         "\\Q*+?\\E",
                         "[]a]",
                         "[^-a-z]",
                         "\\101",
                         "^$\\A\\z\\b\\B",
                         "a*?b+?c??",
                         "é+"}) {
    INFO(ok);
    CHECK(CheckRegexSyntax(ok).ok());
  }
  for (const char* bad : {"[",
                          "(",
                          ")",
                          "a)",
                          "*a",
                          "a**",
                          "a{2}{3}",
                          "x{1001}",
                          "x{3,2}",
                          "[z-a]",
                          "[[:foo:]]",
                          "\\1",
                          "\\q",
                          "a\\",
                          "(?=a)",
                          "(?<!a)",
                          "(?x)",
                          "(?P<>a)",
                          "(?P<a>x)(?P<a>y)",
                          "\\p{}",
                          "[\\d-z]",
                          "\xff"}) {
    INFO(bad);
    Status s = CheckRegexSyntax(bad);
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(s.message().rfind("error parsing regexp: ", 0) == 0);
  }
}

}  // namespace
}  // namespace tempo::traceql
