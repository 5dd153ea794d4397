// The spanset pipeline (traceql.md §12, §15): stages applied left to right to the spansets of one
// trace; aggregates with scalar filters, by(), coalesce(), select().
#include <algorithm>
#include <unordered_map>

#include "traceql/eval/plan.h"

namespace tempo::traceql::internal {
namespace {

using eval::Value;

// The aggregate of one spanset, or nil when it has no value (every argument nil). sum/min/max keep
// the value's type; avg is a float, or a (truncated) duration when averaging durations.
Value Aggregate(const CompiledAggregate& agg, const Spanset& spanset, eval::EvalState& state) {
  if (agg.op == AggregateOp::kCount) {
    return Value::Int(static_cast<int64_t>(spanset.spans.size()));
  }
  Value result;      // sum / min / max so far
  double total = 0;  // avg: the sum of every value as a double
  size_t count = 0;
  for (uint32_t index : spanset.spans) {
    state.SetSpan(index);
    Value v = eval::EvalValue(agg.arg, state);
    if (!v.is_numeric()) continue;  // nil and non-numeric values are skipped
    total += v.AsDouble();
    if (count++ == 0) {
      result = v;
      continue;
    }
    switch (agg.op) {
      case AggregateOp::kSum:
        // Only values of the first value's type are added (the reference's behaviour).
        if (v.type != result.type) break;
        if (v.type == ValueType::kFloat) {
          result.f += v.f;
        } else {
          result.i =
              static_cast<int64_t>(static_cast<uint64_t>(result.i) + static_cast<uint64_t>(v.i));
        }
        break;
      case AggregateOp::kMin:
        if (eval::CompareNumeric(v, result) == -1) result = v;
        break;
      case AggregateOp::kMax:
        if (eval::CompareNumeric(v, result) == 1) result = v;
        break;
      default:
        break;
    }
  }
  if (count == 0) return Value();
  if (agg.op != AggregateOp::kAvg) return result;
  double mean = total / static_cast<double>(count);
  if (result.type == ValueType::kDuration) return Value::Duration(static_cast<int64_t>(mean));
  return Value::Float(mean);
}

// `aggregate op threshold`: ordering numerically, equality as in §8.2 (numbers by value).
bool Holds(BinaryOp op, const Value& value, const Static& threshold) {
  return eval::Compare(op, value, eval::FromStatic(threshold));
}

Result<std::vector<Spanset>> ScalarFilter(const CompiledStage& stage, std::vector<Spanset> input,
                                          eval::EvalState& state) {
  std::vector<Spanset> out;
  for (Spanset& spanset : input) {
    Value value = Aggregate(stage.aggregate, spanset, state);
    if (!state.error.ok()) return state.error;
    if (value.is_nil() || !Holds(stage.op, value, stage.threshold)) continue;
    spanset.attributes.emplace_back(stage.aggregate.key, eval::ToStatic(value));
    out.push_back(std::move(spanset));
  }
  return out;
}

// A hashable identity of a group value: its type and its bytes.
std::string GroupKey(const Static& v) {
  std::string key(1, static_cast<char>(v.type));
  switch (v.type) {
    case ValueType::kString:
      key += v.string_value;
      break;
    case ValueType::kFloat:
      key.append(reinterpret_cast<const char*>(&v.float_value), sizeof(double));
      break;
    case ValueType::kBool:
      key += v.bool_value ? '1' : '0';
      break;
    case ValueType::kStatus:
      key += static_cast<char>(v.status);
      break;
    case ValueType::kKind:
      key += static_cast<char>(v.kind);
      break;
    case ValueType::kNil:
      break;
    default:
      key.append(reinterpret_cast<const char*>(&v.int_value), sizeof(int64_t));
      break;
  }
  return key;
}

// Splits each spanset by the value of the by() expression; groups in order of first appearance,
// spans in trace order. A nil value forms its own group, labelled "nil".
Result<std::vector<Spanset>> GroupBy(const CompiledStage& stage, std::vector<Spanset> input,
                                     eval::EvalState& state) {
  std::vector<Spanset> out;
  std::unordered_map<std::string, size_t> groups;
  for (const Spanset& spanset : input) {
    groups.clear();
    for (uint32_t index : spanset.spans) {
      state.SetSpan(index);
      Static value = eval::ToStatic(eval::EvalValue(stage.group_by, state));
      if (!state.error.ok()) return state.error;
      auto [it, inserted] = groups.emplace(GroupKey(value), out.size());
      if (inserted) {
        Spanset group;
        group.attributes = spanset.attributes;
        if (value.type == ValueType::kNil) value = Static::String("nil");
        group.attributes.emplace_back(stage.group_key, std::move(value));
        out.push_back(std::move(group));
      }
      out[it->second].spans.push_back(index);
    }
  }
  return out;
}

Spanset Coalesce(const std::vector<Spanset>& input) {
  Spanset out;
  for (const Spanset& s : input) out.spans.insert(out.spans.end(), s.spans.begin(), s.spans.end());
  std::sort(out.spans.begin(), out.spans.end());
  out.spans.erase(std::unique(out.spans.begin(), out.spans.end()), out.spans.end());
  return out;
}

}  // namespace

Result<std::vector<Spanset>> RunPipeline(const CompiledPipeline& pipeline,
                                         std::vector<Spanset> input, eval::EvalState& state) {
  for (const CompiledStage& stage : pipeline.stages) {
    if (input.empty()) break;
    switch (stage.kind) {
      case StageKind::kSpanset: {
        std::vector<Spanset> next;
        for (const Spanset& spanset : input) {
          TEMPO_ASSIGN_OR_RETURN(std::vector<Spanset> produced,
                                 RunSpansetExpr(*stage.spanset, spanset, state));
          for (Spanset& s : produced) next.push_back(std::move(s));
        }
        input = std::move(next);
        break;
      }
      case StageKind::kScalarFilter: {
        TEMPO_ASSIGN_OR_RETURN(input, ScalarFilter(stage, std::move(input), state));
        break;
      }
      case StageKind::kGroupBy: {
        TEMPO_ASSIGN_OR_RETURN(input, GroupBy(stage, std::move(input), state));
        break;
      }
      case StageKind::kCoalesce:
        input = std::vector<Spanset>{Coalesce(input)};
        break;
      case StageKind::kSelect:
        break;  // only adds fields to the response (BuildOutputs)
    }
  }
  // Spansets emptied by a stage never reach the output (§12).
  input.erase(
      std::remove_if(input.begin(), input.end(), [](const Spanset& s) { return s.spans.empty(); }),
      input.end());
  return input;
}

}  // namespace tempo::traceql::internal
