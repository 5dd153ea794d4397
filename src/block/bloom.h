#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/common/ids.h"
#include "tempo/common/result.h"

namespace tempo::block {

// Split-block bloom filter over trace IDs (docs/block-format.md, "Bloom section"): 32-byte
// blocks of eight 32-bit words; a key sets one bit in each word of one block, so a probe touches
// one cache line. A value type; const methods are thread-safe.
class BloomFilter {
 public:
  // Sized for `keys` keys at false-positive rate `fpp` (at least one block).
  BloomFilter(uint64_t keys, double fpp);
  // Takes the serialized words (little-endian u32s; size a non-zero multiple of 32).
  static Result<BloomFilter> FromBytes(std::string_view bytes);

  void Add(const TraceId& id);
  bool MayContain(const TraceId& id) const;
  // Little-endian words, block after block.
  std::string ToBytes() const;
  size_t blocks() const { return words_.size() / 8; }

  // The 64-bit hash of an ID that selects the block (high half) and the bits (low half).
  static uint64_t Hash(const TraceId& id);

 private:
  BloomFilter() = default;
  std::vector<uint32_t> words_;
};

}  // namespace tempo::block
