#include "traceql/static_ops.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "traceql/int_ops.h"

namespace tempo::traceql {
namespace {

// Integer arithmetic on literals; nullopt where evaluation would fail (division by zero,
// 0^negative).
std::optional<Static> IntArithmeticStatic(BinaryOp op, int64_t a, int64_t b) {
  std::optional<int64_t> v = IntArithmetic(op, a, b);
  if (!v) return std::nullopt;
  return Static::Int(*v);
}

Static FloatArithmetic(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::kAdd:
      return Static::Float(a + b);
    case BinaryOp::kSub:
      return Static::Float(a - b);
    case BinaryOp::kMul:
      return Static::Float(a * b);
    case BinaryOp::kDiv:
      return Static::Float(a / b);
    case BinaryOp::kMod:
      return Static::Float(std::fmod(a, b));
    default:
      return Static::Float(std::pow(a, b));
  }
}

// -1, 0, 1 for a < b, a == b, a > b; numbers compare exactly when neither is a float.
int CompareNumbers(const Static& a, const Static& b) {
  if (a.type != ValueType::kFloat && b.type != ValueType::kFloat) {
    return a.int_value < b.int_value ? -1 : (a.int_value > b.int_value ? 1 : 0);
  }
  double x = a.AsDouble(), y = b.AsDouble();
  return x < y ? -1 : (x > y ? 1 : 0);
}

}  // namespace

std::optional<Static> FoldBinary(BinaryOp op, const Static& lhs, const Static& rhs) {
  if (lhs.type == ValueType::kNil || rhs.type == ValueType::kNil) return std::nullopt;
  if (!TypesCompatible(lhs.type, rhs.type) || !OperatorAllowed(lhs.type, op) ||
      !OperatorAllowed(rhs.type, op)) {
    return std::nullopt;
  }
  if (op == BinaryOp::kRegex || op == BinaryOp::kNotRegex) return std::nullopt;
  if (IsArithmetic(op)) {
    if (lhs.type == ValueType::kInt && rhs.type == ValueType::kInt) {
      return IntArithmeticStatic(op, lhs.int_value, rhs.int_value);
    }
    return FloatArithmetic(op, lhs.AsDouble(), rhs.AsDouble());
  }
  if (op == BinaryOp::kAnd) return Static::Bool(lhs.bool_value && rhs.bool_value);
  if (op == BinaryOp::kOr) return Static::Bool(lhs.bool_value || rhs.bool_value);
  if (lhs.is_numeric()) {
    if (std::isnan(lhs.AsDouble()) || std::isnan(rhs.AsDouble())) {
      return Static::Bool(op == BinaryOp::kNeq);  // IEEE: NaN is unordered
    }
    return Static::Bool(OrderHolds(op, CompareNumbers(lhs, rhs)));
  }
  if (lhs.type == ValueType::kString) {
    int cmp = lhs.string_value.compare(rhs.string_value);
    return Static::Bool(OrderHolds(op, cmp < 0 ? -1 : (cmp > 0 ? 1 : 0)));
  }
  bool equal = lhs == rhs;  // bool, status, kind: same type guaranteed by TypesCompatible
  return Static::Bool(op == BinaryOp::kEq ? equal : !equal);
}

std::optional<Static> FoldUnary(UnaryOp op, const Static& v) {
  if (op == UnaryOp::kNot) {
    if (v.type != ValueType::kBool) return std::nullopt;
    return Static::Bool(!v.bool_value);
  }
  switch (v.type) {
    case ValueType::kInt:
      return Static::Int(WrapSub(0, v.int_value));
    case ValueType::kDuration:
      return Static::Duration(WrapSub(0, v.int_value));
    case ValueType::kFloat:
      return Static::Float(-v.float_value);
    default:
      return std::nullopt;
  }
}

Result<Static> FoldScalar(BinaryOp op, const Static& lhs, const Static& rhs) {
  if (lhs.type == ValueType::kDuration || rhs.type == ValueType::kDuration) {
    return InvalidArgumentError("duration cannot be used in scalar arithmetic");
  }
  if (lhs.type == ValueType::kInt && rhs.type == ValueType::kInt) {
    if (op == BinaryOp::kDiv && rhs.int_value == 0) {
      return InvalidArgumentError("division by zero");
    }
    auto folded = IntArithmeticStatic(op, lhs.int_value, rhs.int_value);
    if (folded) return *folded;
    return InvalidArgumentError("invalid scalar arithmetic");
  }
  return FloatArithmetic(op, lhs.AsDouble(), rhs.AsDouble());
}

}  // namespace tempo::traceql
