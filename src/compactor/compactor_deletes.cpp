// The purge step of a compaction cycle: blocks holding deleted traces are rewritten without them,
// then tombstones that nothing holds any more are dropped (docs/architecture.md, "Deleting a
// trace").
#include "compactor/compaction_job.h"
#include "tempo/block/block_reader.h"
#include "tempo/common/ids.h"
#include "tempo/common/log.h"
#include "tempo/compactor/compactor.h"

namespace tempo::compactor {

Status Compactor::PurgeDeleted() {
  const store::Tombstones* tombstones = store_.tombstones();
  if (tombstones == nullptr) return Status::Ok();
  Status first;
  auto keep = [&first](Status s) {
    if (!s.ok() && first.ok()) first = std::move(s);
  };
  std::map<std::string, std::set<TraceId>> checked_now;
  for (const std::string& tenant : tombstones->Tenants()) {
    const std::shared_ptr<const store::TombstoneList> deleted = tombstones->ForTenant(tenant);
    // The visible blocks holding any deleted trace, with how many they hold (directory lookups;
    // each block is looked at once per tombstone).
    std::vector<std::pair<block::BlockMeta, uint64_t>> holding;
    for (const block::BlockMeta& meta : store_.Blocks(tenant)) {
      if (stopping()) return CancelledError("compactor stopping");
      const std::string key = tenant + "/" + meta.block_id;
      const std::set<TraceId>& before = purge_checked_[key];
      std::set<TraceId>& clean = checked_now[key];
      std::vector<TraceId> todo;
      for (const store::Tombstone& t : *deleted) {
        if (before.count(t.id)) {
          clean.insert(t.id);
          continue;
        }
        const std::string hex = t.id.ToHex();
        if (!meta.min_trace_id.empty() && (hex < meta.min_trace_id || hex > meta.max_trace_id)) {
          clean.insert(t.id);
          continue;
        }
        todo.push_back(t.id);
      }
      if (todo.empty()) continue;
      Result<std::shared_ptr<const block::BlockReader>> reader = store_.OpenReader(meta);
      if (!reader.ok()) {
        errors_.Inc();
        keep(reader.status());
        continue;
      }
      uint64_t hits = 0;
      for (const TraceId& id : todo) {
        if ((*reader)->FindRow(id).has_value()) {
          ++hits;
        } else {
          clean.insert(id);
        }
      }
      if (hits > 0) holding.emplace_back(meta, hits);
    }
    metrics::Gauge& pending = pending_rewrites_.WithLabels({tenant});
    pending.Set(static_cast<double>(holding.size()));
    for (const auto& [meta, hits] : holding) {
      const Go go = YieldToCuts();
      if (go == Go::kStop) return CancelledError("compactor stopping");
      if (go == Go::kLater) return first;  // rewrites left to a later cycle, tombstones kept
      bool later = false;
      Status s = RewriteWithout(meta, deleted, hits, &later);
      if (s.code() == StatusCode::kCancelled && later) return first;
      if (s.code() == StatusCode::kCancelled) return s;
      if (!s.ok()) {
        errors_.Inc();
        LOG_ERROR << "rewrite of block " << tenant << "/" << meta.block_id
                  << " without its deleted traces failed, will retry: " << s.message();
        keep(std::move(s));
        continue;
      }
      pending.Add(-1);
    }
    if (deleter_ != nullptr) {
      Result<size_t> pruned = deleter_->Prune(tenant);
      if (!pruned.ok()) {
        errors_.Inc();
        keep(pruned.status());
      }
    }
  }
  // Only blocks still visible, and only tombstones still there.
  purge_checked_ = std::move(checked_now);
  return first;
}

Status Compactor::RewriteWithout(const block::BlockMeta& meta,
                                 const std::shared_ptr<const store::TombstoneList>& deleted,
                                 uint64_t hits, bool* later) {
  const std::string& tenant = meta.tenant_id;
  if (hits >= meta.total_traces) {
    // Nothing but deleted traces: hide and later delete the block, no output.
    TEMPO_RETURN_IF_ERROR(MarkCompacted(meta));
    rewrites_.Inc();
    traces_dropped_.Inc(static_cast<double>(hits));
    LOG_INFO << "retired block " << tenant << "/" << meta.block_id
             << ": it held only deleted traces (" << hits << ")";
    return Status::Ok();
  }
  block::WriterOptions options;
  options.spans_per_row_group = config_.spans_per_row_group;
  options.scratch_dir = config_.scratch_dir;
  DropFn drop = [deleted](const TraceId& id) {
    return store::Tombstones::ListContains(*deleted, id);
  };
  CompactionJob run(backend_, options, {meta}, std::move(drop), /*keep_level=*/true);
  const std::string output_id = NewBlockId();
  Result<block::BlockMeta> out =
      RunYielding(run, output_id, clock_.NowUnixNanos() / 1'000'000'000, later);
  if (!out.ok() && run.all_dropped()) {
    TEMPO_RETURN_IF_ERROR(MarkCompacted(meta));
  } else {
    TEMPO_RETURN_IF_ERROR(out.status());
    // Visible from here on; the store hides the input in the same swap.
    store_.AddBlock(*out);
    meta_cache_[tenant + "/" + output_id] = *out;
    // On failure the output stays committed and the input hidden; the next Settle retries.
    TEMPO_RETURN_IF_ERROR(MarkCompacted(meta));
  }
  rewrites_.Inc();
  traces_dropped_.Inc(static_cast<double>(run.stats().traces_dropped));
  LOG_INFO << "rewrote block " << tenant << "/" << meta.block_id << " without "
           << run.stats().traces_dropped << " deleted traces"
           << (out.ok() ? " into " + output_id : std::string(" (nothing left)"))
           << ": traces=" << run.stats().traces_written;
  return Status::Ok();
}

}  // namespace tempo::compactor
