#include "querier/search_run.h"

#include <algorithm>

#include "tempo/block/block_fetcher.h"

namespace tempo::querier {
namespace {

Status CheckContext(const RequestContext& ctx) { return CheckRequest(ctx, "search"); }

bool Newer(const tempopb::TraceSearchMetadata& a, const tempopb::TraceSearchMetadata& b) {
  if (a.starttimeunixnano() != b.starttimeunixnano()) {
    return a.starttimeunixnano() > b.starttimeunixnano();
  }
  return a.traceid() < b.traceid();
}

}  // namespace

SearchRun::SearchRun(RequestContext ctx, traceql::SearchQuery query, traceql::SearchOptions options,
                     std::shared_ptr<const SearchSources> sources, SearchProgressFn progress)
    : ctx_(std::move(ctx)),
      query_(std::move(query)),
      options_(options),
      sources_(std::move(sources)),
      progress_(std::move(progress)),
      ranked_(options_.limit != 0 && query_.most_recent()) {
  const uint64_t start = options_.start_unix_nano.value_or(0);
  const uint64_t end = options_.end_unix_nano.value_or(UINT64_MAX);
  // The combined traces are split by their start bounds into parts of about
  // kCombinedPartTraces, so that decoding them runs on every pool thread and each part takes its
  // place among the row groups by the newest start it may hold.
  combined_parts_ = static_cast<uint32_t>(
      std::clamp<size_t>(sources_->combined_traces() / kCombinedPartTraces, 1, kMaxCombinedParts));
  for (uint32_t p = 0; p < combined_parts_; ++p) {
    jobs_.push_back(Job{.newest = sources_->PartBound(p, combined_parts_), .part = p});
  }
  std::vector<Job> row_groups;
  for (size_t b = 0; b < sources_->blocks().size(); ++b) {
    const auto& groups = sources_->blocks()[b].row_groups;
    for (size_t g = 0; g < groups.size(); ++g) {
      if (groups[g].max_end < start || groups[g].min_start > end) continue;
      row_groups.push_back(Job{.block = static_cast<int32_t>(b),
                               .row_group = static_cast<uint32_t>(g),
                               .newest = groups[g].max_trace_start});
    }
  }
  // Newest first, combined parts before row groups on ties: a job's `newest` bounds the starts
  // of all its traces, which lets a most_recent search stop at the first job that cannot beat
  // its limit-th match, and lets a search without it stop before older combined traces (often
  // long ones spread over many blocks) once the newer jobs hold the limit.
  jobs_.insert(jobs_.end(), row_groups.begin(), row_groups.end());
  std::stable_sort(jobs_.begin(), jobs_.end(),
                   [](const Job& a, const Job& b) { return a.newest > b.newest; });
  results_.resize(jobs_.size());
}

Status SearchRun::Run(QueryPool& pool, tempopb::SearchResponse* out) {
  out->Clear();
  // Only the plain search hands jobs to pool workers it must wait for; a ranked search runs its
  // rounds to the end in RunRanked.
  const bool pooled = !ranked_ && !query_.never_matches();
  if (ranked_ && !query_.never_matches()) {
    TEMPO_RETURN_IF_ERROR(RunRanked(pool));
  } else if (pooled) {
    const size_t helpers = jobs_.empty() ? 0 : std::min(pool.size(), jobs_.size() - 1);
    for (size_t i = 0; i < helpers; ++i) {
      pool.Submit([self = shared_from_this()] { self->Work(); });
    }
    Work();
  }
  std::unique_lock<std::mutex> lock(mu_);
  if (pooled) {
    cv_.wait(lock, [this] { return running_ == 0 && (stop_ || next_ >= jobs_.size()); });
  }
  TEMPO_RETURN_IF_ERROR(error_);
  TEMPO_RETURN_IF_ERROR(CheckContext(ctx_));
  std::sort(found_.begin(), found_.end(), Newer);
  if (options_.limit != 0 && found_.size() > options_.limit) found_.resize(options_.limit);
  for (tempopb::TraceSearchMetadata& t : found_) *out->add_traces() = std::move(t);
  found_.clear();
  uint64_t block_bytes = 0;
  for (const BlockSource& b : sources_->blocks()) block_bytes += b.meta.size_bytes;
  tempopb::SearchMetrics* m = out->mutable_metrics();
  *m = metrics_;
  for (size_t j = accounted_; j < results_.size(); ++j) {
    if (!results_[j].done) continue;
    const tempopb::SearchMetrics& jm = results_[j].response.metrics();
    m->set_inspectedtraces(m->inspectedtraces() + jm.inspectedtraces());
    m->set_inspectedspans(m->inspectedspans() + jm.inspectedspans());
    m->set_inspectedbytes(m->inspectedbytes() + results_[j].bytes);
  }
  m->set_totalblocks(static_cast<uint32_t>(sources_->blocks().size()));
  m->set_totalblockbytes(block_bytes);
  m->set_totaljobs(static_cast<uint32_t>(jobs_.size()));
  m->set_completedjobs(static_cast<uint32_t>(completed_));
  return Status::Ok();
}

void SearchRun::Work() {
  for (;;) {
    size_t j;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_ || next_ >= jobs_.size() || next_ >= horizon_.load(std::memory_order_relaxed)) {
        return;
      }
      j = next_++;
      ++running_;
    }
    JobResult result;
    result.status = CheckContext(ctx_);
    if (result.status.ok()) result.status = RunJob(j, &result);
    {
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
      if (!stop_) {
        if (!result.status.ok()) {
          error_ = result.status;
          stop_ = true;
        } else {
          result.done = true;
          ++completed_;
          results_[j] = std::move(result);
          Account();
          MoveHorizon();
        }
      }
    }
    cv_.notify_all();
  }
}

