// Deleting traces from live data: refused spans, replay that skips deleted traces, and the WAL
// floor that tells when no record of a deleted trace can be left.
#include <catch2/catch.hpp>

#include <functional>
#include <future>

#include "support/temp_dir.h"
#include "support/trace_builder.h"
#include "tempo/ingester/ingester.h"
#include "tempo/model/batch.h"

using tempo::FakeClock;
using tempo::RequestContext;
using tempo::Status;
using tempo::TraceId;
using tempo::ingester::Ingester;
using tempo::testing::TempDir;
using tempo::testing::TraceBuilder;
using tempo::testing::TraceIdBytes;

namespace {

TraceId Id(uint64_t n) { return TraceId::FromBytes(TraceIdBytes(n)); }

// A WAL plus an ingester on a temp dir. Reopen(before_start) simulates a restart; the hook runs
// between construction and the replay (where the owner of tombstones refuses traces again).
struct Fixture {
  Fixture() {
    config.path = dir.Sub("wal");
    Reopen();
  }

  void Reopen(const std::function<void(Ingester&)>& before_start = nullptr) {
    ingester.reset();
    wal.reset();
    registry = std::make_unique<tempo::metrics::Registry>();
    wal = tempo::wal::Wal::Open(config, *registry).value();
    ingester = std::make_unique<Ingester>(tempo::ingester::IngesterConfig{}, *wal, overrides,
                                          *registry, clock);
    if (before_start) before_start(*ingester);
    REQUIRE(ingester->Start().ok());
  }

  // Pushes `spans` spans of each trace in `traces` in one push.
  Status Push(std::vector<uint64_t> traces, int spans = 2) {
    TraceBuilder b;
    for (uint64_t t : traces) {
      for (int i = 0; i < spans; ++i) b.AddSpan("svc", t, t * 100 + static_cast<uint64_t>(i));
    }
    std::promise<Status> done;
    auto future = done.get_future();
    RequestContext ctx;
    ctx.tenant = "t";
    ingester->Push(ctx, tempo::model::SplitByTrace(b.Build()),
                   [&done](Status s) { done.set_value(std::move(s)); });
    return future.get();
  }

  bool Live(uint64_t n) { return ingester->FindTraceByID("t", Id(n)).has_value(); }

  uint64_t WalRecords() {
    uint64_t n = 0;
    REQUIRE(wal->Replay([&](tempo::wal::ReplayedRecord&&) { ++n; }).ok());
    return n;
  }

  TempDir dir;
  tempo::wal::WalConfig config;
  FakeClock clock;
  tempo::overrides::Overrides overrides{tempo::overrides::OverridesConfig{}};
  std::unique_ptr<tempo::metrics::Registry> registry;
  std::unique_ptr<tempo::wal::Wal> wal;
  std::unique_ptr<Ingester> ingester;
};

}  // namespace

TEST_CASE("A deleted trace is erased and its later spans are discarded, the rest stored",
          "[ingester][delete]") {
  Fixture f;
  REQUIRE(f.Push({1, 2}).ok());
  f.ingester->RefuseTrace("t", Id(1));
  CHECK(f.ingester->EraseTrace("t", Id(1)));
  CHECK_FALSE(f.ingester->EraseTrace("t", Id(1)));  // nothing left
  CHECK_FALSE(f.Live(1));
  CHECK(f.Live(2));
  CHECK(f.ingester->live_traces() == 1);

  // A push mixing the deleted trace and others succeeds; only the deleted trace is dropped.
  REQUIRE(f.Push({1, 3}, 3).ok());
  CHECK_FALSE(f.Live(1));
  CHECK(f.Live(3));
  CHECK(f.registry->Render().find("reason=\"trace_deleted\"} 3") != std::string::npos);
  // A push of nothing but the deleted trace is acknowledged and stores nothing.
  const uint64_t records = f.WalRecords();
  REQUIRE(f.Push({1}).ok());
  CHECK(f.WalRecords() == records);

  SECTION("once accepted again, the ID is a new trace") {
    f.ingester->AcceptTrace("t", Id(1));
    REQUIRE(f.Push({1}, 1).ok());
    auto live = f.ingester->FindTraceByID("t", Id(1));
    REQUIRE(live.has_value());
    CHECK(live->span_count == 1);
  }
}

