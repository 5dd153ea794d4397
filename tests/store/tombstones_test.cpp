// Tombstones of deleted traces: their object format, durability across a reload, and how the
// store hides deleted traces.
#include "tempo/store/tombstones.h"

#include <catch2/catch.hpp>

#include <algorithm>

#include "store/store_test_util.h"
#include "tempo/store/store.h"
#include "support/temp_dir.h"

namespace tempo::store {
namespace {

using testing::BlockWithTraces;
using testing::Tid;

TEST_CASE("Tombstone objects round-trip and malformed ones are named errors", "[store][delete]") {
  TombstoneList list = {{Tid(1), 1'700'000'000'000'000'000, 28'333'333},
                        {Tid(0xabc), -5, 0}};
  const std::string text = EncodeTombstones(list);
  CHECK(text.rfind("tempo-tombstones 1\n", 0) == 0);
  Result<TombstoneList> back = DecodeTombstones(text);
  REQUIRE(back.ok());
  CHECK(*back == list);
  CHECK(DecodeTombstones("tempo-tombstones 1\n").value().empty());

  auto error = [](std::string_view bad) {
    Result<TombstoneList> r = DecodeTombstones(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kCorruption);
    return r.status().message();
  };
  CHECK(error("") == "tombstones: the object is empty");
  CHECK(error("tempo-tombstones 2\n").find("unknown format or version") != std::string::npos);
  CHECK(error(text.substr(0, text.size() - 1)).find("truncated") != std::string::npos);
  const std::string id = Tid(1).ToHex();
  CHECK(error("tempo-tombstones 1\nxyz 1 2\n") ==
        "tombstones: line 2: the trace ID is not 32 hex characters");
  CHECK(error("tempo-tombstones 1\n" + id + " 1\n") ==
        "tombstones: line 2: want 3 fields separated by one space");
  CHECK(error("tempo-tombstones 1\n" + id + " x 2\n") ==
        "tombstones: line 2: the delete time is not an integer");
  CHECK(error("tempo-tombstones 1\n" + id + " 1 -2\n") ==
        "tombstones: line 2: the WAL minute is not an unsigned 32-bit integer");
  CHECK(error("tempo-tombstones 1\n" + id + " 1 2\n" + id + " 1 2\n") ==
        "tombstones: line 3: trace IDs are not in ascending order");
}

TEST_CASE("Tombstones are durable per tenant and reload as they were", "[store][delete]") {
  tempo::testing::TempDir dir;
  auto backend = backend::OpenLocalBackend(dir.Sub("blocks")).value();
  metrics::Registry registry;
  {
    Tombstones tombstones(*backend, registry);
    REQUIRE(tombstones.Load().ok());
    CHECK(tombstones.Tenants().empty());
    REQUIRE(tombstones.Add("a", {Tid(2), 10, 100}).ok());
    REQUIRE(tombstones.Add("a", {Tid(1), 11, 101}).ok());
    REQUIRE(tombstones.Add("a", {Tid(1), 99, 999}).ok());  // already there: kept as it was
    REQUIRE(tombstones.Add("b", {Tid(1), 12, 102}).ok());
    REQUIRE(tombstones.Remove("b", {Tid(1)}).ok());
    CHECK(tombstones.Contains("a", Tid(1)));
    CHECK_FALSE(tombstones.Contains("b", Tid(1)));
    CHECK(registry.Render().find("tempo_trace_tombstones{tenant=\"a\"} 2") != std::string::npos);
  }
  // The objects sit outside every block listing.
  CHECK(backend->ListBlocks("a").value().empty());
  Tombstones reloaded(*backend, registry);
  REQUIRE(reloaded.Load().ok());
  CHECK(reloaded.Tenants() == std::vector<std::string>{"a"});
  TombstoneList want = {{Tid(1), 11, 101}, {Tid(2), 10, 100}};
  CHECK(*reloaded.ForTenant("a") == want);
  CHECK(reloaded.ForTenant("b")->empty());

  SECTION("a damaged object stops the load instead of resurrecting deleted traces") {
    REQUIRE(backend->Write("a", kTombstoneDir, kTombstoneObject, "garbage\n").ok());
    Tombstones damaged(*backend, registry);
    Status s = damaged.Load();
    CHECK(s.code() == StatusCode::kCorruption);
    CHECK(s.message().rfind("tenant a: tombstones: ", 0) == 0);
  }
}

TEST_CASE("The store hides tombstoned traces from lookups and scans, the CLI view does not",
          "[store][delete]") {
  tempo::testing::TempDir dir;
  auto backend = backend::OpenLocalBackend(dir.Sub("blocks")).value();
  metrics::Registry registry;
  BlockWithTraces(*backend, "t", "11111111-0000-0000-0000-000000000001", {1, 2, 3});
  BlockWithTraces(*backend, "t", "11111111-0000-0000-0000-000000000002", {2, 4});
  Store store(StoreConfig{}, *backend, registry);
  Tombstones tombstones(*backend, registry);
  REQUIRE(tombstones.Load().ok());
  store.SetTombstones(&tombstones);
  REQUIRE(store.Poll().ok());
  Store raw(StoreConfig{}, *backend, registry);  // as the CLI opens it: no tombstones
  REQUIRE(raw.Poll().ok());
  REQUIRE(tombstones.Add("t", {Tid(2), 1, 1}).ok());

  RequestContext ctx;
  ctx.tenant = "t";
  std::vector<std::string> fragments;
  REQUIRE(store.FindTrace(ctx, Tid(2), std::nullopt, std::nullopt, &fragments, nullptr).ok());
  CHECK(fragments.empty());
  REQUIRE(raw.FindTrace(ctx, Tid(2), std::nullopt, std::nullopt, &fragments, nullptr).ok());
  CHECK(fragments.size() == 2);
  fragments.clear();
  REQUIRE(store.FindTrace(ctx, Tid(1), std::nullopt, std::nullopt, &fragments, nullptr).ok());
  CHECK(fragments.size() == 1);

  std::vector<TraceId> scanned;
  for (const block::BlockMeta& meta : store.Blocks("t")) {
    REQUIRE(store
                .ForEachTrace(ctx, meta,
                              [&](const TraceId& id, tempopb::Trace&&) {
                                scanned.push_back(id);
                                return Status::Ok();
                              })
                .ok());
  }
  std::sort(scanned.begin(), scanned.end());
  CHECK(scanned == std::vector<TraceId>{Tid(1), Tid(3), Tid(4)});

  // Which blocks hold a trace is answered whatever the tombstones say.
  auto holding = store.BlocksHolding("t", Tid(2)).value();
  CHECK(holding.size() == 2);
  CHECK(store.BlocksHolding("t", Tid(5)).value().empty());
  CHECK(store.BlocksHolding("other", Tid(2)).value().empty());
}

}  // namespace
}  // namespace tempo::store
