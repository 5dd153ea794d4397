#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "tempo/common/ids.h"
#include "tempo/common/request_context.h"
#include "tempo/common/status.h"
#include "tempo/ingester/ingester.h"
#include "tempo/store/store.h"
#include "tempo/traceql/engine.h"

namespace tempopb {
class Trace;
class SearchResponse;
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

// Answers queries from live data and from the blocks of the store: trace by ID merges every
// fragment of a trace (live, head, any number of blocks) and drops duplicate spans. `ingester`
// and `store` must outlive the Querier. Thread-safe; synchronous (call it from a blocking pool,
// not an io thread).
class Querier {
 public:
  Querier(const ingester::Ingester& ingester, const store::Store& store);

  // Fills `out` with the combined trace of `ctx.tenant`. Errors: kNotFound when no span of the
  // trace is stored, kCorruption when stored data does not parse.
  Status FindTraceByID(const RequestContext& ctx, const TraceId& id, const TimeRange& range,
                       tempopb::Trace* out, TraceByIdStats* stats) const;

  // TraceQL search over the live traces and the blocks of `ctx.tenant` overlapping the options'
  // time window (unix nanoseconds; both required). Fragments of one trace found in several
  // places (live data, blocks) are combined before evaluation, so a trace appears once with all
  // of its spans. Results are sorted by start descending (ties by trace ID); metrics are filled
  // (inspectedTraces, inspectedBytes, inspectedSpans, totalBlocks, totalBlockBytes, totalJobs,
  // completedJobs: one job for live data plus one per block). Errors: kInvalidArgument for
  // run-time query errors, kCancelled / kDeadlineExceeded from `ctx`, storage errors.
  Status Search(const RequestContext& ctx, const traceql::SearchQuery& query,
                const traceql::SearchOptions& options, tempopb::SearchResponse* out) const;

  // Calls `fn` with every trace of `ctx.tenant` (live data and blocks) overlapping
  // [start, end] (unix nanoseconds), newest data first, each trace combined from all its
  // fragments; stops when `fn` returns false. `inspected_bytes` / `blocks` (optional) count the
  // bytes decoded and the blocks read. Used by search and by the tag endpoints.
  Status ForEachTrace(const RequestContext& ctx, uint64_t start_unix_nano, uint64_t end_unix_nano,
                      const std::function<bool(traceql::TraceView&&)>& fn,
                      uint64_t* inspected_bytes, uint32_t* blocks) const;

 private:
  const ingester::Ingester& ingester_;
  const store::Store& store_;
};

}  // namespace tempo::querier
