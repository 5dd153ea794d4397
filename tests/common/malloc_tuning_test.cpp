#include "tempo/common/malloc_tuning.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tempo {
namespace {

TEST_CASE("The arena limit is two per core, at least four", "[common]") {
  CHECK(MallocArenaLimit(1) == 4);
  CHECK(MallocArenaLimit(2) == 4);
  CHECK(MallocArenaLimit(3) == 6);
  CHECK(MallocArenaLimit(16) == 32);
}

#if defined(__GLIBC__)
TEST_CASE("Test binaries run on glibc's malloc, and say so", "[common]") {
  // Only the server executable links jemalloc (docs/dependencies.md).
  CHECK(ActiveAllocator() == Allocator::kGlibc);
  CHECK(AllocatorDescription().rfind("glibc 2.", 0) == 0);
  ReleaseFreeMemory();  // malloc_trim; must not disturb live blocks
  std::vector<std::string> kept(1000, std::string(1000, 'x'));
  ReleaseFreeMemory();
  CHECK(kept.back() == std::string(1000, 'x'));
}

// How many arenas glibc's malloc has made so far (the <heap> entries of malloc_info).
int ArenaCount() {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  REQUIRE(out != nullptr);
  REQUIRE(malloc_info(0, out) == 0);
  std::fclose(out);
  std::string xml(text, size);
  std::free(text);
  int heaps = 0;
  for (size_t at = xml.find("<heap nr="); at != std::string::npos;
       at = xml.find("<heap nr=", at + 1)) {
    ++heaps;
  }
  return heaps;
}

TEST_CASE("After tuning, threads share at most the limit of arenas", "[common]") {
  const bool env_arenas = std::getenv("MALLOC_ARENA_MAX") != nullptr;
  const bool env_mmap = std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr;
  const int before = ArenaCount();
  const MallocTuning set = TuneMalloc();
  const int limit = MallocArenaLimit(std::thread::hardware_concurrency());
  CHECK(set.arena_limit == (env_arenas ? 0 : limit));
  CHECK(set.mmap_threshold == (env_mmap ? 0 : kMallocMmapThreshold));

  // (Whether glibc then maps large blocks is glibc's business: it serves them from free arena
  // space first, so a test could not tell.)
  if (env_arenas) return;
  // 64 threads allocating together meet in malloc, which would otherwise give them new arenas, up
  // to 8 per core.
  std::vector<std::thread> threads;
  for (int t = 0; t < 64; ++t) {
    threads.emplace_back([] {
      std::vector<void*> blocks;
      for (int i = 0; i < 20000; ++i) blocks.push_back(std::malloc(64 + i % 512));
      for (void* b : blocks) std::free(b);
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(ArenaCount() <= std::max(before, set.arena_limit));
}
#endif

}  // namespace
}  // namespace tempo
