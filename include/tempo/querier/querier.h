#pragma once

#include <cstdint>
#include <optional>

#include "tempo/common/ids.h"
#include "tempo/common/request_context.h"
#include "tempo/common/status.h"
#include "tempo/ingester/ingester.h"

namespace tempopb {
class Trace;
}

namespace tempo::querier {

// Optional time window of a trace-by-ID lookup, in unix seconds (hints that prune blocks).
struct TimeRange {
  std::optional<int64_t> start_seconds;
  std::optional<int64_t> end_seconds;
};

struct TraceByIdStats {
  uint64_t inspected_bytes = 0;
  uint32_t spans = 0;
  uint32_t duplicate_spans = 0;
};

// Answers queries from live data (and, once blocks exist, from the backend): trace by ID merges
// every fragment of a trace and drops duplicate spans. `ingester` must outlive the Querier.
// Thread-safe; synchronous (call it from a blocking pool, not an io thread).
class Querier {
 public:
  explicit Querier(const ingester::Ingester& ingester);

  // Fills `out` with the combined trace of `ctx.tenant`. Errors: kNotFound when no span of the
  // trace is stored, kCorruption when stored data does not parse.
  Status FindTraceByID(const RequestContext& ctx, const TraceId& id, const TimeRange& range,
                       tempopb::Trace* out, TraceByIdStats* stats) const;

 private:
  const ingester::Ingester& ingester_;
};

}  // namespace tempo::querier
