#pragma once

#include <cstdint>
#include <string>

#include "tempo/common/ids.h"

namespace tempo::model {

// The spans of one trace from one push: `data` is a serialized tempopb.Trace (field 1 = repeated
// ResourceSpans) holding only this trace's spans, with their resource and scope. Two serialized
// Trace messages concatenated are again a valid Trace holding both sets of ResourceSpans, which is
// how live traces accumulate fragments cheaply. A value type.
struct TraceFragment {
  TraceId trace_id;
  std::string data;
  uint32_t span_count = 0;
  uint64_t start_unix_nano = 0;  // earliest span start in the fragment
  uint64_t end_unix_nano = 0;    // latest span end in the fragment
};

}  // namespace tempo::model
