// Validation of pipelines, scalar filters and metrics queries (traceql.md §15, §18, §19).
#include "tempo/traceql/validate.h"

#include <string>

#include "traceql/validate_internal.h"

namespace tempo::traceql {
namespace {

using internal::CheckAttributeSupported;
using internal::CheckFieldExpr;
using internal::ReferencesSpan;
using internal::Unsupported;

constexpr int64_t kMaxCompareTopN = 1000;
constexpr size_t kMaxGroupBy = 5;
constexpr size_t kMaxGroupByBucketed = 4;  // quantile/histogram reserve one label

Status ValidatePipeline(const Pipeline& pipeline);

Status ValidateSpanset(const SpansetExpr& s) {
  switch (s.kind) {
    case SpansetExprKind::kFilter:
      return s.filter ? ValidateFilter(*s.filter) : Status::Ok();
    case SpansetExprKind::kBinary:
      TEMPO_RETURN_IF_ERROR(ValidateSpanset(*s.lhs));
      return ValidateSpanset(*s.rhs);
    case SpansetExprKind::kPipeline:
      return ValidatePipeline(*s.pipeline);
  }
  return Status::Ok();
}

Status ValidateAggregate(const Aggregate& a) {
  if (a.op == AggregateOp::kCount) return Status::Ok();
  std::string name(AggregateOpName(a.op));
  TEMPO_ASSIGN_OR_RETURN(ValueType t, CheckFieldExpr(*a.arg));
  if (!IsNumeric(t) && t != ValueType::kAttribute) {
    return InvalidArgumentError(name + "() requires a numeric argument, got " +
                                std::string(ValueTypeName(t)) + " in `" + ToString(*a.arg) + "`");
  }
  if (!ReferencesSpan(*a.arg)) {
    return InvalidArgumentError(name + "() argument must reference the span, got `" +
                                ToString(*a.arg) + "`");
  }
  return Status::Ok();
}

Status ValidateScalarExpr(const ScalarExpr& e) {
  switch (e.kind) {
    case ScalarExprKind::kStatic:
      return Status::Ok();
    case ScalarExprKind::kAggregate:
      return ValidateAggregate(e.aggregate);
    case ScalarExprKind::kBinary:
      TEMPO_RETURN_IF_ERROR(ValidateScalarExpr(*e.lhs));
      return ValidateScalarExpr(*e.rhs);
    case ScalarExprKind::kPipelineAggregate:
      TEMPO_RETURN_IF_ERROR(ValidatePipeline(*e.pipeline));
      return ValidateAggregate(e.aggregate);
  }
  return Status::Ok();
}

bool HasPipelineAggregate(const ScalarExpr& e) {
  if (e.kind == ScalarExprKind::kPipelineAggregate) return true;
  if (e.kind == ScalarExprKind::kBinary) {
    return HasPipelineAggregate(*e.lhs) || HasPipelineAggregate(*e.rhs);
  }
  return false;
}

// Only `aggregate cmp literal` is evaluated (§15.1); other shapes parse but are unsupported.
Status ValidateScalarFilter(const ScalarFilter& f) {
  TEMPO_RETURN_IF_ERROR(ValidateScalarExpr(*f.lhs));
  TEMPO_RETURN_IF_ERROR(ValidateScalarExpr(*f.rhs));
  if (HasPipelineAggregate(*f.lhs) || HasPipelineAggregate(*f.rhs)) {
    return Unsupported("comparing or combining aggregates of separate spanset pipelines");
  }
  if (f.lhs->kind == ScalarExprKind::kAggregate && f.rhs->kind == ScalarExprKind::kStatic) {
    return Status::Ok();
  }
  if (f.lhs->kind == ScalarExprKind::kBinary || f.rhs->kind == ScalarExprKind::kBinary) {
    return Unsupported("arithmetic on aggregates");
  }
  if (f.lhs->kind == ScalarExprKind::kStatic) {
    return Unsupported("a scalar filter with the literal on the left");
  }
  return Unsupported("comparing an aggregate with another aggregate");
}

Status ValidateStage(const Stage& stage) {
  switch (stage.kind) {
    case StageKind::kSpanset:
      return ValidateSpanset(*stage.spanset);
    case StageKind::kScalarFilter:
      return ValidateScalarFilter(*stage.scalar_filter);
    case StageKind::kGroupBy: {
      TEMPO_ASSIGN_OR_RETURN(ValueType t, CheckFieldExpr(*stage.group_by));
      (void)t;
      if (!ReferencesSpan(*stage.group_by)) {
        return InvalidArgumentError("by() expression must reference the span, got `" +
                                    ToString(*stage.group_by) + "`");
      }
      return Status::Ok();
    }
    case StageKind::kCoalesce:
      return Status::Ok();
    case StageKind::kSelect:
      for (const Attribute& a : stage.select) TEMPO_RETURN_IF_ERROR(CheckAttributeSupported(a));
      return Status::Ok();
  }
  return Status::Ok();
}

Status ValidatePipeline(const Pipeline& pipeline) {
  for (const Stage& stage : pipeline.stages) TEMPO_RETURN_IF_ERROR(ValidateStage(stage));
  return Status::Ok();
}

Status ValidateFirstStage(const MetricsFirstStage& fs, bool in_arithmetic) {
  std::string name(MetricsFunctionName(fs.function));
  if (fs.attribute) TEMPO_RETURN_IF_ERROR(CheckAttributeSupported(*fs.attribute));
  for (double q : fs.quantiles) {
    if (!(q >= 0 && q <= 1)) {
      return InvalidArgumentError("quantile_over_time() quantiles must be between 0 and 1, got " +
                                  ToString(Static::Float(q)));
    }
  }
  for (const Attribute& a : fs.by) TEMPO_RETURN_IF_ERROR(CheckAttributeSupported(a));
  bool bucketed = fs.function == MetricsFunction::kQuantileOverTime ||
                  fs.function == MetricsFunction::kHistogramOverTime;
  size_t max_by = bucketed ? kMaxGroupByBucketed : kMaxGroupBy;
  if (fs.by.size() > max_by) {
    return Unsupported("more than " + std::to_string(max_by) + " group-by attributes for " + name +
                       "()");
  }
  if (fs.function != MetricsFunction::kCompare) return Status::Ok();
  if (in_arithmetic) return InvalidArgumentError("compare() cannot be used in arithmetic");
  if (fs.compare_filter) TEMPO_RETURN_IF_ERROR(ValidateFilter(*fs.compare_filter));
  if (fs.compare_top_n && (*fs.compare_top_n < 1 || *fs.compare_top_n > kMaxCompareTopN)) {
    return InvalidArgumentError("compare() topN must be between 1 and 1000, got " +
                                std::to_string(*fs.compare_top_n));
  }
  if (fs.compare_start_ns && fs.compare_end_ns && *fs.compare_end_ns <= *fs.compare_start_ns) {
    return InvalidArgumentError("compare() end timestamp must be after its start timestamp");
  }
  return Status::Ok();
}

Status ValidateSecondStages(const std::vector<SecondStage>& stages, bool after_compare) {
  if (after_compare && !stages.empty()) {
    return InvalidArgumentError(
        "compare() cannot be followed by second-stage operations (topk, bottomk, filters)");
  }
  for (const SecondStage& s : stages) {
    if (s.kind != SecondStageKind::kFilter && s.limit < 1) {
      return InvalidArgumentError(
          std::string(s.kind == SecondStageKind::kTopK ? "topk" : "bottomk") +
          "() requires a positive integer, got " + std::to_string(s.limit));
    }
  }
  return Status::Ok();
}

bool ContainsCompare(const MetricsExpr& e) {
  switch (e.kind) {
    case MetricsExprKind::kPipeline:
      return e.first_stage.function == MetricsFunction::kCompare;
    case MetricsExprKind::kBinary:
      return ContainsCompare(*e.lhs) || ContainsCompare(*e.rhs);
    case MetricsExprKind::kScalar:
      return false;
  }
  return false;
}

Status ValidateMetrics(const MetricsExpr& e, bool in_arithmetic) {
  switch (e.kind) {
    case MetricsExprKind::kScalar:
      return Status::Ok();
    case MetricsExprKind::kBinary:
      TEMPO_RETURN_IF_ERROR(ValidateMetrics(*e.lhs, true));
      return ValidateMetrics(*e.rhs, true);
    case MetricsExprKind::kPipeline:
      TEMPO_RETURN_IF_ERROR(ValidatePipeline(*e.pipeline));
      TEMPO_RETURN_IF_ERROR(ValidateFirstStage(e.first_stage, in_arithmetic));
      return ValidateSecondStages(e.second_stages,
                                  e.first_stage.function == MetricsFunction::kCompare);
  }
  return Status::Ok();
}

}  // namespace

Status Validate(const RootExpr& root) {
  if (!root.metrics) return ValidatePipeline(root.pipeline);
  TEMPO_RETURN_IF_ERROR(ValidateMetrics(*root.metrics, false));
  return ValidateSecondStages(root.second_stages, ContainsCompare(*root.metrics));
}

}  // namespace tempo::traceql
