#include <catch2/catch.hpp>

#include <future>

#include "support/temp_dir.h"
#include "support/trace_builder.h"
#include "tempo/ingester/ingester.h"
#include "tempo/model/batch.h"

using tempo::FakeClock;
using tempo::RequestContext;
using tempo::Status;
using tempo::StatusCode;
using tempo::TraceId;
using tempo::ingester::Ingester;
using tempo::testing::TempDir;
using tempo::testing::TraceBuilder;
using tempo::testing::TraceIdBytes;

namespace {

// A WAL plus an ingester on a temp dir; Reopen() simulates a restart.
struct Fixture {
  explicit Fixture(tempo::overrides::TenantLimits limits = {})
      : overrides(tempo::overrides::OverridesConfig{limits, {}, ""}) {
    config.path = dir.Sub("wal");
    Reopen();
  }

  void Reopen() {
    ingester.reset();
    wal.reset();
    registry = std::make_unique<tempo::metrics::Registry>();
    wal = tempo::wal::Wal::Open(config, *registry).value();
    ingester = std::make_unique<Ingester>(ingester_config, *wal, overrides, *registry, clock);
    REQUIRE(ingester->Start().ok());
  }

  Status Push(const tempo::testing::OtlpRequest& request, const std::string& tenant = "t") {
    std::promise<Status> done;
    auto future = done.get_future();
    RequestContext ctx;
    ctx.tenant = tenant;
    ingester->Push(ctx, tempo::model::SplitByTrace(request),
                   [&done](Status s) { done.set_value(std::move(s)); });
    return future.get();
  }

  // One push of traces 1 and 2, one span each (span IDs 1 and 2).
  Status PushTwoTraces() {
    TraceBuilder b;
    b.AddSpan("svc", 1, 1);
    b.AddSpan("svc", 2, 2);
    return Push(b.Build());
  }

  TempDir dir;
  tempo::wal::WalConfig config;
  tempo::ingester::IngesterConfig ingester_config;  // applies from the next Reopen
  FakeClock clock;
  tempo::overrides::Overrides overrides;
  std::unique_ptr<tempo::metrics::Registry> registry;
  std::unique_ptr<tempo::wal::Wal> wal;
  std::unique_ptr<Ingester> ingester;
};

TraceId Id(uint64_t n) { return TraceId::FromBytes(TraceIdBytes(n)); }

}  // namespace

TEST_CASE("A pushed trace is found at once and after a restart", "[ingester]") {
  Fixture f;
  TraceBuilder first;
  first.AddSpan("svc", 1, 1);
  TraceBuilder second;
  second.AddSpan("svc", 1, 2, 1);
  REQUIRE(f.Push(first.Build()).ok());
  REQUIRE(f.Push(second.Build()).ok());

  auto live = f.ingester->FindTraceByID("t", Id(1));
  REQUIRE(live.has_value());
  CHECK(live->span_count == 2);
  CHECK_FALSE(f.ingester->FindTraceByID("other-tenant", Id(1)).has_value());
  CHECK_FALSE(f.ingester->FindTraceByID("t", Id(2)).has_value());

  f.Reopen();
  auto replayed = f.ingester->FindTraceByID("t", Id(1));
  REQUIRE(replayed.has_value());
  CHECK(replayed->data == live->data);
  CHECK(f.ingester->live_traces() == 1);
}

TEST_CASE("A push that would exceed max_bytes_per_trace is refused and stores nothing",
          "[ingester]") {
  tempo::overrides::TenantLimits limits;
  limits.max_bytes_per_trace = 200;
  Fixture f(limits);
  TraceBuilder small;
  small.AddSpan("svc", 1, 1);
  REQUIRE(f.Push(small.Build()).ok());
  size_t before = f.ingester->FindTraceByID("t", Id(1))->data.size();

  TraceBuilder big;
  big.AddSpan("svc", 2, 5);  // another trace in the same push, which must not be stored either
  for (int i = 10; i < 20; ++i) big.AddSpan("svc", 1, i);
  Status s = f.Push(big.Build());
  CHECK(s.code() == StatusCode::kResourceExhausted);
  CHECK(s.message().rfind("TRACE_TOO_LARGE: max size of trace (200) exceeded", 0) == 0);
  CHECK(f.ingester->FindTraceByID("t", Id(1))->data.size() == before);
  CHECK_FALSE(f.ingester->FindTraceByID("t", Id(2)).has_value());

  f.Reopen();
  CHECK(f.ingester->FindTraceByID("t", Id(1))->data.size() == before);
  CHECK_FALSE(f.ingester->FindTraceByID("t", Id(2)).has_value());
}

