#include <algorithm>

#include "load.h"

namespace tempo::bench {

Dispatcher::Dispatcher(const Corpus& corpus, const LoadOptions& options, int64_t pass_time_step_ns)
    : corpus_(corpus),
      options_(options),
      pass_time_step_ns_(pass_time_step_ns),
      next_(static_cast<uint64_t>(options.first_pass) * corpus.batches.size()) {}

void Dispatcher::Start() {
  start_ = Clock::now();
  end_ = start_ + std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double>(options_.duration_s));
}

std::optional<Work> Dispatcher::Next(std::string* scratch) {
  Clock::time_point now = Clock::now();
  if (now >= end_ || spans_issued_ >= options_.max_spans || corpus_.batches.empty()) {
    return std::nullopt;
  }
  uint64_t n = corpus_.batches.size();
  const CorpusBatch& batch = corpus_.batches[next_ % n];
  uint32_t pass = static_cast<uint32_t>(next_ / n);
  Work work;
  work.spans = batch.spans;
  if (pass == 0) {
    work.payload = &batch.payload;
  } else {
    PatchBatchForPass(batch, pass, pass_time_step_ns_ * pass, scratch);
    work.payload = scratch;
    stats_.passes = std::max(stats_.passes, pass + 1);
  }
  if (options_.rate > 0) {
    // Open-loop schedule: batch k is due when the spans before it fit the rate.
    work.scheduled =
        start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                     static_cast<double>(spans_issued_) / options_.rate));
    if (work.scheduled >= end_) return std::nullopt;
  } else {
    work.scheduled = now;
  }
  ++next_;
  spans_issued_ += batch.spans;
  return work;
}

void Dispatcher::Done(const Work& work, Clock::time_point sent, const std::string& error,
                      const std::string& detail) {
  Clock::time_point now = Clock::now();
  if (stats_.first_send == Clock::time_point{} || sent < stats_.first_send)
    stats_.first_send = sent;
  stats_.last_done = std::max(stats_.last_done, now);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - sent).count();
  stats_.latencies_us.push_back(static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)));
  if (options_.rate > 0) {
    double lag = std::chrono::duration<double>(sent - work.scheduled).count();
    stats_.max_send_lag_s = std::max(stats_.max_send_lag_s, lag);
    if (lag > 0.1) ++stats_.late_sends;
  }
  if (error.empty()) {
    ++stats_.requests_ok;
    stats_.spans_ok += work.spans;
    stats_.bytes_ok += work.payload->size();
  } else {
    ++stats_.requests_failed;
    stats_.spans_failed += work.spans;
    if (stats_.errors[error]++ == 0) stats_.error_samples[error] = detail.substr(0, 200);
  }
}

}  // namespace tempo::bench
