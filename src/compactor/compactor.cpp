#include "tempo/compactor/compactor.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "compactor/backend_scan.h"
#include "compactor/compaction_job.h"
#include "compactor/selector.h"
#include "tempo/common/ids.h"
#include "tempo/common/crashpoint.h"
#include "tempo/common/log.h"
#include "tempo/common/malloc_tuning.h"
#include "tempo/common/thread_name.h"

namespace tempo::compactor {
namespace {

int64_t Nanos(std::chrono::milliseconds d) { return std::chrono::nanoseconds(d).count(); }

// The loop thread runs at this nice value (Linux: per thread). Compaction can wait; block cuts
// cannot: at a steady 50k spans/s on 2 cores the compactor at equal priority took ~75% of a core
// and the block builder, left ~60%, cut 29k spans/s; at nice 10, 37k (bench/RESULTS.md). An idle
// core is still all the compactor's.
constexpr int kLoopNice = 10;

// Keeps the first error of a cycle while the rest of it runs.
void Keep(Status* first, Status s) {
  if (!s.ok() && first->ok()) *first = std::move(s);
}

}  // namespace

Compactor::Compactor(CompactorConfig config, backend::Backend& backend, store::Store& store,
                     const overrides::Overrides& overrides, metrics::Registry& registry,
                     Clock& clock)
    : config_(config),
      backend_(backend),
      store_(store),
      overrides_(overrides),
      clock_(clock),
      blocks_compacted_(registry.AddCounter("tempodb_compaction_blocks_total",
                                            "Input blocks compacted, by compaction level.",
                                            {"level"})),
      bytes_written_(registry
                         .AddCounter("tempodb_compaction_bytes_written_total",
                                     "Bytes of block data written by compaction.")
                         .WithLabels({})),
      objects_written_(registry
                           .AddCounter("tempodb_compaction_objects_written_total",
                                       "Traces written by compaction.")
                           .WithLabels({})),
      objects_combined_(registry
                            .AddCounter("tempodb_compaction_objects_combined_total",
                                        "Traces combined from fragments in several blocks.")
                            .WithLabels({})),
      errors_(registry
                  .AddCounter("tempodb_compaction_errors_total",
                              "Compactions, retention steps and cleanups that failed.")
                  .WithLabels({})),
      retention_deleted_(registry
                             .AddCounter("tempodb_retention_deleted_total",
                                         "Compacted blocks deleted after "
                                         "compacted_block_retention.")
                             .WithLabels({})),
      retention_marked_(registry
                            .AddCounter("tempodb_retention_marked_for_deletion_total",
                                        "Blocks marked compacted because they passed "
                                        "block_retention.")
                            .WithLabels({})),
      outstanding_(registry.AddGauge("tempodb_compaction_outstanding_blocks",
                                     "Blocks selected for compaction and not compacted yet.",
                                     {"tenant", "level"})),
      pending_rewrites_(registry.AddGauge("tempodb_delete_pending_block_rewrites",
                                          "Blocks holding deleted traces, not rewritten yet.",
                                          {"tenant"})),
      rewrites_(registry
                    .AddCounter("tempodb_delete_block_rewrites_total",
                                "Blocks rewritten (or retired) because they held deleted "
                                "traces.")
                    .WithLabels({})),
      traces_dropped_(registry
                          .AddCounter("tempodb_delete_traces_dropped_total",
                                      "Deleted traces left out of the blocks written by rewrites "
                                      "and compactions.")
                          .WithLabels({})),
      deferred_seconds_(registry
                            .AddCounter("tempo_compactor_deferred_seconds_total",
                                        "Seconds compaction waited for block cuts to catch up.")
                            .WithLabels({})) {}

Compactor::~Compactor() { Stop(); }

Status Compactor::Start() {
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    stopping_ = false;
  }
  loop_ = std::thread([this] {
    SetThreadName("tempo-compact");
    Loop();
  });
  return Status::Ok();
}

void Compactor::Stop() {
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (loop_.joinable()) loop_.join();
}

bool Compactor::stopping() const {
  std::lock_guard<std::mutex> lock(loop_mu_);
  return stopping_;
}

void Compactor::SetYieldTo(std::function<bool()> busy, std::chrono::milliseconds recheck) {
  yield_to_ = std::move(busy);
  yield_recheck_ = std::max(recheck, std::chrono::milliseconds(1));
}

