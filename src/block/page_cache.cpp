#include "tempo/block/page_cache.h"

#include <atomic>
#include <list>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "tempo/common/metrics.h"

namespace tempo::block {
namespace {

constexpr size_t kShards = 16;
// What an entry costs beyond its payload (list and index nodes, the page object and its
// control block), counted against the capacity so that many tiny pages cannot exceed it.
constexpr uint64_t kEntryOverhead = 128;

struct Key {
  uint64_t block;
  uint64_t offset;
  bool operator==(const Key& o) const { return block == o.block && offset == o.offset; }
};

struct KeyHash {
  size_t operator()(const Key& k) const {
    // splitmix64 finalizer over both halves: offsets are multiples of small page sizes.
    uint64_t x = k.block * 0x9E3779B97F4A7C15ull ^ k.offset;
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 31;
    return static_cast<size_t>(x);
  }
};

}  // namespace

struct PageCache::Shard {
  using Entry = std::pair<Key, std::shared_ptr<const CachedPage>>;
  std::mutex mu;
  std::list<Entry> lru;  // most recently used first
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index;
  uint64_t bytes = 0;    // payload bytes
  uint64_t charged = 0;  // payload bytes plus kEntryOverhead per entry
};

PageCache::PageCache(uint64_t capacity_bytes) : PageCache(capacity_bytes, Metrics{}) {}

PageCache::PageCache(uint64_t capacity_bytes, Metrics metrics)
    : capacity_(capacity_bytes), metrics_(metrics), shards_(new Shard[kShards]) {}

PageCache::~PageCache() = default;

uint64_t PageCache::NewBlockKey() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

PageCache::Shard& PageCache::ShardOf(uint64_t block, uint64_t offset) {
  return shards_[KeyHash{}(Key{block, offset}) % kShards];
}

std::shared_ptr<const CachedPage> PageCache::Find(uint64_t block, uint64_t offset) {
  std::shared_ptr<const CachedPage> page;
  if (capacity_ > 0) {
    Shard& s = ShardOf(block, offset);
    std::lock_guard<std::mutex> lock(s.mu);
    if (auto it = s.index.find(Key{block, offset}); it != s.index.end()) {
      s.lru.splice(s.lru.begin(), s.lru, it->second);
      page = it->second->second;
    }
  }
  metrics::Counter* counter = page != nullptr ? metrics_.hits : metrics_.misses;
  if (counter != nullptr) counter->Inc();
  return page;
}

void PageCache::Insert(uint64_t block, uint64_t offset, std::shared_ptr<const CachedPage> page) {
  const uint64_t share = capacity_ / kShards;
  if (page == nullptr || page->size + kEntryOverhead > share) return;
  Shard& s = ShardOf(block, offset);
  int64_t delta = 0;
  uint64_t evicted = 0;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    const Key key{block, offset};
    if (auto it = s.index.find(key); it != s.index.end()) {
      s.bytes -= it->second->second->size;
      s.charged -= it->second->second->size + kEntryOverhead;
      delta -= it->second->second->size;
      s.lru.erase(it->second);
      s.index.erase(it);
    }
    s.bytes += page->size;
    s.charged += page->size + kEntryOverhead;
    delta += page->size;
    s.lru.emplace_front(key, std::move(page));
    s.index.emplace(key, s.lru.begin());
    while (s.charged > share) {
      const Shard::Entry& last = s.lru.back();
      s.bytes -= last.second->size;
      s.charged -= last.second->size + kEntryOverhead;
      delta -= last.second->size;
      s.index.erase(last.first);
      s.lru.pop_back();
      ++evicted;
    }
  }
  if (metrics_.bytes != nullptr) metrics_.bytes->Add(static_cast<double>(delta));
  if (evicted > 0 && metrics_.evictions != nullptr) {
    metrics_.evictions->Inc(static_cast<double>(evicted));
  }
}

uint64_t PageCache::bytes() const {
  uint64_t total = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    total += shards_[i].bytes;
  }
  return total;
}

uint64_t PageCache::pages() const {
  uint64_t total = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    total += shards_[i].lru.size();
  }
  return total;
}

}  // namespace tempo::block
