#pragma once

#include "tempo/common/status.h"
#include "tempo/traceql/ast.h"

namespace tempo::traceql {

// Semantic checks of a parsed query (traceql.md §7, §15, §18, §19): operand types, regexes,
// aggregate and `by()` arguments that must reference the span, `topk(0)`, quantiles outside
// [0, 1], `compare()` misuse. Violations are kInvalidArgument with a plain detail message.
// Constructs that parse but are not implemented (any `parent` reference, scalar filters other than
// `aggregate cmp literal`, pipeline arithmetic, too many group-by attributes) are kUnimplemented
// with a message "<construct> not yet supported". Children are checked before their parent, so
// the first problem in reading order wins. Thread-safe.
Status Validate(const RootExpr& root);

// Checks one field expression as a spanset filter: it must be bool (or an attribute).
Status ValidateFilter(const FieldExpr& expr);

}  // namespace tempo::traceql
