#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "block/bit_packed.h"
#include "block/page.h"
#include "tempo/common/result.h"

namespace tempo::block {

// Value encodings of data pages (docs/block-format.md, "Encodings"). Encoders append a payload
// and return the encoding they chose; decoders validate every length against the payload and fail
// with kCorruption naming `what`. Stateless and thread-safe.

// Picks the smallest of kPlainVarint, kDeltaVarint and kForVarint for `values`.
Encoding EncodeInts(std::span<const int64_t> values, std::string* out);
// Whether pages of `encoding` hold integers (values or dictionary codes) in one of the varint
// encodings, which EncodeBitPacked can re-encode.
bool IsVarintInts(Encoding encoding);

// Decodes the first min(n, limit) of the page's `n` values (n bounded by the payload size) into
// `out` (resized to that count). Only a full decode checks that no bytes follow the values.
Status DecodeInts(Encoding encoding, std::string_view payload, uint32_t n, std::string_view what,
                  std::vector<int64_t>* out, uint32_t limit = UINT32_MAX);
// Appends values [skip, skip + take) of the page's `n` to `out` (a decode up to the page's end
// checks that no bytes follow). Errors as DecodeInts; `out` is unchanged on error.
Status DecodeIntsAppend(Encoding encoding, std::string_view payload, uint32_t n,
                        std::string_view what, uint32_t skip, uint32_t take,
                        std::vector<int64_t>* out);
// Dictionary codes of an integer page: appends values [skip, skip + take) of the page's `n` to
// `out`, each checked to be below `dict_size` (codes before `skip` are checked too; a decode
// up to the page's end checks that no bytes follow). Errors as DecodeInts, and "dictionary code
// out of range"; `out` is unchanged on error.
Status DecodeCodes(Encoding encoding, std::string_view payload, uint32_t n, std::string_view what,
                   uint32_t skip, uint32_t take, uint64_t dict_size, std::vector<uint32_t>* out);

// kDecimalDouble when every value is an exact decimal (v = n / 10^e, |n| < 2^53, the smallest
// such e <= 18) and the scaled integers are smaller, else kSplitDouble (byte planes).
Encoding EncodeDoubles(std::span<const double> values, std::string* out);
Status DecodeDoubles(Encoding encoding, std::string_view payload, uint32_t n, std::string_view what,
                     std::vector<double>* out);

// kFixedWidth when all values share a non-zero length, else kLengthPrefixed.
Encoding EncodeBytes(std::span<const std::string_view> values, std::string* out);
// Appends `n` views into `payload` to `out`.
Status DecodeBytes(Encoding encoding, std::string_view payload, uint32_t n, std::string_view what,
                   std::vector<std::string_view>* out);

// A dictionary page: `sorted` must be strictly ascending. The varint lengths of all entries come
// first, then their bytes back to back, so a reader can point into the page without copying.
void EncodeDictionary(std::span<const std::string_view> sorted, std::string* out);
// Decoded dictionary: views into the page payload, which must outlive it.
struct Dictionary {
  std::string_view bytes;
  std::vector<uint32_t> offsets{0};
  size_t size() const { return offsets.size() - 1; }
  std::string_view at(size_t i) const {
    return bytes.substr(offsets[i], offsets[i + 1] - offsets[i]);
  }
};
// Checks that the lengths add up to the payload (not the order: readers do not depend on it for
// safety).
Status DecodeDictionary(std::string_view payload, uint32_t n, std::string_view what,
                        Dictionary* out);

}  // namespace tempo::block
