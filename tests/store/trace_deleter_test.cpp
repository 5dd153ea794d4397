// TraceDeleter over a real store and tombstones, with fake live data: what a delete does, when it
// is refused, what a failed tombstone write leaves, and when tombstones are dropped.
#include "tempo/store/trace_deleter.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "store/store_test_util.h"
#include "support/temp_dir.h"

namespace tempo::store {
namespace {

using testing::BlockWithTraces;
using testing::Tid;

// Live data as a set of trace IDs per tenant, with a settable WAL floor. Thread-safe enough for
// these single-threaded tests.
class FakeLive : public LiveTraces {
 public:
  bool Holds(const std::string& tenant, const TraceId& id) const override {
    return live.count({tenant, id}) > 0;
  }
  uint32_t Refuse(const std::string& tenant, const TraceId& id) override {
    refused.insert({tenant, id});
    return minute;
  }
  void Accept(const std::string& tenant, const TraceId& id) override {
    refused.erase({tenant, id});
  }
  void Erase(const std::string& tenant, const TraceId& id) override { live.erase({tenant, id}); }
  bool WalMayHold(const std::string&, uint32_t m) const override { return wal_floor <= m; }

  std::set<std::pair<std::string, TraceId>> live, refused;
  uint32_t minute = 1000;
  uint32_t wal_floor = UINT32_MAX;
};

// A backend whose writes can be made to fail (a full or broken disk).
class FlakyBackend : public backend::Backend {
 public:
  explicit FlakyBackend(backend::Backend& inner) : inner_(inner) {}
  Result<std::vector<std::string>> ListTenants() const override { return inner_.ListTenants(); }
  Result<std::vector<std::string>> ListBlocks(const std::string& t) const override {
    return inner_.ListBlocks(t);
  }
  Result<std::vector<std::string>> ListObjects(const std::string& t,
                                               const std::string& b) const override {
    return inner_.ListObjects(t, b);
  }
  Result<std::string> Read(const std::string& t, const std::string& b,
                           const std::string& n) const override {
    return inner_.Read(t, b, n);
  }
  Result<std::string> ReadRange(const std::string& t, const std::string& b, const std::string& n,
                                uint64_t offset, uint64_t length) const override {
    return inner_.ReadRange(t, b, n, offset, length);
  }
  Result<uint64_t> Size(const std::string& t, const std::string& b,
                        const std::string& n) const override {
    return inner_.Size(t, b, n);
  }
  Status Write(const std::string& t, const std::string& b, const std::string& n,
               std::string_view data) override {
    if (fail_writes) return IOError("disk full");
    return inner_.Write(t, b, n, data);
  }
  Status Delete(const std::string& t, const std::string& b, const std::string& n) override {
    return inner_.Delete(t, b, n);
  }
  Status DeleteBlock(const std::string& t, const std::string& b) override {
    return inner_.DeleteBlock(t, b);
  }
  bool fail_writes = false;

 private:
  backend::Backend& inner_;
};

struct Fixture {
  tempo::testing::TempDir dir;
  std::unique_ptr<backend::Backend> local = backend::OpenLocalBackend(dir.Sub("blocks")).value();
  FlakyBackend backend{*local};
  metrics::Registry registry;
  FakeClock clock;
  Store store{StoreConfig{}, backend, registry};
  Tombstones tombstones{backend, registry};
  FakeLive live;
  TraceDeleter deleter{store, tombstones, live, registry, clock};

