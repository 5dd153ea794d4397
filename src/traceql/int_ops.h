#pragma once

#include <cstdint>
#include <optional>

#include "tempo/traceql/values.h"

// Integer arithmetic with Go's int64 semantics and the comparison rule shared by constant folding
// (static_ops.cpp) and evaluation (eval/value.cpp), traceql.md §8.2.
namespace tempo::traceql {

// Two's-complement wrap-around, as Go's int64.
inline int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
inline int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
inline int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

// `a op b` for + - * / % and ^ (lhs^rhs in the mathematical order §8.2 recommends over Tempo's
// swapped operands; negative exponents truncate towards zero). nullopt for division or modulo by
// zero, 0^negative, and operators that are not arithmetic.
std::optional<int64_t> IntArithmetic(BinaryOp op, int64_t a, int64_t b);

// Whether comparison `op` holds for a three-way result `cmp` (-1, 0, 1); false for operators
// that are not comparisons.
bool OrderHolds(BinaryOp op, int cmp);

}  // namespace tempo::traceql
