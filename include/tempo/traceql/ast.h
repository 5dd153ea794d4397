#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tempo/traceql/values.h"

// The TraceQL syntax tree produced by Parse() (parser.h). Nodes own their children through
// std::unique_ptr; a tree is immutable once parsed and may be read from any number of threads.
// Constant sub-expressions are already folded (traceql.md §5.4, scalar folding §3).
namespace tempo::traceql {

struct Pipeline;

// A field expression: the inside of `{ ... }`, the argument of an aggregate or of `by(...)`.
// `x != nil` / `x = nil` (existence) are kBinary nodes with a kNil static operand on the side
// where it was written.
enum class FieldExprKind : uint8_t { kStatic, kAttribute, kBinary, kUnary };

struct FieldExpr {
  FieldExprKind kind = FieldExprKind::kStatic;
  Static value;         // kStatic
  Attribute attribute;  // kAttribute
  BinaryOp op = BinaryOp::kEq;
  UnaryOp unary_op = UnaryOp::kNeg;
  std::unique_ptr<FieldExpr> lhs;  // kBinary; kUnary's operand
  std::unique_ptr<FieldExpr> rhs;  // kBinary

  static std::unique_ptr<FieldExpr> MakeStatic(Static value);
  static std::unique_ptr<FieldExpr> MakeAttribute(Attribute attribute);
  static std::unique_ptr<FieldExpr> MakeBinary(BinaryOp op, std::unique_ptr<FieldExpr> lhs,
                                               std::unique_ptr<FieldExpr> rhs);
  static std::unique_ptr<FieldExpr> MakeUnary(UnaryOp op, std::unique_ptr<FieldExpr> operand);
};

// Operators between spansets (§13, §14). The result holds spans of the right-hand side, except
// for `&&`/`||` and the union forms, which return spans of both sides.
enum class SpansetOp : uint8_t {
  kAnd,              // &&
  kOr,               // ||
  kChild,            // >
  kParent,           // <
  kDescendant,       // >>
  kAncestor,         // <<
  kSibling,          // ~
  kNotChild,         // !>
  kNotParent,        // !<
  kNotDescendant,    // !>>
  kNotAncestor,      // !<<
  kNotSibling,       // !~
  kUnionChild,       // &>
  kUnionParent,      // &<
  kUnionDescendant,  // &>>
  kUnionAncestor,    // &<<
  kUnionSibling,     // &~
};
std::string_view SpansetOpText(SpansetOp op);

// An expression producing spansets from the spansets of one trace: a filter `{ ... }`, a spanset
// operation, or a parenthesized pipeline (`({ .a } | count() > 1) && ({ .b })`).
enum class SpansetExprKind : uint8_t { kFilter, kBinary, kPipeline };

struct SpansetExpr {
  SpansetExprKind kind = SpansetExprKind::kFilter;
  std::unique_ptr<FieldExpr> filter;   // kFilter; null for `{ }` (matches every span)
  SpansetOp op = SpansetOp::kAnd;      // kBinary
  std::unique_ptr<SpansetExpr> lhs;    // kBinary
  std::unique_ptr<SpansetExpr> rhs;    // kBinary
  std::unique_ptr<Pipeline> pipeline;  // kPipeline
  bool parenthesized = false;          // written in parentheses (kept for ToString)
};

// `count()`, `avg(e)`, `min(e)`, `max(e)`, `sum(e)`.
enum class AggregateOp : uint8_t { kCount, kAvg, kMax, kMin, kSum };
std::string_view AggregateOpName(AggregateOp op);

struct Aggregate {
  AggregateOp op = AggregateOp::kCount;
  std::unique_ptr<FieldExpr> arg;  // null for count()
};

// One side of a scalar filter: a folded number/duration, an aggregate, arithmetic over those,
// or `(pipeline | aggregate)` (a "scalar pipeline", always unsupported at validation).
enum class ScalarExprKind : uint8_t { kStatic, kAggregate, kBinary, kPipelineAggregate };

struct ScalarExpr {
  ScalarExprKind kind = ScalarExprKind::kStatic;
  Static value;                        // kStatic
  Aggregate aggregate;                 // kAggregate, kPipelineAggregate
  std::unique_ptr<Pipeline> pipeline;  // kPipelineAggregate
  BinaryOp op = BinaryOp::kAdd;        // kBinary: + - * / % ^
  std::unique_ptr<ScalarExpr> lhs;
  std::unique_ptr<ScalarExpr> rhs;
  bool parenthesized = false;
};

// `count() > 3`, `avg(duration) >= 1s`. Only `aggregate cmp literal` is supported (validation).
struct ScalarFilter {
  BinaryOp op = BinaryOp::kEq;  // = != < <= > >=
  std::unique_ptr<ScalarExpr> lhs;
  std::unique_ptr<ScalarExpr> rhs;
};

// One `|`-separated stage of a spanset pipeline.
enum class StageKind : uint8_t { kSpanset, kScalarFilter, kGroupBy, kCoalesce, kSelect };

struct Stage {
  StageKind kind = StageKind::kSpanset;
  std::unique_ptr<SpansetExpr> spanset;         // kSpanset
  std::unique_ptr<ScalarFilter> scalar_filter;  // kScalarFilter
  std::unique_ptr<FieldExpr> group_by;          // kGroupBy: by(expr)
  std::vector<Attribute> select;                // kSelect: select(a, b, ...)
};

struct Pipeline {
  std::vector<Stage> stages;
};

// Metrics functions (§18.4).
enum class MetricsFunction : uint8_t {
  kRate,
  kCountOverTime,
  kMinOverTime,
  kMaxOverTime,
  kAvgOverTime,
  kSumOverTime,
  kQuantileOverTime,
  kHistogramOverTime,
  kCompare,
};
std::string_view MetricsFunctionName(MetricsFunction function);

struct MetricsFirstStage {
  MetricsFunction function = MetricsFunction::kRate;
  std::optional<Attribute> attribute;  // *_over_time(attribute)
  std::vector<double> quantiles;       // quantile_over_time(attribute, q...)
  std::vector<Attribute> by;           // `by (a, b)`; empty when absent
  // compare({filter}[, top_n[, start_ns, end_ns]])
  std::unique_ptr<FieldExpr> compare_filter;  // null for `{ }`
  std::optional<int64_t> compare_top_n;
  std::optional<int64_t> compare_start_ns;
  std::optional<int64_t> compare_end_ns;
};

// `| topk(k)`, `| bottomk(k)`, or a sample filter `> 10` (§18.7), applied left to right.
enum class SecondStageKind : uint8_t { kTopK, kBottomK, kFilter };

struct SecondStage {
  SecondStageKind kind = SecondStageKind::kTopK;
  int64_t limit = 0;            // kTopK, kBottomK
  BinaryOp op = BinaryOp::kGt;  // kFilter: = != < <= > >=
  Static threshold;             // kFilter: int, float or duration
};

// A metrics query: `pipeline | function [by (...)] [second stages]`, arithmetic between
// parenthesized metrics queries, or a number operand of that arithmetic.
enum class MetricsExprKind : uint8_t { kPipeline, kBinary, kScalar };

struct MetricsExpr {
  MetricsExprKind kind = MetricsExprKind::kPipeline;
  std::unique_ptr<Pipeline> pipeline;      // kPipeline
  MetricsFirstStage first_stage;           // kPipeline
  std::vector<SecondStage> second_stages;  // kPipeline
  BinaryOp op = BinaryOp::kAdd;            // kBinary: + - * /
  std::unique_ptr<MetricsExpr> lhs;
  std::unique_ptr<MetricsExpr> rhs;
  Static scalar;  // kScalar: int or float
  bool parenthesized = false;
};

// `with(name = value, ...)`.
struct Hint {
  std::string name;
  Static value;
};

// A whole query. Search queries fill `pipeline`; metrics queries set `metrics` (and leave
// `pipeline` empty), with `second_stages` holding stages written after a parenthesized or
// arithmetic metrics expression (`({} | rate()) + ({} | rate()) | topk(5)`).
struct RootExpr {
  Pipeline pipeline;
  std::unique_ptr<MetricsExpr> metrics;
  std::vector<SecondStage> second_stages;
  std::vector<Hint> hints;

  bool is_metrics() const { return metrics != nullptr; }
};

// Canonical text (single spaces, minimal parentheses plus those written around pipelines and
// metrics sub-queries). Parse(ToString(root)) yields a tree with the same ToString.
std::string ToString(const RootExpr& root);
std::string ToString(const FieldExpr& expr);
std::string ToString(const Pipeline& pipeline);
std::string ToString(const MetricsExpr& expr);

}  // namespace tempo::traceql
