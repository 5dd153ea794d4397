// Primaries outside braces: `{ ... }`, numbers, aggregates, by(), select(), coalesce(), metrics
// functions and second stages (traceql.md §3, §15, §18).
#include <utility>

#include "traceql/parser_internal.h"

namespace tempo::traceql::internal {

Result<Item> Parser::ParseOuterPrimary() {
  size_t start = pos_;
  Item item;
  const Token& t = Peek();
  switch (t.kind) {
    case TokenKind::kOpenBrace: {
      auto spanset = std::make_unique<SpansetExpr>();
      spanset->kind = SpansetExprKind::kFilter;
      TEMPO_ASSIGN_OR_RETURN(spanset->filter, ParseSpansetFilter());
      item.category = Category::kFilterExpr;
      item.spanset = std::move(spanset);
      break;
    }
    case TokenKind::kInteger:
      item.category = Category::kScalar;
      item.value = Static::Int(t.int_value);
      Advance();
      break;
    case TokenKind::kFloat:
      item.category = Category::kScalar;
      item.value = Static::Float(t.float_value);
      Advance();
      break;
    case TokenKind::kDuration:
      item.category = Category::kScalar;
      item.value = Static::Duration(t.int_value);
      Advance();
      break;
    case TokenKind::kCount:
    case TokenKind::kAvg:
    case TokenKind::kMax:
    case TokenKind::kMin:
    case TokenKind::kSum: {
      TEMPO_ASSIGN_OR_RETURN(item, ParseAggregate());
      break;
    }
    case TokenKind::kBy: {
      Advance();
      TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kOpenParen));
      item.category = Category::kGroupBy;
      item.stage.kind = StageKind::kGroupBy;
      TEMPO_ASSIGN_OR_RETURN(item.stage.group_by, ParseFieldExpression());
      TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
      break;
    }
    case TokenKind::kCoalesce:
      Advance();
      TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kOpenParen));
      TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
      item.category = Category::kCoalesce;
      item.stage.kind = StageKind::kCoalesce;
      break;
    case TokenKind::kSelect: {
      Advance();
      item.category = Category::kSelect;
      item.stage.kind = StageKind::kSelect;
      TEMPO_ASSIGN_OR_RETURN(item.stage.select, ParseAttributeList());
      break;
    }
    case TokenKind::kRate:
    case TokenKind::kCountOverTime:
    case TokenKind::kMinOverTime:
    case TokenKind::kMaxOverTime:
    case TokenKind::kAvgOverTime:
    case TokenKind::kSumOverTime:
    case TokenKind::kQuantileOverTime:
    case TokenKind::kHistogramOverTime:
    case TokenKind::kCompare: {
      TEMPO_ASSIGN_OR_RETURN(item, ParseMetricsFunction());
      break;
    }
    case TokenKind::kTopK:
    case TokenKind::kBottomK: {
      SecondStage stage;
      stage.kind = t.kind == TokenKind::kTopK ? SecondStageKind::kTopK : SecondStageKind::kBottomK;
      Advance();
      TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kOpenParen));
      TEMPO_ASSIGN_OR_RETURN(stage.limit, ExpectInteger());
      TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
      item.category = Category::kSecondStage;
      item.chain.push_back(std::move(stage));
      break;
    }
    default:
      return Unexpected(pos_);
  }
  item.start = start;
  item.next = pos_;
  return item;
}

Result<Item> Parser::ParseAggregate() {
  auto scalar = std::make_unique<ScalarExpr>();
  scalar->kind = ScalarExprKind::kAggregate;
  switch (kind()) {
    case TokenKind::kCount:
      scalar->aggregate.op = AggregateOp::kCount;
      break;
    case TokenKind::kAvg:
      scalar->aggregate.op = AggregateOp::kAvg;
      break;
    case TokenKind::kMax:
      scalar->aggregate.op = AggregateOp::kMax;
      break;
    case TokenKind::kMin:
      scalar->aggregate.op = AggregateOp::kMin;
      break;
    default:
      scalar->aggregate.op = AggregateOp::kSum;
      break;
  }
  Advance();
  TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kOpenParen));
  if (scalar->aggregate.op != AggregateOp::kCount) {
    TEMPO_ASSIGN_OR_RETURN(scalar->aggregate.arg, ParseFieldExpression());
  }
  TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
  Item item;
  item.category = Category::kAggregateExpr;
  item.bare_aggregate = true;
  item.scalar = std::move(scalar);
  return item;
}

