#include <catch2/catch.hpp>

#include <future>

#include "blockbuilder/block_builder_node.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/block_writer.h"
#include "tempo/model/combine.h"
#include "tempopb/tempo.pb.h"

using tempo::TraceId;
using tempo::testing::BlockBuilderNode;
using tempo::testing::Spans;
using tempo::testing::TraceIdBytes;


TEST_CASE("Idle traces become a block once the head is due, and leave the WAL", "[blockbuilder]") {
  BlockBuilderNode node;
  node.Push(Spans(1, 1, 3));
  node.Push(Spans(2, 10, 2));
  REQUIRE(node.builder->CutOnce(false).ok());
  CHECK(node.store->Blocks("t").empty());  // nothing idle yet

  node.clock.Advance(std::chrono::seconds(11));
  REQUIRE(node.builder->CutOnce(false).ok());
  CHECK(node.store->Blocks("t").empty());  // idle, in the head, but the head is not due yet

  node.clock.Advance(std::chrono::minutes(1));
  REQUIRE(node.builder->CutOnce(false).ok());
  auto blocks = node.store->Blocks("t");
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].total_traces == 2);
  CHECK(blocks[0].total_spans == 5);
  CHECK(node.ingester->live_traces() == 0);
  CHECK(node.Spans(1) == 3);
  CHECK(node.Spans(2) == 2);

  // The WAL keeps at most the minute that is still "now"; a later cut drops it.
  node.clock.Advance(std::chrono::minutes(2));
  node.Push(Spans(3, 20, 1));
  node.clock.Advance(std::chrono::minutes(2));
  REQUIRE(node.builder->CutOnce(true).ok());
  CHECK(node.WalRecords() == 0);

  SECTION("after a restart every span is found exactly once") {
    node.Restart();
    CHECK(node.Spans(1) == 3);
    CHECK(node.Spans(3) == 1);
    CHECK(node.BlockSpans() == 6);
    CHECK(node.ingester->live_traces() == 0);
  }
}

TEST_CASE("A trace spread over several blocks and live data comes back whole", "[blockbuilder]") {
  BlockBuilderNode node;
  node.Push(Spans(1, 1, 2));
  REQUIRE(node.builder->CutOnce(true).ok());
  node.Push(Spans(1, 3, 2, 1));
  REQUIRE(node.builder->CutOnce(true).ok());
  node.Push(Spans(1, 5, 1, 1));
  node.Push(Spans(1, 1, 1));  // a duplicate of a span already in the first block
  CHECK(node.store->Blocks("t").size() == 2);
  CHECK(node.Spans(1) == 5);
  node.Restart();
  CHECK(node.Spans(1) == 5);
}

TEST_CASE("Spans that arrive while a head is being written stay live", "[blockbuilder]") {
  BlockBuilderNode node;
  node.Push(Spans(1, 1, 2));
  node.ingester->CollectDueHeads(true);
  auto head = node.ingester->SnapshotHead("t");
  REQUIRE(head.traces.size() == 1);
  node.Push(Spans(1, 3, 1, 1));  // arrives after the snapshot
  REQUIRE(node.ingester->CompleteCut(head).ok());
  auto live = node.ingester->FindTraceByID("t", TraceId::FromBytes(TraceIdBytes(1)));
  REQUIRE(live.has_value());
  CHECK(live->data.size() < head.traces[0].bytes + 200);
  CHECK(node.Spans(1) == 1);  // the snapshot itself was not written as a block in this test
}

TEST_CASE("Recovery deletes a block whose cut never reached meta.json", "[blockbuilder]") {
  BlockBuilderNode node;
  node.Push(Spans(1, 1, 2));
  // Simulate a crash after the journal and the data object, before meta.json.
  REQUIRE(node.wal->WriteCutJournal({"t", "dead-block", 0,
                                     {{TraceId::FromBytes(TraceIdBytes(1)), 1'000'000}}})
              .ok());
  REQUIRE(node.backend->Write("t", "dead-block", "data.tcb", "partial").ok());
  node.Restart();
  CHECK(node.backend->ListBlocks("t").value().empty());
  CHECK(node.wal->ReadCutJournals().value().empty());
  CHECK(node.Spans(1) == 2);  // replayed from the WAL, not skipped
}

