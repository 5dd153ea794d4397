#include "querier/tag_run.h"

#include <algorithm>

namespace tempo::querier {
namespace {

Status CheckContext(const RequestContext& ctx) { return CheckRequest(ctx, "tag query"); }

}  // namespace

TagRun::TagRun(RequestContext ctx, size_t jobs, TagLimits limits, JobFn fn)
    : ctx_(std::move(ctx)), limits_(limits), fn_(std::move(fn)), jobs_(jobs) {
  results_.resize(jobs_);
}

Status TagRun::Run(QueryPool& pool, DistinctTagValues* out, TagQueryStats* stats) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    out_ = out;
    stats_ = stats;
    if (out_->done()) stop_ = true;
  }
  TEMPO_RETURN_IF_ERROR(CheckContext(ctx_));
  if (!stop_ && jobs_ > 0) {
    const size_t helpers = std::min(pool.size(), jobs_ - 1);
    for (size_t i = 0; i < helpers; ++i) {
      pool.Submit([self = shared_from_this()] { self->Work(); });
    }
    Work();
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return running_ == 0 && (stop_ || next_ >= jobs_); });
  // Jobs that completed after the query stopped are not accounted; late pool tasks find
  // nothing to do and never touch `out` again.
  stop_ = true;
  out_ = nullptr;
  stats_ = nullptr;
  TEMPO_RETURN_IF_ERROR(error_);
  return CheckContext(ctx_);
}

void TagRun::Work() {
  for (;;) {
    size_t j;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_ || next_ >= jobs_) return;
      j = next_++;
      ++running_;
    }
    JobOutput output(limits_);
    Status status = CheckContext(ctx_);
    if (status.ok()) status = fn_(j, stop_, &output);
    {
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
      if (!stop_) {
        if (!status.ok()) {
          error_ = status;
          stop_ = true;
        } else {
          results_[j].emplace(std::move(output));
          Account();
        }
      }
    }
    cv_.notify_all();
  }
}

void TagRun::Account() {
  while (!stop_ && accounted_ < results_.size() && results_[accounted_]) {
    JobOutput& r = *results_[accounted_];
    for (const TagValue& v : r.values.values()) {
      if (!out_->Add(v.type, v.value)) break;
    }
    // A job cut by a count or byte limit found more than the query may return.
    if (r.values.limited()) out_->Stop();
    stats_->inspected_bytes += r.inspected_bytes;
    stats_->any_data = stats_->any_data || r.any_data;
    ++stats_->completed_jobs;
    results_[accounted_].reset();
    ++accounted_;
    if (out_->done()) stop_ = true;
  }
}

}  // namespace tempo::querier