traceql::FetchRequest SearchRun::BlockRequest() const {
  traceql::FetchRequest request = query_.fetch_request();
  request.start_unix_nano = options_.start_unix_nano;
  request.end_unix_nano = options_.end_unix_nano;
  request.named_attributes_only = true;  // the engine and the search results read no other
  return request;
}

uint64_t SearchRun::Floor(const Evaluation& e) const {
  // Candidates come in descending order of their start (block jobs) or of a bound of it
  // (combined jobs), so once `limit` traces matched, a candidate that starts earlier than the
  // limit-th newest of them cannot be among the newest: it is skipped, and the job ends at the
  // first candidate whose bound is below that (ties on the start are all evaluated). With
  // most_recent the same holds for the limit-th newest match of all jobs (newest_floor_).
  const uint32_t limit = options_.limit;
  const uint64_t own = limit != 0 && e.newest.size() >= limit ? e.newest.top() : 0;
  if (limit == 0 || !query_.most_recent()) return own;
  return std::max(own, newest_floor_.load(std::memory_order_relaxed));
}

bool SearchRun::Evaluate(size_t index, traceql::TraceView&& view, Evaluation* e,
                         JobResult* result) {
  if (stop_.load(std::memory_order_relaxed)) return false;
  if (index >= horizon_.load(std::memory_order_relaxed)) return false;  // cannot be accounted
  if (!(e->error = CheckContext(ctx_)).ok()) return false;
  if (view.start_unix_nano() < Floor(*e)) return true;  // cannot be among the newest
  ++e->inspected;
  e->inspected_spans += view.span_count();
  tempopb::TraceSearchMetadata meta;
  Result<bool> matched = traceql::EvaluateTrace(query_, view, options_, &meta);
  if (!matched.ok()) {
    e->error = matched.status();
    return false;
  }
  if (*matched) {
    *result->response.add_traces() = std::move(meta);
    if (options_.limit != 0) {
      e->newest.push(view.start_unix_nano());
      if (e->newest.size() > options_.limit) e->newest.pop();
      if (query_.most_recent()) NoteMatch(view.start_unix_nano());
    }
  }
  return true;
}

Status SearchRun::RunCombined(size_t index, uint32_t part, Evaluation* e, JobResult* result) {
  std::shared_ptr<CombinedScan> scan;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (combined_scan_ == nullptr)
      combined_scan_ = std::make_shared<CombinedScan>(*sources_, BlockRequest());
    scan = combined_scan_;
  }
  std::function<uint64_t()> min_start;
  if (options_.limit != 0) min_start = [this, e] { return Floor(*e); };
  return sources_->StreamCombined(
      ctx_, *scan, part, combined_parts_, min_start,
      [&](traceql::TraceView&& view) { return Evaluate(index, std::move(view), e, result); },
      &result->bytes);
}

block::BlockFetcher::Options SearchRun::FetcherOptions() const {
  block::BlockFetcher::Options options;
  const SearchSources* sources = sources_.get();
  if (sources->combined_traces() > 0) {
    options.skip = [sources](const TraceId& id) { return sources->IsShared(id); };
  }
  return options;
}

