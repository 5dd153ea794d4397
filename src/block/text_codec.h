#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "block/page.h"
#include "tempo/common/result.h"

namespace tempo::block {

// Plain string pages whose values all have a recognisable shape are stored packed
// (docs/block-format.md, "Hex IDs and IPv4 addresses"): random hex and addresses are about
// twice their entropy as text, which zstd cannot close. Stateless and thread-safe.

// Fewest hex digits a value needs to be stored as kHexText.
inline constexpr size_t kMinHexDigits = 8;

// kHexText when every value is a hex ID of one shape (the same length, '-' at the same
// positions, at least kMinHexDigits hex digits of one case elsewhere: UUIDs, hex trace and span
// IDs); kIpv4Text when every value is an IPv4 address in dotted-decimal form ("10.0.12.7", no
// leading zeros); else as EncodeBytes.
Encoding EncodeStrings(std::span<const std::string_view> values, std::string* out);

// Whether `encoding` is a packed text encoding (ExpandText reads it).
bool IsPackedText(Encoding encoding);

// Rewrites the packed payload of `n` values as the payload of the same strings in a bytes
// encoding, appended to `out` (which DecodeBytes then reads without copying), and returns that
// encoding: kFixedWidth for kHexText, kLengthPrefixed for kIpv4Text. Only values
// [first, first + count) are written when given (a page of `count` values; the values are of
// fixed size, so the others are stepped over). kCorruption naming `what` if the payload is
// inconsistent or the range exceeds `n`.
Result<Encoding> ExpandText(Encoding encoding, std::string_view payload, uint32_t n,
                            std::string_view what, std::string* out, uint32_t first = 0,
                            uint32_t count = UINT32_MAX);

}  // namespace tempo::block