TEST_CASE("Pushes past max_live_traces_bytes are refused until a cut frees memory",
          "[ingester]") {
  Fixture f;
  REQUIRE(f.PushTwoTraces().ok());
  const uint64_t held = f.ingester->live_bytes();
  REQUIRE(held > 0);
  f.ingester_config.max_live_traces_bytes = held + held / 2;
  f.Reopen();  // replayed: the same bytes are held again
  CHECK(f.ingester->live_bytes() == held);

  TraceBuilder more;
  more.AddSpan("svc", 3, 3);
  more.AddSpan("svc", 1, 4);
  Status s = f.Push(more.Build());
  CHECK(s.code() == StatusCode::kResourceExhausted);
  CHECK(s.message().rfind("LIVE_TRACES_EXCEEDED: live traces hold " + std::to_string(held) +
                              " bytes, the limit is " +
                              std::to_string(f.ingester_config.max_live_traces_bytes),
                          0) == 0);
  CHECK(f.ingester->live_bytes() == held);  // nothing of the refused push is stored
  CHECK_FALSE(f.ingester->FindTraceByID("t", Id(3)).has_value());

  TraceBuilder small;
  small.AddSpan("svc", 4, 5);
  REQUIRE(f.Push(small.Build()).ok());  // what fits is still taken

  f.ingester->CollectDueHeads(true);
  REQUIRE(f.ingester->CompleteCut(f.ingester->SnapshotHead("t")).ok());  // written as a block
  CHECK(f.ingester->live_bytes() == 0);
  CHECK(f.Push(more.Build()).ok());
  f.Reopen();
  CHECK(f.ingester->FindTraceByID("t", Id(3)).has_value());
}

TEST_CASE("A push refused by a full WAL queue is undone", "[ingester]") {
  Fixture f;
  f.ingester.reset();
  f.wal.reset();
  f.config.max_pending_bytes = 1;
  f.Reopen();
  // Push without waiting until the WAL refuses one; every refused push must leave nothing.
  std::vector<std::future<Status>> acked;
  bool refused = false;
  for (uint64_t i = 1; i < 5000 && !refused; ++i) {
    TraceBuilder b;
    b.AddSpan("svc", i, 1);
    auto p = std::make_shared<std::promise<Status>>();
    auto future = p->get_future();
    RequestContext ctx;
    ctx.tenant = "t";
    f.ingester->Push(ctx, tempo::model::SplitByTrace(b.Build()),
                     [p](Status s) { p->set_value(std::move(s)); });
    if (future.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      Status s = future.get();
      if (!s.ok()) {
        CHECK(s.code() == StatusCode::kResourceExhausted);
        CHECK_FALSE(f.ingester->FindTraceByID("t", Id(i)).has_value());
        refused = true;
      }
    } else {
      acked.push_back(std::move(future));
    }
  }
  CHECK(refused);
  for (auto& a : acked) CHECK(a.get().ok());
}

TEST_CASE("Pushes after Stop are refused as unavailable", "[ingester]") {
  Fixture f;
  f.ingester->Stop();
  TraceBuilder b;
  b.AddSpan("svc", 1, 1);
  CHECK(f.Push(b.Build()).code() == StatusCode::kUnavailable);
}

