#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tempo/common/ids.h"
#include "tempo/common/request_context.h"
#include "tempo/common/status.h"
#include "tempo/ingester/ingester.h"
#include "tempo/querier/tag_values.h"
#include "tempo/store/store.h"
#include "tempo/traceql/engine.h"

namespace tempopb {
class Trace;
class SearchResponse;
}

namespace tempo::querier {

class QueryPool;
class SharedTraceCache;

struct QuerierConfig {
  // Threads of the query pool that runs search jobs (block row-group scans, live data);
  // 0 = one per hardware thread.
  uint32_t query_threads = 0;
};

// Called while a search runs, each time more jobs are accounted for (in job order: newest first,
// see Querier::Search): `partial` holds the
// traces those jobs found (each trace once over all calls) and the metrics so far. Calls are
// serialized and come from query-pool threads or the caller's; the callback must be quick and
// must not call back into the Querier. The final response of Search is authoritative (sorted,
// trimmed to the limit); partial traces beyond it may have been reported.
using SearchProgressFn = std::function<void(const tempopb::SearchResponse& partial)>;

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
  Querier(const ingester::Ingester& ingester, const store::Store& store,
          QuerierConfig config = {});
  ~Querier();

  // Appends the combined trace of `ctx.tenant` to `out` as a serialized tempopb.Trace, read,
  // combined and written as bytes (block::CombineSerializedTrace): no message per span. Errors:
  // kNotFound when no span of the trace is stored, kCorruption when stored data does not parse.
  Status FindTraceByIDSerialized(const RequestContext& ctx, const TraceId& id,
                                 const TimeRange& range, std::string* out,
                                 TraceByIdStats* stats) const;
  // The same trace parsed into `out` (on its arena when it has one).
  Status FindTraceByID(const RequestContext& ctx, const TraceId& id, const TimeRange& range,
                       tempopb::Trace* out, TraceByIdStats* stats) const;

  // TraceQL search over the live traces and the blocks of `ctx.tenant` overlapping the options'
  // time window (unix nanoseconds; both required). Fragments of one trace found in several
  // places (live data, blocks) are combined before evaluation, so a trace appears once with all
  // of its spans.
  //
  // Execution: jobs for live data and for the traces spread over several blocks (split by an
  // upper bound of their start) and one job per block row group, all newest first (by the latest
  // start a job may hold; ties: combined jobs first); jobs run on the Querier's pool (and the
  // calling thread). Row-group jobs push the query's conditions down to the block's
  // columns (block::BlockFetcher) and decode only traces that may match. Early stop, with a
  // result that does not depend on timing: without most_recent, the search ends at the first
  // prefix of jobs (in job order) that found `limit` traces. With with(most_recent=true) and a
  // limit, the row-group jobs only scan their columns for candidates; then the candidates of all
  // row groups (and the combined parts) are decoded newest first, in rounds, until no remaining
  // one can start later than the limit-th newest match (exactly the newest `limit` matches).
  // Outstanding jobs are abandoned when `ctx` is cancelled or its deadline passes (then
  // kCancelled / kDeadlineExceeded).
  //
  // Results are sorted by start descending (ties by trace ID); metrics are filled
  // (inspectedTraces, inspectedBytes, inspectedSpans, totalBlocks, totalBlockBytes, totalJobs,
  // completedJobs). `progress` (optional) sees partial results as jobs complete. Errors:
  // kInvalidArgument for run-time query errors, kCancelled / kDeadlineExceeded from `ctx`,
  // storage errors.
  Status Search(const RequestContext& ctx, const traceql::SearchQuery& query,
                const traceql::SearchOptions& options, tempopb::SearchResponse* out,
                const SearchProgressFn& progress = nullptr) const;

  // Tag names of `ctx.tenant` (spec/query-api.md §8.9, §8.10): the attribute keys of the spans
  // overlapping the query's window, added to `names` as (scope name, key) in the order found.
  // Tag values (§8.11, §8.12): the distinct typed values of one field, added to `values`.
  // Both add to what the collector already holds (call once per tenant) under its limits and
  // stop once it is complete; `stats` is added to.
  //
  // Execution: one job for live data (its traces are walked), then one per block overlapping
  // the window, newest first, on the query pool and the calling thread; results are accounted
  // in job order, so what a limit keeps does not depend on timing. Without a filter, or with a
  // match-all one (`{}`), a block job reads only metadata (block::BlockTags: the column catalog,
  // or the one column's dictionaries or pages in the row groups overlapping the window) and
  // decodes no span. With a filter, live data and traces spread over several places are
  // combined first, blocks are fetched with the filter's conditions pushed down, and only the
  // spans the filter selects count. Errors: kCancelled / kDeadlineExceeded from `ctx` (checked
  // per job, row group and trace), storage errors naming the block.
  Status TagNames(const RequestContext& ctx, const TagNamesQuery& query, DistinctTagValues* names,
                  TagQueryStats* stats) const;
  Status TagValues(const RequestContext& ctx, const TagValuesQuery& query,
                   DistinctTagValues* values, TagQueryStats* stats) const;

  // Calls `fn` with every trace of `ctx.tenant` (live data and blocks) overlapping
  // [start, end] (unix nanoseconds), newest data first, each trace combined from all its
  // fragments; stops when `fn` returns false. `inspected_bytes` / `blocks` (optional) count the
  // bytes decoded and the blocks read. Decodes everything: the reference of the tests.
  Status ForEachTrace(const RequestContext& ctx, uint64_t start_unix_nano, uint64_t end_unix_nano,
                      const std::function<bool(traceql::TraceView&&)>& fn,
                      uint64_t* inspected_bytes, uint32_t* blocks) const;

 private:
  const ingester::Ingester& ingester_;
  const store::Store& store_;
  QuerierConfig config_;
  std::unique_ptr<QueryPool> pool_;
  std::unique_ptr<SharedTraceCache> shared_traces_;  // traces in several blocks, per tenant
};

}  // namespace tempo::querier
