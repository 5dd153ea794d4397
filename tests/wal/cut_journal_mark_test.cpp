// Commit marks of cut journals: what lets block-builder recovery keep the journal of a block that
// a compaction replaced and the cleanup deleted.
#include <catch2/catch.hpp>

#include <future>

#include "support/temp_dir.h"
#include "support/trace_builder.h"
#include "tempo/wal/wal.h"

using tempo::TraceId;
using tempo::testing::TempDir;
using tempo::testing::TraceIdBytes;
using tempo::wal::CutJournal;
using tempo::wal::Wal;
using tempo::wal::WalConfig;

namespace {

const CutJournal* Find(const std::vector<CutJournal>& journals, const std::string& block) {
  for (const CutJournal& j : journals) {
    if (j.block_id == block) return &j;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("A cut journal's commit mark survives a reopen and goes with the journal", "[wal]") {
  TempDir dir;
  WalConfig config;
  config.path = dir.Sub("wal");
  constexpr uint32_t kMinute = 29'000'000;
  {
    tempo::metrics::Registry registry;
    auto wal = Wal::Open(config, registry).value();
    REQUIRE(wal->WriteCutJournal(
                   {"t", "marked", kMinute, {{TraceId::FromBytes(TraceIdBytes(1)), 3}}})
                .ok());
    REQUIRE(wal->WriteCutJournal({"t", "unmarked", kMinute, {}}).ok());
    REQUIRE(wal->MarkCutCommitted("t", "marked").ok());
    // A mark for a journal that does not exist (dropped already) is not stored.
    REQUIRE(wal->MarkCutCommitted("t", "gone").ok());
  }
  tempo::metrics::Registry registry;
  auto wal = Wal::Open(config, registry).value();
  auto journals = wal->ReadCutJournals().value();
  REQUIRE(journals.size() == 2);
  REQUIRE(Find(journals, "marked") != nullptr);
  CHECK(Find(journals, "marked")->committed);
  CHECK(Find(journals, "marked")->traces.size() == 1);
  CHECK_FALSE(Find(journals, "unmarked")->committed);

  SECTION("deleting the journal deletes its mark: a new journal of that ID starts unmarked") {
    REQUIRE(wal->DeleteCutJournal("t", "marked").ok());
    REQUIRE(wal->WriteCutJournal({"t", "marked", kMinute, {}}).ok());
    journals = wal->ReadCutJournals().value();
    REQUIRE(Find(journals, "marked") != nullptr);
    CHECK_FALSE(Find(journals, "marked")->committed);
  }
  SECTION("dropping the journal's minutes drops the mark too") {
    // DropBefore knows only tenants with records.
    std::promise<tempo::Status> done;
    REQUIRE(wal->Append({{"t", TraceId::FromBytes(TraceIdBytes(1)), kMinute, 1,
                          tempo::RawPiece("x")}},
                        [&done](tempo::Status s) { done.set_value(s); })
                .ok());
    REQUIRE(done.get_future().get().ok());
    REQUIRE(wal->DropBefore("t", kMinute + 1).ok());
    CHECK(wal->ReadCutJournals().value().empty());
    REQUIRE(wal->WriteCutJournal({"t", "marked", kMinute + 5, {}}).ok());
    CHECK_FALSE(wal->ReadCutJournals().value()[0].committed);
  }
}
