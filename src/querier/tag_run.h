#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "querier/query_pool.h"
#include "tempo/common/request_context.h"
#include "tempo/common/status.h"
#include "tempo/querier/tag_values.h"

namespace tempo::querier {

// One tag query (names or values of one tenant) split into jobs: live data first, then one job
// per block, newest first. Jobs run on a QueryPool and on the calling thread, each collecting
// into its own DistinctTagValues under the query's limits; completed jobs are accounted in job
// order into the query's collector, so the result does not depend on timing. A job whose own
// collector hit a count or byte limit ends the query (the union of all jobs holds at least as
// much), and once the query's collector is complete the outstanding jobs are abandoned.
// Owned through a shared_ptr by the caller and by the pool tasks (a task may start after Run
// returned and then finds nothing to do). Thread-safe.
class TagRun : public std::enable_shared_from_this<TagRun> {
 public:
  struct JobOutput {
    explicit JobOutput(TagLimits limits) : values(limits) {}
    DistinctTagValues values;
    uint64_t inspected_bytes = 0;
    bool any_data = false;
  };
  // Runs job `index` into `out`. `stop` turns true when the run no longer needs any result: a
  // job checks it between row groups or traces and may then return early. An error ends the run.
  using JobFn = std::function<Status(size_t index, const std::atomic<bool>& stop, JobOutput* out)>;

  TagRun(RequestContext ctx, size_t jobs, TagLimits limits, JobFn fn);

  // Runs the jobs (at most pool.size() of them on the pool at once) and accounts them into
  // `out` and `stats` (completed_jobs, inspected_bytes, any_data). Both must stay valid until
  // Run returns. Errors: the first job error; kCancelled / kDeadlineExceeded from the context.
  Status Run(QueryPool& pool, DistinctTagValues* out, TagQueryStats* stats);

 private:
  void Work();
  void Account();  // requires mu_

  const RequestContext ctx_;
  const TagLimits limits_;
  const JobFn fn_;
  const size_t jobs_;
  std::atomic<bool> stop_{false};  // set under mu_; read by running jobs

  std::mutex mu_;
  std::condition_variable cv_;
  size_t next_ = 0;       // guarded by mu_: next job to start
  size_t running_ = 0;    // guarded by mu_
  size_t accounted_ = 0;  // guarded by mu_: jobs [0, accounted_) are in *out_
  Status error_;          // guarded by mu_
  std::vector<std::optional<JobOutput>> results_;  // guarded by mu_
  DistinctTagValues* out_ = nullptr;               // guarded by mu_; set during Run
  TagQueryStats* stats_ = nullptr;                 // guarded by mu_; set during Run
};

}  // namespace tempo::querier
