#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tempo/common/status.h"

namespace tempo::receivers::zipkin::json_fields {

// Typed reads of JSON values with the leniency and the error texts of Go's encoding/json, shared
// by the v1 and v2 JSON decoders. `where` names the field ("SpanModel.name") in errors. A JSON
// null leaves the output unchanged, as Go does. Never throws.

using Json = nlohmann::json;

// Parses `text`; errors (kInvalidArgument) carry the parser's message.
Status Parse(std::string_view text, Json* out);

// The lower-cased key, for Go's case-insensitive field matching.
std::string LowerKey(std::string_view key);

Status ReadString(const Json& v, std::string_view where, std::string* out);
Status ReadBool(const Json& v, std::string_view where, bool* out);
// A non-negative integer (an integral float is accepted too) no larger than `max`.
Status ReadUnsigned(const Json& v, std::string_view where, uint64_t max, uint64_t* out);
Status ReadSigned(const Json& v, std::string_view where, int64_t* out);

// "json: cannot unmarshal <json type> into Go struct field <where> of type <go_type>".
Status TypeError(const Json& v, std::string_view where, std::string_view go_type);

}  // namespace tempo::receivers::zipkin::json_fields