Compactor::Go Compactor::YieldToCuts() {
  if (!yield_to_ || !yield_to_()) return stopping() ? Go::kStop : Go::kOn;
  const auto started = std::chrono::steady_clock::now();
  const auto give_up = started + config_.compaction_cycle;
  Go go = Go::kOn;
  {
    std::unique_lock<std::mutex> lock(loop_mu_);
    while (!stopping_ && yield_to_()) {
      if (std::chrono::steady_clock::now() >= give_up) {
        go = Go::kLater;
        break;
      }
      loop_cv_.wait_for(lock, yield_recheck_);
    }
    if (stopping_) go = Go::kStop;
  }
  deferred_seconds_.Inc(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return go;
}

Result<block::BlockMeta> Compactor::RunYielding(CompactionJob& job, const std::string& output_id,
                                                int64_t created_at_unix, bool* later) {
  *later = false;
  return job.Run(output_id, created_at_unix, [this, later] {
    const Go go = YieldToCuts();
    *later = go == Go::kLater;
    return go != Go::kOn;
  });
}

void Compactor::Loop() {
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  if (setpriority(PRIO_PROCESS, tid, kLoopNice) != 0) {
    LOG_WARN << "compactor: cannot lower the priority of its thread; it competes with ingest";
  }
  std::unique_lock<std::mutex> lock(loop_mu_);
  while (!loop_cv_.wait_for(lock, config_.compaction_cycle, [this] { return stopping_; })) {
    lock.unlock();
    if (Status s = RunCycle(); !s.ok() && s.code() != StatusCode::kCancelled) {
      LOG_ERROR << "compaction cycle failed, will retry: " << s.message();
    }
    // A compaction frees its row groups (hundreds of MB) in its thread's arena, which glibc
    // keeps; give the free pages back so that RSS follows what is in use.
    ReleaseFreeMemory();
    lock.lock();
  }
}

Status Compactor::Scan(BackendScan* scan) {
  TEMPO_ASSIGN_OR_RETURN(*scan, BackendScan::Run(backend_, &meta_cache_, &compacted_cache_));
  return Status::Ok();
}

Status Compactor::Recover() {
  std::lock_guard<std::mutex> lock(cycle_mu_);
  BackendScan scan;
  TEMPO_RETURN_IF_ERROR(Scan(&scan));
  for (const auto& [tenant, ts] : scan.tenants) {
    for (const std::string& id : ts.incomplete) {
      LOG_WARN << "removing block " << tenant << "/" << id
               << " left without meta.json by an interrupted write";
      TEMPO_RETURN_IF_ERROR(backend_.DeleteBlock(tenant, id));
    }
  }
  return Settle(scan);
}

Status Compactor::MarkCompacted(const block::BlockMeta& meta) {
  const int64_t now = clock_.NowUnixNanos();
  TEMPO_RETURN_IF_ERROR(backend_.Write(meta.tenant_id, meta.block_id, backend::kCompactedMetaName,
                                       CompactedMetaToJson(meta, now)));
  compacted_cache_[meta.tenant_id + "/" + meta.block_id] = now;
  // Like Tempo's rename of meta.json: meta.compacted.json already hides the block, so a failure
  // here only leaves a redundant file that the deletion removes.
  if (Status s = backend_.Delete(meta.tenant_id, meta.block_id, backend::kMetaName); !s.ok()) {
    LOG_WARN << "compactor: cannot remove meta.json of compacted block " << meta.block_id << ": "
             << s.message();
  }
  store_.MarkRetired(meta.tenant_id, {meta.block_id});
  return Status::Ok();
}

Status Compactor::Settle(const BackendScan& scan) {
  Status first;
  for (const auto& [tenant, ts] : scan.tenants) {
    for (const std::string& id : ts.replaced) {
      LOG_WARN << "marking block " << tenant << "/" << id
               << " compacted: its compaction output is committed (finishing an interrupted "
                  "compaction)";
      Status s = MarkCompacted(ts.live.at(id));
      if (!s.ok()) errors_.Inc();
      Keep(&first, std::move(s));
    }
  }
  return first;
}

Status Compactor::Cleanup(const BackendScan& scan) {
  const int64_t cutoff = clock_.NowUnixNanos() - Nanos(config_.compacted_block_retention);
  Status first;
  for (const auto& [tenant, ts] : scan.tenants) {
    std::vector<std::string> deleted;
    for (const auto& [id, compacted_at] : ts.compacted) {
      if (stopping()) return CancelledError("compactor stopping");
      if (compacted_at >= cutoff) continue;
      Status s = backend_.DeleteBlock(tenant, id);
      if (!s.ok()) {
        errors_.Inc();
        Keep(&first, std::move(s));
        continue;
      }
      CrashPointForTest("compaction:after_delete");
      retention_deleted_.Inc();
      deleted.push_back(id);
      LOG_INFO << "deleted compacted block " << tenant << "/" << id;
    }
    if (!deleted.empty()) store_.ForgetBlocks(tenant, deleted);
  }
  return first;
}

Status Compactor::ApplyRetention(const BackendScan& scan) {
  const int64_t now = clock_.NowUnixNanos();
  Status first;
  for (const auto& [tenant, ts] : scan.tenants) {
    std::chrono::milliseconds retention = config_.block_retention;
    if (auto limits = overrides_.For(tenant); limits->block_retention.count() > 0) {
      retention = limits->block_retention;
    }
    const int64_t cutoff = now - Nanos(retention);
    for (const auto& [id, meta] : ts.live) {
      if (ts.replaced.count(id) || meta.end_unix_nano >= cutoff) continue;
      if (stopping()) return CancelledError("compactor stopping");
      Status s = MarkCompacted(meta);
      if (!s.ok()) {
        errors_.Inc();
        Keep(&first, std::move(s));
        continue;
      }
      CrashPointForTest("retention:after_mark");
      retention_marked_.Inc();
      LOG_INFO << "retention: marked block " << tenant << "/" << id << " compacted (ended "
               << block::FormatRfc3339Nano(meta.end_unix_nano) << ")";
    }
  }
  return first;
}

Status Compactor::Compact(const BackendScan& scan) {
  const int64_t now = clock_.NowUnixNanos();
  const int64_t retention_floor = now - Nanos(config_.block_retention);
  // Outstanding blocks per (tenant, level); label sets of earlier cycles drop to zero.
  std::map<std::pair<std::string, std::string>, double> outstanding;
  outstanding_.ForEach([&](const std::vector<std::string>& labels, const metrics::Gauge&) {
    outstanding[{labels[0], labels[1]}] = 0;
  });
  std::vector<std::pair<std::string, JobSpec>> jobs;
  for (const auto& [tenant, ts] : scan.tenants) {
    std::vector<block::BlockMeta> candidates;
    for (const auto& [id, meta] : ts.live) {
      // Replaced blocks wait for Settle; expired ones for retention (the next cycle).
      if (ts.replaced.count(id) || meta.end_unix_nano < retention_floor) continue;
      candidates.push_back(meta);
    }
    for (JobSpec& job : SelectJobs(std::move(candidates), config_, now)) {
      outstanding[{tenant, std::to_string(job.level)}] += static_cast<double>(job.inputs.size());
      jobs.emplace_back(tenant, std::move(job));
    }
  }
  for (const auto& [labels, n] : outstanding) {
    outstanding_.WithLabels({labels.first, labels.second}).Set(n);
  }

  const store::Tombstones* tombstones = store_.tombstones();
  Status first;
  for (auto& [tenant, job] : jobs) {
    const Go go = YieldToCuts();
    if (go == Go::kStop) return CancelledError("compactor stopping");
    if (go == Go::kLater) {
      LOG_INFO << "compactor: block cuts are behind; compaction left to a later cycle";
      return first;
    }
    const std::string level = std::to_string(job.level);
    const size_t inputs = job.inputs.size();
    const auto started = std::chrono::steady_clock::now();
    block::WriterOptions options;
    options.spans_per_row_group = config_.spans_per_row_group;
    options.scratch_dir = config_.scratch_dir;
    DropFn drop;
    if (tombstones) {
      // Deleted traces are left out of the output (the inputs are hidden with it).
      std::shared_ptr<const store::TombstoneList> deleted = tombstones->ForTenant(tenant);
      if (!deleted->empty()) {
        drop = [deleted](const TraceId& id) {
          return store::Tombstones::ListContains(*deleted, id);
        };
      }
    }
    CompactionJob run(backend_, options, job.inputs, std::move(drop));
    const std::string output_id = NewBlockId();
    bool later = false;
    Result<block::BlockMeta> out = RunYielding(run, output_id, now / 1'000'000'000, &later);
    if (!out.ok() && run.all_dropped()) {
      // Only deleted traces in the inputs: retire them, no output.
      traces_dropped_.Inc(static_cast<double>(run.stats().traces_dropped));
      for (const block::BlockMeta& in : job.inputs) {
        if (Status s = MarkCompacted(in); !s.ok()) {
          errors_.Inc();
          Keep(&first, std::move(s));
        }
      }
      outstanding_.WithLabels({tenant, level}).Add(-static_cast<double>(inputs));
      LOG_INFO << "retired " << inputs << " blocks of " << tenant
               << ": they held only deleted traces";
      continue;
    }
    if (!out.ok()) {
      if (out.status().code() == StatusCode::kCancelled && later) {
        LOG_INFO << "compactor: block cuts are behind; a compaction of " << inputs << " blocks of "
                 << tenant << " was given up for a later cycle";
        return first;
      }
      if (out.status().code() == StatusCode::kCancelled) return out.status();
      errors_.Inc();
      LOG_ERROR << "compaction of " << inputs << " blocks of " << tenant
                << " failed: " << out.status().message();
      Keep(&first, out.status());
      continue;
    }
    // Visible from here on; the store hides the inputs in the same swap.
    store_.AddBlock(*out);
    meta_cache_[tenant + "/" + output_id] = *out;
    for (const block::BlockMeta& in : job.inputs) {
      Status s = MarkCompacted(in);
      if (!s.ok()) {
        // The output stays committed and the input hidden; the next Settle retries.
        errors_.Inc();
        Keep(&first, std::move(s));
        continue;
      }
      CrashPointForTest("compaction:after_mark");
    }
    const MergeStats& st = run.stats();
    blocks_compacted_.WithLabels({level}).Inc(static_cast<double>(inputs));
    bytes_written_.Inc(static_cast<double>(out->size_bytes));
    objects_written_.Inc(static_cast<double>(st.traces_written));
    objects_combined_.Inc(static_cast<double>(st.traces_combined));
    traces_dropped_.Inc(static_cast<double>(st.traces_dropped));
    outstanding_.WithLabels({tenant, level}).Add(-static_cast<double>(inputs));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    LOG_INFO << "compacted " << inputs << " blocks of " << tenant << " (level " << level
             << ") into " << output_id << ": traces=" << st.traces_written
             << " combined=" << st.traces_combined << " duplicate_spans=" << st.duplicate_spans
             << " bytes=" << out->size_bytes << " seconds=" << seconds;
  }
  return first;
}

Status Compactor::RunCycle() {
  std::lock_guard<std::mutex> lock(cycle_mu_);
  BackendScan scan;
  if (Status s = Scan(&scan); !s.ok()) {
    errors_.Inc();
    return s;
  }
  Status first;
  Keep(&first, Settle(scan));
  Keep(&first, Cleanup(scan));
  Keep(&first, ApplyRetention(scan));
  if (first.code() == StatusCode::kCancelled) return first;
  if (Status s = PurgeDeleted(); !s.ok()) {
    if (s.code() == StatusCode::kCancelled) return s;
    Keep(&first, std::move(s));
  }
  // Retention and settling changed block states: compact from a fresh listing.
  if (Status s = Scan(&scan); !s.ok()) {
    errors_.Inc();
    Keep(&first, std::move(s));
    return first;
  }
  Keep(&first, Compact(scan));
  return first;
}

Status Compactor::ApplyRetentionForTest() {
  std::lock_guard<std::mutex> lock(cycle_mu_);
  BackendScan scan;
  TEMPO_RETURN_IF_ERROR(Scan(&scan));
  Status first = ApplyRetention(scan);
  TEMPO_RETURN_IF_ERROR(Scan(&scan));
  Keep(&first, Cleanup(scan));
  return first;
}

Status Compactor::PurgeDeletedForTest() {
  std::lock_guard<std::mutex> lock(cycle_mu_);
  return PurgeDeleted();
}

Status Compactor::CompactForTest() {
  std::lock_guard<std::mutex> lock(cycle_mu_);
  BackendScan scan;
  TEMPO_RETURN_IF_ERROR(Scan(&scan));
  return Compact(scan);
}

}  // namespace tempo::compactor