TEST_CASE("A head snapshot takes traces in ID order up to the byte budget, at least one",
          "[ingester]") {
  Fixture f;
  for (uint64_t n : {5, 3, 1, 4, 2}) {
    TraceBuilder b;
    for (int i = 0; i < static_cast<int>(n); ++i) b.AddSpan("svc", n, 10 * n + i);
    REQUIRE(f.Push(b.Build()).ok());
  }
  uint64_t size[6] = {};
  for (uint64_t n = 1; n <= 5; ++n) size[n] = f.ingester->FindTraceByID("t", Id(n))->data.size();
  CHECK(f.ingester->SnapshotHead("t").traces.empty());  // nothing moved into the head yet
  CHECK_FALSE(f.ingester->HeadDue("t", true));
  REQUIRE(f.ingester->CollectDueHeads(true).size() == 1);
  CHECK(f.ingester->HeadDue("t", true));
  CHECK_FALSE(f.ingester->HeadDue("t", false));  // neither old nor large enough

  SECTION("the budget cuts the ID-ordered prefix") {
    auto head = f.ingester->SnapshotHead("t", size[1] + size[2] + size[3] - 1);
    REQUIRE(head.traces.size() == 2);
    CHECK(head.traces[0].id == Id(1));
    CHECK(head.traces[1].id == Id(2));
    CHECK(head.bytes == size[1] + size[2]);
    REQUIRE(f.ingester->CompleteCut(head).ok());
    // The rest stays in the head, live and still due when forced.
    CHECK(f.ingester->live_traces() == 3);
    CHECK(f.ingester->HeadDue("t", true));
    auto rest = f.ingester->SnapshotHead("t");
    REQUIRE(rest.traces.size() == 3);
    CHECK(rest.traces[0].id == Id(3));
    REQUIRE(f.ingester->CompleteCut(rest).ok());
    CHECK_FALSE(f.ingester->HeadDue("t", true));
    CHECK(f.ingester->live_traces() == 0);
  }
  SECTION("a trace larger than the budget is taken alone") {
    auto head = f.ingester->SnapshotHead("t", 1);
    REQUIRE(head.traces.size() == 1);
    CHECK(head.traces[0].id == Id(1));
    CHECK(head.bytes == size[1]);
  }
  SECTION("the next cut starts after the last one, then wraps to the lowest ID") {
    // Lower IDs joining the head do not starve the higher ones left behind.
    REQUIRE(f.ingester->CompleteCut(f.ingester->SnapshotHead("t", size[1] + size[2])).ok());
    TraceBuilder low;
    low.AddSpan("svc", 1, 99);  // trace 1 again, after its cut: a new live trace
    REQUIRE(f.Push(low.Build()).ok());
    f.ingester->CollectDueHeads(true);
    auto next = f.ingester->SnapshotHead("t", size[3] + size[4]);
    REQUIRE(next.traces.size() == 2);
    CHECK(next.traces[0].id == Id(3));
    CHECK(next.traces[1].id == Id(4));
    REQUIRE(f.ingester->CompleteCut(next).ok());
    auto last = f.ingester->SnapshotHead("t", size[5]);
    REQUIRE(last.traces.size() == 1);
    CHECK(last.traces[0].id == Id(5));
    REQUIRE(f.ingester->CompleteCut(last).ok());
    auto wrapped = f.ingester->SnapshotHead("t");
    REQUIRE(wrapped.traces.size() == 1);
    CHECK(wrapped.traces[0].id == Id(1));
  }
}

TEST_CASE("Head parts are consecutive ID ranges taken while the rest is still due",
          "[ingester]") {
  Fixture f;
  for (uint64_t n = 1; n <= 5; ++n) {
    TraceBuilder b;
    b.AddSpan("svc", n, 10 + n);
    b.AddSpan("svc", n, 20 + n);
    REQUIRE(f.Push(b.Build()).ok());
  }
  const uint64_t size = f.ingester->FindTraceByID("t", Id(1))->data.size();
  for (uint64_t n = 2; n <= 5; ++n) {
    REQUIRE(f.ingester->FindTraceByID("t", Id(n))->data.size() == size);
  }
  f.ingester_config.max_block_bytes = 2 * size;
  f.Reopen();  // the traces come back from the WAL; the budget applies
  CHECK(f.ingester->SnapshotHeadParts("t", 2 * size, 8, true).empty());  // no head yet
  f.ingester->CollectDueHeads(true);
  auto ids = [](const tempo::ingester::HeadSnapshot& part) {
    std::vector<TraceId> out;
    for (const auto& t : part.traces) out.push_back(t.id);
    return out;
  };

  SECTION("due by size: parts stop once less than max_block_bytes is left") {
    REQUIRE(f.ingester->HeadDue("t", false));
    auto parts = f.ingester->SnapshotHeadParts("t", 2 * size, 8, false);
    REQUIRE(parts.size() == 2);
    CHECK(ids(parts[0]) == std::vector<TraceId>{Id(1), Id(2)});
    CHECK(ids(parts[1]) == std::vector<TraceId>{Id(3), Id(4)});
    CHECK(parts[1].bytes == 2 * size);
    for (const auto& part : parts) REQUIRE(f.ingester->CompleteCut(part).ok());
    CHECK_FALSE(f.ingester->HeadDue("t", false));  // what HeadDue says of the rest agrees
    CHECK(f.ingester->live_traces() == 1);
  }
  SECTION("due by age or forced: every part, up to max_parts") {
    f.clock.Advance(f.ingester_config.max_block_duration);
    auto parts = f.ingester->SnapshotHeadParts("t", 2 * size, 8, false);
    REQUIRE(parts.size() == 3);
    CHECK(ids(parts[2]) == std::vector<TraceId>{Id(5)});
    CHECK(f.ingester->SnapshotHeadParts("t", 2 * size, 2, true).size() == 2);
    CHECK(f.ingester->SnapshotHeadParts("t", 2 * size, 1, true).size() == 1);
  }
  SECTION("parts start after the last completed cut and end where the IDs wrap") {
    REQUIRE(f.ingester->CompleteCut(f.ingester->SnapshotHead("t", 2 * size)).ok());
    TraceBuilder again;
    again.AddSpan("svc", 1, 99);  // trace 1 again after its cut: a new live trace
    REQUIRE(f.Push(again.Build()).ok());
    f.ingester->CollectDueHeads(true);
    auto parts = f.ingester->SnapshotHeadParts("t", UINT64_MAX, 8, true);
    REQUIRE(parts.size() == 2);
    CHECK(ids(parts[0]) == std::vector<TraceId>{Id(3), Id(4), Id(5)});
    CHECK(ids(parts[1]) == std::vector<TraceId>{Id(1)});
    for (const auto& part : parts) REQUIRE(f.ingester->CompleteCut(part).ok());
    CHECK(f.ingester->live_traces() == 0);
  }
}