Status SearchRun::FinishJob(Status s, const Evaluation& e, JobResult* result) {
  if (s.ok()) s = e.error;
  result->response.mutable_metrics()->set_inspectedtraces(e.inspected);
  result->response.mutable_metrics()->set_inspectedspans(e.inspected_spans);
  return s;
}

Status SearchRun::RunJob(size_t index, JobResult* result) {
  const Job& job = jobs_[index];
  Evaluation e;
  if (job.block < 0) return FinishJob(RunCombined(index, job.part, &e, result), e, result);
  const BlockSource& b = sources_->blocks()[static_cast<size_t>(job.block)];
  block::BlockFetcher::Options options = FetcherOptions();
  options.first_row_group = job.row_group;
  options.last_row_group = job.row_group + 1;
  options.newest_first = true;
  if (options_.limit != 0) {
    options.first_batch = options_.limit + 1;  // the limit-th match and the next
    options.min_start = [this, &e] { return Floor(e); };
  }
  block::BlockFetcher fetcher(b.reader, std::move(options));
  Status s = fetcher.Fetch(ctx_, BlockRequest(), [&](traceql::TraceView&& view) {
    return Evaluate(index, std::move(view), &e, result);
  });
  result->bytes = fetcher.stats().bytes_read;
  return FinishJob(InBlock(b.meta, s), e, result);
}

void SearchRun::MoveHorizon() {
  if (options_.limit == 0 || query_.most_recent()) return;
  // Without most_recent the answer comes from the shortest prefix of jobs holding `limit`
  // matches. Jobs done out of order already bound that prefix: jobs after them need not run.
  size_t matches = found_.size();
  for (size_t k = accounted_; k < results_.size(); ++k) {
    if (results_[k].done) matches += static_cast<size_t>(results_[k].response.traces_size());
    if (matches >= options_.limit) {
      if (k + 1 < horizon_.load(std::memory_order_relaxed)) {
        horizon_.store(k + 1, std::memory_order_relaxed);
      }
      return;
    }
  }
}

void SearchRun::NoteMatch(uint64_t start_unix_nano) {
  std::lock_guard<std::mutex> lock(floor_mu_);
  floor_starts_.push(start_unix_nano);
  if (floor_starts_.size() > options_.limit) floor_starts_.pop();
  if (floor_starts_.size() == options_.limit) {
    newest_floor_.store(floor_starts_.top(), std::memory_order_relaxed);
  }
}

bool SearchRun::LimitReached() const {
  if (options_.limit == 0 || found_.size() < options_.limit) return false;
  if (!query_.most_recent()) return true;
  if (accounted_ >= jobs_.size()) return true;
  // The limit-th newest start found so far: no later job can beat it when its newest possible
  // trace starts earlier.
  std::vector<uint64_t> starts;
  starts.reserve(found_.size());
  for (const auto& t : found_) starts.push_back(t.starttimeunixnano());
  std::nth_element(starts.begin(), starts.begin() + (options_.limit - 1), starts.end(),
                   std::greater<uint64_t>());
  return jobs_[accounted_].newest < starts[options_.limit - 1];
}

void SearchRun::Absorb(JobResult* r) {
  const tempopb::SearchMetrics& jm = r->response.metrics();
  metrics_.set_inspectedtraces(metrics_.inspectedtraces() + jm.inspectedtraces());
  metrics_.set_inspectedspans(metrics_.inspectedspans() + jm.inspectedspans());
  metrics_.set_inspectedbytes(metrics_.inspectedbytes() + r->bytes);
  if (progress_) {
    tempopb::SearchResponse partial;
    *partial.mutable_traces() = r->response.traces();
    *partial.mutable_metrics() = metrics_;
    partial.mutable_metrics()->set_totaljobs(static_cast<uint32_t>(jobs_.size()));
    partial.mutable_metrics()->set_completedjobs(static_cast<uint32_t>(completed_));
    progress_(partial);
  }
  for (auto& t : *r->response.mutable_traces()) found_.push_back(std::move(t));
  r->response.clear_traces();
}

void SearchRun::Account() {
  while (!stop_ && accounted_ < results_.size() && results_[accounted_].done) {
    ++accounted_;
    Absorb(&results_[accounted_ - 1]);
    if (LimitReached()) stop_ = true;
  }
}

}  // namespace tempo::querier
