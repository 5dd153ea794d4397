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
    ingester = std::make_unique<Ingester>(tempo::ingester::IngesterConfig{}, *wal, overrides,
                                          *registry, clock);
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

  TempDir dir;
  tempo::wal::WalConfig config;
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
