#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <queue>
#include <vector>

#include "querier/query_pool.h"
#include "querier/search_sources.h"
#include "tempo/block/block_fetcher.h"
#include "tempo/querier/querier.h"
#include "tempo/traceql/engine.h"
#include "tempopb/tempo.pb.h"

namespace tempo::querier {

// One search split into jobs: the combined jobs (live traces and traces spread over several
// blocks, split by the start bound of the traces) and one job per block row group overlapping
// the window, all ordered newest first by the latest start they may hold. Jobs run on a
// QueryPool and on the calling thread; results are accounted in job order, which makes early
// stop and the final result independent of timing (see Querier::Search).
//
// A most_recent search with a limit runs differently ("ranked", RunRanked): row-group jobs are
// scanned in job order (block::BlockFetcher::ScanRowGroup: candidates and their starts, nothing
// decoded), and the scanned candidates, with the combined parts by their bound, are decoded
// newest first across row groups, in rounds of growing size, as far as the next unscanned job
// cannot hold a newer one; scanning and decoding alternate until the limit-th newest match
// starts later than every candidate left and every job not scanned. Each row-group job
// decoding its own newest candidates before any shared floor exists would decode several times
// the traces needed. Owned
// through a shared_ptr by the caller and by the pool tasks (a task may start after Run returned
// and then finds nothing to do). Thread-safe.
class SearchRun : public std::enable_shared_from_this<SearchRun> {
 public:
  SearchRun(RequestContext ctx, traceql::SearchQuery query, traceql::SearchOptions options,
            std::shared_ptr<const SearchSources> sources, SearchProgressFn progress);

  // Runs the jobs (at most pool.size() of them on the pool at once) and fills `out` (cleared
  // first). Errors: the first job error, kCancelled / kDeadlineExceeded from the context.
  Status Run(QueryPool& pool, tempopb::SearchResponse* out);

 private:
  struct Job {
    int32_t block = -1;  // -1: a combined job
    uint32_t row_group = 0;
    uint64_t newest = UINT64_MAX;  // no trace of the job starts later than this
    uint32_t part = 0;             // combined jobs: which part of the combined traces
  };
  static constexpr size_t kCombinedPartTraces = 32;
  static constexpr size_t kMaxCombinedParts = 16;
  struct JobResult {
    bool done = false;
    Status status;
    tempopb::SearchResponse response;
    uint64_t bytes = 0;
  };
  // One job's evaluation of its traces: the limit newest starts of its own matches, counts.
  struct Evaluation {
    std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<>> newest;
    uint32_t inspected = 0;
    uint64_t inspected_spans = 0;
    Status error;
  };

  void Work();
  Status RunJob(size_t index, JobResult* result);
  // A trace that starts before this cannot be among the answer (see RunJob).
  uint64_t Floor(const Evaluation& e) const;
  // Evaluates one trace of job `index` into `result`; false: stop the job (see e.error).
  bool Evaluate(size_t index, traceql::TraceView&& view, Evaluation* e, JobResult* result);
  // The fetcher options every block job uses (shared traces skipped).
  block::BlockFetcher::Options FetcherOptions() const;
  // A job's status (the evaluation's error if `s` is Ok) and its counts into `result`.
  static Status FinishJob(Status s, const Evaluation& e, JobResult* result);
  // Adds a done job's counts and matches to the search's, and reports progress. Requires mu_.
  void Absorb(JobResult* r);
  // Combined job part `part`: streams its traces into Evaluate.
  Status RunCombined(size_t index, uint32_t part, Evaluation* e, JobResult* result);
  // The request block jobs fetch with.
  traceql::FetchRequest BlockRequest() const;
  // Ranked searches (see the class comment): fills found_ and the metrics.
  Status RunRanked(QueryPool& pool);
  // Scans row-group job `index` into `out`, adding the bytes read to `*bytes`.
  Status ScanJob(size_t index, block::BlockFetcher::RowGroupCandidates* out, uint64_t* bytes) const;
  // Accounts completed jobs in order; decides early stop. Requires mu_.
  void Account();
  bool LimitReached() const;  // requires mu_
  // Without most_recent: lowers horizon_ from the matches of the jobs done so far. Requires mu_.
  void MoveHorizon();
  // most_recent: records a match's start for newest_floor_.
  void NoteMatch(uint64_t start_unix_nano);

  const RequestContext ctx_;
  const traceql::SearchQuery query_;
  const traceql::SearchOptions options_;
  const std::shared_ptr<const SearchSources> sources_;
  const SearchProgressFn progress_;
  const bool ranked_;  // most_recent with a limit (see the class comment)
  std::vector<Job> jobs_;
  uint32_t combined_parts_ = 1;
  // The combined parts' shared predicate scan; made by the first combined job (under mu_).
  std::shared_ptr<CombinedScan> combined_scan_;
  std::atomic<bool> stop_{false};  // set under mu_; read by running jobs
  // Without most_recent, with a limit: jobs from this index on cannot reach the answer, since the
  // done jobs before it hold `limit` matches (and the answer is the first `limit` in job order):
  // they are not started, and running ones stop. Set under mu_; read by running jobs.
  std::atomic<size_t> horizon_{SIZE_MAX};
  // most_recent with a limit: the limit-th newest start among the matches of every job so far (0
  // until there are that many). A trace that starts earlier cannot be in the answer, whichever
  // jobs finish when, so block jobs leave such candidates undecoded.
  std::atomic<uint64_t> newest_floor_{0};
  std::mutex floor_mu_;
  std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<>> floor_starts_;  // floor_mu_

  std::mutex mu_;
  std::condition_variable cv_;
  size_t next_ = 0;                 // guarded by mu_: next job to start
  size_t running_ = 0;              // guarded by mu_
  size_t accounted_ = 0;            // guarded by mu_: jobs [0, accounted_) are in `found_`
  size_t completed_ = 0;            // guarded by mu_
  Status error_;                    // guarded by mu_
  std::vector<JobResult> results_;  // guarded by mu_
  std::vector<tempopb::TraceSearchMetadata> found_;  // guarded by mu_
  tempopb::SearchMetrics metrics_;                   // guarded by mu_
};

}  // namespace tempo::querier