Result<Item> Parser::ParseMetricsFunction() {
  auto metrics = std::make_unique<MetricsExpr>();
  metrics->kind = MetricsExprKind::kPipeline;
  MetricsFirstStage& fs = metrics->first_stage;
  TokenKind k = kind();
  switch (k) {
    case TokenKind::kRate:
      fs.function = MetricsFunction::kRate;
      break;
    case TokenKind::kCountOverTime:
      fs.function = MetricsFunction::kCountOverTime;
      break;
    case TokenKind::kMinOverTime:
      fs.function = MetricsFunction::kMinOverTime;
      break;
    case TokenKind::kMaxOverTime:
      fs.function = MetricsFunction::kMaxOverTime;
      break;
    case TokenKind::kAvgOverTime:
      fs.function = MetricsFunction::kAvgOverTime;
      break;
    case TokenKind::kSumOverTime:
      fs.function = MetricsFunction::kSumOverTime;
      break;
    case TokenKind::kQuantileOverTime:
      fs.function = MetricsFunction::kQuantileOverTime;
      break;
    case TokenKind::kHistogramOverTime:
      fs.function = MetricsFunction::kHistogramOverTime;
      break;
    default:
      fs.function = MetricsFunction::kCompare;
      break;
  }
  Advance();
  TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kOpenParen));
  switch (fs.function) {
    case MetricsFunction::kRate:
    case MetricsFunction::kCountOverTime:
      break;
    case MetricsFunction::kQuantileOverTime: {
      TEMPO_ASSIGN_OR_RETURN(fs.attribute, ParseAttributeRef());
      do {
        TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kComma));
        // Quantiles are unsigned numbers (§3 `number`).
        const Token& q = Peek();
        if (q.kind == TokenKind::kInteger) {
          fs.quantiles.push_back(static_cast<double>(q.int_value));
        } else if (q.kind == TokenKind::kFloat) {
          fs.quantiles.push_back(q.float_value);
        } else {
          return Unexpected(pos_, "INTEGER or FLOAT");
        }
        Advance();
      } while (kind() == TokenKind::kComma);
      break;
    }
    case MetricsFunction::kCompare: {
      if (kind() != TokenKind::kOpenBrace) return Unexpected(pos_, "'{'");
      TEMPO_ASSIGN_OR_RETURN(fs.compare_filter, ParseSpansetFilter());
      if (kind() == TokenKind::kComma) {
        Advance();
        TEMPO_ASSIGN_OR_RETURN(fs.compare_top_n, ExpectInteger());
        if (kind() == TokenKind::kComma) {
          Advance();
          TEMPO_ASSIGN_OR_RETURN(fs.compare_start_ns, ExpectInteger());
          TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kComma));
          TEMPO_ASSIGN_OR_RETURN(fs.compare_end_ns, ExpectInteger());
        }
      }
      break;
    }
    default:
      TEMPO_ASSIGN_OR_RETURN(fs.attribute, ParseAttributeRef());
      break;
  }
  TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
  if (fs.function != MetricsFunction::kCompare && kind() == TokenKind::kBy) {
    Advance();
    TEMPO_ASSIGN_OR_RETURN(fs.by, ParseAttributeList());
  }
  Item item;
  item.category = Category::kMetricsFunction;
  item.metrics = std::move(metrics);
  return item;
}

// `( attrRef { , attrRef } )`: at least one field, no expressions.
Result<std::vector<Attribute>> Parser::ParseAttributeList() {
  TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kOpenParen));
  std::vector<Attribute> out;
  for (;;) {
    TEMPO_ASSIGN_OR_RETURN(Attribute a, ParseAttributeRef());
    out.push_back(std::move(a));
    if (kind() != TokenKind::kComma) break;
    Advance();
  }
  TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
  return out;
}

Result<int64_t> Parser::ExpectInteger() {
  if (kind() != TokenKind::kInteger) return Unexpected(pos_, "INTEGER");
  int64_t v = Peek().int_value;
  Advance();
  return v;
}

}  // namespace tempo::traceql::internal
