#include "tempo/traceql/memory_fetcher.h"

#include <algorithm>

#include "tempopb/tempo.pb.h"

namespace tempo::traceql {

void InMemoryFetcher::Add(TraceView trace) {
  std::lock_guard<std::mutex> lock(mu_);
  traces_.push_back(std::move(trace));
  dirty_ = true;
}

void InMemoryFetcher::Add(TraceId id, tempopb::Trace trace) {
  Add(TraceView::Build(id, std::move(trace)));
}

size_t InMemoryFetcher::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return traces_.size();
}

Status InMemoryFetcher::Fetch(const RequestContext& ctx, const FetchRequest& request,
                              const std::function<bool(TraceView&&)>& consume) const {
  std::vector<TraceView> snapshot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (dirty_) {
      std::sort(traces_.begin(), traces_.end(), [](const TraceView& a, const TraceView& b) {
        if (a.start_unix_nano() != b.start_unix_nano()) {
          return a.start_unix_nano() > b.start_unix_nano();
        }
        return a.id() < b.id();
      });
      dirty_ = false;
    }
    snapshot = traces_;  // shares the trace data; no copies of spans
  }
  for (TraceView& trace : snapshot) {
    if (ctx.IsCancelled()) return CancelledError("search cancelled");
    if (ctx.Expired()) return DeadlineExceededError("search deadline exceeded");
    if (request.start_unix_nano && trace.end_unix_nano() < *request.start_unix_nano) continue;
    if (request.end_unix_nano && trace.start_unix_nano() > *request.end_unix_nano) continue;
    if (!consume(std::move(trace))) break;
  }
  return Status::Ok();
}

}  // namespace tempo::traceql
