// The purge of deleted traces: blocks holding them are rewritten without them (or retired),
// compactions leave them out, and tombstones are dropped once nothing holds their trace.
#include <catch2/catch.hpp>

#include "compactor/compaction_job.h"
#include "compactor/compactor_test_util.h"
#include "support/temp_dir.h"
#include "tempo/compactor/compactor.h"
#include "tempo/store/tombstones.h"
#include "tempo/store/trace_deleter.h"

namespace tempo::compactor {
namespace {

using testing::FindAll;
using testing::MakeTrace;
using testing::SpanIds;
using testing::Tid;
using testing::WriteBlock;

constexpr int64_t kSecond = 1'000'000'000;

// No live data, and a WAL that holds nothing of the deleted traces.
class NoLiveData : public store::LiveTraces {
 public:
  bool Holds(const std::string&, const TraceId&) const override { return false; }
  uint32_t Refuse(const std::string&, const TraceId&) override { return 0; }
  void Accept(const std::string&, const TraceId& id) override { accepted.push_back(id); }
  void Erase(const std::string&, const TraceId&) override {}
  bool WalMayHold(const std::string&, uint32_t) const override { return wal_holds; }
  std::vector<TraceId> accepted;
  bool wal_holds = false;
};

struct Fixture {
  tempo::testing::TempDir dir;
  std::unique_ptr<backend::Backend> backend = backend::OpenLocalBackend(dir.Sub("blocks")).value();
  metrics::Registry registry;
  FakeClock clock{1'700'000'000 * kSecond + 600 * kSecond};
  store::Store store{store::StoreConfig{}, *backend, registry};
  store::Tombstones tombstones{*backend, registry};
  NoLiveData live;
  store::TraceDeleter deleter{store, tombstones, live, registry, clock};
  overrides::Overrides overrides{overrides::OverridesConfig{}};
  Compactor compactor{ShortCycle(), *backend, store, overrides, registry, clock};

  // Tempo's defaults, but a wait for the cut gives up after 20 ms, not 30 s.
  static CompactorConfig ShortCycle() {
    CompactorConfig config;
    config.compaction_cycle = std::chrono::milliseconds(20);
    return config;
  }

  Fixture() {
    REQUIRE(tombstones.Load().ok());
    store.SetTombstones(&tombstones);
    compactor.SetTraceDeleter(&deleter);
  }
  double Metric(const std::string& line_prefix) const {
    std::string text = registry.Render();
    size_t at = text.find("\n" + line_prefix + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + line_prefix.size() + 2));
  }
  // What the blocks hold, read as the CLI reads them (no tombstones).
  testing::Found Raw(const TraceId& id) {
    metrics::Registry r;
    store::Store raw(store::StoreConfig{}, *backend, r);
    REQUIRE(raw.Poll().ok());
    return FindAll(raw, "t1", id);
  }
};

std::map<TraceId, tempopb::Trace> Traces(uint64_t first, uint64_t last) {
  std::map<TraceId, tempopb::Trace> out;
  for (uint64_t k = first; k <= last; ++k) {
    out[Tid(k)] = MakeTrace(k, {1, 2}, "svc", 1'700'000'000 * kSecond);
  }
  return out;
}

TEST_CASE("Blocks holding deleted traces are rewritten without them, or retired",
          "[compactor][delete]") {
  Fixture f;
  WriteBlock(*f.backend, "t1", "mixed", Traces(1, 10), /*level=*/2, /*spans_per_row_group=*/4);
  WriteBlock(*f.backend, "t1", "only-deleted", Traces(11, 11), /*level=*/1);
  WriteBlock(*f.backend, "t1", "untouched", Traces(20, 22));
  REQUIRE(f.store.Poll().ok());
  REQUIRE(f.tombstones.Add("t1", {Tid(3), 1, 0}).ok());
  REQUIRE(f.tombstones.Add("t1", {Tid(11), 1, 0}).ok());
  REQUIRE(f.tombstones.Add("t1", {Tid(99), 1, 0}).ok());  // in no block

  SECTION("while the WAL may hold them, blocks are rewritten but tombstones stay") {
    f.live.wal_holds = true;
    REQUIRE(f.compactor.PurgeDeletedForTest().ok());
    CHECK(f.tombstones.ForTenant("t1")->size() == 3);
    CHECK(f.live.accepted.empty());
  }
  SECTION("then the tombstones of purged traces are dropped") {
    REQUIRE(f.compactor.PurgeDeletedForTest().ok());
    CHECK(f.tombstones.ForTenant("t1")->empty());
    CHECK(f.live.accepted.size() == 3);
  }
  auto visible = f.store.Blocks("t1");
  REQUIRE(visible.size() == 2);
  const block::BlockMeta* rewritten = nullptr;
  for (const auto& m : visible) {
    if (m.block_id != "untouched") rewritten = &m;
  }
  REQUIRE(rewritten != nullptr);
  CHECK(rewritten->compaction_level == 2);  // a rewrite keeps the level
  CHECK(rewritten->replaces == std::vector<std::string>{"mixed"});
  CHECK(rewritten->total_traces == 9);
  // Inputs are marked compacted like compaction inputs, and deleted later by the cleanup.
  for (const char* id : {"mixed", "only-deleted"}) {
    CHECK(f.backend->ListObjects("t1", id).value() ==
          std::vector<std::string>{backend::kDataName, backend::kCompactedMetaName});
  }
  // The files of the visible blocks no longer hold the deleted traces; the others are whole.
  CHECK(f.Raw(Tid(3)).fragments == 0);
  CHECK(f.Raw(Tid(11)).fragments == 0);
  for (uint64_t k : {1, 2, 4, 10, 20}) {
    auto found = f.Raw(Tid(k));
    CHECK(found.fragments == 1);
    CHECK(found.span_ids == SpanIds(MakeTrace(k, {1, 2}, "svc", 1'700'000'000 * kSecond)));
  }
  CHECK(f.Metric("tempodb_delete_block_rewrites_total") == 2);
  CHECK(f.Metric("tempodb_delete_traces_dropped_total") == 2);
  CHECK(f.Metric("tempodb_delete_pending_block_rewrites{tenant=\"t1\"}") == 0);

  // A second pass has nothing left to rewrite.
  REQUIRE(f.compactor.PurgeDeletedForTest().ok());
  CHECK(f.Metric("tempodb_delete_block_rewrites_total") == 2);
}

TEST_CASE("Compactions leave deleted traces out of their output", "[compactor][delete]") {
  Fixture f;
  auto a = Traces(1, 4);
  auto b = Traces(3, 6);  // traces 3 and 4 in both inputs
  WriteBlock(*f.backend, "t1", "a", a);
  WriteBlock(*f.backend, "t1", "b", b);
  REQUIRE(f.store.Poll().ok());
  REQUIRE(f.tombstones.Add("t1", {Tid(4), 1, 0}).ok());
  REQUIRE(f.tombstones.Add("t1", {Tid(5), 1, 0}).ok());
  REQUIRE(f.compactor.CompactForTest().ok());
  auto visible = f.store.Blocks("t1");
  REQUIRE(visible.size() == 1);
  CHECK(visible[0].compaction_level == 1);
  CHECK(visible[0].total_traces == 4);  // 1, 2, 3, 6
  CHECK(f.Raw(Tid(4)).fragments == 0);
  CHECK(f.Raw(Tid(5)).fragments == 0);
  CHECK(f.Raw(Tid(3)).span_ids.size() == 2);
  CHECK(f.Metric("tempodb_delete_traces_dropped_total") == 2);

  SECTION("inputs holding nothing but deleted traces are retired without an output") {
    WriteBlock(*f.backend, "t1", "c", Traces(7, 7));
    WriteBlock(*f.backend, "t1", "d", Traces(7, 8));
    REQUIRE(f.store.Poll().ok());
    REQUIRE(f.tombstones.Add("t1", {Tid(7), 1, 0}).ok());
    REQUIRE(f.tombstones.Add("t1", {Tid(8), 1, 0}).ok());
    // Only c and d are level 0: they are the job.
    REQUIRE(f.compactor.CompactForTest().ok());
    CHECK(f.store.Blocks("t1").size() == 1);
    CHECK(f.backend->ListObjects("t1", "c").value() ==
          std::vector<std::string>{backend::kDataName, backend::kCompactedMetaName});
    CHECK(f.backend->ListBlocks("t1").value().size() == 5);  // a, b, c, d, the first output
  }
}

TEST_CASE("Rewrites wait for the cut; a long wait leaves them and the tombstones for later",
          "[compactor][delete]") {
  Fixture f;
  WriteBlock(*f.backend, "t1", "mixed", Traces(1, 10));
  REQUIRE(f.store.Poll().ok());
  REQUIRE(f.tombstones.Add("t1", {Tid(3), 1, 0}).ok());
  bool busy = true;  // the purge runs on this thread
  f.compactor.SetYieldTo([&] { return busy; }, std::chrono::milliseconds(1));
  REQUIRE(f.compactor.PurgeDeletedForTest().ok());
  CHECK(f.store.Blocks("t1").at(0).block_id == "mixed");
  CHECK(f.tombstones.ForTenant("t1")->size() == 1);
  CHECK(f.Metric("tempodb_delete_block_rewrites_total") == 0);
  CHECK(f.Metric("tempo_compactor_deferred_seconds_total") >= 0.02);

  busy = false;
  REQUIRE(f.compactor.PurgeDeletedForTest().ok());
  CHECK(f.store.Blocks("t1").at(0).replaces == std::vector<std::string>{"mixed"});
  CHECK(f.tombstones.ForTenant("t1")->empty());
  CHECK(f.Metric("tempodb_delete_block_rewrites_total") == 1);
}

}  // namespace
}  // namespace tempo::compactor
