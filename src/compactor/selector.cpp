#include "compactor/selector.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace tempo::compactor {
namespace {

// Orders groups: active ones by (level, newest window first), then inactive by newest window.
struct GroupKey {
  bool inactive = false;
  uint32_t level = 0;  // 0 for inactive groups
  int64_t window = 0;
  friend bool operator<(const GroupKey& a, const GroupKey& b) {
    return std::make_tuple(a.inactive, a.level, -a.window) <
           std::make_tuple(b.inactive, b.level, -b.window);
  }
};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::vector<JobSpec> SelectJobs(std::vector<block::BlockMeta> blocks,
                                const CompactorConfig& config, int64_t now_unix_nano) {
  const int64_t window_ns =
      std::max<int64_t>(1, std::chrono::nanoseconds(config.compaction_window).count());
  const int64_t active_from =
      now_unix_nano - std::chrono::nanoseconds(config.active_window).count();
  const int64_t boundary_window = FloorDiv(active_from, window_ns);
  const size_t min_inputs = std::max<uint32_t>(2, config.min_input_blocks);
  const size_t max_inputs = std::max<size_t>(min_inputs, config.max_input_blocks);

  std::map<GroupKey, std::vector<block::BlockMeta>> groups;
  for (block::BlockMeta& meta : blocks) {
    const int64_t window = FloorDiv(meta.end_unix_nano, window_ns);
    if (window == boundary_window) continue;  // may move between zones while we work on it
    GroupKey key;
    key.inactive = meta.end_unix_nano < active_from;
    key.level = key.inactive ? 0 : meta.compaction_level;
    key.window = window;
    groups[key].push_back(std::move(meta));
  }

  std::vector<JobSpec> jobs;
  for (auto& [key, members] : groups) {
    std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) {
      return std::make_tuple(a.compaction_level, a.size_bytes, a.block_id) <
             std::make_tuple(b.compaction_level, b.size_bytes, b.block_id);
    });
    std::vector<bool> taken(members.size(), false);
    for (;;) {
      JobSpec job;
      job.window = key.window;
      std::vector<size_t> picked;
      uint64_t objects = 0, bytes = 0;
      for (size_t i = 0; i < members.size() && picked.size() < max_inputs; ++i) {
        if (taken[i]) continue;
        const block::BlockMeta& m = members[i];
        if (objects + m.total_traces > config.max_compaction_objects ||
            bytes + m.size_bytes > config.max_block_bytes) {
          continue;
        }
        objects += m.total_traces;
        bytes += m.size_bytes;
        picked.push_back(i);
      }
      if (picked.size() < min_inputs) break;
      for (size_t i : picked) {
        taken[i] = true;
        job.level = std::max(job.level, members[i].compaction_level);
        job.inputs.push_back(members[i]);
      }
      jobs.push_back(std::move(job));
    }
  }
  return jobs;
}

}  // namespace tempo::compactor
