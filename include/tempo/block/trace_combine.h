#pragma once

#include <string>
#include <string_view>

#include "tempo/common/status.h"
#include "tempo/model/combine.h"

namespace tempo::block {

// Combines the fragments of one trace, given as serialized tempopb.Trace messages back to back
// (the blocks' parts and the live bytes of a trace-by-ID lookup), exactly as
// model::CombineFragments does, and appends the combined trace to `out` serialized. The fragments
// are read as bytes and the result written from them (TraceRows::FromFragments, then
// AppendSerialized), so a trace of 50,000 spans is combined without a message per span; bytes
// that path does not take (a singular field given twice, groups) go through CombineFragments.
// Fields unknown to the schema are dropped (blocks do not keep them either).
// stats->input_bytes is fragments.size(). Errors: kCorruption if the fragments do not parse.
// Stateless and thread-safe.
Status CombineSerializedTrace(std::string_view fragments, std::string* out,
                              model::CombineStats* stats);

}  // namespace tempo::block
