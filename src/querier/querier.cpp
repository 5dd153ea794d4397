#include "tempo/querier/querier.h"

#include "tempo/model/combine.h"
#include "tempopb/tempo.pb.h"

namespace tempo::querier {

Querier::Querier(const ingester::Ingester& ingester) : ingester_(ingester) {}

Status Querier::FindTraceByID(const RequestContext& ctx, const TraceId& id,
                              const TimeRange& range, tempopb::Trace* out,
                              TraceByIdStats* stats) const {
  // Live traces are always searched: the time range only prunes blocks, and a trace found outside
  // the window may still be returned (spec/query-api.md §8.4).
  std::optional<ingester::LiveTraceView> live = ingester_.FindTraceByID(ctx.tenant, id);
  if (!live) return NotFoundError("trace not found");
  model::CombineStats combine;
  TEMPO_RETURN_IF_ERROR(model::CombineFragments({live->data}, out, &combine));
  if (stats) {
    stats->inspected_bytes = combine.input_bytes;
    stats->spans = combine.spans;
    stats->duplicate_spans = combine.duplicate_spans;
  }
  if (combine.spans == 0) return NotFoundError("trace not found");
  return Status::Ok();
}

}  // namespace tempo::querier
