#pragma once

#include <optional>

#include "tempo/common/result.h"
#include "tempo/traceql/values.h"

// Operations on literal values, used for constant folding (traceql.md §5.4, §8.2).
namespace tempo::traceql {

// `lhs op rhs` when both operands are non-nil literals whose types allow `op` (§7) and the result
// cannot be a run-time error: nullopt for regex operators, integer division or modulo by zero,
// and type errors (those are reported by validation instead).
std::optional<Static> FoldBinary(BinaryOp op, const Static& lhs, const Static& rhs);

// `-v` (numeric) or `!v` (bool); nullopt on a type error.
std::optional<Static> FoldUnary(UnaryOp op, const Static& operand);

// Arithmetic of the `scalar` grammar outside braces (§3): only + - * /, int/int keeps integer
// semantics. Errors: any duration operand ("duration cannot be used in scalar arithmetic") and
// constant integer division by zero.
Result<Static> FoldScalar(BinaryOp op, const Static& lhs, const Static& rhs);

}  // namespace tempo::traceql
