#include "tempo/traceql/lexer.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace tempo::traceql {
namespace {

std::vector<TokenKind> Kinds(std::string_view query) {
  auto tokens = Tokenize(query);
  REQUIRE(tokens.ok());
  std::vector<TokenKind> kinds;
  for (const Token& t : *tokens) kinds.push_back(t.kind);
  return kinds;
}

Token Single(std::string_view query) {
  auto tokens = Tokenize(query);
  INFO(query << ": " << (tokens.ok() ? "" : tokens.status().message()));
  REQUIRE(tokens.ok());
  REQUIRE(tokens->size() == 2);  // the token and kEnd
  return (*tokens)[0];
}

TEST_CASE("Operators are scanned with the longest match", "[traceql]") {
  using K = TokenKind;
  CHECK(
      Kinds("!>> !<< &>> &<< !> !< &> &< &~ !~ =~ != >= <= >> << && || ~ | ! = > <") ==
      std::vector<K>{K::kNotDesc,   K::kNotAnce,    K::kUnionDesc,   K::kUnionAnce,    K::kNotChild,
                     K::kNotParent, K::kUnionChild, K::kUnionParent, K::kUnionSibling, K::kNotRegex,
                     K::kRegex,     K::kNeq,        K::kGte,         K::kLte,          K::kDesc,
                     K::kAnce,      K::kAnd,        K::kOr,          K::kTilde,        K::kPipe,
                     K::kNot,       K::kEq,         K::kGt,          K::kLt,           K::kEnd});
  // `==` does not exist: it is two `=`.
  CHECK(Kinds("==") == std::vector<K>{K::kEq, K::kEq, K::kEnd});
  // A lone `&` and `[` start no token.
  CHECK(Kinds("& [") == std::vector<K>{K::kInvalid, K::kInvalid, K::kEnd});
}

TEST_CASE("Scope prefixes count only when the dot or colon follows immediately", "[traceql]") {
  Token span_attr = Single("span.foo");
  CHECK(span_attr.kind == TokenKind::kAttribute);
  CHECK(span_attr.scope == AttributeScope::kSpan);
  CHECK(span_attr.text == "foo");
  CHECK(Kinds("span :") ==
        std::vector<TokenKind>{TokenKind::kIdentifier, TokenKind::kInvalid, TokenKind::kEnd});
  CHECK(Single("trace:").kind == TokenKind::kTraceColon);
  CHECK(Single("instrumentation:").kind == TokenKind::kInstrumentationColon);
  // `trace.` is not an attribute scope.
  CHECK(Kinds("trace.x") ==
        std::vector<TokenKind>{TokenKind::kIdentifier, TokenKind::kAttribute, TokenKind::kEnd});
  // A scope word after the prefix is part of the name, except after `parent.`.
  CHECK(Single("span.resource.foo").text == "resource.foo");
  Token parent = Single("parent.resource.foo");
  CHECK(parent.parent);
  CHECK(parent.scope == AttributeScope::kResource);
  CHECK(parent.text == "foo");
}

TEST_CASE("Attribute names run until white space or a terminator", "[traceql]") {
  for (const char* name : {"http.status_code", "foo-bar", "foo+bar", "a*2", "foo.3", "a:b",
                           "\xF0\x9F\x98\x9D", "a\\b"}) {
    CHECK(Single(std::string(".") + name).text == name);
  }
  auto tokens = Tokenize(".a=1");
  REQUIRE(tokens.ok());
  CHECK((*tokens)[0].text == "a");
  CHECK((*tokens)[1].kind == TokenKind::kEq);
  // A Unicode space (here U+00A0) ends a name as well.
  tokens = Tokenize(".a\xC2\xA0");
  REQUIRE(tokens.ok());
  CHECK((*tokens)[0].text == "a");
}

TEST_CASE("Quoted attribute name segments are appended literally", "[traceql]") {
  CHECK(Single("span.\"foo bar\"").text == "foo bar");
  CHECK(Single("span.attribute.\"name with space\"").text == "attribute.name with space");
  CHECK(Single(".\"bar z\".foo.\"bar\"").text == "bar z.foo.bar");
  CHECK(Single(".\"a\\\"b\\\\c\"").text == "a\"b\\c");
  CHECK(Single(".\"line\nbreak\"").text == "line\nbreak");
  auto bad = Tokenize(".\"a\\nb\"");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() ==
        "parse error at line 1, col 4: invalid escape sequence in quoted attribute name");
  CHECK_FALSE(Tokenize(".\"open").ok());
}

TEST_CASE("A prefix without a name is an END_ATTRIBUTE syntax error", "[traceql]") {
  for (const char* query : {". ", "span.", "resource.}", "parent. "}) {
    auto tokens = Tokenize(query);
    INFO(query);
    REQUIRE_FALSE(tokens.ok());
    CHECK(tokens.status().message().find(
              "syntax error: unexpected END_ATTRIBUTE, expecting IDENTIFIER") != std::string::npos);
  }
}