TEST_CASE("ReadHeadTrace returns the fragments as of the snapshot, none once erased",
          "[ingester]") {
  Fixture f;
  REQUIRE(f.PushTwoTraces().ok());
  f.ingester->CollectDueHeads(true);
  auto head = f.ingester->SnapshotHead("t");
  REQUIRE(head.traces.size() == 2);
  const std::string before(f.ingester->FindTraceByID("t", Id(1))->data.ToString());

  TraceBuilder later;
  later.AddSpan("svc", 1, 3, 1);
  REQUIRE(f.Push(later.Build()).ok());  // arrives while the block is being written
  const std::string after(f.ingester->FindTraceByID("t", Id(1))->data.ToString());
  REQUIRE(after.size() > before.size());
  CHECK(f.ingester->ReadHeadTrace("t", head.traces[0]) == before);

  CHECK(f.ingester->EraseTrace("t", Id(2)));
  CHECK_FALSE(f.ingester->ReadHeadTrace("t", head.traces[1]).has_value());
  REQUIRE(f.ingester->CompleteCut(head).ok());
  auto live = f.ingester->FindTraceByID("t", Id(1));
  REQUIRE(live.has_value());  // the late fragment stays live
  CHECK(live->data.ToString() == after.substr(before.size()));
}

TEST_CASE("Pushed fragments are held packed and read back unchanged", "[ingester][pack]") {
  Fixture f;
  TraceBuilder first;
  for (uint64_t s = 1; s <= 40; ++s) first.AddSpan("checkout", 1, s, 0, "GET /cart");
  REQUIRE(f.Push(first.Build()).ok());
  auto packed = f.ingester->FindTraceByID("t", Id(1));
  REQUIRE(packed.has_value());
  const std::string one = packed->data.ToString();
  CHECK(packed->data.stored_size() < one.size() / 2);
  CHECK(f.ingester->live_bytes() == one.size());  // limits count the bytes as pushed
  CHECK(f.registry->Render().find("tempo_ingester_packed_bytes_total{kind=\"raw\"} " +
                                  std::to_string(one.size())) != std::string::npos);
  CHECK(f.registry->Render().find("tempo_ingester_packed_bytes_total{kind=\"stored\"} " +
                                  std::to_string(packed->data.stored_size())) !=
        std::string::npos);

  // A later fragment is a piece of its own behind the first.
  TraceBuilder late;
  late.AddSpan("checkout", 1, 41, 1);
  REQUIRE(f.Push(late.Build()).ok());
  auto grown = f.ingester->FindTraceByID("t", Id(1));
  REQUIRE(grown->data.piece_count() == 2);
  const std::string all = grown->data.ToString();
  CHECK(all.substr(0, one.size()) == one);

  // The cut reads the unpacked bytes, and a restart replays them from the WAL, still packed.
  f.ingester->CollectDueHeads(true);
  auto head = f.ingester->SnapshotHead("t");
  REQUIRE(head.traces.size() == 1);
  CHECK(f.ingester->ReadHeadTrace("t", head.traces[0]) == all);
  f.Reopen();
  auto replayed = f.ingester->FindTraceByID("t", Id(1));
  CHECK(replayed->data.ToString() == all);
  CHECK(replayed->data.stored_size() == grown->data.stored_size());
  f.ingester->CollectDueHeads(true);
  head = f.ingester->SnapshotHead("t");
  REQUIRE(f.ingester->CompleteCut(head).ok());
  CHECK(f.ingester->live_traces() == 0);
}

