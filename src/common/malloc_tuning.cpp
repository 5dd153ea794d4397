#include "tempo/common/malloc_tuning.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tempo {

int MallocArenaLimit(unsigned cores) { return static_cast<int>(std::max(4u, 2 * cores)); }

MallocTuning TuneMalloc() {
  MallocTuning set;
#if defined(__GLIBC__)
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
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

}  // namespace tempo
