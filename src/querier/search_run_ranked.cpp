// SearchRun's second phase for most_recent searches with a limit: the candidates of every
// scanned row group, and the combined parts, decoded newest first across row groups.
#include <algorithm>
#include <map>

#include "querier/search_run.h"

namespace tempo::querier {
namespace {

// Rounds grow from limit + 1 candidates (the limit-th match and the next) by doubling, to this.
constexpr size_t kMaxRankedRound = 1024;

Status CheckContext(const RequestContext& ctx) { return CheckRequest(ctx, "search"); }

}  // namespace

Status SearchRun::DecodeRanked(QueryPool& pool) {
  // What is left to decode, newest first: each candidate of a scan by its start, each combined
  // part by the bound of its starts (before candidates of the same start, as in job order).
  struct Item {
    uint64_t start = 0;
    uint32_t job = 0;
    uint32_t pos = UINT32_MAX;  // index into the job's candidates; UINT32_MAX: a combined part
  };
  std::vector<Item> items;
  for (size_t j = 0; j < jobs_.size(); ++j) {
    const uint32_t job = static_cast<uint32_t>(j);
    if (jobs_[j].block < 0) {
      items.push_back({jobs_[j].newest, job, UINT32_MAX});
      continue;
    }
    const block::BlockFetcher::RowGroupCandidates& c = results_[j].candidates;
    for (size_t k = 0; k < c.rows.size(); ++k) {
      items.push_back({c.starts[k], job, static_cast<uint32_t>(k)});
    }
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if (a.start != b.start) return a.start > b.start;
    if ((a.pos == UINT32_MAX) != (b.pos == UINT32_MAX)) return a.pos == UINT32_MAX;
    if (a.job != b.job) return a.job < b.job;
    return a.pos < b.pos;
  });

  // Rounds: the next candidates that may still beat the limit-th newest match (the shared
  // floor), decoded one unit per row group (and per combined part) in parallel. The floor only
  // rises, so a candidate skipped below it could never be in the answer.
  const traceql::FetchRequest request = BlockRequest();
  size_t round = static_cast<size_t>(options_.limit) + 1;
  for (size_t next = 0; next < items.size();) {
    TEMPO_RETURN_IF_ERROR(CheckContext(ctx_));
    const uint64_t floor = newest_floor_.load(std::memory_order_relaxed);
    if (items[next].start < floor) break;
    size_t end = std::min(items.size(), next + round);
    while (items[end - 1].start < floor) --end;
    round = std::min(round * 2, kMaxRankedRound);
    std::map<uint32_t, std::vector<uint64_t>> by_job;  // rows newest first
    for (size_t i = next; i < end; ++i) {
      std::vector<uint64_t>& r = by_job[items[i].job];
      if (items[i].pos != UINT32_MAX) {
        r.push_back(results_[items[i].job].candidates.rows[items[i].pos]);
      }
    }
    next = end;
    const std::vector<std::pair<uint32_t, std::vector<uint64_t>>> units(by_job.begin(),
                                                                        by_job.end());
    std::vector<JobResult> done(units.size());
    TEMPO_RETURN_IF_ERROR(pool.RunAll(units.size(), [&](size_t u) -> Status {
      const uint32_t index = units[u].first;
      const Job& job = jobs_[index];
      JobResult* result = &done[u];
      Evaluation e;
      Status s;
      if (job.block < 0) {
        s = RunCombined(index, job.part, &e, result);
      } else {
        const BlockSource& b = sources_->blocks()[static_cast<size_t>(job.block)];
        block::BlockFetcher fetcher(b.reader);
        s = fetcher.DecodeRowGroup(ctx_, request, job.row_group, units[u].second,
                                   [&](traceql::TraceView&& view) {
                                     return Evaluate(index, std::move(view), &e, result);
                                   });
        result->bytes = fetcher.stats().bytes_read;
        if (!s.ok()) {
          s = Status(s.code(), "block " + b.meta.tenant_id + "/" + b.meta.block_id + ": " +
                                   s.message());
        }
      }
      if (s.ok()) s = e.error;
      result->response.mutable_metrics()->set_inspectedtraces(e.inspected);
      result->response.mutable_metrics()->set_inspectedspans(e.inspected_spans);
      return s;
    }));
    std::lock_guard<std::mutex> lock(mu_);
    for (JobResult& r : done) {
      const tempopb::SearchMetrics& jm = r.response.metrics();
      metrics_.set_inspectedtraces(metrics_.inspectedtraces() + jm.inspectedtraces());
      metrics_.set_inspectedspans(metrics_.inspectedspans() + jm.inspectedspans());
      metrics_.set_inspectedbytes(metrics_.inspectedbytes() + r.bytes);
      if (progress_ && r.response.traces_size() > 0) {
        tempopb::SearchResponse partial;
        *partial.mutable_traces() = r.response.traces();
        *partial.mutable_metrics() = metrics_;
        partial.mutable_metrics()->set_totaljobs(static_cast<uint32_t>(jobs_.size()));
        partial.mutable_metrics()->set_completedjobs(static_cast<uint32_t>(completed_));
        progress_(partial);
      }
      for (auto& t : *r.response.mutable_traces()) found_.push_back(std::move(t));
    }
  }
  return Status::Ok();
}

}  // namespace tempo::querier
