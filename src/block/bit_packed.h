#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace tempo::block {

// The kBitPacked integer encoding (docs/block-format.md, "Encodings"): the values (mode 0) or,
// after the first value, their differences (mode 1), whichever packs smaller, in blocks of
// kBitPackBlock, each as its minimum and the offsets from it in the fewest bits that hold them
// all. Decodes at ~1 ns a value whatever the widths, several times faster than multi-byte
// varints; the page cache holds integer pages this way (ChunkReader). Stateless, thread-safe.
inline constexpr uint32_t kBitPackBlock = 128;

// Appends the payload for `values`.
void EncodeBitPacked(std::span<const int64_t> values, std::string* out);

// Reads the first `n` values of a payload from data[*pos, end), handing them to
// emit_block(values, count) a block at a time, and advances *pos past the blocks read; false if
// a block is truncated or malformed (bad mode, width above 64).
using BitPackedBlockFn = std::function<void(const int64_t* values, uint32_t count)>;
bool ReadBitPacked(std::string_view data, size_t* pos, uint32_t n,
                   const BitPackedBlockFn& emit_block);

}  // namespace tempo::block
