#pragma once

#include <chrono>
#include <cstdint>

namespace tempo::ingester {

// `ingester.*` (Tempo 2.x monolithic keys).
struct IngesterConfig {
  // A trace with no new spans for this long is complete and may be cut into a block. (Tempo:
  // 5s, as ingester.trace_idle_period in 2.x and live_store.max_trace_idle in 3.x.)
  std::chrono::milliseconds trace_idle_period{std::chrono::seconds(5)};
  // Longest time the head block stays open before it is cut. (Tempo 2.x: 30m; ours is shorter
  // because the head is held in memory until it is written.)
  std::chrono::milliseconds max_block_duration{std::chrono::minutes(5)};
  // Size of the head (fragment bytes as received) at which it is cut, and the most fragment bytes
  // one block takes: a larger due head becomes several blocks (a single larger trace goes alone
  // into its block). Tempo 2.x's value: about 700k spans of a typical mix per block. Smaller
  // blocks cost compaction levels: at 100 MiB (140k spans) a span was rewritten up to five
  // times, and at 250k spans/s the merges slowed the cuts until the backlog grew without bound
  // (bench/RESULTS.md, session 20). The head is held packed, about a quarter of this.
  uint64_t max_block_bytes = 500ull << 20;
  // How many blocks of one due head are written at once, each on its own thread (writing a block
  // is CPU-bound: rows, dictionaries, compression). 0 = one per core, at most 4 (Tempo's default
  // is 4; its flushes are uploads).
  uint64_t concurrent_flushes = 0;
  // How often idle traces are looked for. (Tempo 3.x's live store: 5s; the 2.x ingester: 10s.)
  // Spans wait trace_idle_period plus up to this long before the cut takes them, so it sets
  // with trace_idle_period how much is held in memory.
  std::chrono::milliseconds flush_check_period{std::chrono::seconds(5)};
  // How long a complete block stays in the ingester after it was flushed.
  std::chrono::milliseconds complete_block_timeout{std::chrono::minutes(15)};
  // Upper bound on the trace bytes held in memory across tenants (live traces and heads, as
  // received); a push that would pass it gets RESOURCE_EXHAUSTED "LIVE_TRACES_EXCEEDED" and
  // stores nothing (0 = unbounded). Bounds memory when blocks are written slower than spans
  // arrive. (Tempo 3.x: live_store.max_live_traces_bytes, 250 MB, which counts live traces only.)
  uint64_t max_live_traces_bytes = 0;
  // Each pushed fragment is held LZ4-packed against a dictionary sampled from the pushes (about
  // a quarter of its size), from its arrival until its block is written, and the WAL stores it
  // as packed (with storage.trace.wal.v2_encoding lz4, the default). Reads unpack it (trace by
  // ID, search, the block cut). Not a Tempo key (Tempo keeps its heads on disk).
  bool compress_live_traces = true;
};

}  // namespace tempo::ingester
