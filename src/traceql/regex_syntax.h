#pragma once

#include <string_view>

#include "tempo/common/status.h"

namespace tempo::traceql {

// Checks that `pattern` is a valid RE2 / Go `regexp` pattern (traceql.md §10) without compiling
// it: balanced groups and classes, valid escapes, flags and named groups, repetition operators with
// an operand and counts <= 1000, valid UTF-8. kInvalidArgument in Go's wording otherwise, e.g.
// "error parsing regexp: missing closing ]: `[`". Thread-safe.
Status CheckRegexSyntax(std::string_view pattern);

}  // namespace tempo::traceql
