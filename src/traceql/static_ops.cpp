#include "traceql/static_ops.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace tempo::traceql {
namespace {

constexpr int64_t kMinInt = std::numeric_limits<int64_t>::min();

// Two's-complement wrap-around arithmetic, as Go's int64.
int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

// Integer power lhs^rhs (traceql.md §8.2 recommends the mathematical order, not Tempo's swapped
// operands). Negative exponents truncate towards zero; nullopt for 0^negative.
std::optional<int64_t> IntPow(int64_t base, int64_t exp) {
  if (exp < 0) {
    if (base == 0) return std::nullopt;
    if (base == 1) return 1;
    if (base == -1) return (exp % 2 == 0) ? 1 : -1;
    return 0;
  }
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) result = WrapMul(result, base);
    base = WrapMul(base, base);
    exp >>= 1;
  }
  return result;
}

std::optional<Static> IntArithmetic(BinaryOp op, int64_t a, int64_t b) {
  switch (op) {
    case BinaryOp::kAdd:
      return Static::Int(WrapAdd(a, b));
    case BinaryOp::kSub:
      return Static::Int(WrapSub(a, b));
    case BinaryOp::kMul:
      return Static::Int(WrapMul(a, b));
    case BinaryOp::kDiv:
      if (b == 0) return std::nullopt;
      return Static::Int(a == kMinInt && b == -1 ? kMinInt : a / b);
    case BinaryOp::kMod:
      if (b == 0) return std::nullopt;
      return Static::Int(b == -1 ? 0 : a % b);
    case BinaryOp::kPow: {
      auto p = IntPow(a, b);
      if (!p) return std::nullopt;
      return Static::Int(*p);
    }
    default:
      return std::nullopt;
  }
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

bool OrderHolds(BinaryOp op, int cmp) {
  switch (op) {
    case BinaryOp::kEq:
      return cmp == 0;
    case BinaryOp::kNeq:
      return cmp != 0;
    case BinaryOp::kLt:
      return cmp < 0;
    case BinaryOp::kLte:
      return cmp <= 0;
    case BinaryOp::kGt:
      return cmp > 0;
    default:
      return cmp >= 0;
  }
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
      return IntArithmetic(op, lhs.int_value, rhs.int_value);
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
    auto folded = IntArithmetic(op, lhs.int_value, rhs.int_value);
    if (folded) return *folded;
    return InvalidArgumentError("invalid scalar arithmetic");
  }
  return FloatArithmetic(op, lhs.AsDouble(), rhs.AsDouble());
}

}  // namespace tempo::traceql
