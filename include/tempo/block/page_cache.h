#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace tempo::metrics {
class Counter;
class Gauge;
}  // namespace tempo::metrics

namespace tempo::block {

// One decompressed data or dictionary page: the fields of its header a reader needs and the
// payload as it was before compression (checksum verified when it was decompressed).
struct CachedPage {
  uint8_t encoding = 0;
  uint32_t num_values = 0;
  uint32_t size = 0;
  std::unique_ptr<char[]> bytes;  // `size` bytes
  std::string_view payload() const { return {bytes.get(), size}; }
};

// Decompressed block pages kept across reads, so that searches over the same recent blocks do
// not verify and zstd-decompress the same pages again (the "uncompressed cache" of column
// stores). Keyed by (block key, page offset in data.tcb); a block key comes from NewBlockKey, one
// per opened BlockReader, and is never reused, so a reader's entries cannot be confused with
// another block's and age out once the reader is gone. Least recently used pages are evicted
// once the payload bytes, plus a fixed charge per page for its bookkeeping, exceed the capacity
// (split evenly over shards; a page larger than a shard's share is not kept). Capacity 0 keeps
// nothing. Entries are shared: a page handed out stays valid while its holder keeps the
// pointer, evicted or not. Thread-safe (a mutex per shard).
class PageCache {
 public:
  struct Metrics {
    metrics::Counter* hits = nullptr;
    metrics::Counter* misses = nullptr;
    metrics::Counter* evictions = nullptr;
    metrics::Gauge* bytes = nullptr;  // payload bytes held
  };

  explicit PageCache(uint64_t capacity_bytes);
  PageCache(uint64_t capacity_bytes, Metrics metrics);
  ~PageCache();
  PageCache(const PageCache&) = delete;
  PageCache& operator=(const PageCache&) = delete;

  // A key no other block has had in this process.
  static uint64_t NewBlockKey();

  // The page at `offset` of block `block`, or nullptr (counted as a miss).
  std::shared_ptr<const CachedPage> Find(uint64_t block, uint64_t offset);
  // Keeps `page` (replacing an entry of the same key) and evicts the least recently used pages
  // of its shard beyond the shard's share of the capacity.
  void Insert(uint64_t block, uint64_t offset, std::shared_ptr<const CachedPage> page);

  uint64_t capacity() const { return capacity_; }
  // Payload bytes and pages held now.
  uint64_t bytes() const;
  uint64_t pages() const;

 private:
  struct Shard;
  Shard& ShardOf(uint64_t block, uint64_t offset);

  const uint64_t capacity_;
  Metrics metrics_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace tempo::block
