// The ingester's head and WAL bookkeeping (sorted head IDs, per-minute counts of what live traces
// need) checked against a plain model over random sequences of pushes, idle collection, cuts
// with late fragments, deletions and WAL trims.
#include <catch2/catch.hpp>

#include <algorithm>
#include <future>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "support/temp_dir.h"
#include "support/trace_builder.h"
#include "tempo/ingester/ingester.h"
#include "tempo/model/batch.h"

using tempo::FakeClock;
using tempo::TraceId;
using tempo::ingester::HeadSnapshot;
using tempo::ingester::Ingester;
using tempo::testing::TempDir;
using tempo::testing::TraceBuilder;
using tempo::testing::TraceIdBytes;

namespace {

TraceId Id(uint64_t n) { return TraceId::FromBytes(TraceIdBytes(n)); }

// What the ingester should hold of one live trace.
struct ModelTrace {
  bool in_head = false;
  uint32_t min_epoch = 0;
  std::chrono::steady_clock::time_point last_append;
};

// One tenant's ingester on a temp WAL, driven by random steps and compared with the model.
class CutModel {
 public:
  explicit CutModel(uint32_t seed) : rng_(seed) {
    wal_config_.path = dir_.Sub("wal");
    wal_ = tempo::wal::Wal::Open(wal_config_, registry_).value();
    ingester_ = std::make_unique<Ingester>(config_, *wal_, overrides_, registry_, clock_);
    REQUIRE(ingester_->Start().ok());
  }

  void Step() {
    switch (Pick(9)) {
      case 0:
      case 1:
      case 2:
        PushSome();
        break;
      case 3:
        clock_.Advance(std::chrono::seconds(Pick(90)));
        break;
      case 4:
      case 5:
        Collect(Pick(3) == 0);
        break;
      case 6:
      case 7:
        Cut(/*force=*/Pick(2) == 0, /*late=*/true);
        break;
      default:
        if (Pick(2) == 0) {
          Erase(1 + Pick(kTraces));
        } else {
          REQUIRE(ingester_->TrimWal().ok());
          RaiseOldest();
        }
        break;
    }
    CheckWalFloor();
    CheckHeadBytes();
  }

  // Cuts everything that is left; every live trace must end up in a block.
  void Drain() {
    for (int i = 0; i < 100 && !live_.empty(); ++i) {
      Collect(true);
      Cut(/*force=*/true, /*late=*/false);
    }
    CHECK(live_.empty());
    CHECK(ingester_->live_traces() == 0);
    CHECK(ingester_->head_bytes() == 0);
  }

 private:
  static constexpr uint64_t kTraces = 30;

