#pragma once

#include <string>
#include <string_view>

#include "tempo/traceql/values.h"

// How TraceQL renders IDs (traceql.md §6.5). Stateless, thread-safe.
namespace tempo::traceql::eval {

// Trace IDs: lower-case hex without leading zeros ("" for an all-zero or empty ID).
void TraceIdText(std::string_view bytes, std::string* out);
// Span IDs: lower-case hex without leading zeros, left-padded with '0' to 16 characters.
void SpanIdText(std::string_view bytes, std::string* out);

// The same normalisation applied to an ID written in a query, so that both the padded and the
// stripped spelling compare equal to the rendered ID.
std::string NormalizeTraceIdLiteral(std::string_view text);
std::string NormalizeSpanIdLiteral(std::string_view text);
// A literal compared with `intrinsic`: normalised when that is a trace or span ID, else unchanged.
Static NormalizeIdLiteral(Intrinsic intrinsic, const Static& literal);

}  // namespace tempo::traceql::eval
