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

Status Querier::FindTraceByID(const RequestContext& ctx, const TraceId& id, const TimeRange& range,
                              tempopb::Trace* out, TraceByIdStats* stats) const {
  // Live traces are always searched: the time range only prunes blocks, and a trace found outside
  // the window may still be returned (spec/query-api.md §8.4).
  // Blocks first, then live data: a trace being cut may briefly be in both, which the
  // de-duplication absorbs; looking at live data last never misses a trace that moved meanwhile.
  // A deleted trace is hidden at once, whatever live data or a block still holds.
  if (const store::Tombstones* t = store_.tombstones(); t && t->Contains(ctx.tenant, id)) {
    return NotFoundError("trace not found");
  }
  // The parts are built on `out`'s arena when it has one, so that combining moves them.
  google::protobuf::Arena local;
  google::protobuf::Arena* arena = out->GetArena() != nullptr ? out->GetArena() : &local;
  std::vector<tempopb::Trace*> parts;
  uint64_t inspected = 0;
  TEMPO_RETURN_IF_ERROR(
      store_.FindTrace(ctx, id, range.start_seconds, range.end_seconds, arena, &parts, &inspected));
  std::optional<ingester::LiveTraceView> live = ingester_.FindTraceByID(ctx.tenant, id);
  if (parts.empty() && !live) return NotFoundError("trace not found");
  if (live) {
    std::string scratch;  // when the live bytes are in several pieces or packed
    const std::string_view data = live->data.Flat(&scratch);
    auto* part = google::protobuf::Arena::CreateMessage<tempopb::Trace>(arena);
    if (!part->ParseFromArray(data.data(), static_cast<int>(data.size()))) {
      return CorruptionError("the live data of trace " + id.ToHex() + " does not parse");
    }
    inspected += data.size();
    parts.push_back(part);
  }
  model::CombineStats combine;
  model::CombineTraces(parts, out, &combine);
  combine.input_bytes = inspected;
  if (stats) {
    stats->inspected_bytes = combine.input_bytes;
    stats->spans = combine.spans;
    stats->duplicate_spans = combine.duplicate_spans;
  }
  if (combine.spans == 0) return NotFoundError("trace not found");
  return Status::Ok();
}

}  // namespace tempo::querier
