// Pruning helpers for storage (fetcher.h): could a value, or any value of a range, satisfy a
// condition? They use the evaluator's own comparison so that pruning never disagrees with it.
#include <re2/re2.h>

#include "tempo/traceql/fetcher.h"
#include "traceql/eval/value.h"

namespace tempo::traceql {
namespace {

// The typed-storage rule (§8.2) for custom attributes compared with a numeric literal.
ValueType StrictType(const Condition& c) {
  if (c.attribute.is_intrinsic() || !c.operand.is_numeric()) return ValueType::kNil;
  return c.operand.type == ValueType::kFloat ? ValueType::kFloat : ValueType::kInt;
}

bool IsExistence(const Condition& c) { return c.operand.type == ValueType::kNil; }

bool IsRegex(const Condition& c) {
  return *c.op == BinaryOp::kRegex || *c.op == BinaryOp::kNotRegex;
}

// Whether some x in [min, max] satisfies `x op literal`, given x compares to the bounds as
// `cmp_min` = compare(min, literal) and `cmp_max` = compare(max, literal).
bool RangeMayHold(BinaryOp op, int cmp_min, int cmp_max, bool single_value) {
  switch (op) {
    case BinaryOp::kEq:
      return cmp_min <= 0 && cmp_max >= 0;
    case BinaryOp::kNeq:
      return !(single_value && cmp_min == 0);
    case BinaryOp::kLt:
      return cmp_min < 0;
    case BinaryOp::kLte:
      return cmp_min <= 0;
    case BinaryOp::kGt:
      return cmp_max > 0;
    case BinaryOp::kGte:
      return cmp_max >= 0;
    default:
      return false;
  }
}

bool NumericRange(const Condition& c, const eval::Value& min, const eval::Value& max) {
  if (!c.op || IsExistence(c)) return true;
  if (IsRegex(c)) return false;  // numbers never match a regex
  ValueType strict = StrictType(c);
  if (strict != ValueType::kNil &&
      (min.type == ValueType::kFloat) != (strict == ValueType::kFloat)) {
    return false;
  }
  eval::Value literal = eval::FromStatic(c.operand);
  if (!literal.is_numeric()) return false;
  int cmp_min = eval::CompareNumeric(min, literal);
  int cmp_max = eval::CompareNumeric(max, literal);
  if (cmp_min == 2 || cmp_max == 2) return true;  // NaN: unsure
  bool single = eval::CompareNumeric(min, max) == 0;
  return RangeMayHold(*c.op, cmp_min, cmp_max, single);
}

bool MayMatch(const Condition& c, const eval::Value& v) {
  if (!c.op || IsExistence(c)) return true;
  if (v.is_nil()) return false;
  if (IsRegex(c)) {
    if (c.regex == nullptr) return true;
    if (v.type != ValueType::kString) return false;
    return RE2::FullMatch(v.s, *c.regex) != (*c.op == BinaryOp::kNotRegex);
  }
  return eval::Compare(*c.op, v, eval::FromStatic(c.operand), StrictType(c));
}

}  // namespace

bool MayMatchRange(const Condition& condition, int64_t min, int64_t max) {
  return NumericRange(condition, eval::Value::Int(min), eval::Value::Int(max));
}

bool MayMatchRange(const Condition& condition, double min, double max) {
  return NumericRange(condition, eval::Value::Float(min), eval::Value::Float(max));
}

bool MayMatchString(const Condition& condition, std::string_view value) {
  return MayMatch(condition, eval::Value::String(value));
}

bool MayMatchValue(const Condition& condition, const Static& value) {
  return MayMatch(condition, eval::FromStatic(value));
}

}  // namespace tempo::traceql
