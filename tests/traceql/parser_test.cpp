#include "tempo/traceql/parser.h"

#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tempo/traceql/validate.h"

namespace tempo::traceql {
namespace {

// Fully parenthesized form of a field expression, to check precedence and associativity.
std::string Sexpr(const FieldExpr& e) {
  switch (e.kind) {
    case FieldExprKind::kStatic:
      return ToString(e.value);
    case FieldExprKind::kAttribute:
      return ToString(e.attribute);
    case FieldExprKind::kUnary:
      return std::string("(") + (e.unary_op == UnaryOp::kNeg ? "-" : "!") + Sexpr(*e.lhs) + ")";
    case FieldExprKind::kBinary:
      return "(" + Sexpr(*e.lhs) + " " + std::string(BinaryOpText(e.op)) + " " + Sexpr(*e.rhs) +
             ")";
  }
  return "?";
}

std::string Sexpr(const SpansetExpr& e) {
  switch (e.kind) {
    case SpansetExprKind::kFilter:
      return e.filter ? "{" + ToString(*e.filter) + "}" : "{}";
    case SpansetExprKind::kPipeline:
      return "(" + ToString(*e.pipeline) + ")";
    case SpansetExprKind::kBinary:
      return "(" + Sexpr(*e.lhs) + " " + std::string(SpansetOpText(e.op)) + " " + Sexpr(*e.rhs) +
             ")";
  }
  return "?";
}

std::string Sexpr(const MetricsExpr& e) {
  switch (e.kind) {
    case MetricsExprKind::kScalar:
      return ToString(e.scalar);
    case MetricsExprKind::kPipeline:
      return std::string(MetricsFunctionName(e.first_stage.function));
    case MetricsExprKind::kBinary:
      return "(" + Sexpr(*e.lhs) + " " + std::string(BinaryOpText(e.op)) + " " + Sexpr(*e.rhs) +
             ")";
  }
  return "?";
}

std::unique_ptr<RootExpr> MustParse(const std::string& query) {
  auto root = Parse(query);
  INFO(query << ": " << (root.ok() ? "" : root.status().message()));
  REQUIRE(root.ok());
  return std::move(root).value();
}

std::string ParseError(const std::string& query) {
  auto root = Parse(query);
  INFO(query);
  REQUIRE_FALSE(root.ok());
  CHECK(root.status().code() == StatusCode::kInvalidArgument);
  return root.status().message();
}

std::string FilterSexpr(const std::string& query) {
  auto root = MustParse(query);
  REQUIRE(root->pipeline.stages.size() == 1);
  const SpansetExpr& s = *root->pipeline.stages[0].spanset;
  REQUIRE(s.kind == SpansetExprKind::kFilter);
  return Sexpr(*s.filter);
}

TEST_CASE("Field operators bind with Tempo's precedence and associativity", "[traceql]") {
  CHECK(FilterSexpr("{ .a + .b * .c = 1 }") == "((.a + (.b * .c)) = 1)");
  CHECK(FilterSexpr("{ .a || .b && .c }") == "((.a || .b) && .c)");
  CHECK(FilterSexpr("{ .a && .b || .c }") == "((.a && .b) || .c)");
  CHECK(FilterSexpr("{ .a = .b + .c }") == "(.a = (.b + .c))");
  CHECK(FilterSexpr("{ .a && .b = .c }") == "(.a && (.b = .c))");
  CHECK(FilterSexpr("{ !.a = .b }") == "((!.a) = .b)");
  CHECK(FilterSexpr("{ -.a = .b }") == "((-.a) = .b)");
  CHECK(FilterSexpr("{ -.a * .b > 1 }") == "((-(.a * .b)) > 1)");
  CHECK(FilterSexpr("{ .a + .b ^ .c > 1 }") == "((.a + (.b ^ .c)) > 1)");
  CHECK(FilterSexpr("{ .a ^ .b ^ .c > 1 }") == "((.a ^ (.b ^ .c)) > 1)");
  CHECK(FilterSexpr("{ .a - .b - .c > 1 }") == "(((.a - .b) - .c) > 1)");
  CHECK(FilterSexpr("{ .a * .b % .c / .d > 1 }") == "((((.a * .b) % .c) / .d) > 1)");
  CHECK(FilterSexpr("{ .c - -(.a + .b) > 1 }") == "((.c - (-(.a + .b))) > 1)");
  CHECK(FilterSexpr("{ .a != nil && nil = .b }") == "((.a != nil) && (nil = .b))");
  CHECK(FilterSexpr("{ (.a || .b) && .c }") == "((.a || .b) && .c)");
}

TEST_CASE("Spanset operators bind tighter than && and || and associate left", "[traceql]") {
  auto spanset = [](const std::string& q) {
    auto root = MustParse(q);
    return Sexpr(*root->pipeline.stages[0].spanset);
  };
  CHECK(spanset("{ .a } && { .b } >> { .c }") == "({.a} && ({.b} >> {.c}))");
  CHECK(spanset("{ .a } >> { .b } && { .c }") == "(({.a} >> {.b}) && {.c})");
  CHECK(spanset("{ .a } >> { .b } ~ { .c }") == "(({.a} >> {.b}) ~ {.c})");
  CHECK(spanset("{ .a } || { .b } && { .c }") == "(({.a} || {.b}) && {.c})");
  CHECK(spanset("{ .a } > { .b } > { .c }") == "(({.a} > {.b}) > {.c})");
  CHECK(spanset("{ .a } !~ { .b } &<< { .c }") == "(({.a} !~ {.b}) &<< {.c})");
  auto root = MustParse("{ true } && { true } | count() = 4");
  REQUIRE(root->pipeline.stages.size() == 2);
  CHECK(root->pipeline.stages[0].spanset->kind == SpansetExprKind::kBinary);
  CHECK(root->pipeline.stages[1].kind == StageKind::kScalarFilter);
}

TEST_CASE("Metrics arithmetic binds * and / tighter than + and -", "[traceql]") {
  CHECK(Sexpr(*MustParse("5 + ({} | rate()) * 10")->metrics) == "(5 + (rate * 10))");
  CHECK(Sexpr(*MustParse("({} | rate()) + 3 * 2")->metrics) == "(rate + 6)");
  CHECK(Sexpr(*MustParse("-2 - 20 / ({} | rate())")->metrics) == "(-2 - (20 / rate))");
  auto root = MustParse("({} | rate()) / ({} | count_over_time()) | topk(5) > 10");
  CHECK(Sexpr(*root->metrics) == "(rate / count_over_time)");
  REQUIRE(root->second_stages.size() == 2);
  CHECK(root->second_stages[0].kind == SecondStageKind::kTopK);
  CHECK(root->second_stages[0].limit == 5);
  CHECK(root->second_stages[1].kind == SecondStageKind::kFilter);
  CHECK(root->second_stages[1].threshold == Static::Int(10));
}

TEST_CASE("Constant sub-expressions are folded at parse time", "[traceql]") {
  CHECK(FilterSexpr("{ 1 + 1 > 1 }") == "true");
  CHECK(FilterSexpr("{ duration > 1 + 2 }") == "(duration > 3)");
  CHECK(FilterSexpr("{ .a = 1 / 10 }") == "(.a = 0)");
  CHECK(FilterSexpr("{ .a = .1 + 1 }") == "(.a = 1.1)");
  CHECK(FilterSexpr("{ `foo` = `bar` }") == "false");
  CHECK(FilterSexpr("{ nil = nil }") == "false");
  CHECK(FilterSexpr("{ .a = -(3 - 5) }") == "(.a = 2)");
  CHECK(FilterSexpr("{ .a = -minInt }") == "(.a = minInt)");
  // Not folded: integer division by zero, regexes, and type errors (left to validation).
  CHECK(FilterSexpr("{ .a = 1 / 0 }") == "(.a = (1 / 0))");
  CHECK(FilterSexpr("{ \"a\" =~ \"a\" }") == "(\"a\" =~ \"a\")");
  CHECK(FilterSexpr("{ 1 = \"a\" }") == "(1 = \"a\")");
  // Scalars outside braces fold with integer semantics.
  auto root = MustParse("{} | count() > 7 / 2");
  const ScalarFilter& f = *root->pipeline.stages[1].scalar_filter;
  CHECK(f.rhs->value == Static::Int(3));
}

TEST_CASE("The tree records scopes, intrinsics and typed literals", "[traceql]") {
  auto root = MustParse(
      "{ span:id = \"ab\" && trace:rootService = \"s\" && rootServiceName = \"s\" && "
      "event:timeSinceStart > 1.5s && resource.\"k 8s\" = true && status = error && "
      "kind = server && .x != nil }");
  std::vector<const FieldExpr*> leaves;
  std::function<void(const FieldExpr&)> walk = [&](const FieldExpr& e) {
    if (e.kind == FieldExprKind::kBinary && e.op != BinaryOp::kAnd) {
      leaves.push_back(&e);
      return;
    }
    walk(*e.lhs);
    walk(*e.rhs);
  };
  walk(*root->pipeline.stages[0].spanset->filter);
  REQUIRE(leaves.size() == 8);
  CHECK(leaves[0]->lhs->attribute ==
        Attribute::FromIntrinsic(Intrinsic::kSpanId, AttributeScope::kSpan));
  CHECK(leaves[1]->lhs->attribute.intrinsic == Intrinsic::kTraceRootService);
  CHECK(leaves[1]->lhs->attribute.scope == AttributeScope::kTrace);
  CHECK(leaves[2]->lhs->attribute == Attribute::FromIntrinsic(Intrinsic::kTraceRootService));
  CHECK(leaves[3]->rhs->value == Static::Duration(1'500'000'000));
  CHECK(leaves[4]->lhs->attribute == Attribute::Custom(AttributeScope::kResource, "k 8s"));
  CHECK(leaves[5]->rhs->value == Static::Status(SpanStatusCode::kError));
  CHECK(leaves[6]->rhs->value == Static::Kind(SpanKind::kServer));
  CHECK(leaves[7]->op == BinaryOp::kNeq);
  CHECK(leaves[7]->rhs->value.type == ValueType::kNil);
}

TEST_CASE("Metrics queries keep their function, arguments, by() and hints", "[traceql]") {
  auto root = MustParse(
      "{ .a } | quantile_over_time(duration, .5, 0.99, 1) by (resource.service.name, name) "
      "with(sample=0.1, most_recent=true)");
  REQUIRE(root->is_metrics());
  const MetricsExpr& m = *root->metrics;
  CHECK(m.kind == MetricsExprKind::kPipeline);
  CHECK(m.first_stage.function == MetricsFunction::kQuantileOverTime);
  CHECK(m.first_stage.attribute == Attribute::FromIntrinsic(Intrinsic::kDuration));
  CHECK(m.first_stage.quantiles == std::vector<double>{0.5, 0.99, 1.0});
  REQUIRE(m.first_stage.by.size() == 2);
  CHECK(m.first_stage.by[0] == Attribute::Custom(AttributeScope::kResource, "service.name"));
  REQUIRE(root->hints.size() == 2);
  CHECK(root->hints[0].name == "sample");
  CHECK(root->hints[0].value == Static::Float(0.1));
  CHECK(root->hints[1].value == Static::Bool(true));
  auto cmp = MustParse("{} | compare({ status = error }, 5, 1000, 2000)");
  const MetricsFirstStage& fs = cmp->metrics->first_stage;
  CHECK(fs.function == MetricsFunction::kCompare);
  REQUIRE(fs.compare_filter);
  CHECK(fs.compare_top_n == 5);
  CHECK(fs.compare_start_ns == 1000);
  CHECK(fs.compare_end_ns == 2000);
}

TEST_CASE("Parse errors name the line and column of the offending token", "[traceql]") {
  CHECK(ParseError("{ .a < }") == "parse error at line 1, col 8: syntax error: unexpected '}'");
  CHECK(ParseError("{ .a < 3") ==
        "parse error at line 1, col 9: syntax error: unexpected end of input, expecting '}'");
  CHECK(ParseError("{ .attribute == 4 }") ==
        "parse error at line 1, col 15: syntax error: unexpected '='");
  CHECK(ParseError("{ span. }") ==
        "parse error at line 1, col 8: syntax error: unexpected END_ATTRIBUTE, expecting "
        "IDENTIFIER");
  CHECK(ParseError("{ true } + { true }") ==
        "parse error at line 1, col 10: syntax error: unexpected '+'");
  CHECK(ParseError("{ true } | count()") ==
        "parse error at line 1, col 19: syntax error: unexpected end of input");
  CHECK(ParseError("{ .a = 1 &&\n  .b = }") ==
        "parse error at line 2, col 8: syntax error: unexpected '}'");
  CHECK(ParseError("{ .\xF0\x9F\x98\x9D = 1 } }") ==
        "parse error at line 1, col 12: syntax error: unexpected '}'");
  CHECK(ParseError("({} | rate()) * 10s") ==
        "parse error at line 1, col 17: duration cannot be used in scalar arithmetic");
  CHECK(ParseError("{} | topk(10)") ==
        "parse error at line 1, col 6: syntax error: unexpected 'topk'");
  CHECK(ParseError("{ trace:status = error }")
            .find("col 9: syntax error: unexpected 'status', expecting 'duration' or") !=
        std::string::npos);
  CHECK(ParseError("") == "parse error at line 1, col 1: syntax error: unexpected end of input");
}

TEST_CASE("Deeply nested input is rejected instead of exhausting the stack", "[traceql]") {
  std::string outer = std::string(100000, '(') + "{}" + std::string(100000, ')');
  CHECK(ParseError(outer).find("nested too deeply") != std::string::npos);
  std::string inner = "{ " + std::string(100000, '(') + ".a" + std::string(100000, ')') + " }";
  CHECK(ParseError(inner).find("nested too deeply") != std::string::npos);
  std::string unary = "{ " + std::string(100000, '!') + ".a }";
  CHECK(ParseError(unary).find("nested too deeply") != std::string::npos);
}

TEST_CASE("Canonical text parses back to the same tree", "[traceql]") {
  for (const char* query : {
           "{ .a * (-2) = 1 }",
           "{ .a = -2 || -2 = .a || .a ^ -2 > 1 || .a + -1 > 0 }",
           "{ .a > 1.0 / 0.0 && .b != 0.0 / 0.0 && .c < -1.0 / 0.0 && .d = -0.0 }",
           "{ .\"a b\" = \"x\\ty\\\"\\x00\\x7f\" && parent.\"span.x\" = 1 }",
           "{ .\"3d\" = 1 && span.\"\" = 2 && .\"a\\\"b\" = 3 && .\"\xC2\xA0x\" = 4 }",
           "{ .a = minInt && .b = maxInt && duration > 1h0m0.000000001s && .c = 1e300 }",
           "({ .a }) && ({ .b } | count() > 1)",
           "{ } | rate() by (name, span:name, trace:rootService) | topk(3) > 1.5",
           "(({} | rate()) * 2) / ({} | count_over_time())",
           "-(1 + 2) * ({} | rate())",
           "{ } with(a=\"x\", b=1s, c=true, d=1.5, e=3, f=error)",
           "{ !(.a = 1) && !!.b && -(-.c) = 1 && -(.d ^ 2) < 0 }",
           "count() > 3 | by(.a) | coalesce() | select(.b, resource.c, event:name)",
           "{} | histogram_over_time(span:duration) by (.a)",
           "{ .a } | min(.b) < 3 - 10 | max(duration * 2) >= 1.5",
       }) {
    auto first = MustParse(query);
    std::string text = ToString(*first);
    INFO(query << "\n=> " << text);
    auto second = MustParse(text);
    CHECK(ToString(*second) == text);
  }
}

TEST_CASE("ToString adds the parentheses a hand-built tree needs", "[traceql]") {
  auto times = FieldExpr::MakeBinary(
      BinaryOp::kMul, FieldExpr::MakeStatic(Static::Int(-2)),
      FieldExpr::MakeAttribute(Attribute::Custom(AttributeScope::kNone, "a")));
  auto sum = FieldExpr::MakeBinary(
      BinaryOp::kMul,
      FieldExpr::MakeBinary(BinaryOp::kAdd, FieldExpr::MakeStatic(Static::Int(1)),
                            FieldExpr::MakeStatic(Static::Int(2))),
      std::move(times));
  CHECK(ToString(*sum) == "(1 + 2) * ((-2) * .a)");
  CHECK(ToString(Attribute::Custom(AttributeScope::kNone, "span.x", true)) == "parent.\"span.x\"");
  CHECK(FormatDuration(90'000'000'000) == "1m30s");
  CHECK(FormatDuration(1'500'000) == "1.5ms");
  CHECK(FormatDuration(-1'000'000'000) == "-1s");
  CHECK(FormatDuration(0) == "0s");
}

}  // namespace
}  // namespace tempo::traceql
