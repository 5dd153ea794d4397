#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "block/footer.h"
#include "block/page.h"
#include "block/value_codec.h"
#include "tempo/block/block_reader.h"
#include "tempo/block/page_cache.h"
#include "tempo/common/result.h"

namespace tempo::block {

// The dictionary of one chunk, whose pages are decoded on first use. Entries are views into page
// buffers owned by the ChunkReader.
struct PagedDictionary {
  std::vector<uint64_t> first;    // first code of each page, then the entry count
  std::vector<Dictionary> pages;  // decoded pages (valid where loaded[p])
  std::vector<uint8_t> loaded;
  uint64_t size() const { return first.back(); }
  // Entry `code`; its page must be loaded.
  std::string_view at(uint64_t code) const;
  size_t PageOf(uint64_t code) const;
};

// Decoded values of one column over a range of values. Strings and bytes are views into buffers
// owned by the ChunkReader that produced them. An omitted column is not materialized: `defaulted`
// is set and the vectors stay empty (every value is 0, "" or 0.0).
struct ColumnValues {
  bool defaulted = false;
  std::vector<int64_t> ints;           // kInt64 columns and dictionary codes
  std::vector<double> doubles;         // kDouble
  std::vector<std::string_view> strs;  // kString and kBytes
  // Dictionary-encoded strings read with `codes_only`: the codes instead of `strs`.
  std::vector<uint32_t> codes;
  const PagedDictionary* dict = nullptr;  // every page loaded
};

// Decodes column chunks of one row group: whole chunks or value ranges, decompressing only the
// pages that overlap the range. The bytes come from memory (the whole row group, or single
// chunks) or, in fetch mode, page by page from the file as they are needed (trace lookups, which
// touch one page of each column). Validates every page (checksum, encoding, value counts,
// dictionary codes). Not thread-safe; one per decode. `footer`, `row_group`, the bytes it is
// given and the fetch function must outlive it.
class ChunkReader {
 public:
  // Over the whole row group's bytes.
  ChunkReader(const Footer& footer, const RowGroupMeta& row_group, std::string_view bytes);
  // Over single chunks handed in with Provide (for scans that read a few columns only); reading a
  // column whose chunk was not provided is kInternal.
  ChunkReader(const Footer& footer, const RowGroupMeta& row_group);
  // Fetch mode: each page is read from the file through `fetch` when first needed.
  ChunkReader(const Footer& footer, const RowGroupMeta& row_group, const ReadAtFn& fetch);

  // The bytes of the chunk of catalog column `column` (exactly its length); ignored for columns
  // without a chunk in this row group.
  void Provide(uint32_t column, std::string_view chunk_bytes);

  // From now on every page is decompressed once: integer and dictionary-code pages are kept
  // decoded (whole), string and bytes pages decompressed, so that many small reads of the same
  // pages (sparse trace selections) do not repeat the work. Memory: up to 8 bytes per value of
  // the integer pages touched plus the decompressed string pages.
  void CachePages() { cache_pages_ = true; }
  // Looks pages up in (and adds decompressed ones to) `cache` under `block_key` (the block's
  // PageCache key) before reading them; `cache` must outlive the reader. nullptr: none. With
  // `pack_ints`, the integer pages it adds are re-encoded kBitPacked (for readers that decode
  // whole pages, again and again: scans); else they are added as stored.
  void UsePageCache(PageCache* cache, uint64_t block_key, bool pack_ints = true) {
    page_cache_ = cache;
    block_key_ = block_key;
    pack_ints_ = pack_ints;
  }

  // The chunk of catalog column `column` in this row group, or nullptr if omitted (for a fixed
  // column: every value is the default).
  const ChunkMeta* Chunk(uint32_t column) const;

  // Values [lo, hi) of `column` into `out` (replacing its contents). An omitted column yields
  // `defaulted` values. With `codes_only`, a dictionary-encoded string chunk yields its codes
  // and dictionary (valid as long as this reader) instead of strings. kCorruption if the range
  // exceeds the chunk or a page is bad.
  Status Read(uint32_t column, uint64_t lo, uint64_t hi, ColumnValues* out,
              bool codes_only = false);

 private:
  Status ReadPage(const ChunkMeta& chunk, uint64_t page_offset, uint32_t length,
                  std::string_view what, PageHeader* header, std::string_view* payload, bool keep);
  // A verified page as the page cache keeps it: decompressed, integer pages re-encoded
  // kBitPacked (with pack_ints_); nullptr for a page stored raw that is read as fast in place.
  Result<std::shared_ptr<const CachedPage>> ToCachedPage(std::string_view stored,
                                                         const PageHeader& header,
                                                         std::string_view what);
  // The stored bytes of a page: from the provided chunk, else fetched.
  Status PageBytes(const ChunkMeta& chunk, size_t chunk_index, uint64_t page_offset,
                   uint32_t length, std::string_view what, std::string_view* data);
  PagedDictionary& DictionaryOf(const ChunkMeta& chunk);
  Status LoadDictionaryPage(const ChunkMeta& chunk, PagedDictionary& dict, size_t page);
  std::string What(const ChunkMeta& chunk) const;

  const Footer& footer_;
  const RowGroupMeta& row_group_;
  std::vector<int32_t> chunk_of_;  // catalog column -> index in row_group_.chunks, or -1
  std::vector<std::string_view> chunk_bytes_;  // by chunk index; empty data() = not provided
  const ReadAtFn* fetch_ = nullptr;            // fetch mode
  std::deque<std::string> fetched_;            // stored pages read in fetch mode
  bool cache_pages_ = false;
  bool pack_ints_ = true;  // UsePageCache's pack_ints
  // With CachePages: decoded integer pages by (chunk index << 32 | page index), and kept
  // (decompressed) pages by (chunk index, page offset).
  std::unordered_map<uint64_t, std::vector<int64_t>> int_pages_;
  std::map<std::pair<uint64_t, uint64_t>, std::pair<PageHeader, std::string_view>> kept_pages_;
  PageCache* page_cache_ = nullptr;
  uint64_t block_key_ = 0;
  std::vector<std::shared_ptr<const CachedPage>> pinned_;  // cached pages read with `keep`
  std::shared_ptr<const CachedPage> current_;             // the last one read without
  PageDecompressor decompressor_;
  std::string scratch_;
  std::deque<std::string> buffers_;  // decompressed pages that views point into
  std::deque<std::pair<uint32_t, PagedDictionary>> dictionaries_;  // deque: stable addresses
  std::vector<int64_t> codes_;
  std::vector<std::string_view> views_;
};

}  // namespace tempo::block
