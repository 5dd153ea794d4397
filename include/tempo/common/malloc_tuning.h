#pragma once

#include <cstddef>
#include <string>

namespace tempo {

// Allocator settings for the long-running server. The `tempo` binary is linked with jemalloc
// (configured by the `malloc_conf` string in src/main.cpp); tests and benchmarks use glibc's
// malloc, tuned here. Why jemalloc (bench/RESULTS.md, session 14): with glibc the gRPC threads
// spent a fifth of their time in malloc (chunks freed by the packer and cut threads went back to
// the arenas of the threads that allocated them, whose next malloc sorted them), and the cut,
// which allocates per column and per string, fell behind at 100k spans/s; with jemalloc it keeps
// up, push latency p50 drops ~5x and RSS peaks lower.
//
// The glibc settings (when glibc's malloc is the one in use); either alone took 25-35% off peak
// RSS at 50k spans/s, both together ~35%, for ~5% more CPU (session 13):
//  - arenas: glibc gives threads that meet in malloc arenas of their own, up to 8 per core; the
//    server's many threads (gRPC, io, query pool, block writers, packer, compactor) spread what
//    they free over ~20 arenas, each keeping its own free pages. Limited to MallocArenaLimit;
//  - the dynamic mmap threshold: every freed large block (a row group's column, a batch of
//    fragments) raises the size below which glibc carves blocks from the arenas instead of
//    mapping them, up to 32 MiB, and arena memory is returned only from the top. Fixed at
//    kMallocMmapThreshold, so that large blocks are mapped and unmapped.

enum class Allocator { kGlibc, kJemalloc, kOther };

// The malloc this process uses: jemalloc when its `mallctl` is linked in (or preloaded).
Allocator ActiveAllocator();
// "jemalloc <version>", "glibc <version>" or "unknown", for the startup log.
std::string AllocatorDescription();

// The most malloc arenas for `cores` cores: 2 per core, at least 4.
int MallocArenaLimit(unsigned cores);
// Blocks of at least this many bytes are mapped on their own (glibc's default start value).
inline constexpr size_t kMallocMmapThreshold = 128 * 1024;

// What TuneMalloc set; 0 where it left glibc's setting (the environment's, or the default, or
// another allocator is in use).
struct MallocTuning {
  int arena_limit = 0;
  size_t mmap_threshold = 0;
};

// With glibc's malloc, applies both settings, each unless the environment sets it
// (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_: glibc then applies the variable itself); with
// another allocator nothing. Call once at startup, before any thread starts. Not thread-safe.
MallocTuning TuneMalloc();

// Returns free memory the allocator keeps to the system: jemalloc purges every arena's unused
// pages, glibc trims its arenas (malloc_trim). For a module that has just freed much memory in
// many small and medium blocks. Costs a walk of the free lists. Thread-safe.
void ReleaseFreeMemory();

}  // namespace tempo