TEST_CASE("WAL replay skips the records of traces refused before the start",
          "[ingester][delete]") {
  Fixture f;
  REQUIRE(f.Push({1, 2}).ok());
  REQUIRE(f.Push({1}).ok());
  f.Reopen([](Ingester& ingester) { ingester.RefuseTrace("t", Id(1)); });
  CHECK_FALSE(f.Live(1));
  CHECK(f.Live(2));
  CHECK(f.ingester->live_traces() == 1);
  // The skipped records are still in the WAL: it may hold the deleted trace's minute.
  const uint32_t minute = f.ingester->RefuseTrace("t", Id(1));
  CHECK(f.ingester->WalMayHold("t", minute));
  // Without the refusal, the trace comes back (nothing else hides it in the ingester).
  f.Reopen();
  CHECK(f.Live(1));
}

TEST_CASE("TrimWal drops the minutes of erased traces once no live trace needs them",
          "[ingester][delete]") {
  Fixture f;
  CHECK_FALSE(f.ingester->WalMayHold("t", UINT32_MAX));  // no record of the tenant at all
  REQUIRE(f.Push({1}).ok());
  const uint32_t minute = f.ingester->RefuseTrace("t", Id(1));
  REQUIRE(f.ingester->EraseTrace("t", Id(1)));
  CHECK(f.ingester->WalMayHold("t", minute));

  SECTION("the current minute is kept until it has passed") {
    REQUIRE(f.ingester->TrimWal().ok());
    CHECK(f.ingester->WalMayHold("t", minute));
    CHECK(f.WalRecords() == 1);
    f.clock.Advance(std::chrono::minutes(1));
    REQUIRE(f.ingester->TrimWal().ok());
    CHECK_FALSE(f.ingester->WalMayHold("t", minute));
    CHECK(f.WalRecords() == 0);
  }
  SECTION("a live trace of the same minute keeps it") {
    REQUIRE(f.Push({2}).ok());
    f.clock.Advance(std::chrono::minutes(2));
    REQUIRE(f.ingester->TrimWal().ok());
    CHECK(f.ingester->WalMayHold("t", minute));
    CHECK(f.WalRecords() == 2);
    f.ingester->RefuseTrace("t", Id(2));
    REQUIRE(f.ingester->EraseTrace("t", Id(2)));
    REQUIRE(f.ingester->TrimWal().ok());
    CHECK_FALSE(f.ingester->WalMayHold("t", minute));
    // A new push lowers the floor to its own (later) minute only.
    REQUIRE(f.Push({3}).ok());
    CHECK_FALSE(f.ingester->WalMayHold("t", minute));
    CHECK(f.ingester->WalMayHold("t", minute + 2));
  }
  SECTION("after a restart the replayed records set the floor") {
    f.Reopen([](Ingester& ingester) { ingester.RefuseTrace("t", Id(1)); });
    CHECK(f.ingester->WalMayHold("t", minute));
    CHECK_FALSE(f.ingester->WalMayHold("t", minute - 1));
  }
}

TEST_CASE("A cut frees the WAL minutes of what it wrote, also of traces that go on",
          "[ingester]") {
  Fixture f;
  const uint32_t first = static_cast<uint32_t>(f.clock.NowUnixNanos() / 60'000'000'000LL);
  REQUIRE(f.Push({1, 2}).ok());
  f.clock.Advance(std::chrono::minutes(3));
  f.ingester->CollectDueHeads(true);
  const auto head = f.ingester->SnapshotHead("t");
  REQUIRE(head.traces.size() == 2);
  CHECK(head.taken_minute == first + 3);
  // Trace 1 goes on while the block is written; its new fragment stays live after the cut.
  f.clock.Advance(std::chrono::minutes(1));
  REQUIRE(f.Push({1}).ok());
  REQUIRE(f.ingester->CompleteCut(head).ok());
  REQUIRE(f.Live(1));
  CHECK_FALSE(f.Live(2));
  // The first push's minute is gone; the later one's is kept.
  CHECK_FALSE(f.ingester->WalMayHold("t", first));
  CHECK_FALSE(f.ingester->WalMayHold("t", first + 2));
  CHECK(f.ingester->WalMayHold("t", first + 4));
  CHECK(f.WalRecords() == 1);
  // After a restart the live fragment is replayed from the minute kept.
  f.Reopen();
  REQUIRE(f.Live(1));
  CHECK_FALSE(f.Live(2));
}