TEST_CASE("Records of a committed block are not replayed a second time", "[blockbuilder]") {
  BlockBuilderNode node;
  node.Push(Spans(1, 1, 2));
  // The steps of a cut up to the commit point (journal, data, meta), then a "crash" before the
  // ingester forgets the data and the WAL drops it.
  node.ingester->CollectDueHeads(true);
  auto head = node.ingester->SnapshotHead("t");
  REQUIRE(head.traces.size() == 1);
  tempo::wal::CutJournal journal{"t", "committed", head.max_epoch_minute,
                                 {{head.traces[0].id, head.traces[0].max_seq}}};
  REQUIRE(node.wal->WriteCutJournal(journal).ok());
  tempo::block::BlockWriter writer;
  tempopb::Trace trace;
  std::string fragments = node.ingester->ReadHeadTrace("t", head.traces[0]).value();
  REQUIRE(tempo::model::CombineFragments({fragments}, &trace, nullptr).ok());
  REQUIRE(writer.Append(head.traces[0].id, trace).ok());
  tempo::block::BlockMeta meta;
  std::string data = writer.Finish(&meta).value();
  meta.block_id = "committed";
  meta.tenant_id = "t";
  REQUIRE(node.backend->Write("t", "committed", "data.tcb", data).ok());
  REQUIRE(node.backend->Write("t", "committed", "meta.json", tempo::block::MetaToJson(meta)).ok());
  CHECK(node.WalRecords() == 1);

  node.Restart();
  CHECK(node.ingester->live_traces() == 0);  // skipped on replay: the block holds it
  CHECK(node.Spans(1) == 2);
  CHECK(node.BlockSpans() == 2);

  SECTION("spans of the same trace that arrived after the cut are still replayed") {
    node.Push(Spans(1, 5, 1, 1));
    node.Restart();
    CHECK(node.ingester->live_traces() == 1);
    CHECK(node.Spans(1) == 3);
  }
}

TEST_CASE("A cut journal still covers its records after its block was compacted and deleted",
          "[blockbuilder]") {
  // Regression: recovery used to keep a journal only while the store knew its block, so a trace
  // whose WAL minute outlived a compacted-and-deleted block was replayed and cut a second time.
  BlockBuilderNode node;
  node.config.max_block_bytes = 1;  // a head is due as soon as it holds a trace
  node.Restart();
  node.Push(Spans(2, 10, 1));  // trace 2 stays live: it keeps this WAL minute
  node.Push(Spans(1, 1, 3));
  node.clock.Advance(std::chrono::seconds(11));
  node.Push(Spans(2, 11, 1, 10));  // trace 2 is not idle
  REQUIRE(node.builder->CutOnce(false).ok());
  auto blocks = node.store->Blocks("t");
  REQUIRE(blocks.size() == 1);
  REQUIRE(blocks[0].total_traces == 1);  // trace 1
  // The WAL still holds trace 1's records (trace 2 needs the minute), so the journal stays.
  REQUIRE(node.wal->ReadCutJournals().value().size() == 1);

  // Two compactions replace the block (its data under new IDs; the second output replaces the
  // first), and the cleanup deletes both inputs: no meta names the cut block any more.
  const tempo::block::BlockMeta input = blocks[0];
  std::string data = node.backend->Read("t", input.block_id, "data.tcb").value();
  std::string replaced = input.block_id;
  for (const char* id : {"11111111-2222-3333-4444-555555555555",
                         "66666666-7777-8888-9999-000000000000"}) {
    tempo::block::BlockMeta output = input;
    output.block_id = id;
    output.compaction_level += 1;
    output.replaces = {replaced};
    REQUIRE(node.backend->Write("t", output.block_id, "data.tcb", data).ok());
    REQUIRE(node.backend->Write("t", output.block_id, "meta.json",
                                tempo::block::MetaToJson(output))
                .ok());
    REQUIRE(node.backend->DeleteBlock("t", replaced).ok());
    replaced = id;
  }

  node.Restart();
  CHECK(node.ingester->live_traces() == 1);  // trace 2 only: trace 1's records are covered
  CHECK(node.Spans(1) == 3);
  CHECK(node.wal->ReadCutJournals().value().size() == 1);
  REQUIRE(node.builder->CutOnce(true).ok());
  CHECK(node.BlockSpans() == 5);  // every span once: 3 of trace 1, 2 of trace 2
}
