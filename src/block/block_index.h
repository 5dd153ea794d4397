#pragma once

#include <cstdint>
#include <string>

#include "block/bloom.h"
#include "block/footer.h"
#include "tempo/block/block_reader.h"

namespace tempo::block {

// Everything BlockReader::Open reads: the decoded footer, the directory and the bloom filter.
// Immutable after Open; shared by the reader's methods and BlockFetcher.
struct BlockIndex {
  Footer footer;
  std::string directory;  // 16 bytes per trace, strictly ascending
  BloomFilter bloom;
  uint64_t footer_length = 0;
};

// Reads exactly `length` bytes at `offset` through `read` (kIOError on a short read).
Result<std::string> ReadBlockRange(const ReadAtFn& read, uint64_t offset, uint64_t length);

}  // namespace tempo::block
