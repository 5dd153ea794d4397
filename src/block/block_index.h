#pragma once

#include <cstdint>
#include <memory>
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

class TraceAssembler;

// A TraceAssembler over one row group of a block, with what it reads from: either the whole row
// group, read at once (many traces to decode), or the block's pages one read each as the
// assembler needs them (a few traces: a row group is megabytes, their pages a small part of it).
// `bytes_read` counts what was read so far. Not movable (the page reader points into it); not
// thread-safe.
struct RowGroupAssembly {
  RowGroupAssembly();
  ~RowGroupAssembly();
  RowGroupAssembly(const RowGroupAssembly&) = delete;
  RowGroupAssembly& operator=(const RowGroupAssembly&) = delete;

  // Prepares `assembler` for row group `rg` of the block read through `read` (which must
  // outlive this), reading the whole row group now unless `by_pages`, its pages looked up in
  // `cache` (under `cache_key`; may be null) first. Errors: the read's.
  Status Open(const Footer& footer, const RowGroupMeta& rg, const ReadAtFn& read, bool by_pages,
              PageCache* cache = nullptr, uint64_t cache_key = 0);

  std::unique_ptr<TraceAssembler> assembler;
  uint64_t bytes_read = 0;

 private:
  std::string bytes_;   // the whole row group, when read at once
  ReadAtFn counted_;    // page reads through `read`, counted into bytes_read
};

// Whether decoding `wanted` of a row group's `traces` traces should read pages rather than the
// whole row group (where small reads are cheap: LookupReads::kPages).
inline bool ReadByPages(uint64_t wanted, uint64_t traces) { return wanted * 8 <= traces; }

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
