#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "tempo/common/ids.h"
#include "tempo/traceql/fetcher.h"
#include "tempo/traceql/trace_view.h"

namespace tempopb {
class Trace;
}

namespace tempo::traceql {

// A SpansetFetcher over traces held in memory: used by tests and benchmarks, and usable for the
// ingester's live traces. Traces are kept as TraceViews (built once when added), so a fetch costs
// no copies. Thread-safe: Add and Fetch may run concurrently; a Fetch sees the traces added
// before it started.
class InMemoryFetcher : public SpansetFetcher {
 public:
  void Add(TraceView trace);
  void Add(TraceId id, tempopb::Trace trace);
  size_t size() const;

  // Produces the traces newest first (trace start descending, ties by trace ID ascending),
  // skipping those outside the request's time range; no other pruning. Stops early when
  // `consume` returns false or `ctx` is cancelled (kCancelled) or expired (kDeadlineExceeded).
  Status Fetch(const RequestContext& ctx, const FetchRequest& request,
               const std::function<bool(TraceView&&)>& consume) const override;

 private:
  mutable std::mutex mu_;
  mutable std::vector<TraceView> traces_;  // guarded by mu_; sorted newest first when !dirty_
  mutable bool dirty_ = false;             // guarded by mu_
};

}  // namespace tempo::traceql
