#include "tempo/common/malloc_tuning.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#include <malloc.h>
#endif

// jemalloc's control entry point, when the binary is linked with (or preloaded) jemalloc; null
// otherwise. Declared here so that nothing else needs jemalloc's headers.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace tempo {

Allocator ActiveAllocator() {
  if (mallctl != nullptr) return Allocator::kJemalloc;
#if defined(__GLIBC__)
  return Allocator::kGlibc;
#else
  return Allocator::kOther;
#endif
}

std::string AllocatorDescription() {
  switch (ActiveAllocator()) {
    case Allocator::kJemalloc: {
      const char* version = nullptr;
      size_t size = sizeof(version);
      if (mallctl("version", &version, &size, nullptr, 0) == 0 && version != nullptr) {
        return std::string("jemalloc ") + version;
      }
      return "jemalloc";
    }
    case Allocator::kGlibc:
#if defined(__GLIBC__)
      return std::string("glibc ") + gnu_get_libc_version();
#else
      return "glibc";
#endif
    case Allocator::kOther:
      break;
  }
  return "unknown";
}

int MallocArenaLimit(unsigned cores) { return static_cast<int>(std::max(4u, 2 * cores)); }

MallocTuning TuneMalloc() {
  MallocTuning set;
#if defined(__GLIBC__)
  if (ActiveAllocator() != Allocator::kGlibc) return set;
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) {
    const int limit = MallocArenaLimit(std::max(1u, std::thread::hardware_concurrency()));
    if (::mallopt(M_ARENA_MAX, limit) == 1) set.arena_limit = limit;
  }
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr &&
      ::mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMallocMmapThreshold)) == 1) {
    set.mmap_threshold = kMallocMmapThreshold;
  }
#endif
  return set;
}

void ReleaseFreeMemory() {
  switch (ActiveAllocator()) {
    case Allocator::kJemalloc:
      // "arena.<MALLCTL_ARENAS_ALL>.purge": every arena's unused dirty pages go back now.
      mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
      return;
    case Allocator::kGlibc:
#if defined(__GLIBC__)
      ::malloc_trim(0);
#endif
      return;
    case Allocator::kOther:
      return;
  }
}

}  // namespace tempo
