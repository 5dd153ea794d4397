#pragma once

#include <string_view>

#include "model/otlp_json_schema.h"
#include "model/otlp_json_values.h"
#include "tempo/common/status.h"

namespace tempo::model::otlp_json {

// Stores JSON scalars into the scalar fields of OTLP protobuf messages, one case per field of
// otlp_json_schema.h. Private to the OTLP JSON decoder; stateless and thread-safe.

// Sets the scalar field `f` of `target` (a message of type `msg`) from `v` (not null).
// `target` is a message of type `msg`; a string value is moved out of `*v.s`. Errors are
// kInvalidArgument naming the field (kInternal for a field that is not a scalar).
Status SetScalar(Msg msg, void* target, const FieldSpec& f, Scalar& v);

// What a scalar field takes, for error messages.
std::string_view ScalarWant(Field field);

}  // namespace tempo::model::otlp_json