  uint32_t Pick(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }
  uint32_t Minute() const {
    return static_cast<uint32_t>(clock_.NowUnixNanos() / 60'000'000'000LL);
  }

  void Push(const std::vector<uint64_t>& traces) {
    TraceBuilder b;
    for (uint64_t n : traces) b.AddSpan("svc", n, ++span_);
    std::promise<tempo::Status> done;
    auto future = done.get_future();
    tempo::RequestContext ctx;
    ctx.tenant = "t";
    ingester_->Push(ctx, tempo::model::SplitByTrace(b.Build()),
                    [&done](tempo::Status s) { done.set_value(std::move(s)); });
    REQUIRE(future.get().ok());
    const uint32_t minute = Minute();
    oldest_ = std::min(oldest_, minute);
    for (uint64_t n : traces) {
      auto [it, inserted] = live_.try_emplace(n);
      if (inserted) it->second.min_epoch = minute;
      it->second.last_append = clock_.Monotonic();
    }
  }

  void PushSome() {
    std::set<uint64_t> traces;
    for (uint32_t i = 0, k = 1 + Pick(3); i < k; ++i) traces.insert(1 + Pick(kTraces));
    Push({traces.begin(), traces.end()});
  }

  void Collect(bool force) {
    ingester_->CollectDueHeads(force);
    for (auto& [n, t] : live_) {
      if (force || clock_.Monotonic() - t.last_append >= config_.trace_idle_period) {
        t.in_head = true;
      }
    }
  }

  // One round of head parts; with `late`, sometimes a fragment of a taken trace arrives while
  // they are written.
  void Cut(bool force, bool late_allowed) {
    const uint64_t budget = (1 + Pick(4)) * 700;
    const size_t max_parts = 1 + Pick(3);
    const uint32_t taken_minute = Minute();
    std::vector<HeadSnapshot> parts = ingester_->SnapshotHeadParts("t", budget, max_parts, force);
    std::vector<uint64_t> head;
    for (const auto& [n, t] : live_) {
      if (t.in_head) head.push_back(n);
    }
    if (head.empty()) {
      CHECK(parts.empty());
      return;
    }
    REQUIRE_FALSE(parts.empty());
    // The first part starts at the lowest head ID after the last cut, around the end.
    auto first = std::upper_bound(head.begin(), head.end(), cursor_.value_or(0));
    CHECK(parts[0].traces.front().id == Id(first == head.end() ? head.front() : *first));
    std::set<TraceId> seen;
    for (const HeadSnapshot& part : parts) {
      REQUIRE_FALSE(part.traces.empty());
      for (size_t i = 0; i < part.traces.size(); ++i) {
        const TraceId& id = part.traces[i].id;
        CHECK(seen.insert(id).second);  // in one part only
        if (i > 0) CHECK(part.traces[i - 1].id < id);
        CHECK(std::find_if(head.begin(), head.end(), [&](uint64_t n) { return Id(n) == id; }) !=
              head.end());
      }
    }
    // Fragments arriving while the blocks are written stay live after the cut.
    std::set<uint64_t> late;
    if (late_allowed && Pick(3) == 0) {
      late.insert(head[Pick(static_cast<uint32_t>(head.size()))]);
      Push({late.begin(), late.end()});
    }
    for (const HeadSnapshot& part : parts) {
      for (const HeadSnapshot::Trace& trace : part.traces) {
        REQUIRE(ingester_->ReadHeadTrace("t", trace).has_value());
      }
      REQUIRE(ingester_->CompleteCut(part).ok());
      for (const HeadSnapshot::Trace& trace : part.traces) {
        const uint64_t n = Number(trace.id);
        if (late.count(n)) {
          ModelTrace& t = live_.at(n);
          t.in_head = false;
          t.min_epoch = std::max(t.min_epoch, taken_minute);
        } else {
          live_.erase(n);
        }
      }
      cursor_ = Number(part.traces.back().id);
      RaiseOldest();
    }
    CHECK(ingester_->live_traces() == live_.size());
  }

  void Erase(uint64_t n) {
    CHECK(ingester_->EraseTrace("t", Id(n)) == (live_.erase(n) == 1));
  }

  // What CompleteCut and TrimWal drop: minutes before the oldest one a live trace needs.
  void RaiseOldest() {
    if (oldest_ == UINT32_MAX) return;
    uint32_t keep = Minute();
    for (const auto& [n, t] : live_) keep = std::min(keep, t.min_epoch);
    oldest_ = std::max(oldest_, keep);
  }

  void CheckWalFloor() {
    if (oldest_ == UINT32_MAX) return;
    CHECK(ingester_->WalMayHold("t", oldest_));
    CHECK_FALSE(ingester_->WalMayHold("t", oldest_ - 1));
  }

  // The ingester's lock-free head total is what a snapshot of the whole head would take.
  void CheckHeadBytes() {
    uint64_t sum = 0;
    for (const HeadSnapshot& part :
         ingester_->SnapshotHeadParts("t", UINT64_MAX, SIZE_MAX, /*force=*/true)) {
      sum += part.bytes;
    }
    CHECK(ingester_->head_bytes() == sum);
  }

  static uint64_t Number(const TraceId& id) {
    for (uint64_t n = 1; n <= kTraces; ++n) {
      if (Id(n) == id) return n;
    }
    FAIL("unknown trace ID " << id.ToHex());
    return 0;
  }

  std::mt19937 rng_;
  TempDir dir_;
  tempo::wal::WalConfig wal_config_;
  tempo::ingester::IngesterConfig config_;
  FakeClock clock_;
  tempo::overrides::Overrides overrides_{tempo::overrides::OverridesConfig{{}, {}, ""}};
  tempo::metrics::Registry registry_;
  std::unique_ptr<tempo::wal::Wal> wal_;
  std::unique_ptr<Ingester> ingester_;
  std::map<uint64_t, ModelTrace> live_;
  std::optional<uint64_t> cursor_;
  uint32_t oldest_ = UINT32_MAX;
  uint64_t span_ = 0;
};

}  // namespace

TEST_CASE("Cuts, late fragments, deletions and WAL trims agree with a model", "[ingester][cut]") {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    CutModel model(seed);
    for (int step = 0; step < 300; ++step) model.Step();
    model.Drain();
  }
}
