#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "block/bloom.h"
#include "block/footer.h"
#include "block/page.h"
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

// How much of a block's tail a reader fetches at once when it does not know the footer's size:
// small blocks then need a single read.
inline constexpr uint64_t kDefaultTailRead = 64 * 1024;

// The file's first kHeaderSize bytes: magic and a known version, else kCorruption.
Status CheckBlockHeader(std::string_view head);

// Decodes the directory section `section` of a block whose footer counts `traces` traces into
// `directory` (16 bytes per trace), checking its encoding, size and strict ID order.
Status ReadDirectorySection(std::string_view section, uint64_t traces,
                            PageDecompressor* decompressor, std::string* directory);

// Where the footer section of a file of `size` bytes is, from the trailer at the end of `tail`
// (the file's last bytes, at least kTrailerSize of them): magic, version and checksum checked,
// the footer length bounded by the file.
struct FooterExtent {
  uint64_t offset = 0;
  uint64_t length = 0;
};
Result<FooterExtent> ParseTrailer(std::string_view tail, uint64_t size);

}  // namespace tempo::block