TEST_CASE("Numbers are ints, floats, or durations when a unit follows", "[traceql]") {
  Token i = Single("017");
  CHECK(i.kind == TokenKind::kInteger);
  CHECK(i.int_value == 17);
  CHECK(Single("1e3").kind == TokenKind::kFloat);
  CHECK(Single("1e3").float_value == 1000.0);
  CHECK(Single(".5").float_value == 0.5);
  CHECK(Single("1.").float_value == 1.0);
  CHECK(Single("2.5e-3").float_value == 0.0025);
  Token d = Single(".24h");
  CHECK(d.kind == TokenKind::kDuration);
  CHECK(d.int_value == 864'000'000'000);
  auto overflow = Tokenize("100000000000000000000000000000");
  REQUIRE_FALSE(overflow.ok());
  CHECK(overflow.status().message() ==
        "parse error at line 1, col 1: integer literal 100000000000000000000000000000 out of "
        "range");
  // Not durations: the number stands alone and the rest is another token.
  for (const char* text : {"1M", "1t", "1.5d", "2h30", "0x1F", "1_000"}) {
    auto tokens = Tokenize(text);
    REQUIRE(tokens.ok());
    INFO(text);
    CHECK((*tokens)[0].kind != TokenKind::kDuration);
    CHECK(tokens->size() == 3);
  }
}

TEST_CASE("Duration literals accept Go and Prometheus forms", "[traceql]") {
  constexpr int64_t s = 1'000'000'000;
  CHECK(ParseDurationLiteral("1h2m3.5s") == 3723 * s + s / 2);
  CHECK(ParseDurationLiteral("1.5m") == 90 * s);
  CHECK(ParseDurationLiteral("1h15m30.918273645s") == 4530 * s + 918'273'645);
  CHECK(ParseDurationLiteral("100us") == 100'000);
  CHECK(ParseDurationLiteral("10\xC2\xB5s") == 10'000);
  CHECK(ParseDurationLiteral("250ms") == 250'000'000);
  CHECK(ParseDurationLiteral("5m0s") == 300 * s);
  CHECK(ParseDurationLiteral("2d") == 48 * 3600 * s);
  CHECK(ParseDurationLiteral("1w") == 7 * 24 * 3600 * s);
  CHECK(ParseDurationLiteral("1y") == 365 * 24 * 3600 * s);
  CHECK(ParseDurationLiteral("1d12h") == 36 * 3600 * s);
  CHECK(ParseDurationLiteral("3ns") == 3);
  CHECK_FALSE(ParseDurationLiteral("1.5d"));
  CHECK_FALSE(ParseDurationLiteral("1"));
  CHECK_FALSE(ParseDurationLiteral("s"));
  CHECK_FALSE(ParseDurationLiteral("1h1d"));  // Prometheus order, and `d` is not a Go unit
  CHECK_FALSE(ParseDurationLiteral("99999999999999999999h"));
  CHECK_FALSE(ParseDurationLiteral("3000000h"));  // beyond int64 nanoseconds
}

TEST_CASE("String literals decode Go escapes and raw strings keep their text", "[traceql]") {
  CHECK(Single(R"("a\"b\\c\n\t")").text == "a\"b\\c\n\t");
  CHECK(Single(R"("\x41\101\u00e9\U0001F600")").text == "AA\xC3\xA9\xF0\x9F\x98\x80");
  CHECK(Single("`raw \\n \"x\"`").text == "raw \\n \"x\"");
  CHECK(Single("`two\nlines`").text == "two\nlines");
  auto bad_escape = Tokenize(R"("\q")");
  REQUIRE_FALSE(bad_escape.ok());
  CHECK(bad_escape.status().message() ==
        "parse error at line 1, col 2: invalid escape sequence in string literal");
  auto newline = Tokenize("{ \"a\nb\" }");
  REQUIRE_FALSE(newline.ok());
  CHECK(newline.status().message() ==
        "parse error at line 1, col 3: string literal not terminated");
}

TEST_CASE("Keywords are case-sensitive and comments are skipped", "[traceql]") {
  CHECK(Single("rate").kind == TokenKind::kRate);
  CHECK(Single("Rate").kind == TokenKind::kIdentifier);
  CHECK(Single("statusMessage").kind == TokenKind::kIntrinsicStatusMessage);
  CHECK(Kinds("// line\n/* block\n */ nil") ==
        std::vector<TokenKind>{TokenKind::kNil, TokenKind::kEnd});
  CHECK_FALSE(Tokenize("/* open").ok());
}

TEST_CASE("Token positions are 1-based lines and character columns", "[traceql]") {
  auto tokens = Tokenize("{ .\xF0\x9F\x98\x9D = 1 }\n  | count()");
  REQUIRE(tokens.ok());
  const Token& one = (*tokens)[3];
  CHECK(one.kind == TokenKind::kInteger);
  CHECK(one.line == 1);
  CHECK(one.col == 8);  // the emoji is one character
  const Token& pipe = (*tokens)[5];
  CHECK(pipe.kind == TokenKind::kPipe);
  CHECK(pipe.line == 2);
  CHECK(pipe.col == 3);
}

}  // namespace
}  // namespace tempo::traceql
