#pragma once

#include <cstddef>

namespace tempo {

// Allocator settings for the long-running server (glibc malloc; nothing elsewhere). Without them
// RSS keeps far more than the server uses: at 50k spans/s on 2 cores RSS peaked at 1.33-1.52
// GiB with glibc's defaults, 0.89-1.01 GiB with these, for ~5% more CPU per span
// (bench/RESULTS.md, session 13). Two causes:
//  - arenas: glibc gives threads that meet in malloc arenas of their own, up to 8 per core; the
//    server's many threads (gRPC, io, query pool, block writers, packer, compactor) spread what
//    they free over ~20 arenas, each keeping its own free pages. Limited to MallocArenaLimit;
//  - the dynamic mmap threshold: every freed large block (a row group's column, a batch of
//    fragments) raises the size below which glibc carves blocks from the arenas instead of
//    mapping them, up to 32 MiB, and arena memory is returned only from the top. Fixed at
//    kMallocMmapThreshold, so that large blocks are mapped and unmapped.

// The most malloc arenas for `cores` cores: 2 per core, at least 4.
int MallocArenaLimit(unsigned cores);
// Blocks of at least this many bytes are mapped on their own (glibc's default start value).
inline constexpr size_t kMallocMmapThreshold = 128 * 1024;

// What TuneMalloc set; 0 where it left glibc's setting (the environment's, or the default).
struct MallocTuning {
  int arena_limit = 0;
  size_t mmap_threshold = 0;
};

// Applies both settings, each unless the environment sets it (MALLOC_ARENA_MAX,
// MALLOC_MMAP_THRESHOLD_: glibc then applies the variable itself). Call once at startup, before
// any thread starts. Not thread-safe.
MallocTuning TuneMalloc();

// Returns the free pages of every malloc arena to the system (glibc's malloc_trim; nothing
// elsewhere). For a module that has just freed much memory in many small and medium blocks,
// which the arenas would otherwise keep. Costs a walk of the arenas' free lists. Thread-safe.
void ReleaseFreeMemory();

}  // namespace tempo