// One push of `traces` traces of 40 similar spans each, trace IDs from `first_trace` on.
tempo::testing::OtlpRequest SimilarTraces(uint64_t first_trace, uint64_t traces) {
  TraceBuilder b;
  for (uint64_t t = first_trace; t < first_trace + traces; ++t) {
    for (uint64_t s = 1; s <= 40; ++s) b.AddSpan("checkout", t, t * 1000 + s, 0, "GET /cart");
  }
  return b.Build();
}

TEST_CASE("Pushes are packed against a dictionary sampled from them, renewed over time",
          "[ingester][pack]") {
  Fixture f;
  CHECK(f.ingester->pack_dictionary() == nullptr);
  constexpr uint64_t kTraces = 40;
  REQUIRE(f.Push(SimilarTraces(1, kTraces)).ok());
  auto dict = f.ingester->pack_dictionary();
  REQUIRE(dict != nullptr);
  std::vector<std::string> before;
  size_t plain = 0;  // what packing each fragment without the dictionary stores
  size_t stored = 0;
  for (uint64_t t = 1; t <= kTraces; ++t) {
    tempo::BytesRef ref = f.ingester->FindTraceByID("t", Id(t))->data;
    before.push_back(ref.ToString());
    plain += tempo::PackBytes(ref.ToString(), nullptr).stored->size();
    stored += ref.stored_size();
  }
  CHECK(stored * 10 < plain * 9);  // the shared names are stored once, in the dictionary

  // Within the period the dictionary stays; after it, the next push samples a new one.
  f.clock.Advance(tempo::ingester::FragmentPacker::kDefaultPeriod / 2);
  REQUIRE(f.Push(SimilarTraces(100, kTraces)).ok());
  CHECK(f.ingester->pack_dictionary() == dict);
  f.clock.Advance(tempo::ingester::FragmentPacker::kDefaultPeriod);
  REQUIRE(f.Push(SimilarTraces(200, kTraces)).ok());
  auto renewed = f.ingester->pack_dictionary();
  REQUIRE(renewed != nullptr);
  CHECK(renewed->id() != dict->id());
  const std::string newest = f.ingester->FindTraceByID("t", Id(200))->data.ToString();

  // Both dictionaries are in the WAL: every trace replays.
  CHECK(f.wal->stored_dictionaries() == 2);
  f.Reopen();
  for (uint64_t t = 1; t <= kTraces; ++t) {
    CHECK(f.ingester->FindTraceByID("t", Id(t))->data.ToString() == before[t - 1]);
  }
  CHECK(f.ingester->FindTraceByID("t", Id(200))->data.ToString() == newest);
  CHECK(f.wal->stored_dictionaries() == 2);
}

TEST_CASE("compress_live_traces false holds fragments as pushed", "[ingester][pack]") {
  Fixture f;
  f.ingester_config.compress_live_traces = false;
  f.Reopen();
  REQUIRE(f.Push(SimilarTraces(1, 40)).ok());
  auto live = f.ingester->FindTraceByID("t", Id(1));
  CHECK(live->data.stored_size() == live->data.size());
  CHECK(f.ingester->pack_dictionary() == nullptr);
  const std::string bytes = live->data.ToString();
  f.Reopen();
  CHECK(f.ingester->FindTraceByID("t", Id(1))->data.ToString() == bytes);
  CHECK(f.wal->stored_dictionaries() == 0);
}

TEST_CASE("With a WAL encoding other than lz4, packed fragments are logged unpacked",
          "[ingester][pack]") {
  Fixture f;
  f.config.encoding = tempo::ValueCodec::kSnappy;
  f.Reopen();
  REQUIRE(f.Push(SimilarTraces(1, 40)).ok());
  auto live = f.ingester->FindTraceByID("t", Id(1));
  CHECK(live->data.stored_size() < live->data.size());  // packed in memory
  const std::string bytes = live->data.ToString();
  CHECK(f.wal->stored_dictionaries() == 0);
  f.Reopen();
  auto replayed = f.ingester->FindTraceByID("t", Id(1));
  CHECK(replayed->data.ToString() == bytes);
  CHECK(replayed->data.stored_size() == bytes.size());  // as the WAL held it
}
