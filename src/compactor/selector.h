#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tempo/block/block_meta.h"
#include "tempo/compactor/compactor_config.h"

namespace tempo::compactor {

// One compaction to run: blocks of one tenant and one time window merged into one output.
struct JobSpec {
  std::vector<block::BlockMeta> inputs;
  uint32_t level = 0;  // highest input level; the output gets level + 1
  int64_t window = 0;  // end time / compaction_window
};

// Picks compactions among the live blocks of one tenant, as Tempo's time-window selector does:
//   * a block's window is its end time divided by compaction_window;
//   * blocks that ended within active_window of `now` group by (level, window); older ones by
//     window alone; the window that straddles that boundary is skipped;
//   * groups with lower levels, then newer windows, come first; within a group lower levels,
//     then smaller blocks;
//   * a job takes min_input_blocks..max_input_blocks blocks whose traces sum to at most
//     max_compaction_objects and whose bytes sum to at most max_block_bytes.
// Every block is in at most one job. Pure function of its inputs.
std::vector<JobSpec> SelectJobs(std::vector<block::BlockMeta> blocks,
                                const CompactorConfig& config, int64_t now_unix_nano);

}  // namespace tempo::compactor
