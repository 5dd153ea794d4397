// Canonical query text of a syntax tree. Field expressions get the minimal parentheses that
// keep their shape under the precedence of traceql.md §4; outside braces the parentheses written
// in the query are kept (the grammar gives some of them meaning, e.g. wrapped pipelines).
#include <cmath>
#include <limits>
#include <string>

#include "tempo/traceql/ast.h"

namespace tempo::traceql {
namespace {

constexpr int kAtomic = 100;

int OpLevel(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAnd:
    case BinaryOp::kOr:
      return 2;
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
      return 4;
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
      return 6;
    case BinaryOp::kPow:
      return 7;
    default:
      return 3;  // comparisons
  }
}

int SpansetOpLevel(SpansetOp op) { return op == SpansetOp::kAnd || op == SpansetOp::kOr ? 2 : 3; }

std::string Wrap(std::string text, bool parens) {
  return parens ? std::string("(") + text + ")" : text;
}

// Whether a child at `child_level` needs parentheses as the left/right operand of `level`.
bool NeedsParens(int child_level, int level, bool right, bool right_assoc) {
  if (child_level < level) return true;
  return child_level == level && (right != right_assoc);
}

bool IsNegativeNumber(const Static& v) {
  switch (v.type) {
    case ValueType::kInt:
      return v.int_value < 0 && v.int_value != std::numeric_limits<int64_t>::min();
    case ValueType::kDuration:
      return v.int_value < 0;
    case ValueType::kFloat:
      return std::signbit(v.float_value) && !std::isnan(v.float_value) &&
             !std::isinf(v.float_value);
    default:
      return false;
  }
}

// A negative literal prints as `-N`, which reparses as unary minus: give it that precedence.
int FieldLevel(const FieldExpr& e) {
  switch (e.kind) {
    case FieldExprKind::kBinary:
      return OpLevel(e.op);
    case FieldExprKind::kUnary:
      return e.unary_op == UnaryOp::kNeg ? 4 : 5;
    case FieldExprKind::kStatic:
      return IsNegativeNumber(e.value) ? 4 : kAtomic;
    case FieldExprKind::kAttribute:
      return kAtomic;
  }
  return kAtomic;
}

void AppendField(const FieldExpr& e, std::string& out) {
  switch (e.kind) {
    case FieldExprKind::kStatic:
      out += ToString(e.value);
      return;
    case FieldExprKind::kAttribute:
      out += ToString(e.attribute);
      return;
    case FieldExprKind::kUnary: {
      bool neg = e.unary_op == UnaryOp::kNeg;
      out += neg ? "-" : "!";
      bool parens = FieldLevel(*e.lhs) < (neg ? 5 : 6);
      out += Wrap(ToString(*e.lhs), parens);
      return;
    }
    case FieldExprKind::kBinary: {
      int level = OpLevel(e.op);
      bool right_assoc = e.op == BinaryOp::kPow;
      out += Wrap(ToString(*e.lhs), NeedsParens(FieldLevel(*e.lhs), level, false, right_assoc));
      out += " ";
      out += BinaryOpText(e.op);
      out += " ";
      out += Wrap(ToString(*e.rhs), NeedsParens(FieldLevel(*e.rhs), level, true, right_assoc));
      return;
    }
  }
}

// A number of the `scalar` grammar outside braces (no minInt keyword there).
std::string ScalarText(const Static& v) {
  if (v.type == ValueType::kInt && v.int_value == std::numeric_limits<int64_t>::min()) {
    return "(-9223372036854775807 - 1)";
  }
  return ToString(v);
}

std::string NumberText(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  return ToString(Static::Float(v));
}

std::string FilterText(const FieldExpr* filter) {
  return filter ? std::string("{ ") + ToString(*filter) + " }" : "{ }";
}

std::string SpansetText(const SpansetExpr& e, int parent_level, bool right) {
  std::string text;
  switch (e.kind) {
    case SpansetExprKind::kFilter:
      return Wrap(FilterText(e.filter.get()), e.parenthesized);
    case SpansetExprKind::kPipeline:
      return std::string("(") + ToString(*e.pipeline) + ")";
    case SpansetExprKind::kBinary: {
      int level = SpansetOpLevel(e.op);
      text = SpansetText(*e.lhs, level, false) + " " + std::string(SpansetOpText(e.op)) + " " +
             SpansetText(*e.rhs, level, true);
      return Wrap(text, e.parenthesized || NeedsParens(level, parent_level, right, false));
    }
  }
  return text;
}

std::string AggregateText(const Aggregate& a) {
  return std::string(AggregateOpName(a.op)) + "(" + (a.arg ? ToString(*a.arg) : "") + ")";
}

int ScalarLevel(const ScalarExpr& e) {
  return e.kind == ScalarExprKind::kBinary ? OpLevel(e.op) : kAtomic;
}

std::string ScalarExprText(const ScalarExpr& e, int parent_level, bool right) {
  switch (e.kind) {
    case ScalarExprKind::kStatic:
      return ScalarText(e.value);
    case ScalarExprKind::kAggregate:
      return Wrap(AggregateText(e.aggregate), e.parenthesized);
    case ScalarExprKind::kPipelineAggregate:
      return std::string("(") + ToString(*e.pipeline) + " | " + AggregateText(e.aggregate) + ")";
    case ScalarExprKind::kBinary: {
      int level = OpLevel(e.op);
      std::string text = ScalarExprText(*e.lhs, level, false) + " " +
                         std::string(BinaryOpText(e.op)) + " " +
                         ScalarExprText(*e.rhs, level, true);
      bool parens =
          e.parenthesized || NeedsParens(ScalarLevel(e), parent_level, right, parent_level == 7);
      return Wrap(text, parens);
    }
  }
  return "";
}

std::string StageText(const Stage& s) {
  switch (s.kind) {
    case StageKind::kSpanset:
      return SpansetText(*s.spanset, 0, false);
    case StageKind::kScalarFilter:
      return ScalarExprText(*s.scalar_filter->lhs, 3, false) + " " +
             std::string(BinaryOpText(s.scalar_filter->op)) + " " +
             ScalarExprText(*s.scalar_filter->rhs, 3, true);
    case StageKind::kGroupBy:
      return std::string("by(") + ToString(*s.group_by) + ")";
    case StageKind::kCoalesce:
      return "coalesce()";
    case StageKind::kSelect: {
      std::string text = "select(";
      for (size_t i = 0; i < s.select.size(); ++i) {
        text += std::string(i ? ", " : "") + ToString(s.select[i]);
      }
      return text + ")";
    }
  }
  return "";
}

std::string AttributeListText(const std::vector<Attribute>& attrs) {
  std::string text;
  for (size_t i = 0; i < attrs.size(); ++i) text += std::string(i ? ", " : "") + ToString(attrs[i]);
  return text;
}

std::string FirstStageText(const MetricsFirstStage& fs) {
  std::string text = std::string(MetricsFunctionName(fs.function)) + "(";
  if (fs.function == MetricsFunction::kCompare) {
    text += FilterText(fs.compare_filter.get());
    if (fs.compare_top_n) text += std::string(", ") + std::to_string(*fs.compare_top_n);
    if (fs.compare_start_ns && fs.compare_end_ns) {
      text += std::string(", ") + std::to_string(*fs.compare_start_ns) + ", " +
              std::to_string(*fs.compare_end_ns);
    }
  } else if (fs.attribute) {
    text += ToString(*fs.attribute);
    for (double q : fs.quantiles) text += std::string(", ") + NumberText(q);
  }
  text += ")";
  if (!fs.by.empty()) text += std::string(" by (") + AttributeListText(fs.by) + ")";
  return text;
}

std::string SecondStagesText(const std::vector<SecondStage>& stages) {
  std::string text;
  for (const SecondStage& s : stages) {
    switch (s.kind) {
      case SecondStageKind::kTopK:
        text += std::string(" | topk(") + std::to_string(s.limit) + ")";
        break;
      case SecondStageKind::kBottomK:
        text += std::string(" | bottomk(") + std::to_string(s.limit) + ")";
        break;
      case SecondStageKind::kFilter:
        text += std::string(" ") + std::string(BinaryOpText(s.op)) + " " + ScalarText(s.threshold);
        break;
    }
  }
  return text;
}

std::string MetricsText(const MetricsExpr& e, int parent_level, bool right) {
  switch (e.kind) {
    case MetricsExprKind::kScalar:
      return ScalarText(e.scalar);
    case MetricsExprKind::kPipeline: {
      std::string text = ToString(*e.pipeline) + " | " + FirstStageText(e.first_stage) +
                         SecondStagesText(e.second_stages);
      // Inside arithmetic a metrics pipeline must be parenthesized (§18.8).
      return Wrap(text, e.parenthesized || parent_level > 0);
    }
    case MetricsExprKind::kBinary: {
      int level = OpLevel(e.op);
      std::string text = MetricsText(*e.lhs, level, false) + " " + std::string(BinaryOpText(e.op)) +
                         " " + MetricsText(*e.rhs, level, true);
      return Wrap(text, e.parenthesized || NeedsParens(level, parent_level, right, false));
    }
  }
  return "";
}

}  // namespace

std::string ToString(const FieldExpr& expr) {
  std::string out;
  AppendField(expr, out);
  return out;
}

std::string ToString(const Pipeline& pipeline) {
  if (pipeline.stages.empty()) return "{ }";
  std::string text;
  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    text += (i ? " | " : "") + StageText(pipeline.stages[i]);
  }
  return text;
}

std::string ToString(const MetricsExpr& expr) { return MetricsText(expr, 0, false); }

std::string ToString(const RootExpr& root) {
  std::string text = root.metrics ? ToString(*root.metrics) + SecondStagesText(root.second_stages)
                                  : ToString(root.pipeline);
  if (!root.hints.empty()) {
    text += " with(";
    for (size_t i = 0; i < root.hints.size(); ++i) {
      text += std::string(i ? ", " : "") + root.hints[i].name + "=" + ToString(root.hints[i].value);
    }
    text += ")";
  }
  return text;
}

}  // namespace tempo::traceql
