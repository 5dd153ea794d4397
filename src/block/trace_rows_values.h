#pragma once

// Readers of the values TraceRows::FromFragments takes off serialized OTLP bytes (field numbers
// of src/proto/opentelemetry common.proto and resource.proto): attributes and their owners.
// Stateless; the views they fill point into the bytes given.

#include <string_view>
#include <vector>

#include "block/trace_rows.h"

namespace tempo::block {

// Appends one KeyValue's attribute to `out`. False where its value is given twice (a merge only
// a parse reproduces) or the bytes do not parse. A last value member that is an array, a kvlist
// or a string index makes the attribute kComplex with the whole AnyValue payload.
bool ReadKeyValue(std::string_view bytes, std::vector<TraceRows::Attr>* out);

// A Resource (attributes field 1, dropped count 2), an InstrumentationScope (name 1, version 2,
// attributes 3, dropped count 4) or a span's Event or Link: appends its attributes to `attrs` and
// fills `owner` for the first two. False where the bytes do not parse.
bool ReadOwner(std::string_view bytes, bool scope, TraceRows::Owner* owner,
               std::vector<TraceRows::Attr>* attrs);

}  // namespace tempo::block
