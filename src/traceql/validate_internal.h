#pragma once

#include <string_view>

#include "tempo/common/result.h"
#include "tempo/traceql/ast.h"

// Type checking of field expressions (traceql.md §7), shared by the validation files.
namespace tempo::traceql::internal {

// The implied type of `expr` (kAttribute when unknown until run time), or the first error in
// reading order: kInvalidArgument for type errors, bad regexes and `intrinsic = nil`,
// kUnimplemented for `parent` references.
Result<ValueType> CheckFieldExpr(const FieldExpr& expr);

// Whether `expr` reads anything from the span (an attribute or intrinsic), i.e. is not constant.
bool ReferencesSpan(const FieldExpr& expr);

// kUnimplemented for `parent.x` attributes and the `parent` intrinsic.
Status CheckAttributeSupported(const Attribute& attribute);

// kUnimplemented "<construct> not yet supported".
Status Unsupported(std::string_view construct);

}  // namespace tempo::traceql::internal
