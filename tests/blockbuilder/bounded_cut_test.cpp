// A head larger than ingester.max_block_bytes is written as several blocks.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "blockbuilder/block_builder_node.h"
#include "tempo/block/block_meta.h"

using tempo::TraceId;
using tempo::testing::BlockBuilderNode;
using tempo::testing::Spans;
using tempo::testing::TraceIdBytes;

namespace {

TraceId Id(uint64_t n) { return TraceId::FromBytes(TraceIdBytes(n)); }

// Pushes traces 1..count, trace n with 1 + n % 4 spans; returns each trace's fragment bytes.
std::map<uint64_t, uint64_t> PushTraces(BlockBuilderNode& node, uint64_t count) {
  std::map<uint64_t, uint64_t> sizes;
  for (uint64_t n = 1; n <= count; ++n) {
    node.Push(Spans(n, 1, 1 + static_cast<int>(n % 4)));
    sizes[n] = node.ingester->FindTraceByID("t", Id(n))->data.size();
  }
  return sizes;
}

// Fragment bytes and spans of the traces PushTraces pushed.
struct Totals {
  uint64_t bytes = 0;
  uint64_t spans = 0;
};
Totals Sum(const std::map<uint64_t, uint64_t>& sizes) {
  Totals totals;
  for (const auto& [n, size] : sizes) {
    totals.bytes += size;
    totals.spans += 1 + n % 4;
  }
  return totals;
}

// The blocks of tenant "t" by ascending first trace ID.
std::vector<tempo::block::BlockMeta> BlocksById(BlockBuilderNode& node) {
  auto blocks = node.store->Blocks("t");
  std::sort(blocks.begin(), blocks.end(),
            [](const auto& a, const auto& b) { return a.min_trace_id < b.min_trace_id; });
  return blocks;
}

// Fragment bytes of the traces whose IDs fall into `block`'s ID range.
uint64_t BytesIn(const tempo::block::BlockMeta& block, const std::map<uint64_t, uint64_t>& sizes,
                 uint64_t* traces) {
  uint64_t bytes = 0;
  *traces = 0;
  for (const auto& [n, size] : sizes) {
    std::string hex = Id(n).ToHex();
    if (hex >= block.min_trace_id && hex <= block.max_trace_id) {
      bytes += size;
      ++*traces;
    }
  }
  return bytes;
}

}  // namespace

TEST_CASE("A head larger than max_block_bytes becomes several blocks within the budget",
          "[blockbuilder]") {
  BlockBuilderNode node;
  const auto sizes = PushTraces(node, 40);
  const Totals totals = Sum(sizes);
  node.config.max_block_bytes = totals.bytes / 5;
  node.Restart();  // the traces come back from the WAL, the new budget applies

  REQUIRE(node.builder->CutOnce(true).ok());
  auto blocks = BlocksById(node);
  REQUIRE(blocks.size() >= 5);
  uint64_t traces_in_blocks = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    uint64_t traces = 0;
    uint64_t bytes = BytesIn(blocks[i], sizes, &traces);
    INFO("block " << i << ": " << traces << " traces, " << bytes << " bytes");
    CHECK(traces == blocks[i].total_traces);  // ID ranges are disjoint: each trace in one block
    CHECK(bytes <= node.config.max_block_bytes);
    if (i + 1 < blocks.size()) {
      // Filled greedily: the next block's first trace would not have fitted.
      uint64_t next_first = 0;
      for (const auto& [n, size] : sizes) {
        if (Id(n).ToHex() == blocks[i + 1].min_trace_id) next_first = size;
      }
      CHECK(bytes + next_first > node.config.max_block_bytes);
    }
    traces_in_blocks += blocks[i].total_traces;
  }
  CHECK(traces_in_blocks == 40);
  CHECK(node.ingester->live_traces() == 0);

  for (uint64_t n = 1; n <= 40; ++n) CHECK(node.Spans(n) == 1 + static_cast<int>(n % 4));
  CHECK(node.BlockSpans() == totals.spans);

  SECTION("after a restart nothing is replayed a second time") {
    node.Restart();
    CHECK(node.ingester->live_traces() == 0);
    CHECK(node.BlockSpans() == totals.spans);
    CHECK(node.Spans(7) == 4);
  }
}

