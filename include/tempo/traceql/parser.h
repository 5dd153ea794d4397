#pragma once

#include <memory>
#include <string_view>

#include "tempo/common/result.h"
#include "tempo/traceql/ast.h"

namespace tempo::traceql {

// Parses a TraceQL query (search or metrics, with hints) into its syntax tree, folding constant
// sub-expressions. Errors are kInvalidArgument with the message
// "parse error at line L, col C: <detail>", where L/C (1-based, C in characters) locate the
// offending token and <detail> reads like "syntax error: unexpected '}', expecting ')'" (the HTTP
// layer prefixes "invalid TraceQL query: "). Thread-safe (no shared state).
Result<std::unique_ptr<RootExpr>> Parse(std::string_view query);

// Parse() followed by Validate() (validate.h).
Result<std::unique_ptr<RootExpr>> ParseAndValidate(std::string_view query);

}  // namespace tempo::traceql
