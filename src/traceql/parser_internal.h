#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "tempo/common/result.h"
#include "tempo/traceql/ast.h"
#include "tempo/traceql/token.h"

// The hand-written TraceQL parser (traceql.md §3, §4). Field expressions inside braces are parsed
// by precedence climbing. Everything outside braces (pipelines, spanset operators, scalar
// filters, metrics arithmetic) is parsed by one precedence-climbing loop over the shared operator
// table; each partial result carries its syntactic category (an `Item`), and combining two items
// checks the grammar of §3, rejecting a bad combination at the token where an LR parser of that
// grammar would stop (the operator, or the first token of the bad operand).
namespace tempo::traceql::internal {

// Syntactic category of a partially parsed expression outside braces.
enum class Category : uint8_t {
  kFilterExpr,         // filters joined by spanset operators: a `spansetExpr`
  kSpansetPipeExpr,    // spanset operators over parenthesized pipelines
  kPipeline,           // a `spansetPipeline` (more than one stage, or one non-filter stage)
  kScalarFilter,       // aggregate comparison, a pipeline stage
  kGroupBy,            // by(expr)
  kSelect,             // select(...)
  kCoalesce,           // coalesce(): never a first stage
  kAggregateExpr,      // aggregate or aggregate arithmetic, still missing its comparison
  kScalar,             // a folded number or duration
  kPipelineAggregate,  // `pipeline | aggregate`: only valid directly inside parentheses
  kScalarPipe,         // `(pipeline | aggregate)` and arithmetic over those
  kScalarPipeFilter,   // scalarPipe cmp (scalarPipe | scalar): a whole query only
  kMetricsFunction,    // a metrics function not yet attached to its pipeline
  kMetricsPipeline,    // `pipeline | metrics function ...` without parentheses
  kMetricsExpr,        // parenthesized metrics pipeline, or arithmetic over those
  kSecondStage,        // topk(k) / bottomk(k), possibly followed by `cmp scalar`
};

// A partially parsed expression outside braces; exactly the members of its category are set.
struct Item {
  Category category = Category::kScalar;
  size_t start = 0;  // index of its first token
  size_t next = 0;   // index of the token after it
  bool parenthesized = false;
  bool bare_aggregate = false;                  // kAggregateExpr that is a single aggregate call
  std::unique_ptr<SpansetExpr> spanset;         // kFilterExpr, kSpansetPipeExpr
  std::unique_ptr<Pipeline> pipeline;           // kPipeline, kPipelineAggregate
  Stage stage;                                  // kScalarFilter, kGroupBy, kSelect, kCoalesce
  std::unique_ptr<ScalarExpr> scalar;           // kAggregateExpr, kScalarPipe, kPipelineAggregate
  std::unique_ptr<ScalarFilter> scalar_filter;  // kScalarPipeFilter
  Static value;                                 // kScalar
  std::unique_ptr<MetricsExpr> metrics;         // kMetricsFunction, kMetricsPipeline, kMetricsExpr
  std::vector<SecondStage> chain;               // kSecondStage; trailing stages of kMetricsExpr
};

// Parses one query. Owns the tokens of the query. Single use; not thread-safe.
class Parser {
 public:
  explicit Parser(std::string_view query);

  Result<std::unique_ptr<RootExpr>> ParseQuery();

 private:
  friend class DepthGuard;

  // Tokens and errors (parser.cpp).
  const Token& Peek() const { return tokens_[pos_]; }
  TokenKind kind() const { return tokens_[pos_].kind; }
  void Advance();
  Status ErrorAt(size_t index, std::string_view detail) const;
  // "syntax error: unexpected X[, expecting Y]" at token `index` (its own message if lexical).
  Status Unexpected(size_t index, std::string_view expecting = {}) const;
  Status Expect(TokenKind kind);
  Status EnterNesting();
  Result<std::unique_ptr<RootExpr>> Finish(Item item);
  Result<std::vector<Hint>> ParseHints();

  // Field expressions (parser_field.cpp).
  Result<std::unique_ptr<FieldExpr>> ParseFieldExpression();
  Result<std::unique_ptr<FieldExpr>> ParseField(int min_level);
  Result<std::unique_ptr<FieldExpr>> ParseFieldUnary();
  Result<std::unique_ptr<FieldExpr>> ParseFieldPrimary();
  Result<Attribute> ParseScopedIntrinsic();
  Result<Attribute> ParseAttributeRef();
  Result<Static> ParseStaticLiteral();
  Result<std::unique_ptr<FieldExpr>> ParseSpansetFilter();  // null expression for `{ }`

  // Outer expressions (parser_pipeline.cpp).
  Result<Item> ParseOuter(int min_level);
  Result<Item> ParseOuterUnary();
  Result<Item> Parenthesize(Item inner, size_t open_index);
  Status CheckLeft(TokenKind op, size_t op_index, const Item& lhs) const;
  Result<Item> Combine(TokenKind op, size_t op_index, Item lhs, Item rhs);
  Result<Item> CombinePipe(Item lhs, Item rhs);
  Result<Item> CombineSpanset(TokenKind op, Item lhs, Item rhs);
  Result<Item> CombineComparison(TokenKind op, Item lhs, Item rhs);
  Result<Item> CombineArithmetic(TokenKind op, size_t op_index, Item lhs, Item rhs);

  // Primaries outside braces (parser_primary.cpp).
  Result<Item> ParseOuterPrimary();
  Result<Item> ParseAggregate();
  Result<Item> ParseMetricsFunction();
  Result<std::vector<Attribute>> ParseAttributeList();
  Result<int64_t> ExpectInteger();

  std::vector<Token> tokens_;  // ends with a kEnd or kError token
  size_t pos_ = 0;
  int depth_ = 0;
};

// Limits recursion on deeply nested input; see Parser::EnterNesting().
class DepthGuard {
 public:
  explicit DepthGuard(Parser& parser) : parser_(parser) {}
  ~DepthGuard() { --parser_.depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  Parser& parser_;
};

// Helpers shared by the parser files.
bool IsSpansetLike(const Item& item);  // kFilterExpr or kSpansetPipeExpr
std::unique_ptr<Pipeline> ToPipeline(Item item);
Stage ToStage(Item item);
BinaryOp ToBinaryOp(TokenKind kind);

}  // namespace tempo::traceql::internal
