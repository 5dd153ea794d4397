#include "tempo/querier/querier.h"

#include <algorithm>
#include <thread>

#include "querier/query_pool.h"
#include "querier/search_sources.h"
#include "tempo/block/trace_combine.h"
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

Status Querier::FindTraceByIDSerialized(const RequestContext& ctx, const TraceId& id,
                                        const TimeRange& range, std::string* out,
                                        TraceByIdStats* stats) const {
  // Live traces are always searched: the time range only prunes blocks, and a trace found outside
  // the window may still be returned (spec/query-api.md §8.4).
  // Blocks first, then live data: a trace being cut may briefly be in both, which the
  // de-duplication absorbs; looking at live data last never misses a trace that moved meanwhile.
  // A deleted trace is hidden at once, whatever live data or a block still holds.
  if (const store::Tombstones* t = store_.tombstones(); t && t->Contains(ctx.tenant, id)) {
    return NotFoundError("trace not found");
  }
  std::string fragments;  // every part, serialized back to back
  size_t parts = 0;
  uint32_t combined_spans = 0;
  TEMPO_RETURN_IF_ERROR(store_.FindTrace(ctx, id, range.start_seconds, range.end_seconds,
                                         &fragments, &parts, &combined_spans));
  std::optional<ingester::LiveTraceView> live = ingester_.FindTraceByID(ctx.tenant, id);
  if (parts == 0 && !live) return NotFoundError("trace not found");
  model::CombineStats combine;
  const size_t before = out->size();
  if (parts == 1 && combined_spans > 0 && !live) {
    // The usual case, one block's part already combined: combining it again changes nothing.
    combine.input_bytes = fragments.size();
    combine.spans = combined_spans;
    if (out->empty()) {
      out->swap(fragments);
    } else {
      out->append(fragments);
    }
  } else {
    if (live) live->data.AppendTo(&fragments);
    Status s = block::CombineSerializedTrace(fragments, out, &combine);
    if (!s.ok()) {
      out->resize(before);
      return Status(s.code(), "trace " + id.ToHex() + ": " + s.message());
    }
  }
  if (stats) {
    stats->inspected_bytes = combine.input_bytes;
    stats->spans = combine.spans;
    stats->duplicate_spans = combine.duplicate_spans;
  }
  if (combine.spans == 0) {
    out->resize(before);
    return NotFoundError("trace not found");
  }
  return Status::Ok();
}

Status Querier::FindTraceByID(const RequestContext& ctx, const TraceId& id, const TimeRange& range,
                              tempopb::Trace* out, TraceByIdStats* stats) const {
  std::string bytes;
  TEMPO_RETURN_IF_ERROR(FindTraceByIDSerialized(ctx, id, range, &bytes, stats));
  if (!out->ParseFromString(bytes)) {
    return InternalError("trace " + id.ToHex() + ": the combined trace does not parse");
  }
  return Status::Ok();
}

}  // namespace tempo::querier