TEST_CASE("A head due by size is cut until it is not; the rest stays live until it is due",
          "[blockbuilder]") {
  BlockBuilderNode node;
  const auto sizes = PushTraces(node, 12);
  node.config.max_block_bytes = Sum(sizes).bytes * 2 / 5;
  node.Restart();

  node.clock.Advance(std::chrono::seconds(11));  // idle, but the head is not old
  REQUIRE(node.builder->CutOnce(false).ok());
  auto blocks = node.store->Blocks("t");
  CHECK(blocks.size() >= 2);
  uint64_t in_blocks = 0;
  for (const auto& b : blocks) in_blocks += b.total_traces;
  const uint64_t left = node.ingester->live_traces();
  CHECK(left > 0);
  CHECK(in_blocks + left == 12);
  uint64_t left_bytes = 0;
  for (const auto& [n, size] : sizes) {
    CHECK(node.Spans(n) == 1 + static_cast<int>(n % 4));  // from a block or from the head
    if (node.ingester->FindTraceByID("t", Id(n))) left_bytes += size;
  }
  CHECK(left_bytes < node.config.max_block_bytes);  // no longer due by size

  node.clock.Advance(std::chrono::minutes(1));  // now the rest of the head is old enough
  REQUIRE(node.builder->CutOnce(false).ok());
  CHECK(node.store->Blocks("t").size() == blocks.size() + 1);
  CHECK(node.ingester->live_traces() == 0);
}

TEST_CASE("A multi-block cut that fails midway keeps the rest of the head, in memory and WAL",
          "[blockbuilder]") {
  BlockBuilderNode node;
  const auto sizes = PushTraces(node, 20);
  const auto [total, spans] = Sum(sizes);
  node.config.max_block_bytes = total / 4;
  node.fail_object_writers_after = 2;  // data.tcb of the third block fails to commit
  node.Restart();
  // Every record is from this minute; when the head is cut, "now" is two minutes later, so only
  // the head traces not yet cut keep the minute in the WAL.
  node.clock.Advance(std::chrono::minutes(2));

  CHECK_FALSE(node.builder->CutOnce(false).ok());
  REQUIRE(node.store->Blocks("t").size() == 2);
  CHECK(node.backend->ListBlocks("t").value().size() == 2);  // the failed block left nothing
  CHECK(node.wal->ReadCutJournals().value().size() == 2);     // nor a journal
  const uint64_t left = node.ingester->live_traces();
  CHECK(left > 0);
  for (const auto& [n, size] : sizes) CHECK(node.Spans(n) == 1 + static_cast<int>(n % 4));

  // A crash now: the rest of the head comes back from the WAL, the blocks' traces do not.
  node.fail_object_writers_after = -1;
  node.Restart();
  CHECK(node.ingester->live_traces() == left);
  for (const auto& [n, size] : sizes) CHECK(node.Spans(n) == 1 + static_cast<int>(n % 4));

  REQUIRE(node.builder->CutOnce(true).ok());
  CHECK(node.store->Blocks("t").size() >= 4);
  CHECK(node.BlockSpans() == spans);  // every span exactly once
  CHECK(node.ingester->live_traces() == 0);
  node.clock.Advance(std::chrono::minutes(1));
  REQUIRE(node.builder->CutOnce(true).ok());
  CHECK(node.WalRecords() == 0);
  CHECK(node.wal->ReadCutJournals().value().empty());
}

TEST_CASE("Concurrent flushes write consecutive parts of a head at the same time",
          "[blockbuilder]") {
  BlockBuilderNode node;
  const auto sizes = PushTraces(node, 30);
  const auto [total, spans] = Sum(sizes);
  const uint64_t flushes = GENERATE(2, 3);
  node.config.concurrent_flushes = flushes;
  node.config.max_block_bytes = total / 6;
  // The first `flushes` data objects wait for each other before they commit: one flush after
  // another would keep the first waiting in vain.
  node.rendezvous = std::make_unique<tempo::testing::WriterRendezvous>(static_cast<int>(flushes));
  node.Restart();

  REQUIRE(node.builder->CutOnce(true).ok());
  CHECK(node.rendezvous->met());
  auto blocks = BlocksById(node);
  REQUIRE(blocks.size() >= 6);
  uint64_t traces_in_blocks = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    uint64_t traces = 0;
    CHECK(BytesIn(blocks[i], sizes, &traces) <= node.config.max_block_bytes);
    CHECK(traces == blocks[i].total_traces);  // disjoint ID ranges
    traces_in_blocks += blocks[i].total_traces;
  }
  CHECK(traces_in_blocks == 30);
  CHECK(node.BlockSpans() == spans);
  CHECK(node.ingester->live_traces() == 0);
  node.Restart();
  CHECK(node.ingester->live_traces() == 0);  // every journal covers its part
  for (uint64_t n = 1; n <= 30; ++n) CHECK(node.Spans(n) == 1 + static_cast<int>(n % 4));
}
