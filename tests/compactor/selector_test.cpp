// Grouping and selection of compaction inputs.
#include "compactor/selector.h"

#include <catch2/catch.hpp>

#include <algorithm>

namespace tempo::compactor {
namespace {

constexpr int64_t kHour = 3'600'000'000'000;
constexpr int64_t kNow = 1'000 * kHour + kHour / 2;  // half past hour 1000

block::BlockMeta Block(const std::string& id, int64_t end, uint32_t level = 0,
                       uint64_t size = 1000, uint64_t traces = 10) {
  block::BlockMeta m;
  m.block_id = id;
  m.tenant_id = "t";
  m.start_unix_nano = end - kHour / 10;
  m.end_unix_nano = end;
  m.compaction_level = level;
  m.size_bytes = size;
  m.total_traces = traces;
  return m;
}

std::vector<std::string> Ids(const JobSpec& job) {
  std::vector<std::string> out;
  for (const auto& m : job.inputs) out.push_back(m.block_id);
  std::sort(out.begin(), out.end());
  return out;
}

using Strings = std::vector<std::string>;

TEST_CASE("Blocks of one window and level are merged 2 to 4 at a time, smallest first",
          "[compactor]") {
  CompactorConfig config;
  std::vector<block::BlockMeta> blocks;
  // Sizes descending with the name, so "smallest first" is visible in the picks.
  for (int i = 0; i < 7; ++i) {
    blocks.push_back(Block("b" + std::to_string(i), kNow - kHour / 10, 0, 2000 - i));
  }
  auto jobs = SelectJobs(blocks, config, kNow);
  REQUIRE(jobs.size() == 2);
  CHECK(Ids(jobs[0]) == Strings{"b3", "b4", "b5", "b6"});
  CHECK(Ids(jobs[1]) == Strings{"b0", "b1", "b2"});
  CHECK(jobs[0].level == 0);

  SECTION("a single block is never compacted alone") {
    CHECK(SelectJobs({blocks[0]}, config, kNow).empty());
  }
  SECTION("max_input_blocks and min_input_blocks are honoured") {
    config.max_input_blocks = 2;
    auto pairs = SelectJobs(blocks, config, kNow);
    CHECK(pairs.size() == 3);  // the 7th block waits
    for (const auto& j : pairs) CHECK(j.inputs.size() == 2);
  }
}

TEST_CASE("Blocks of different windows or levels are not merged together", "[compactor]") {
  CompactorConfig config;
  const int64_t this_hour = kNow - kHour / 10;
  const int64_t last_hour = kNow - kHour;
  std::vector<block::BlockMeta> blocks = {
      Block("w1-l0-a", this_hour), Block("w1-l0-b", this_hour),  //
      Block("w1-l1-a", this_hour, 1), Block("w1-l1-b", this_hour, 1),
      Block("w0-l0-a", last_hour), Block("w0-l0-b", last_hour),
      Block("alone", last_hour, 2)};
  auto jobs = SelectJobs(blocks, config, kNow);
  REQUIRE(jobs.size() == 3);
  // Lower levels first, newer windows first within a level.
  CHECK(Ids(jobs[0]) == Strings{"w1-l0-a", "w1-l0-b"});
  CHECK(Ids(jobs[1]) == Strings{"w0-l0-a", "w0-l0-b"});
  CHECK(Ids(jobs[2]) == Strings{"w1-l1-a", "w1-l1-b"});
  CHECK(jobs[2].level == 1);
  CHECK(jobs[0].window == this_hour / kHour);
}

TEST_CASE("Outside the active zone levels mix; the straddling window is skipped",
          "[compactor]") {
  CompactorConfig config;  // active zone: the last 24 h
  const int64_t old_end = kNow - 30 * kHour;
  const int64_t straddling = kNow - 24 * kHour - kHour / 4;  // same hour as now - 24h
  std::vector<block::BlockMeta> blocks = {Block("old-l0", old_end), Block("old-l3", old_end, 3),
                                          Block("s-a", straddling), Block("s-b", straddling)};
  auto jobs = SelectJobs(blocks, config, kNow);
  REQUIRE(jobs.size() == 1);
  CHECK(Ids(jobs[0]) == Strings{"old-l0", "old-l3"});
  CHECK(jobs[0].level == 3);
}

TEST_CASE("Inputs of one job stay within max_compaction_objects and max_block_bytes",
          "[compactor]") {
  CompactorConfig config;
  const int64_t end = kNow - kHour / 10;
  SECTION("objects") {
    config.max_compaction_objects = 25;
    auto jobs = SelectJobs({Block("a", end, 0, 100, 10), Block("b", end, 0, 200, 10),
                            Block("c", end, 0, 300, 10), Block("d", end, 0, 400, 30)},
                           config, kNow);
    REQUIRE(jobs.size() == 1);
    CHECK(Ids(jobs[0]) == Strings{"a", "b"});
  }
  SECTION("bytes") {
    config.max_block_bytes = 1000;
    auto jobs = SelectJobs({Block("a", end, 0, 400), Block("b", end, 0, 500),
                            Block("c", end, 0, 600), Block("d", end, 0, 2000)},
                           config, kNow);
    REQUIRE(jobs.size() == 1);
    CHECK(Ids(jobs[0]) == Strings{"a", "b"});
  }
}

}  // namespace
}  // namespace tempo::compactor
