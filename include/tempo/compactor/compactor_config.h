#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tempo::compactor {

// Settings of the compactor (`compactor.compaction.*` in tempo.yaml, Tempo's keys and defaults).
// A value type.
struct CompactorConfig {
  // compaction_window: blocks are grouped by the window their end time falls in; only blocks of
  // one window are merged.
  std::chrono::milliseconds compaction_window{std::chrono::hours(1)};
  // max_compaction_objects: most traces the inputs of one compaction may hold together.
  uint64_t max_compaction_objects = 6'000'000;
  // max_block_bytes: most bytes the inputs of one compaction may hold together.
  uint64_t max_block_bytes = uint64_t{100} << 30;
  // block_retention: a block whose newest span ended longer ago is marked compacted (retention);
  // a tenant's overrides block_retention, when set, wins.
  std::chrono::milliseconds block_retention{std::chrono::hours(336)};
  // compacted_block_retention: a compacted block stays readable this long, then is deleted.
  std::chrono::milliseconds compacted_block_retention{std::chrono::hours(1)};
  // compaction_cycle: how often compaction and retention run.
  std::chrono::milliseconds compaction_cycle{std::chrono::seconds(30)};
  // Inputs of one compaction (Tempo's min_input_blocks / max_input_blocks).
  uint32_t min_input_blocks = 2;
  uint32_t max_input_blocks = 4;
  // Blocks whose end is within this of now are grouped by level as well as window (Tempo's
  // "active zone"); older ones by window only, so old levels can merge.
  std::chrono::milliseconds active_window{std::chrono::hours(24)};
  // Spans per row group of outputs (the block writer's default).
  uint32_t spans_per_row_group = 100'000;
  // Local directory for the unnamed scratch file that holds an output's trace-ID directory while
  // it is written (16 bytes per trace off the heap). The server uses the WAL directory; empty:
  // the directory stays in memory.
  std::string scratch_dir;
};

}  // namespace tempo::compactor
