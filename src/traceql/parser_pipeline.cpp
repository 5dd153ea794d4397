// Expressions outside braces: pipelines, spanset operators, scalar filters and metrics arithmetic
// (traceql.md §3 root / spansetPipeline / scalarFilter / metricsExpr, §4 precedence).
#include <string>
#include <utility>

#include "traceql/parser_internal.h"
#include "traceql/static_ops.h"

namespace tempo::traceql::internal {
namespace {

int OuterBinaryLevel(TokenKind kind) {
  switch (kind) {
    case TokenKind::kPipe:
      return 1;
    case TokenKind::kAnd:
    case TokenKind::kOr:
      return 2;
    case TokenKind::kEq:
    case TokenKind::kNeq:
    case TokenKind::kLt:
    case TokenKind::kLte:
    case TokenKind::kGt:
    case TokenKind::kGte:
    case TokenKind::kRegex:
    case TokenKind::kNotRegex:
    case TokenKind::kDesc:
    case TokenKind::kAnce:
    case TokenKind::kTilde:
    case TokenKind::kNotChild:
    case TokenKind::kNotParent:
    case TokenKind::kNotDesc:
    case TokenKind::kNotAnce:
    case TokenKind::kUnionChild:
    case TokenKind::kUnionParent:
    case TokenKind::kUnionDesc:
    case TokenKind::kUnionAnce:
    case TokenKind::kUnionSibling:
      return 3;
    case TokenKind::kAdd:
    case TokenKind::kSub:
      return 4;
    case TokenKind::kMul:
    case TokenKind::kDiv:
    case TokenKind::kMod:
      return 6;
    case TokenKind::kPow:
      return 7;
    default:
      return 0;
  }
}

bool IsCmp(TokenKind k) {
  return k == TokenKind::kEq || k == TokenKind::kNeq || k == TokenKind::kLt ||
         k == TokenKind::kLte || k == TokenKind::kGt || k == TokenKind::kGte;
}

bool IsArith(TokenKind k) {
  return k == TokenKind::kAdd || k == TokenKind::kSub || k == TokenKind::kMul ||
         k == TokenKind::kDiv || k == TokenKind::kMod || k == TokenKind::kPow;
}

// `>` and `<` are structural operators between spansets and comparisons elsewhere; `!~` is
// "not sibling" between spansets.
bool IsSpansetOperator(TokenKind k, const Item& lhs) {
  switch (k) {
    case TokenKind::kAnd:
    case TokenKind::kOr:
    case TokenKind::kDesc:
    case TokenKind::kAnce:
    case TokenKind::kTilde:
    case TokenKind::kNotChild:
    case TokenKind::kNotParent:
    case TokenKind::kNotDesc:
    case TokenKind::kNotAnce:
    case TokenKind::kUnionChild:
    case TokenKind::kUnionParent:
    case TokenKind::kUnionDesc:
    case TokenKind::kUnionAnce:
    case TokenKind::kUnionSibling:
    case TokenKind::kNotRegex:
      return true;
    case TokenKind::kGt:
    case TokenKind::kLt:
      return IsSpansetLike(lhs);
    default:
      return false;
  }
}

SpansetOp ToSpansetOp(TokenKind k) {
  switch (k) {
    case TokenKind::kAnd:
      return SpansetOp::kAnd;
    case TokenKind::kOr:
      return SpansetOp::kOr;
    case TokenKind::kGt:
      return SpansetOp::kChild;
    case TokenKind::kLt:
      return SpansetOp::kParent;
    case TokenKind::kDesc:
      return SpansetOp::kDescendant;
    case TokenKind::kAnce:
      return SpansetOp::kAncestor;
    case TokenKind::kTilde:
      return SpansetOp::kSibling;
    case TokenKind::kNotChild:
      return SpansetOp::kNotChild;
    case TokenKind::kNotParent:
      return SpansetOp::kNotParent;
    case TokenKind::kNotDesc:
      return SpansetOp::kNotDescendant;
    case TokenKind::kNotAnce:
      return SpansetOp::kNotAncestor;
    case TokenKind::kNotRegex:
      return SpansetOp::kNotSibling;
    case TokenKind::kUnionChild:
      return SpansetOp::kUnionChild;
    case TokenKind::kUnionParent:
      return SpansetOp::kUnionParent;
    case TokenKind::kUnionDesc:
      return SpansetOp::kUnionDescendant;
    case TokenKind::kUnionAnce:
      return SpansetOp::kUnionAncestor;
    default:
      return SpansetOp::kUnionSibling;
  }
}

// Categories that can only follow a `|` (so seeing one anywhere else points at its first token).
bool OnlyAfterPipe(Category c) {
  return c == Category::kCoalesce || c == Category::kMetricsFunction || c == Category::kSecondStage;
}

// A search pipeline that may take more `|` stages.
bool IsSearchPipeline(Category c) {
  return c == Category::kFilterExpr || c == Category::kPipeline || c == Category::kScalarFilter ||
         c == Category::kGroupBy || c == Category::kSelect;
}

std::unique_ptr<ScalarExpr> StaticScalar(const Static& value) {
  auto s = std::make_unique<ScalarExpr>();
  s->kind = ScalarExprKind::kStatic;
  s->value = value;
  return s;
}

std::unique_ptr<MetricsExpr> MetricsScalar(const Static& value) {
  auto m = std::make_unique<MetricsExpr>();
  m->kind = MetricsExprKind::kScalar;
  m->scalar = value;
  return m;
}

}  // namespace

Result<Item> Parser::ParseOuter(int min_level) {
  TEMPO_RETURN_IF_ERROR(EnterNesting());
  DepthGuard guard(*this);
  TEMPO_ASSIGN_OR_RETURN(Item lhs, ParseOuterUnary());
  for (;;) {
    TokenKind k = kind();
    int level = OuterBinaryLevel(k);
    if (level == 0 || level < min_level) break;
    size_t op_index = pos_;
    TEMPO_RETURN_IF_ERROR(CheckLeft(k, op_index, lhs));
    Advance();
    TEMPO_ASSIGN_OR_RETURN(Item rhs, ParseOuter(k == TokenKind::kPow ? level : level + 1));
    size_t start = lhs.start;
    TEMPO_ASSIGN_OR_RETURN(lhs, Combine(k, op_index, std::move(lhs), std::move(rhs)));
    lhs.start = start;
    lhs.next = pos_;
  }
  return lhs;
}

Result<Item> Parser::ParseOuterUnary() {
  size_t start = pos_;
  if (kind() == TokenKind::kSub) {
    // Outside braces unary minus only negates a scalar and binds tightest (§4 level 8).
    Advance();
    TEMPO_ASSIGN_OR_RETURN(Item operand, ParseOuterUnary());
    if (operand.category != Category::kScalar) return Unexpected(operand.start);
    operand.value = *FoldUnary(UnaryOp::kNeg, operand.value);
    operand.start = start;
    return operand;
  }
  if (kind() == TokenKind::kOpenParen) {
    Advance();
    TEMPO_ASSIGN_OR_RETURN(Item inner, ParseOuter(1));
    if (kind() != TokenKind::kCloseParen) return Unexpected(pos_, "')'");
    return Parenthesize(std::move(inner), start);
  }
  return ParseOuterPrimary();
}

// `( inner )`, with the current token being the `)`.
Result<Item> Parser::Parenthesize(Item inner, size_t open_index) {
  size_t close_index = pos_;
  switch (inner.category) {
    case Category::kFilterExpr:
    case Category::kSpansetPipeExpr:
      inner.spanset->parenthesized = true;
      break;
    case Category::kPipeline:
    case Category::kScalarFilter:
    case Category::kGroupBy:
    case Category::kSelect: {
      // A wrapped pipeline: a leaf of a spanset pipeline expression.
      auto leaf = std::make_unique<SpansetExpr>();
      leaf->kind = SpansetExprKind::kPipeline;
      leaf->pipeline = ToPipeline(std::move(inner));
      leaf->parenthesized = true;
      inner = Item();
      inner.category = Category::kSpansetPipeExpr;
      inner.spanset = std::move(leaf);
      break;
    }
    case Category::kAggregateExpr:
      inner.scalar->parenthesized = true;
      inner.bare_aggregate = false;
      break;
    case Category::kScalar:
      break;
    case Category::kPipelineAggregate: {
      auto s = std::make_unique<ScalarExpr>();
      s->kind = ScalarExprKind::kPipelineAggregate;
      s->pipeline = std::move(inner.pipeline);
      s->aggregate = std::move(inner.scalar->aggregate);
      s->parenthesized = true;
      inner = Item();
      inner.category = Category::kScalarPipe;
      inner.scalar = std::move(s);
      break;
    }
    case Category::kScalarPipe:
      inner.scalar->parenthesized = true;
      break;
    case Category::kMetricsPipeline:
      inner.metrics->parenthesized = true;
      inner.category = Category::kMetricsExpr;
      break;
    case Category::kMetricsExpr:
      if (!inner.chain.empty()) return Unexpected(close_index);
      inner.metrics->parenthesized = true;
      break;
    case Category::kScalarPipeFilter:
      return Unexpected(close_index);
    case Category::kCoalesce:
    case Category::kMetricsFunction:
    case Category::kSecondStage:
      return Unexpected(inner.start);
  }
  Advance();  // `)`
  inner.parenthesized = true;
  inner.start = open_index;
  inner.next = pos_;
  return inner;
}

// Rejects an operator that cannot follow `lhs`, at the operator (as an LR parser would).
Status Parser::CheckLeft(TokenKind op, size_t op_index, const Item& lhs) const {
  Category c = lhs.category;
  bool ok = false;
  if (op == TokenKind::kPipe) {
    ok = IsSearchPipeline(c) || c == Category::kMetricsPipeline || c == Category::kMetricsExpr;
  } else if (IsSpansetOperator(op, lhs)) {
    ok = IsSpansetLike(lhs);
  } else if (IsCmp(op)) {
    ok = c == Category::kAggregateExpr || c == Category::kScalar || c == Category::kScalarPipe ||
         c == Category::kMetricsFunction || c == Category::kMetricsExpr ||
         c == Category::kSecondStage;
  } else if (IsArith(op)) {
    bool metrics_op = op != TokenKind::kMod && op != TokenKind::kPow;
    ok = c == Category::kAggregateExpr || c == Category::kScalar || c == Category::kScalarPipe ||
         (metrics_op && c == Category::kMetricsExpr && lhs.chain.empty());
  }
  if (ok) return Status::Ok();
  // Left of a `|`, these items were the first stage of a pipeline, where they cannot be.
  if (op == TokenKind::kPipe && OnlyAfterPipe(c)) return Unexpected(lhs.start);
  return Unexpected(op_index);
}

Result<Item> Parser::Combine(TokenKind op, size_t op_index, Item lhs, Item rhs) {
  if (op == TokenKind::kPipe) return CombinePipe(std::move(lhs), std::move(rhs));
  if (IsSpansetOperator(op, lhs)) return CombineSpanset(op, std::move(lhs), std::move(rhs));
  if (IsCmp(op)) return CombineComparison(op, std::move(lhs), std::move(rhs));
  return CombineArithmetic(op, op_index, std::move(lhs), std::move(rhs));
}

Result<Item> Parser::CombinePipe(Item lhs, Item rhs) {
  if (lhs.category == Category::kMetricsPipeline || lhs.category == Category::kMetricsExpr) {
    if (rhs.category != Category::kSecondStage) return Unexpected(rhs.start);
    std::vector<SecondStage>& chain =
        lhs.category == Category::kMetricsPipeline ? lhs.metrics->second_stages : lhs.chain;
    for (SecondStage& s : rhs.chain) chain.push_back(std::move(s));
    return lhs;
  }
  std::unique_ptr<Pipeline> pipeline = ToPipeline(std::move(lhs));
  Item out;
  switch (rhs.category) {
    case Category::kFilterExpr:
    case Category::kScalarFilter:
    case Category::kGroupBy:
    case Category::kCoalesce:
    case Category::kSelect:
      pipeline->stages.push_back(ToStage(std::move(rhs)));
      out.category = Category::kPipeline;
      out.pipeline = std::move(pipeline);
      return out;
    case Category::kAggregateExpr:
      if (!rhs.bare_aggregate) return Unexpected(rhs.next);
      out.category = Category::kPipelineAggregate;
      out.pipeline = std::move(pipeline);
      out.scalar = std::move(rhs.scalar);
      return out;
    case Category::kScalar:
      return Unexpected(rhs.next);
    case Category::kMetricsFunction:
      rhs.metrics->pipeline = std::move(pipeline);
      rhs.category = Category::kMetricsPipeline;
      return rhs;
    default:
      return Unexpected(rhs.start);
  }
}

Result<Item> Parser::CombineSpanset(TokenKind op, Item lhs, Item rhs) {
  bool filters = lhs.category == Category::kFilterExpr && rhs.category == Category::kFilterExpr;
  // Pipeline expressions combine parenthesized operands only (§3 spansetPipelineExpr).
  auto pipe_operand = [](const Item& i) {
    return i.category == Category::kSpansetPipeExpr ||
           (i.category == Category::kFilterExpr && i.parenthesized);
  };
  if (!filters && !(pipe_operand(lhs) && pipe_operand(rhs))) return Unexpected(rhs.start);
  auto node = std::make_unique<SpansetExpr>();
  node->kind = SpansetExprKind::kBinary;
  node->op = ToSpansetOp(op);
  node->lhs = std::move(lhs.spanset);
  node->rhs = std::move(rhs.spanset);
  Item out;
  out.category = filters ? Category::kFilterExpr : Category::kSpansetPipeExpr;
  out.spanset = std::move(node);
  return out;
}

Result<Item> Parser::CombineComparison(TokenKind op, Item lhs, Item rhs) {
  BinaryOp bop = ToBinaryOp(op);
  Category l = lhs.category, r = rhs.category;
  auto make_filter = [&](std::unique_ptr<ScalarExpr> a, std::unique_ptr<ScalarExpr> b) {
    auto f = std::make_unique<ScalarFilter>();
    f->op = bop;
    f->lhs = std::move(a);
    f->rhs = std::move(b);
    return f;
  };
  Item out;
  if ((l == Category::kAggregateExpr &&
       (r == Category::kAggregateExpr || r == Category::kScalar)) ||
      (l == Category::kScalar && r == Category::kAggregateExpr)) {
    auto a = l == Category::kScalar ? StaticScalar(lhs.value) : std::move(lhs.scalar);
    auto b = r == Category::kScalar ? StaticScalar(rhs.value) : std::move(rhs.scalar);
    out.category = Category::kScalarFilter;
    out.stage.kind = StageKind::kScalarFilter;
    out.stage.scalar_filter = make_filter(std::move(a), std::move(b));
    return out;
  }
  if (l == Category::kScalarPipe && (r == Category::kScalarPipe || r == Category::kScalar)) {
    auto b = r == Category::kScalar ? StaticScalar(rhs.value) : std::move(rhs.scalar);
    out.category = Category::kScalarPipeFilter;
    out.scalar_filter = make_filter(std::move(lhs.scalar), std::move(b));
    return out;
  }
  if ((l == Category::kMetricsFunction || l == Category::kMetricsExpr ||
       l == Category::kSecondStage) &&
      r == Category::kScalar) {
    SecondStage filter;
    filter.kind = SecondStageKind::kFilter;
    filter.op = bop;
    filter.threshold = rhs.value;
    if (l == Category::kMetricsFunction) {
      lhs.metrics->second_stages.push_back(std::move(filter));
    } else {
      lhs.chain.push_back(std::move(filter));
    }
    return lhs;
  }
  return Unexpected(rhs.start);
}

Result<Item> Parser::CombineArithmetic(TokenKind op, size_t op_index, Item lhs, Item rhs) {
  BinaryOp bop = ToBinaryOp(op);
  Category l = lhs.category, r = rhs.category;
  bool metrics_op = op != TokenKind::kMod && op != TokenKind::kPow;
  Item out;
  if (l == Category::kScalar && r == Category::kScalar) {
    if (!metrics_op) return Unexpected(rhs.start);  // the `scalar` grammar has only + - * /
    Result<Static> folded = FoldScalar(bop, lhs.value, rhs.value);
    if (!folded.ok()) return ErrorAt(op_index, folded.status().message());
    out.category = Category::kScalar;
    out.value = std::move(folded).value();
    return out;
  }
  bool aggregate_side = (l == Category::kAggregateExpr || l == Category::kScalar) &&
                        (r == Category::kAggregateExpr || r == Category::kScalar);
  if (aggregate_side) {
    auto node = std::make_unique<ScalarExpr>();
    node->kind = ScalarExprKind::kBinary;
    node->op = bop;
    node->lhs = l == Category::kScalar ? StaticScalar(lhs.value) : std::move(lhs.scalar);
    node->rhs = r == Category::kScalar ? StaticScalar(rhs.value) : std::move(rhs.scalar);
    out.category = Category::kAggregateExpr;
    out.scalar = std::move(node);
    return out;
  }
  if (l == Category::kScalarPipe && r == Category::kScalarPipe) {
    auto node = std::make_unique<ScalarExpr>();
    node->kind = ScalarExprKind::kBinary;
    node->op = bop;
    node->lhs = std::move(lhs.scalar);
    node->rhs = std::move(rhs.scalar);
    out.category = Category::kScalarPipe;
    out.scalar = std::move(node);
    return out;
  }
  bool metrics_side = (l == Category::kMetricsExpr || l == Category::kScalar) &&
                      (r == Category::kMetricsExpr || r == Category::kScalar);
  if (metrics_side && metrics_op && rhs.chain.empty()) {
    // Metrics arithmetic: scalars must be plain numbers (§18.8).
    if (l == Category::kScalar && lhs.value.type == ValueType::kDuration) {
      return ErrorAt(lhs.start, "duration cannot be used in scalar arithmetic");
    }
    if (r == Category::kScalar && rhs.value.type == ValueType::kDuration) {
      return ErrorAt(rhs.start, "duration cannot be used in scalar arithmetic");
    }
    auto node = std::make_unique<MetricsExpr>();
    node->kind = MetricsExprKind::kBinary;
    node->op = bop;
    node->lhs = l == Category::kScalar ? MetricsScalar(lhs.value) : std::move(lhs.metrics);
    node->rhs = r == Category::kScalar ? MetricsScalar(rhs.value) : std::move(rhs.metrics);
    out.category = Category::kMetricsExpr;
    out.metrics = std::move(node);
    return out;
  }
  return Unexpected(rhs.start);
}

}  // namespace tempo::traceql::internal
