// The page cache alone (keys, eviction, sizes, metrics, concurrent use) and through block reads:
// searches and trace lookups answer the same with it, reuse its pages, and never keep a page that
// failed its checks.
#include "tempo/block/page_cache.h"

#include <cstring>
#include <thread>

#include "block/block_fetch_test_util.h"
#include "tempo/common/metrics.h"

namespace tempo::block {
using namespace fetch_test;  // NOLINT: the shared blocks and comparisons

namespace {

std::shared_ptr<const CachedPage> Page(uint32_t size, char fill) {
  auto page = std::make_shared<CachedPage>();
  page->size = size;
  page->num_values = size;
  page->bytes.reset(new char[size]);
  std::memset(page->bytes.get(), fill, size);
  return page;
}

// The cache has 16 shards, each holding up to capacity / 16 payload bytes.
constexpr uint64_t kShards = 16;

}  // namespace

TEST_CASE("The page cache keeps pages by block and offset", "[block][page_cache]") {
  PageCache cache(1 << 20);
  const uint64_t a = PageCache::NewBlockKey(), b = PageCache::NewBlockKey();
  CHECK(a != b);
  CHECK(cache.Find(a, 0) == nullptr);
  cache.Insert(a, 0, Page(100, 'x'));
  cache.Insert(a, 100, Page(50, 'y'));
  REQUIRE(cache.Find(a, 0) != nullptr);
  CHECK(cache.Find(a, 0)->payload() == std::string(100, 'x'));
  CHECK(cache.Find(a, 100)->payload() == std::string(50, 'y'));
  CHECK(cache.Find(b, 0) == nullptr);  // another block's page at the same offset
  CHECK(cache.bytes() == 150);
  CHECK(cache.pages() == 2);

  // Replacing an entry counts its bytes once.
  cache.Insert(a, 0, Page(10, 'z'));
  CHECK(cache.Find(a, 0)->payload() == std::string(10, 'z'));
  CHECK(cache.bytes() == 60);
  CHECK(cache.pages() == 2);
}

TEST_CASE("The page cache evicts the least recently used pages beyond its size",
          "[block][page_cache]") {
  metrics::Registry registry;
  PageCache::Metrics m;
  m.hits = &registry.AddCounter("hits", "").WithLabels({});
  m.misses = &registry.AddCounter("misses", "").WithLabels({});
  m.evictions = &registry.AddCounter("evictions", "").WithLabels({});
  m.bytes = &registry.AddGauge("bytes", "").WithLabels({});
  constexpr uint32_t kPage = 1000;
  PageCache cache(kShards * 3 * kPage, m);  // three pages per shard
  const uint64_t block = PageCache::NewBlockKey();
  cache.Insert(block, 0, Page(kPage, 'h'));  // kept in use below
  for (uint64_t i = 1; i <= 500; ++i) {
    cache.Insert(block, i * kPage, Page(kPage, 'p'));
    REQUIRE(cache.Find(block, 0) != nullptr);
    CHECK(cache.bytes() <= cache.capacity());
  }
  CHECK(cache.pages() <= kShards * 3);
  CHECK(cache.pages() >= 3);
  CHECK(m.evictions->value() == 501 - cache.pages());
  CHECK(m.bytes->value() == static_cast<double>(cache.bytes()));
  CHECK(m.hits->value() == 500);
  // The first pages inserted and never used again are gone.
  int gone = 0;
  for (uint64_t i = 1; i <= 10; ++i) gone += cache.Find(block, i * kPage) == nullptr;
  CHECK(gone == 10);
  CHECK(m.misses->value() == 10);

  SECTION("a page handed out stays valid after it is evicted") {
    std::shared_ptr<const CachedPage> held = cache.Find(block, 0);
    for (uint64_t i = 1000; i < 1500; ++i) cache.Insert(block, i * kPage, Page(kPage, 'q'));
    CHECK(cache.Find(block, 0) == nullptr);
    CHECK(held->payload() == std::string(kPage, 'h'));
  }
  SECTION("a page larger than a shard's share is not kept") {
    cache.Insert(block, 1 << 30, Page(4 * kPage, 'l'));
    CHECK(cache.Find(block, 1 << 30) == nullptr);
  }
}

TEST_CASE("Tiny pages count their bookkeeping against the size", "[block][page_cache]") {
  PageCache cache(kShards * 1024);
  const uint64_t block = PageCache::NewBlockKey();
  for (uint64_t i = 0; i < 10000; ++i) cache.Insert(block, i, Page(1, 't'));
  CHECK(cache.pages() > kShards);
  // 1 payload byte each, but at least 100 bytes of bookkeeping: far fewer than 1024 per shard.
  CHECK(cache.pages() <= kShards * 1024 / 100);
}

TEST_CASE("A page cache of size 0 keeps nothing", "[block][page_cache]") {
  PageCache cache(0);
  cache.Insert(1, 0, Page(10, 'x'));
  CHECK(cache.Find(1, 0) == nullptr);
  CHECK(cache.bytes() == 0);
}

TEST_CASE("The page cache is used from many threads at once", "[block][page_cache]") {
  PageCache cache(kShards * 64 * 100);
  const uint64_t block = PageCache::NewBlockKey();
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, &wrong, block, t] {
      for (uint64_t i = 0; i < 2000; ++i) {
        const uint64_t offset = (i * 7 + static_cast<uint64_t>(t)) % 300;
        if (auto page = cache.Find(block, offset); page != nullptr) {
          // Every page at an offset holds the same bytes, whoever inserted it.
          if (page->payload() != std::string(100, static_cast<char>('a' + offset % 26))) ++wrong;
        } else {
          cache.Insert(block, offset, Page(100, static_cast<char>('a' + offset % 26)));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
  CHECK(cache.bytes() <= cache.capacity());
}

namespace {

// A block (WriteBlock's: many small pages) opened with a page cache and a read counter.
struct CachedBlock {
  TestBlock plain;  // the same block, read without a cache
  std::string data;
  int reads = 0;
  metrics::Registry registry;
  metrics::Counter& hits = registry.AddCounter("hits", "").WithLabels({});
  std::shared_ptr<PageCache> cache =
      std::make_shared<PageCache>(64 << 20, PageCache::Metrics{&hits, nullptr, nullptr, nullptr});
  std::shared_ptr<const BlockReader> reader;

  CachedBlock(const std::map<TraceId, tempopb::Trace>& traces, LookupReads lookup_reads) {
    WriteBlock(traces, 150, &plain);
    data = plain.data;
    reader = BlockReader::Open(testing::ReadFrom(data, &reads), data.size(), 0, lookup_reads, cache)
                 .value();
  }
};

}  // namespace

TEST_CASE("Searches through a page cache answer as without it and reuse its pages",
          "[block][page_cache]") {
  std::mt19937_64 rng(11);
  std::map<TraceId, tempopb::Trace> traces = StructuredTraces(rng, 300);
  CachedBlock cached(traces, LookupReads::kRowGroup);
  BlockFetcher without(cached.plain.reader), with(cached.reader);

  for (const char* text : {"{ span.http.status_code >= 300 && resource.a = \"v2\" }",
                           "{ duration > 100ms } >> { .b = \"v1\" }", "{ name =~ \"GET.*\" }"}) {
    INFO(text);
    auto query = traceql::SearchQuery::Compile(text).value();
    traceql::SearchOptions options;
    options.limit = 0;
    const tempopb::SearchResponse want = RunSearch(without, query, options);
    CHECK(Same(RunSearch(with, query, options), want));
    const uint64_t held = cached.cache->pages();
    CHECK(held > 0);
    // The second run finds every page it needs in the cache.
    CHECK(Same(RunSearch(with, query, options), want));
    CHECK(cached.cache->pages() == held);
  }
}

TEST_CASE("Trace lookups by pages read nothing a second time", "[block][page_cache]") {
  std::mt19937_64 rng(12);
  std::map<TraceId, tempopb::Trace> traces = StructuredTraces(rng, 200);
  CachedBlock cached(traces, LookupReads::kPages);
  const auto& [id, want] = *std::next(traces.begin(), 77);
  tempopb::Trace first, second;
  const int opened = cached.reads;
  REQUIRE(cached.reader->FindTrace(id, &first).value());
  const int first_reads = cached.reads - opened;
  const double first_hits = cached.hits.value();
  REQUIRE(cached.reader->FindTrace(id, &second).value());
  const int second_reads = cached.reads - opened - first_reads;
  CHECK(testing::Diff(want, second).empty());
  CHECK(testing::Diff(first, second).empty());
  // Each page read the first time is either read again (stored raw: too small to compress) or
  // found decompressed in the cache.
  const double second_hits = cached.hits.value() - first_hits;
  CHECK(second_hits > 0);
  CHECK(second_reads + second_hits == first_reads);
}

TEST_CASE("Pages that trace lookups cached as stored serve the searches that follow",
          "[block][page_cache]") {
  // Lookups add integer pages as stored (varints), scans as kBitPacked: a scan must read both.
  std::mt19937_64 rng(14);
  std::map<TraceId, tempopb::Trace> traces = StructuredTraces(rng, 200);
  CachedBlock cached(traces, LookupReads::kPages);
  size_t looked_up = 0;
  for (const auto& [id, want] : traces) {
    if (++looked_up % 3 != 0) continue;
    tempopb::Trace got;
    REQUIRE(cached.reader->FindTrace(id, &got).value());
    CHECK(testing::Diff(want, got).empty());
  }
  REQUIRE(cached.cache->pages() > 0);
  BlockFetcher without(cached.plain.reader), with(cached.reader);
  for (const char* text : {"{ span.http.status_code >= 300 }", "{ duration > 100ms }",
                           "{ resource.a = \"v2\" && kind = server }"}) {
    INFO(text);
    auto query = traceql::SearchQuery::Compile(text).value();
    traceql::SearchOptions options;
    options.limit = 0;
    CHECK(Same(RunSearch(with, query, options), RunSearch(without, query, options)));
  }
}

TEST_CASE("A page that fails its checks is not cached", "[block][page_cache]") {
  std::mt19937_64 rng(13);
  std::map<TraceId, tempopb::Trace> traces = StructuredTraces(rng, 100);
  CachedBlock cached(traces, LookupReads::kRowGroup);
  // Flip a byte in the middle of the first row group's data: some page's checksum fails.
  cached.data[cached.data.size() / 4] ^= 0x5a;
  BlockFetcher fetcher(cached.reader);
  auto query = traceql::SearchQuery::Compile("{ }").value();
  for (int attempt = 0; attempt < 2; ++attempt) {
    INFO("attempt " << attempt);
    Status s = fetcher.Fetch(RequestContext{}, query.fetch_request(),
                             [](traceql::TraceView&&) { return true; });
    CHECK(s.code() == StatusCode::kCorruption);
  }
}

}  // namespace tempo::block