  Fixture() {
    BlockWithTraces(backend, "t", "22222222-0000-0000-0000-000000000001", {1, 2, 3});
    REQUIRE(tombstones.Load().ok());
    store.SetTombstones(&tombstones);
    REQUIRE(store.Poll().ok());
  }
  Result<DeleteResult> Delete(uint64_t n, const std::string& tenant = "t") {
    RequestContext ctx;
    ctx.tenant = tenant;
    return deleter.Delete(ctx, Tid(n));
  }
  size_t Found(uint64_t n) {
    RequestContext ctx;
    ctx.tenant = "t";
    std::vector<std::string> fragments;
    REQUIRE(store.FindTrace(ctx, Tid(n), std::nullopt, std::nullopt, &fragments, nullptr).ok());
    return fragments.size();
  }
};

TEST_CASE("Deleting a trace in a block hides it at once and durably", "[store][delete]") {
  Fixture f;
  Result<DeleteResult> r = f.Delete(2);
  REQUIRE(r.ok());
  CHECK_FALSE(r->live);
  CHECK(r->blocks == std::vector<std::string>{"22222222-0000-0000-0000-000000000001"});
  CHECK(f.Found(2) == 0);
  CHECK(f.Found(1) == 1);
  CHECK(f.live.refused.count({"t", Tid(2)}));
  const Tombstone& t = f.tombstones.ForTenant("t")->front();
  CHECK(t.id == Tid(2));
  CHECK(t.wal_minute == f.live.minute);
  CHECK(t.deleted_unix_nano == f.clock.NowUnixNanos());
  CHECK(f.registry.Render().find("tempo_trace_deletes_total{tenant=\"t\"} 1") !=
        std::string::npos);

  // A second delete finds nothing, and so does a delete of another tenant's trace.
  CHECK(f.Delete(2).status().code() == StatusCode::kNotFound);
  CHECK(f.Delete(1, "other").status().code() == StatusCode::kNotFound);

  // After a restart the tombstone is back and the trace still hidden.
  Store store(StoreConfig{}, f.backend, f.registry);
  Tombstones tombstones(f.backend, f.registry);
  REQUIRE(tombstones.Load().ok());
  store.SetTombstones(&tombstones);
  REQUIRE(store.Poll().ok());
  FakeLive live;
  TraceDeleter deleter(store, tombstones, live, f.registry, f.clock);
  deleter.RestoreRefusals();
  CHECK(live.refused.count({"t", Tid(2)}));
  RequestContext ctx;
  ctx.tenant = "t";
  std::vector<std::string> fragments;
  REQUIRE(store.FindTrace(ctx, Tid(2), std::nullopt, std::nullopt, &fragments, nullptr).ok());
  CHECK(fragments.empty());
}

TEST_CASE("Deleting a live trace erases the live copy", "[store][delete]") {
  Fixture f;
  f.live.live.insert({"t", Tid(9)});
  Result<DeleteResult> r = f.Delete(9);
  REQUIRE(r.ok());
  CHECK(r->live);
  CHECK(r->blocks.empty());
  CHECK_FALSE(f.live.Holds("t", Tid(9)));
  CHECK(f.tombstones.Contains("t", Tid(9)));
}

TEST_CASE("A trace stored nowhere is not found and leaves no tombstone", "[store][delete]") {
  Fixture f;
  CHECK(f.Delete(7).status().code() == StatusCode::kNotFound);
  CHECK(f.tombstones.Tenants().empty());
  CHECK(f.live.refused.empty());
}

TEST_CASE("A tombstone that cannot be written leaves everything as it was", "[store][delete]") {
  Fixture f;
  f.live.live.insert({"t", Tid(1)});
  f.backend.fail_writes = true;
  Result<DeleteResult> r = f.Delete(1);
  CHECK(r.status().code() == StatusCode::kIOError);
  CHECK(r.status().message().find("disk full") != std::string::npos);
  CHECK(f.live.Holds("t", Tid(1)));  // not erased
  CHECK(f.live.refused.empty());     // refusal lifted
  CHECK(f.Found(1) == 1);
  CHECK_FALSE(f.tombstones.Contains("t", Tid(1)));
}

TEST_CASE("Prune drops a tombstone once no block and no WAL minute can hold the trace",
          "[store][delete]") {
  Fixture f;
  REQUIRE(f.Delete(2).ok());
  f.live.wal_floor = f.live.minute;  // the WAL may still hold the delete's minute
  CHECK(f.deleter.Prune("t").value() == 0);
  f.live.wal_floor = f.live.minute + 1;  // the WAL is past it, but the block still holds it
  CHECK(f.deleter.Prune("t").value() == 0);

  // The block rewritten without the trace (what the compactor does), the old one hidden.
  block::BlockMeta out =
      BlockWithTraces(f.backend, "t", "22222222-0000-0000-0000-000000000002", {1, 3});
  out.replaces = {"22222222-0000-0000-0000-000000000001"};
  f.store.AddBlock(out);
  SECTION("then it is dropped, durably, and the ID is accepted again") {
    CHECK(f.deleter.Prune("t").value() == 1);
    CHECK_FALSE(f.tombstones.Contains("t", Tid(2)));
    CHECK(f.live.refused.empty());
    Tombstones reloaded(f.backend, f.registry);
    REQUIRE(reloaded.Load().ok());
    CHECK(reloaded.Tenants().empty());
  }
  SECTION("a failed write keeps it and keeps refusing the ID") {
    f.backend.fail_writes = true;
    CHECK(f.deleter.Prune("t").status().code() == StatusCode::kIOError);
    CHECK(f.tombstones.Contains("t", Tid(2)));
    CHECK(f.live.refused.count({"t", Tid(2)}));
  }
}

}  // namespace
}  // namespace tempo::store
