#include "traceql/int_ops.h"

#include <limits>

namespace tempo::traceql {
namespace {

constexpr int64_t kMinInt = std::numeric_limits<int64_t>::min();

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

}  // namespace

std::optional<int64_t> IntArithmetic(BinaryOp op, int64_t a, int64_t b) {
  switch (op) {
    case BinaryOp::kAdd:
      return WrapAdd(a, b);
    case BinaryOp::kSub:
      return WrapSub(a, b);
    case BinaryOp::kMul:
      return WrapMul(a, b);
    case BinaryOp::kDiv:
      if (b == 0) return std::nullopt;
      return a == kMinInt && b == -1 ? kMinInt : a / b;
    case BinaryOp::kMod:
      if (b == 0) return std::nullopt;
      return b == -1 ? 0 : a % b;
    case BinaryOp::kPow:
      return IntPow(a, b);
    default:
      return std::nullopt;
  }
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
    case BinaryOp::kGte:
      return cmp >= 0;
    default:
      return false;
  }
}

}  // namespace tempo::traceql
