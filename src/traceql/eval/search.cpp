// Running a compiled query: on one trace (EvaluateSpansets, EvaluateTrace) and over a fetcher
// (Search).
#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "tempopb/tempo.pb.h"
#include "traceql/eval/plan.h"

namespace tempo::traceql {
namespace {

bool InTimeRange(const TraceView& trace, const SearchOptions& options) {
  if (options.start_unix_nano && trace.end_unix_nano() < *options.start_unix_nano) return false;
  if (options.end_unix_nano && trace.start_unix_nano() > *options.end_unix_nano) return false;
  return true;
}

Result<std::vector<Spanset>> Run(const internal::CompiledQuery& query, const TraceView& trace,
                                 eval::EvalState& state) {
  if (query.never_matches || trace.span_count() == 0) return std::vector<Spanset>{};
  state.SetTrace(trace);
  state.error = Status::Ok();
  Spanset all;
  all.spans.resize(trace.span_count());
  std::iota(all.spans.begin(), all.spans.end(), 0u);
  std::vector<Spanset> input;
  input.push_back(std::move(all));
  return internal::RunPipeline(query.pipeline, std::move(input), state);
}

Result<bool> Evaluate(const internal::CompiledQuery& query, const TraceView& trace,
                      const SearchOptions& options, eval::EvalState& state,
                      tempopb::TraceSearchMetadata* out) {
  if (!InTimeRange(trace, options)) return false;
  TEMPO_ASSIGN_OR_RETURN(std::vector<Spanset> spansets, Run(query, trace, state));
  if (spansets.empty()) return false;
  internal::FillMetadata(query, trace, spansets, options, state, out);
  return true;
}

// The by(...) attributes of a spanset: what identifies it across partial results.
std::vector<std::string> GroupIdentity(const tempopb::SpanSet& set) {
  std::vector<std::string> identity;
  for (const auto& kv : set.attributes()) {
    if (kv.key().rfind("by(", 0) == 0) identity.push_back(kv.SerializeAsString());
  }
  return identity;
}

// Merges a second result for the same trace (found again, e.g. in another block) into `into`.
void Merge(const tempopb::TraceSearchMetadata& from, tempopb::TraceSearchMetadata* into) {
  if (from.starttimeunixnano() != 0 &&
      (into->starttimeunixnano() == 0 || from.starttimeunixnano() < into->starttimeunixnano())) {
    into->set_starttimeunixnano(from.starttimeunixnano());
  }
  into->set_durationms(std::max(into->durationms(), from.durationms()));
  if (into->roottracename().empty() && !from.roottracename().empty()) {
    into->set_rootservicename(from.rootservicename());
    into->set_roottracename(from.roottracename());
  }
  for (const auto& [service, stats] : from.servicestats()) {
    tempopb::ServiceStats& mine = (*into->mutable_servicestats())[service];
    mine.set_spancount(std::max(mine.spancount(), stats.spancount()));
    mine.set_errorcount(std::max(mine.errorcount(), stats.errorcount()));
  }
  for (const tempopb::SpanSet& set : from.spansets()) {
    std::vector<std::string> identity = GroupIdentity(set);
    bool merged = false;
    for (tempopb::SpanSet& mine : *into->mutable_spansets()) {
      if (GroupIdentity(mine) != identity) continue;
      if (set.matched() > mine.matched()) mine = set;
      merged = true;
      break;
    }
    if (!merged) *into->add_spansets() = set;
  }
  if (into->spansets_size() > 0) *into->mutable_spanset() = into->spansets(0);
}

bool Newer(const tempopb::TraceSearchMetadata& a, const tempopb::TraceSearchMetadata& b) {
  if (a.starttimeunixnano() != b.starttimeunixnano()) {
    return a.starttimeunixnano() > b.starttimeunixnano();
  }
  return a.traceid() < b.traceid();
}

// Collects matching traces: distinct by trace ID, at most `limit` newest when trimmed.
class Collector {
 public:
  explicit Collector(uint32_t limit) : limit_(limit) {}

  void Add(tempopb::TraceSearchMetadata&& meta) {
    auto it = by_id_.find(meta.traceid());
    if (it != by_id_.end()) {
      Merge(meta, &results_[it->second]);
      return;
    }
    by_id_.emplace(meta.traceid(), results_.size());
    results_.push_back(std::move(meta));
  }

  size_t size() const { return results_.size(); }

  // Sorts newest first and keeps the first `limit`.
  void Trim() {
    std::sort(results_.begin(), results_.end(), Newer);
    if (limit_ != 0 && results_.size() > limit_) results_.resize(limit_);
    by_id_.clear();
    for (size_t i = 0; i < results_.size(); ++i) by_id_.emplace(results_[i].traceid(), i);
  }

  std::vector<tempopb::TraceSearchMetadata>& results() { return results_; }

 private:
  uint32_t limit_;
  std::vector<tempopb::TraceSearchMetadata> results_;
  std::unordered_map<std::string, size_t> by_id_;
};

}  // namespace

Result<std::vector<Spanset>> EvaluateSpansets(const SearchQuery& query, const TraceView& trace) {
  eval::EvalState state;
  return Run(CompiledOf(query), trace, state);
}

Result<bool> EvaluateTrace(const SearchQuery& query, const TraceView& trace,
                           const SearchOptions& options, tempopb::TraceSearchMetadata* out) {
  eval::EvalState state;
  return Evaluate(CompiledOf(query), trace, options, state, out);
}

Status Search(const RequestContext& ctx, const SearchQuery& query, const SpansetFetcher& fetcher,
              const SearchOptions& options, tempopb::SearchResponse* out) {
  out->Clear();
  tempopb::SearchMetrics* metrics = out->mutable_metrics();
  const internal::CompiledQuery& compiled = CompiledOf(query);
  if (compiled.never_matches) return Status::Ok();

  FetchRequest request = compiled.fetch;
  request.start_unix_nano = options.start_unix_nano;
  request.end_unix_nano = options.end_unix_nano;

  eval::EvalState state;
  Collector collector(options.limit);
  Status error;
  uint32_t inspected_traces = 0;
  uint64_t inspected_spans = 0;
  Status fetched = fetcher.Fetch(ctx, request, [&](TraceView&& trace) {
    if (ctx.IsCancelled()) {
      error = CancelledError("search cancelled");
      return false;
    }
    if (ctx.Expired()) {
      error = DeadlineExceededError("search deadline exceeded");
      return false;
    }
    ++inspected_traces;
    inspected_spans += trace.span_count();
    tempopb::TraceSearchMetadata meta;
    Result<bool> matched = Evaluate(compiled, trace, options, state, &meta);
    if (!matched.ok()) {
      error = matched.status();
      return false;
    }
    if (!*matched) return true;
    collector.Add(std::move(meta));
    if (options.limit == 0) return true;
    if (!compiled.most_recent) return collector.size() < options.limit;
    if (collector.size() >= 2 * static_cast<size_t>(options.limit)) collector.Trim();
    return true;
  });
  TEMPO_RETURN_IF_ERROR(error);
  TEMPO_RETURN_IF_ERROR(fetched);
  collector.Trim();
  for (tempopb::TraceSearchMetadata& meta : collector.results()) {
    *out->add_traces() = std::move(meta);
  }
  metrics->set_inspectedtraces(inspected_traces);
  metrics->set_inspectedspans(inspected_spans);
  return Status::Ok();
}

}  // namespace tempo::traceql
