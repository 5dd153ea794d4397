#pragma once

// A SearchNode with trace deletion wired as app/ wires it: tombstones attached to the store and a
// TraceDeleter over the ingester (shared by tests/querier and tests/api).
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "querier/search_node.h"
#include "tempo/ingester/ingester.h"
#include "tempo/querier/ingester_live_traces.h"
#include "tempo/store/tombstones.h"
#include "tempo/store/trace_deleter.h"

namespace tempo::testing {

struct DeleteNode {
  explicit DeleteNode(std::string tenant = "t") : node(std::move(tenant)) {
    tombstones = std::make_unique<store::Tombstones>(*node.backend, node.registry);
    REQUIRE(tombstones->Load().ok());
    node.store->SetTombstones(tombstones.get());
    live = std::make_unique<querier::IngesterLiveTraces>(*node.ingester);
    deleter = std::make_unique<store::TraceDeleter>(*node.store, *tombstones, *live,
                                                    node.registry, node.clock);
  }

  Status Delete(uint64_t trace) {
    RequestContext ctx;
    ctx.tenant = node.tenant;
    return deleter->Delete(ctx, TraceId::FromBytes(TraceIdBytes(trace))).status();
  }

  SearchNode node;
  std::unique_ptr<store::Tombstones> tombstones;
  std::unique_ptr<querier::IngesterLiveTraces> live;
  std::unique_ptr<store::TraceDeleter> deleter;
};

}  // namespace tempo::testing
