// SearchRun for most_recent searches with a limit ("ranked"): row groups are scanned newest
// first, and their candidates (with the combined parts) decoded newest first across row groups.
#include <algorithm>
#include <map>

#include "querier/search_run.h"

namespace tempo::querier {
namespace {

// Once the limit is met, rounds grow from limit + 1 candidates by doubling, to this.
constexpr size_t kMaxRankedRound = 1024;

Status CheckContext(const RequestContext& ctx) { return CheckRequest(ctx, "search"); }

}  // namespace

Status SearchRun::ScanJob(size_t index, block::BlockFetcher::RowGroupCandidates* out,
                          uint64_t* bytes) const {
  const Job& job = jobs_[index];
  const BlockSource& b = sources_->blocks()[static_cast<size_t>(job.block)];
  block::BlockFetcher::Options options = FetcherOptions();
  // Traces starting before the shared floor (as it stands when the row group is scanned) cannot
  // be among the newest: their conditions are not decided.
  options.min_start = [this] { return newest_floor_.load(std::memory_order_relaxed); };
  block::BlockFetcher fetcher(b.reader, std::move(options));
  Status s = fetcher.ScanRowGroup(BlockRequest(), job.row_group, out);
  *bytes += fetcher.stats().bytes_read;
  return InBlock(b.meta, s);
}

Status SearchRun::RunRanked(QueryPool& pool) {
  // What is scanned and not yet decoded, newest first: each candidate of a row-group scan by its
  // start, each combined part by the bound of its starts (before candidates of the same start,
  // as in job order).
  struct Item {
    uint64_t start = 0;
    uint32_t job = 0;
    uint32_t pos = UINT32_MAX;  // index into the job's candidates; UINT32_MAX: a combined part
  };
  auto newer = [](const Item& a, const Item& b) {
    if (a.start != b.start) return a.start > b.start;
    if ((a.pos == UINT32_MAX) != (b.pos == UINT32_MAX)) return a.pos == UINT32_MAX;
    if (a.job != b.job) return a.job < b.job;
    return a.pos < b.pos;
  };
  std::vector<block::BlockFetcher::RowGroupCandidates> candidates(jobs_.size());
  std::vector<Item> pending;  // sorted by `newer`
  size_t next = 0;            // pending[next, end) is left
  size_t scanned = 0;         // jobs [0, scanned) are in `pending`
  size_t scan_batch = pool.size() + 1;
  size_t round = static_cast<size_t>(options_.limit) + 1;
  const traceql::FetchRequest request = BlockRequest();
  for (;;) {
    TEMPO_RETURN_IF_ERROR(CheckContext(ctx_));
    // The shared floor (limit-th newest match so far) only rises: a trace starting before it
    // cannot be in the answer. Jobs are ordered by the newest start they may hold, so the next
    // unscanned job bounds every candidate not scanned yet (the frontier): a pending candidate
    // at or above it is decoded now; one below it waits for more scans, unless no unscanned
    // job can reach the floor any more.
    const uint64_t floor = newest_floor_.load(std::memory_order_relaxed);
    const bool more_jobs = scanned < jobs_.size() && jobs_[scanned].newest >= floor;
    const uint64_t frontier = more_jobs ? jobs_[scanned].newest : 0;
    if (next < pending.size() && pending[next].start < floor) {
      pending.resize(next);  // nothing pending can beat the floor
    }
    if (more_jobs && (next >= pending.size() || pending[next].start < frontier)) {
      // Scan the next jobs (the scans of a batch run in parallel; batches double).
      const size_t first = scanned;
      size_t last = std::min(jobs_.size(), scanned + scan_batch);
      while (last > first + 1 && jobs_[last - 1].newest < floor) --last;
      scan_batch *= 2;
      std::vector<uint64_t> bytes(last - first, 0);
      TEMPO_RETURN_IF_ERROR(pool.RunAll(last - first, [&](size_t k) -> Status {
        const size_t j = first + k;
        if (jobs_[j].block < 0) return Status::Ok();  // combined: decoded in its place
        return ScanJob(j, &candidates[j], &bytes[k]);
      }));
      pending.erase(pending.begin(), pending.begin() + static_cast<ptrdiff_t>(next));
      next = 0;
      const size_t merged = pending.size();
      for (size_t j = first; j < last; ++j) {
        const uint32_t job = static_cast<uint32_t>(j);
        if (jobs_[j].block < 0) {
          pending.push_back({jobs_[j].newest, job, UINT32_MAX});
          continue;
        }
        for (size_t k = 0; k < candidates[j].rows.size(); ++k) {
          pending.push_back({candidates[j].starts[k], job, static_cast<uint32_t>(k)});
        }
      }
      std::sort(pending.begin() + static_cast<ptrdiff_t>(merged), pending.end(), newer);
      std::inplace_merge(pending.begin(), pending.begin() + static_cast<ptrdiff_t>(merged),
                         pending.end(), newer);
      std::lock_guard<std::mutex> lock(mu_);
      for (uint64_t b : bytes) metrics_.set_inspectedbytes(metrics_.inspectedbytes() + b);
      completed_ += last - first;
      scanned = last;
      continue;
    }
    if (next >= pending.size()) break;  // everything scanned is decoded, no job is left
    // A round: the next pending candidates at or above the frontier and the floor, one unit per
    // row group (and per combined part), decoded in parallel. Until `limit` traces matched, a
    // round is as many as still needed and one more (most candidates match: the columns decide
    // most conditions exactly); then rounds double.
    size_t size = round;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (found_.size() < options_.limit) size = options_.limit - found_.size() + 1;
    }
    if (size == round) round = std::min(round * 2, kMaxRankedRound);
    size_t end = std::min(pending.size(), next + size);
    const uint64_t min = std::max(frontier, floor);
    while (end > next && pending[end - 1].start < min) --end;
    std::map<uint32_t, std::vector<uint64_t>> by_job;  // rows newest first
    for (size_t i = next; i < end; ++i) {
      std::vector<uint64_t>& r = by_job[pending[i].job];
      if (pending[i].pos != UINT32_MAX)
        r.push_back(candidates[pending[i].job].rows[pending[i].pos]);
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
      if (job.block < 0) return FinishJob(RunCombined(index, job.part, &e, result), e, result);
      const BlockSource& b = sources_->blocks()[static_cast<size_t>(job.block)];
      block::BlockFetcher fetcher(b.reader);
      Status s = fetcher.DecodeRowGroup(
          ctx_, request, job.row_group, units[u].second,
          [&](traceql::TraceView&& view) { return Evaluate(index, std::move(view), &e, result); });
      result->bytes = fetcher.stats().bytes_read;
      return FinishJob(InBlock(b.meta, s), e, result);
    }));
    std::lock_guard<std::mutex> lock(mu_);
    for (JobResult& r : done) Absorb(&r);
  }
  return Status::Ok();
}

}  // namespace tempo::querier
