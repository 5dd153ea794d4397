#include "tempo/querier/querier.h"

#include <algorithm>
#include <thread>

#include "querier/query_pool.h"
#include "querier/search_sources.h"
#include "tempo/model/combine.h"
#include "tempo/store/tombstones.h"
#include "tempopb/tempo.pb.h"

namespace tempo::querier {

Querier::Querier(const ingester::Ingester& ingester, const store::Store& store,
                 QuerierConfig config)
    : ingester_(ingester), store_(store), config_(config) {
  size_t threads = config_.query_threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  pool_ = std::make_unique<QueryPool>(threads);
  shared_traces_ = std::make_unique<SharedTraceCache>();
}

Querier::~Querier() = default;

Status Querier::FindTraceByID(const RequestContext& ctx, const TraceId& id,
                              const TimeRange& range, tempopb::Trace* out,
                              TraceByIdStats* stats) const {
  // Live traces are always searched: the time range only prunes blocks, and a trace found outside
  // the window may still be returned (spec/query-api.md §8.4).
  // Blocks first, then live data: a trace being cut may briefly be in both, which the
  // de-duplication absorbs; looking at live data last never misses a trace that moved meanwhile.
  // A deleted trace is hidden at once, whatever live data or a block still holds.
  if (const store::Tombstones* t = store_.tombstones(); t && t->Contains(ctx.tenant, id)) {
    return NotFoundError("trace not found");
  }
  std::vector<std::string> fragments;
  uint64_t block_bytes = 0;
  TEMPO_RETURN_IF_ERROR(store_.FindTrace(ctx, id, range.start_seconds, range.end_seconds,
                                         &fragments, &block_bytes));
  std::optional<ingester::LiveTraceView> live = ingester_.FindTraceByID(ctx.tenant, id);
  if (fragments.empty() && !live) return NotFoundError("trace not found");
  std::vector<std::string_view> views(fragments.begin(), fragments.end());
  if (live) views.push_back(live->data.view());
  model::CombineStats combine;
  TEMPO_RETURN_IF_ERROR(model::CombineFragments(views, out, &combine));
  if (stats) {
    stats->inspected_bytes = combine.input_bytes;
    stats->spans = combine.spans;
    stats->duplicate_spans = combine.duplicate_spans;
  }
  if (combine.spans == 0) return NotFoundError("trace not found");
  return Status::Ok();
}

}  // namespace tempo::querier
