#include "tempo/traceql/ast.h"

#include <utility>

namespace tempo::traceql {

std::unique_ptr<FieldExpr> FieldExpr::MakeStatic(Static value) {
  auto e = std::make_unique<FieldExpr>();
  e->kind = FieldExprKind::kStatic;
  e->value = std::move(value);
  return e;
}

std::unique_ptr<FieldExpr> FieldExpr::MakeAttribute(Attribute attribute) {
  auto e = std::make_unique<FieldExpr>();
  e->kind = FieldExprKind::kAttribute;
  e->attribute = std::move(attribute);
  return e;
}

std::unique_ptr<FieldExpr> FieldExpr::MakeBinary(BinaryOp op, std::unique_ptr<FieldExpr> lhs,
                                                 std::unique_ptr<FieldExpr> rhs) {
  auto e = std::make_unique<FieldExpr>();
  e->kind = FieldExprKind::kBinary;
  e->op = op;
  e->lhs = std::move(lhs);
  e->rhs = std::move(rhs);
  return e;
}

std::unique_ptr<FieldExpr> FieldExpr::MakeUnary(UnaryOp op, std::unique_ptr<FieldExpr> operand) {
  auto e = std::make_unique<FieldExpr>();
  e->kind = FieldExprKind::kUnary;
  e->unary_op = op;
  e->lhs = std::move(operand);
  return e;
}

std::string_view SpansetOpText(SpansetOp op) {
  switch (op) {
    case SpansetOp::kAnd:
      return "&&";
    case SpansetOp::kOr:
      return "||";
    case SpansetOp::kChild:
      return ">";
    case SpansetOp::kParent:
      return "<";
    case SpansetOp::kDescendant:
      return ">>";
    case SpansetOp::kAncestor:
      return "<<";
    case SpansetOp::kSibling:
      return "~";
    case SpansetOp::kNotChild:
      return "!>";
    case SpansetOp::kNotParent:
      return "!<";
    case SpansetOp::kNotDescendant:
      return "!>>";
    case SpansetOp::kNotAncestor:
      return "!<<";
    case SpansetOp::kNotSibling:
      return "!~";
    case SpansetOp::kUnionChild:
      return "&>";
    case SpansetOp::kUnionParent:
      return "&<";
    case SpansetOp::kUnionDescendant:
      return "&>>";
    case SpansetOp::kUnionAncestor:
      return "&<<";
    case SpansetOp::kUnionSibling:
      return "&~";
  }
  return "?";
}

std::string_view AggregateOpName(AggregateOp op) {
  switch (op) {
    case AggregateOp::kCount:
      return "count";
    case AggregateOp::kAvg:
      return "avg";
    case AggregateOp::kMax:
      return "max";
    case AggregateOp::kMin:
      return "min";
    case AggregateOp::kSum:
      return "sum";
  }
  return "?";
}

std::string_view MetricsFunctionName(MetricsFunction function) {
  switch (function) {
    case MetricsFunction::kRate:
      return "rate";
    case MetricsFunction::kCountOverTime:
      return "count_over_time";
    case MetricsFunction::kMinOverTime:
      return "min_over_time";
    case MetricsFunction::kMaxOverTime:
      return "max_over_time";
    case MetricsFunction::kAvgOverTime:
      return "avg_over_time";
    case MetricsFunction::kSumOverTime:
      return "sum_over_time";
    case MetricsFunction::kQuantileOverTime:
      return "quantile_over_time";
    case MetricsFunction::kHistogramOverTime:
      return "histogram_over_time";
    case MetricsFunction::kCompare:
      return "compare";
  }
  return "?";
}

}  // namespace tempo::traceql
