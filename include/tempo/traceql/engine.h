#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tempo/common/request_context.h"
#include "tempo/common/result.h"
#include "tempo/common/status.h"
#include "tempo/traceql/ast.h"
#include "tempo/traceql/fetcher.h"
#include "tempo/traceql/trace_view.h"

namespace tempopb {
class TraceSearchMetadata;
class SearchResponse;
}  // namespace tempopb

// TraceQL search evaluation (traceql.md §6-§17): compiling a query, running it on one trace, and
// running a whole search over a SpansetFetcher.
namespace tempo::traceql {

namespace internal {
struct CompiledQuery;
}

struct SearchOptions {
  uint32_t limit = 20;             // maximum traces returned; 0 = unlimited
  uint32_t spans_per_spanset = 3;  // spans listed per spanset (spss); 0 = unlimited
  // Only traces overlapping [start, end] (unix nanoseconds) match.
  std::optional<uint64_t> start_unix_nano;
  std::optional<uint64_t> end_unix_nano;
};

// A compiled search query: the validated syntax tree, the evaluation plan (compiled regexes,
// normalised ID literals) and the fetch request derived from it. Immutable; copies share the plan
// and may be used from any number of threads.
class SearchQuery {
 public:
  // Parses, validates and compiles `text`. Errors: kInvalidArgument
  // "invalid TraceQL query: parse error at line L, col C: ..." for syntax errors and
  // "invalid TraceQL query: <detail>" for type errors; kUnimplemented
  // "invalid TraceQL query: <construct> not yet supported" for unsupported constructs;
  // kInvalidArgument "invalid TraceQL query: ... not a search query" for a metrics query.
  static Result<SearchQuery> Compile(std::string_view text);

  const FetchRequest& fetch_request() const;
  const RootExpr& ast() const;
  // with(most_recent=true): Search scans every candidate and keeps the newest traces.
  bool most_recent() const;
  // Every filter folds to false (`{ false }`, `{ nil = nil }`): no trace can match, and Search
  // returns nothing without fetching.
  bool never_matches() const;

 private:
  explicit SearchQuery(std::shared_ptr<const internal::CompiledQuery> compiled)
      : compiled_(std::move(compiled)) {}
  friend const internal::CompiledQuery& CompiledOf(const SearchQuery& query);

  std::shared_ptr<const internal::CompiledQuery> compiled_;
};

// One spanset produced by a query on a trace: span indices into TraceView::spans() in trace
// order, plus the spanset attributes (`by(...)` keys, aggregate values) in the order added.
struct Spanset {
  std::vector<uint32_t> spans;
  std::vector<std::pair<std::string, Static>> attributes;
};

// Runs the query's pipeline on `trace` (the first stage sees every span). An empty result means
// no match. Errors: kInvalidArgument for run-time errors that fail the query (integer division
// by zero, structural operators on several spansets per trace).
Result<std::vector<Spanset>> EvaluateSpansets(const SearchQuery& query, const TraceView& trace);

// Evaluates `query` on one trace. Returns false if the trace does not match (or lies outside the
// options' time range). Otherwise returns true and fills `out` (cleared first) like Tempo's
// search response (query-api.md §8.8): traceID without leading zeros, rootServiceName
// ("<root span not yet received>" without a root span), rootTraceName, startTimeUnixNano,
// durationMs, serviceStats, one SpanSet per spanset (first `spans_per_spanset` spans in trace
// order, `matched` = all of them, span attributes = the fields the query reads, `name` only when
// the query reads the span name; spanset attributes for by()/aggregates), spanSet = spanSets[0].
// Errors as for EvaluateSpansets.
Result<bool> EvaluateTrace(const SearchQuery& query, const TraceView& trace,
                           const SearchOptions& options, tempopb::TraceSearchMetadata* out);

// Runs a search over `fetcher`, filling `out` (cleared first):
//  - traces are evaluated in the order the fetcher produces them (newest first for the fetchers
//    of this project); without most_recent the scan stops once `limit` distinct traces matched;
//  - with with(most_recent=true) every candidate is evaluated and the `limit` traces with the
//    latest start are kept (memory stays O(limit): a second copy of a trace that was already
//    dropped as too old is treated as a new trace);
//  - a trace produced twice (e.g. by two blocks) is merged: spansets with the same attributes keep
//    the one with the larger `matched`, start = earliest, duration = longest;
//  - results are sorted by startTimeUnixNano descending, ties by traceID ascending;
//  - metrics.inspectedTraces / inspectedSpans count the evaluated candidates.
// A query that never matches returns no traces without calling the fetcher. Errors: the
// fetcher's, run-time query errors, kCancelled / kDeadlineExceeded from `ctx` (checked between
// traces).
Status Search(const RequestContext& ctx, const SearchQuery& query, const SpansetFetcher& fetcher,
              const SearchOptions& options, tempopb::SearchResponse* out);

}  // namespace tempo::traceql
