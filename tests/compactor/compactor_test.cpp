// The compactor service: compaction cycles through the store, retention, recovery after a crash
// at each step of the commit protocol, and what concurrent readers see.
#include "tempo/compactor/compactor.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "compactor/backend_scan.h"
#include "compactor/compaction_job.h"
#include "compactor/compactor_test_util.h"
#include "support/temp_dir.h"

namespace tempo::compactor {
namespace {

using testing::FindAll;
using testing::MakeTrace;
using testing::SpanIds;
using testing::Tid;
using testing::WriteBlock;

constexpr int64_t kSecond = 1'000'000'000;

// A backend in a temp dir, a store over it, a compactor, and a fake clock at the blocks' time.
struct Fixture {
  tempo::testing::TempDir dir;
  std::unique_ptr<backend::Backend> backend = backend::OpenLocalBackend(dir.Sub("blocks")).value();
  metrics::Registry registry;
  store::Store store{store::StoreConfig{}, *backend, registry};
  overrides::OverridesConfig overrides_config;
  std::unique_ptr<overrides::Overrides> overrides;
  FakeClock clock{1'700'000'000 * kSecond + 600 * kSecond};
  CompactorConfig config;
  std::unique_ptr<Compactor> compactor;

  Fixture() { Make(); }
  void Make() {
    compactor.reset();
    overrides = std::make_unique<overrides::Overrides>(overrides_config);
    compactor = std::make_unique<Compactor>(config, *backend, store, *overrides, registry, clock);
  }
  double Metric(const std::string& line_prefix) const {
    std::string text = registry.Render();
    size_t at = text.find("\n" + line_prefix + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + line_prefix.size() + 2));
  }
  std::vector<std::string> Visible(const std::string& tenant = "t1") const {
    std::vector<std::string> out;
    for (const auto& m : store.Blocks(tenant)) out.push_back(m.block_id);
    std::sort(out.begin(), out.end());
    return out;
  }
};

// Four level-0 blocks of tenant t1 ending within the clock's hour: trace k (1..200) has a
// fragment in block k % 4, and the traces divisible by 5 one more in block (k + 1) % 4.
std::map<TraceId, std::set<std::string>> WriteInputs(Fixture& f, int blocks = 4) {
  std::vector<std::map<TraceId, tempopb::Trace>> traces(blocks);
  std::map<TraceId, std::set<std::string>> want;
  const int64_t start = 1'700'000'000 * kSecond;
  for (uint64_t k = 1; k <= 200; ++k) {
    auto a = MakeTrace(k, {1, 2, 3}, "svc", start);
    traces[k % blocks][Tid(k)] = a;
    want[Tid(k)] = SpanIds(a);
    if (k % 5 == 0) {
      auto b = MakeTrace(k, {3, 4, 5}, "svc", start);  // span 3 repeated
      traces[(k + 1) % blocks][Tid(k)] = b;
      for (auto& s : SpanIds(b)) want[Tid(k)].insert(s);
    }
  }
  for (int i = 0; i < blocks; ++i) {
    WriteBlock(*f.backend, "t1", "in-" + std::to_string(i), traces[i], 0, 64);
  }
  REQUIRE(f.store.Poll().ok());
  return want;
}

void CheckEveryTraceOnce(const Fixture& f, const std::map<TraceId, std::set<std::string>>& want) {
  for (const auto& [id, spans] : want) {
    auto found = FindAll(f.store, "t1", id);
    INFO(id.ToHex());
    CHECK(found.span_ids == spans);
    CHECK(found.raw_spans == spans.size());  // no span seen twice: no block read twice
  }
}

TEST_CASE("A compaction cycle merges the blocks and the store sees each span once",
          "[compactor]") {
  Fixture f;
  auto want = WriteInputs(f);
  REQUIRE(f.Visible().size() == 4);
  REQUIRE(f.compactor->RunCycle().ok());
  auto visible = f.store.Blocks("t1");
  REQUIRE(visible.size() == 1);
  CHECK(visible[0].compaction_level == 1);
  CHECK(visible[0].total_traces == 200);
  CHECK(visible[0].replaces.size() == 4);
  CheckEveryTraceOnce(f, want);
  // Inputs are marked compacted (meta.json replaced by meta.compacted.json) but kept.
  for (int i = 0; i < 4; ++i) {
    CHECK(f.backend->ListObjects("t1", "in-" + std::to_string(i)).value() ==
          std::vector<std::string>{backend::kDataName, backend::kCompactedMetaName});
  }
  CHECK(f.Metric("tempodb_compaction_blocks_total{level=\"0\"}") == 4);
  CHECK(f.Metric("tempodb_compaction_objects_written_total") == 200);
  CHECK(f.Metric("tempodb_compaction_objects_combined_total") == 40);
  CHECK(f.Metric("tempodb_compaction_bytes_written_total") == visible[0].size_bytes);
  CHECK(f.Metric("tempodb_compaction_outstanding_blocks{tenant=\"t1\",level=\"0\"}") == 0);
  CHECK(f.Metric("tempodb_compaction_errors_total") == 0);

  SECTION("a poll of the backend agrees") {
    REQUIRE(f.store.Poll().ok());
    CHECK(f.Visible() == std::vector<std::string>{visible[0].block_id});
    CHECK(f.store.HasBlock("t1", "in-0"));  // compacted, not yet deleted
  }
  SECTION("inputs are deleted only after compacted_block_retention") {
    f.clock.Advance(std::chrono::minutes(59));
    REQUIRE(f.compactor->RunCycle().ok());
    CHECK(f.backend->ListBlocks("t1").value().size() == 5);
    f.clock.Advance(std::chrono::minutes(2));
    REQUIRE(f.compactor->RunCycle().ok());
    CHECK(f.backend->ListBlocks("t1").value() == std::vector<std::string>{visible[0].block_id});
    CHECK(f.Metric("tempodb_retention_deleted_total") == 4);
    CHECK_FALSE(f.store.HasBlock("t1", "in-0"));
    CheckEveryTraceOnce(f, want);
  }
}

TEST_CASE("Retention marks expired blocks, deletes them later, and honours tenant overrides",
          "[compactor]") {
  Fixture f;
  const int64_t start = 1'700'000'000 * kSecond;
  WriteBlock(*f.backend, "t1", "old", {{Tid(1), MakeTrace(1, {1}, "s", start)}});
  WriteBlock(*f.backend, "t2", "old2", {{Tid(2), MakeTrace(2, {1}, "s", start)}});
  WriteBlock(*f.backend, "t1", "new",
             {{Tid(3), MakeTrace(3, {1}, "s", start + 5 * 3600 * kSecond)}});
  f.config.block_retention = std::chrono::hours(3);
  f.overrides_config.defaults.block_retention = std::chrono::hours(3);
  overrides::TenantLimits t2;
  t2.block_retention = std::chrono::hours(10);  // t2 keeps its blocks longer
  f.overrides_config.per_tenant["t2"] = t2;
  f.Make();
  REQUIRE(f.store.Poll().ok());

  f.clock.Advance(std::chrono::hours(4));  // "old" ended 4 h ago, "new" ends in the future
  REQUIRE(f.compactor->ApplyRetentionForTest().ok());
  CHECK(f.Visible() == std::vector<std::string>{"new"});
  CHECK(f.Visible("t2") == std::vector<std::string>{"old2"});
  CHECK(f.Metric("tempodb_retention_marked_for_deletion_total") == 1);
  CHECK(f.backend->ListObjects("t1", "old").value() ==
        std::vector<std::string>{backend::kDataName, backend::kCompactedMetaName});
  CHECK(FindAll(f.store, "t1", Tid(1)).fragments == 0);

  f.clock.Advance(std::chrono::minutes(61));  // past compacted_block_retention
  REQUIRE(f.compactor->ApplyRetentionForTest().ok());
  CHECK(f.backend->ListBlocks("t1").value() == std::vector<std::string>{"new"});
  CHECK(f.Metric("tempodb_retention_deleted_total") == 1);

  f.clock.Advance(std::chrono::hours(6));  // now t2's block is 11 h old too
  REQUIRE(f.compactor->ApplyRetentionForTest().ok());
  CHECK(f.Visible("t2").empty());
  REQUIRE(f.store.Poll().ok());
  CHECK(f.Visible("t2").empty());
}

// Runs one job by hand up to `step` of the commit protocol, as a crash would leave it.
enum class Step { kAfterData, kAfterMeta, kAfterFirstMark };

TEST_CASE("An interrupted compaction is finished or undone on restart", "[compactor]") {
  Fixture f;
  auto want = WriteInputs(f);
  auto inputs = f.store.Blocks("t1");
  const Step step = GENERATE(Step::kAfterData, Step::kAfterMeta, Step::kAfterFirstMark);
  CAPTURE(static_cast<int>(step));

  CompactionJob job(*f.backend, {}, inputs);
  block::BlockMeta out = job.Run("out", f.clock.NowUnixNanos() / kSecond, nullptr).value();
  if (step == Step::kAfterData) {
    REQUIRE(f.backend->Delete("t1", "out", backend::kMetaName).ok());
  }
  if (step == Step::kAfterFirstMark) {
    REQUIRE(f.backend
                ->Write("t1", inputs[0].block_id, backend::kCompactedMetaName,
                        CompactedMetaToJson(inputs[0], f.clock.NowUnixNanos()))
                .ok());
    REQUIRE(f.backend->Delete("t1", inputs[0].block_id, backend::kMetaName).ok());
  }

  // A restarted process: a fresh store lists the backend first.
  metrics::Registry registry;
  store::Store store(store::StoreConfig{}, *f.backend, registry);
  REQUIRE(store.Poll().ok());
  std::vector<std::string> visible;
  for (const auto& m : store.Blocks("t1")) visible.push_back(m.block_id);
  if (step == Step::kAfterData) {
    CHECK(visible.size() == 4);  // the output is not committed: the inputs serve
  } else {
    CHECK(visible == std::vector<std::string>{"out"});  // hidden before they are marked
  }
  for (const auto& [id, spans] : want) {
    auto found = FindAll(store, "t1", id);
    CHECK(found.span_ids == spans);
    CHECK(found.raw_spans <= spans.size() + 1);  // at most the one repeated span, never a block twice
  }

  Compactor compactor(f.config, *f.backend, store, *f.overrides, registry, f.clock);
  REQUIRE(compactor.Recover().ok());
  if (step == Step::kAfterData) {
    auto dirs = f.backend->ListBlocks("t1").value();
    CHECK(std::find(dirs.begin(), dirs.end(), "out") == dirs.end());
    // The next cycle compacts again from scratch.
    REQUIRE(compactor.RunCycle().ok());
    REQUIRE(store.Blocks("t1").size() == 1);
  } else {
    for (const auto& in : inputs) {
      CHECK(f.backend->ListObjects("t1", in.block_id).value() ==
            std::vector<std::string>{backend::kDataName, backend::kCompactedMetaName});
    }
    CHECK(store.Blocks("t1").size() == 1);
    CHECK(store.Blocks("t1")[0].block_id == "out");
  }
  for (const auto& [id, spans] : want) {
    auto found = FindAll(store, "t1", id);
    CHECK(found.span_ids == spans);
    CHECK(found.raw_spans == spans.size());
  }
  (void)out;
}

TEST_CASE("A lookup during compaction never sees a trace twice nor misses one", "[compactor]") {
  Fixture f;
  auto want = WriteInputs(f, 8);  // two jobs at level 0, then one at level 1
  std::atomic<bool> done{false};
  std::atomic<uint64_t> lookups{0};
  std::vector<std::string> failures;
  std::thread reader([&] {
    // Keep looking up until compaction is over, then one more full round.
    bool last_round = false;
    while (!last_round) {
      last_round = done.load();
      for (const auto& [id, spans] : want) {
        testing::Found found;
        Status s = FindAll(f.store, "t1", id, &found);
        ++lookups;
        if (!s.ok()) {
          failures.push_back(id.ToHex() + ": " + s.message());
        } else if (found.span_ids != spans ||
                   (found.raw_spans != spans.size() && found.raw_spans != spans.size() + 1)) {
          failures.push_back(id.ToHex() + ": " + std::to_string(found.raw_spans) + " spans in " +
                             std::to_string(found.fragments) + " fragments");
        }
        if (failures.size() > 10) return;
      }
    }
  });
  Status first = f.compactor->RunCycle();  // level 0 -> two level-1 blocks
  Status second = f.compactor->RunCycle();  // level 1 -> one level-2 block
  done = true;
  reader.join();
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  INFO((failures.empty() ? std::string() : failures[0]));
  CHECK(failures.empty());
  CHECK(lookups.load() >= want.size());
  auto visible = f.store.Blocks("t1");
  REQUIRE(visible.size() == 1);
  CHECK(visible[0].compaction_level == 2);
  CheckEveryTraceOnce(f, want);
}

TEST_CASE("Compaction waits while the cut is busy; Stop ends the wait", "[compactor]") {
  Fixture f;
  auto want = WriteInputs(f);
  std::atomic<bool> busy{true};
  std::atomic<int> asked{0};
  std::promise<void> waited;  // asked a third time: once before, twice while waiting
  f.compactor->SetYieldTo(
      [&] {
        if (++asked == 3) waited.set_value();
        return busy.load();
      },
      std::chrono::milliseconds(1));
  Status cycle;
  std::thread runner([&] { cycle = f.compactor->RunCycle(); });
  // Nothing of the job can be written before the predicate says the cut is no longer busy.
  REQUIRE(waited.get_future().wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  CHECK(f.Visible().size() == 4);
  CHECK(f.backend->ListBlocks("t1").value().size() == 4);

  SECTION("the job runs once the cut caught up") {
    busy = false;
    runner.join();
    REQUIRE(cycle.ok());
    REQUIRE(f.store.Blocks("t1").size() == 1);
    CheckEveryTraceOnce(f, want);
    CHECK(asked.load() > 3);  // then between traces
    CHECK(f.Metric("tempo_compactor_deferred_seconds_total") >= 0.001);  // a recheck or more
  }
  SECTION("Stop ends the wait and leaves the inputs as they were") {
    f.compactor->Stop();
    runner.join();
    CHECK(cycle.code() == StatusCode::kCancelled);
    CHECK(f.Visible().size() == 4);
    CHECK(f.backend->ListBlocks("t1").value().size() == 4);
    for (const auto& [id, spans] : want) CHECK(FindAll(f.store, "t1", id).span_ids == spans);
  }
}

TEST_CASE("A wait longer than compaction_cycle leaves the merge to a later cycle", "[compactor]") {
  Fixture f;
  f.config.compaction_cycle = std::chrono::milliseconds(20);
  f.Make();
  auto want = WriteInputs(f);
  // The cycles run on this thread; the predicate says when the cut is busy.
  int asked = 0;
  int busy_from = 0;  // busy from this call on
  bool released = false;
  f.compactor->SetYieldTo(
      [&] {
        ++asked;
        return !released && asked >= busy_from;
      },
      std::chrono::milliseconds(1));

  SECTION("busy before the job") { busy_from = 1; }
  SECTION("busy in the middle of the job") { busy_from = 50; }  // 200 traces: it has started
  REQUIRE(f.compactor->RunCycle().ok());
  CHECK(asked > busy_from);
  CHECK(f.Visible().size() == 4);
  CHECK(f.backend->ListBlocks("t1").value().size() == 4);  // an abandoned output is removed
  CHECK(f.Metric("tempodb_compaction_errors_total") == 0);
  CHECK(f.Metric("tempo_compactor_deferred_seconds_total") >= 0.02);

  released = true;
  REQUIRE(f.compactor->RunCycle().ok());
  REQUIRE(f.store.Blocks("t1").size() == 1);
  CheckEveryTraceOnce(f, want);
}

}  // namespace
}  // namespace tempo::compactor
