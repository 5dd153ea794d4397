#include "tempo/traceql/parser.h"

#include <algorithm>
#include <string>
#include <utility>

#include "tempo/traceql/lexer.h"
#include "tempo/traceql/validate.h"
#include "traceql/parse_error.h"
#include "traceql/parser_internal.h"

namespace tempo::traceql {
namespace internal {
namespace {

// Deep enough for any real query, shallow enough for the stack of a query thread.
constexpr int kMaxNesting = 200;

}  // namespace

Parser::Parser(std::string_view query) {
  Lexer lexer(query);
  tokens_.reserve(query.size() / 3 + 2);
  for (;;) {
    tokens_.push_back(lexer.Next());
    TokenKind k = tokens_.back().kind;
    if (k == TokenKind::kEnd || k == TokenKind::kError) break;
  }
}

void Parser::Advance() {
  if (pos_ + 1 < tokens_.size()) ++pos_;
}

Status Parser::ErrorAt(size_t index, std::string_view detail) const {
  const Token& t = tokens_[std::min(index, tokens_.size() - 1)];
  return InvalidArgumentError(FormatParseError(t.line, t.col, detail));
}

Status Parser::Unexpected(size_t index, std::string_view expecting) const {
  const Token& t = tokens_[std::min(index, tokens_.size() - 1)];
  if (t.kind == TokenKind::kError) return ErrorAt(index, t.text);
  std::string detail = "syntax error: unexpected " + DescribeToken(t);
  if (!expecting.empty()) detail += ", expecting " + std::string(expecting);
  return ErrorAt(index, detail);
}

Status Parser::Expect(TokenKind k) {
  if (kind() != k) return Unexpected(pos_, TokenKindName(k));
  Advance();
  return Status::Ok();
}

Status Parser::EnterNesting() {
  if (depth_ >= kMaxNesting) return ErrorAt(pos_, "syntax error: expression nested too deeply");
  ++depth_;
  return Status::Ok();
}

Result<std::unique_ptr<RootExpr>> Parser::ParseQuery() {
  TEMPO_ASSIGN_OR_RETURN(Item item, ParseOuter(1));
  TEMPO_ASSIGN_OR_RETURN(std::unique_ptr<RootExpr> root, Finish(std::move(item)));
  if (kind() == TokenKind::kWith) {
    TEMPO_ASSIGN_OR_RETURN(root->hints, ParseHints());
  }
  if (kind() != TokenKind::kEnd) return Unexpected(pos_);
  return root;
}

// Turns the outermost item into a query, or rejects an item that cannot stand alone (§3 `root`).
Result<std::unique_ptr<RootExpr>> Parser::Finish(Item item) {
  auto root = std::make_unique<RootExpr>();
  switch (item.category) {
    case Category::kFilterExpr:
    case Category::kPipeline:
    case Category::kScalarFilter:
    case Category::kGroupBy:
    case Category::kSelect:
      root->pipeline = std::move(*ToPipeline(std::move(item)));
      return root;
    case Category::kSpansetPipeExpr: {
      Stage stage;
      stage.kind = StageKind::kSpanset;
      stage.spanset = std::move(item.spanset);
      root->pipeline.stages.push_back(std::move(stage));
      return root;
    }
    case Category::kScalarPipeFilter: {
      Stage stage;
      stage.kind = StageKind::kScalarFilter;
      stage.scalar_filter = std::move(item.scalar_filter);
      root->pipeline.stages.push_back(std::move(stage));
      return root;
    }
    case Category::kMetricsPipeline:
      root->metrics = std::move(item.metrics);
      return root;
    case Category::kMetricsExpr:
      root->metrics = std::move(item.metrics);
      root->second_stages = std::move(item.chain);
      return root;
    case Category::kCoalesce:
    case Category::kMetricsFunction:
    case Category::kSecondStage:
      return Unexpected(item.start);
    case Category::kAggregateExpr:
    case Category::kScalar:
    case Category::kPipelineAggregate:
    case Category::kScalarPipe:
      return Unexpected(item.next);  // incomplete: a comparison or metrics query must follow
  }
  return Unexpected(item.start);
}

// with(name = value, ...) (§16).
Result<std::vector<Hint>> Parser::ParseHints() {
  Advance();  // `with`
  TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kOpenParen));
  std::vector<Hint> hints;
  for (;;) {
    if (kind() != TokenKind::kIdentifier) return Unexpected(pos_, "IDENTIFIER");
    Hint hint;
    hint.name = Peek().text;
    Advance();
    TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kEq));
    TEMPO_ASSIGN_OR_RETURN(hint.value, ParseStaticLiteral());
    hints.push_back(std::move(hint));
    if (kind() != TokenKind::kComma) break;
    Advance();
  }
  TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
  return hints;
}

bool IsSpansetLike(const Item& item) {
  return item.category == Category::kFilterExpr || item.category == Category::kSpansetPipeExpr;
}

Stage ToStage(Item item) {
  Stage stage;
  if (item.category == Category::kFilterExpr) {
    stage.kind = StageKind::kSpanset;
    stage.spanset = std::move(item.spanset);
    return stage;
  }
  return std::move(item.stage);  // kScalarFilter, kGroupBy, kSelect, kCoalesce
}

std::unique_ptr<Pipeline> ToPipeline(Item item) {
  if (item.category == Category::kPipeline) return std::move(item.pipeline);
  auto pipeline = std::make_unique<Pipeline>();
  pipeline->stages.push_back(ToStage(std::move(item)));
  return pipeline;
}

BinaryOp ToBinaryOp(TokenKind kind) {
  switch (kind) {
    case TokenKind::kAdd:
      return BinaryOp::kAdd;
    case TokenKind::kSub:
      return BinaryOp::kSub;
    case TokenKind::kMul:
      return BinaryOp::kMul;
    case TokenKind::kDiv:
      return BinaryOp::kDiv;
    case TokenKind::kMod:
      return BinaryOp::kMod;
    case TokenKind::kPow:
      return BinaryOp::kPow;
    case TokenKind::kEq:
      return BinaryOp::kEq;
    case TokenKind::kNeq:
      return BinaryOp::kNeq;
    case TokenKind::kLt:
      return BinaryOp::kLt;
    case TokenKind::kLte:
      return BinaryOp::kLte;
    case TokenKind::kGt:
      return BinaryOp::kGt;
    case TokenKind::kGte:
      return BinaryOp::kGte;
    case TokenKind::kRegex:
      return BinaryOp::kRegex;
    case TokenKind::kNotRegex:
      return BinaryOp::kNotRegex;
    case TokenKind::kAnd:
      return BinaryOp::kAnd;
    default:
      return BinaryOp::kOr;
  }
}

}  // namespace internal

Result<std::unique_ptr<RootExpr>> Parse(std::string_view query) {
  internal::Parser parser(query);
  return parser.ParseQuery();
}

Result<std::unique_ptr<RootExpr>> ParseAndValidate(std::string_view query) {
  TEMPO_ASSIGN_OR_RETURN(std::unique_ptr<RootExpr> root, Parse(query));
  TEMPO_RETURN_IF_ERROR(Validate(*root));
  return root;
}

}  // namespace tempo::traceql
