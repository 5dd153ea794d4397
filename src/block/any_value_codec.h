#pragma once

#include <string>
#include <string_view>

#include "tempo/common/result.h"

namespace opentelemetry::proto::common::v1 {
class AnyValue;
}

namespace tempo::block {

// The encoding of "complex" attribute values (arrays, kvlists and any other AnyValue case), kept
// bit-exact, including strings that are not valid UTF-8 (which protobuf would refuse to parse
// back):
//   value  := u8 case, then: 0 (none) nothing | 1 string: bytes | 2 bool: u8 | 3 int: svarint |
//             4 double: u64 bits | 5 array: varint n, n x value |
//             6 kvlist: varint n, n x (bytes key, u8 has_value, [value]) | 7 bytes: bytes |
//             8 string_value_strindex: svarint
// (docs/block-format.md, section 10). Thread-safe (pure functions).
void EncodeAnyValue(const opentelemetry::proto::common::v1::AnyValue& value, std::string* out);

// Decodes exactly one value filling all of `data` into `out` (cleared first). Nesting deeper
// than 64 levels and any malformed input are kCorruption.
Status DecodeAnyValue(std::string_view data, opentelemetry::proto::common::v1::AnyValue* out);

}  // namespace tempo::block
