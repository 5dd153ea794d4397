// Spanset expressions: filters `{ ... }` (§12), `&&` / `||` between spansets (§13), and the
// dispatch of structural operators (§14).
#include <algorithm>

#include "traceql/eval/plan.h"

namespace tempo::traceql::internal {
namespace {

Result<std::vector<Spanset>> RunFilter(const CompiledSpansetExpr& e, const Spanset& input,
                                       eval::EvalState& state) {
  std::vector<Spanset> out;
  if (e.match_none || input.spans.empty()) return out;
  if (e.match_all) {
    out.push_back(input);
    return out;
  }
  Spanset kept;
  for (uint32_t index : input.spans) {
    state.SetSpan(index);
    if (eval::MatchSpan(e.filter, state)) kept.spans.push_back(index);
  }
  if (!state.error.ok()) return state.error;
  if (kept.spans.empty()) return out;
  kept.attributes = input.attributes;
  out.push_back(std::move(kept));
  return out;
}

// The deduplicated spans of several spansets, in trace order.
std::vector<uint32_t> UnionOf(const std::vector<Spanset>& a, const std::vector<Spanset>& b) {
  std::vector<uint32_t> spans;
  for (const auto* side : {&a, &b}) {
    for (const Spanset& s : *side) spans.insert(spans.end(), s.spans.begin(), s.spans.end());
  }
  std::sort(spans.begin(), spans.end());
  spans.erase(std::unique(spans.begin(), spans.end()), spans.end());
  return spans;
}

Status CheckSingle(const std::vector<Spanset>& side) {
  if (side.size() > 1) {
    return InvalidArgumentError(
        "spanset operators are not supported for multiple spansets per trace. consider using "
        "coalesce()");
  }
  return Status::Ok();
}

Result<std::vector<Spanset>> RunBinary(const CompiledSpansetExpr& e, const Spanset& input,
                                       eval::EvalState& state) {
  std::vector<Spanset> out;
  TEMPO_ASSIGN_OR_RETURN(std::vector<Spanset> lhs, RunSpansetExpr(*e.lhs, input, state));
  // Both operands see the same input; the result keeps the input's spanset attributes.
  Spanset result;
  if (e.op == SpansetOp::kAnd || e.op == SpansetOp::kOr) {
    if (e.op == SpansetOp::kAnd && lhs.empty()) return out;
    TEMPO_ASSIGN_OR_RETURN(std::vector<Spanset> rhs, RunSpansetExpr(*e.rhs, input, state));
    if (e.op == SpansetOp::kAnd && rhs.empty()) return out;
    if (lhs.empty() && rhs.empty()) return out;
    result.spans = UnionOf(lhs, rhs);
  } else {
    if (lhs.empty() && !IsNegatedStructural(e.op)) return out;
    TEMPO_RETURN_IF_ERROR(CheckSingle(lhs));
    TEMPO_ASSIGN_OR_RETURN(std::vector<Spanset> rhs, RunSpansetExpr(*e.rhs, input, state));
    TEMPO_RETURN_IF_ERROR(CheckSingle(rhs));
    if (rhs.empty()) return out;
    static const std::vector<uint32_t> kNone;
    result.spans =
        RunStructural(e.op, lhs.empty() ? kNone : lhs[0].spans, rhs[0].spans, *state.trace);
  }
  if (result.spans.empty()) return out;
  result.attributes = input.attributes;
  out.push_back(std::move(result));
  return out;
}

}  // namespace

Result<std::vector<Spanset>> RunSpansetExpr(const CompiledSpansetExpr& expr, const Spanset& input,
                                            eval::EvalState& state) {
  switch (expr.kind) {
    case SpansetExprKind::kFilter:
      return RunFilter(expr, input, state);
    case SpansetExprKind::kBinary:
      return RunBinary(expr, input, state);
    case SpansetExprKind::kPipeline:
      return RunPipeline(*expr.pipeline, std::vector<Spanset>{input}, state);
  }
  return std::vector<Spanset>{};
}

}  // namespace tempo::traceql::internal
