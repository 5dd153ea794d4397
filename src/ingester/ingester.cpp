#include "tempo/ingester/ingester.h"

#include <algorithm>

#include "tempo/common/log.h"

namespace tempo::ingester {

Ingester::Ingester(IngesterConfig config, wal::Wal& wal, const overrides::Overrides& overrides,
                   metrics::Registry& registry, Clock& clock)
    : config_(config),
      wal_(wal),
      overrides_(overrides),
      clock_(clock),
      live_traces_gauge_(registry.AddGauge("tempo_ingester_live_traces",
                                           "Traces held in memory, not yet in a block.",
                                           {"tenant"})),
      discarded_(registry.AddCounter("tempo_discarded_spans_total",
                                     "Spans discarded, by tenant and reason.",
                                     {"tenant", "reason"})),
      packed_bytes_(registry.AddCounter(
          "tempo_ingester_packed_bytes_total",
          "Pushed bytes held by live traces with compress_live_traces: kind=\"raw\" counts them "
          "as received, kind=\"stored\" as held (packed, or as is when packing saved too little).",
          {"kind"})),
      packer_(clock) {}

Ingester::~Ingester() { Stop(); }

Status Ingester::Start() {
  // Records that committed blocks already hold (their cut journals survived the crash).
  TEMPO_ASSIGN_OR_RETURN(std::vector<wal::CutJournal> journals, wal_.ReadCutJournals());
  std::map<std::string, std::unordered_map<TraceId, uint64_t, TraceIdHash>> in_blocks;
  for (const wal::CutJournal& j : journals) {
    auto& ids = in_blocks[j.tenant];
    for (const auto& [id, seq] : j.traces) ids[id] = std::max(ids[id], seq);
  }

  uint64_t records = 0;
  uint64_t skipped = 0;
  uint64_t skipped_deleted = 0;
  uint64_t bytes = 0;
  uint64_t max_seq = 0;
  auto now = clock_.Monotonic();
  Status s = wal_.Replay([&](wal::ReplayedRecord&& record) {
    max_seq = std::max(max_seq, record.seq);
    Tenant& tenant = GetTenant(record.tenant);
    std::lock_guard<std::mutex> lock(tenant.mu);
    // Every record still in the WAL counts, skipped or not: it stays until its minute is dropped.
    tenant.oldest_wal_minute = std::min(tenant.oldest_wal_minute, record.epoch_minute);
    if (auto t = in_blocks.find(record.tenant); t != in_blocks.end()) {
      if (auto id = t->second.find(record.trace_id);
          id != t->second.end() && record.seq <= id->second) {
        ++skipped;
        return;
      }
    }
    if (tenant.refused.count(record.trace_id)) {
      ++skipped_deleted;
      return;
    }
    model::TraceFragment fragment;
    fragment.trace_id = record.trace_id;
    bytes += record.data.raw_size;
    AppendFragment(tenant, tenant.traces[record.trace_id], fragment, std::move(record.data), now,
                   record.seq, record.epoch_minute);
    ++records;
    uint32_t last = last_epoch_.load();
    if (record.epoch_minute > last) last_epoch_.store(record.epoch_minute);
  });
  TEMPO_RETURN_IF_ERROR(s);
  next_seq_.store(max_seq + 1);
  live_bytes_ += bytes;
  {
    std::lock_guard<std::mutex> lock(tenants_mu_);
    for (auto& [name, tenant] : tenants_) {
      std::lock_guard<std::mutex> tl(tenant->mu);
      live_traces_gauge_.WithLabels({name}).Set(static_cast<double>(tenant->traces.size()));
    }
  }
  LOG_INFO << "WAL replayed: " << records << " records, " << bytes << " bytes, "
           << live_traces() << " live traces; " << skipped
           << " records skipped (already in blocks), " << skipped_deleted
           << " skipped (deleted traces)";
  return Status::Ok();
}

void Ingester::Stop() { stopping_.store(true); }

Ingester::Tenant& Ingester::GetTenant(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(tenants_mu_);
  auto& slot = tenants_[tenant];
  if (!slot) slot = std::make_unique<Tenant>();
  return *slot;
}

const Ingester::Tenant* Ingester::FindTenant(const std::string& tenant) const {
  std::lock_guard<std::mutex> lock(tenants_mu_);
  auto it = tenants_.find(tenant);
  return it == tenants_.end() ? nullptr : it->second.get();
}

uint32_t Ingester::CurrentEpochMinute() const {
  // Never goes backwards, even if the wall clock does: CompleteCut relies on new records never
  // being older than a minute it has already decided to drop.
  uint32_t now = static_cast<uint32_t>(clock_.NowUnixNanos() / 60'000'000'000LL);
  uint32_t last = last_epoch_.load();
  while (now > last && !last_epoch_.compare_exchange_weak(last, now)) {
  }
  return std::max(now, last);
}

void Ingester::SetMinEpoch(Tenant& tenant, LiveTrace& trace, uint32_t min_epoch) {
  if (trace.min_epoch == min_epoch) return;
  if (trace.min_epoch != UINT32_MAX) {
    auto it = tenant.min_epochs.find(trace.min_epoch);
    if (--it->second == 0) tenant.min_epochs.erase(it);
  }
  trace.min_epoch = min_epoch;
  if (min_epoch != UINT32_MAX) ++tenant.min_epochs[min_epoch];
}

void Ingester::EraseLive(Tenant& tenant,
                         std::unordered_map<TraceId, LiveTrace, TraceIdHash>::iterator it) {
  SetMinEpoch(tenant, it->second, UINT32_MAX);
  LeaveHead(tenant, it->second);
  tenant.traces.erase(it);  // its head_ids entry, if any, is pruned by CollectDueHeads
}

void Ingester::JoinHead(Tenant& tenant, LiveTrace& trace) {
  trace.in_head = true;
  ++tenant.head_traces;
  AddHeadBytes(tenant, trace.data.size());
}

void Ingester::LeaveHead(Tenant& tenant, LiveTrace& trace) {
  if (!trace.in_head) return;
  trace.in_head = false;
  --tenant.head_traces;
  SubtractHeadBytes(tenant, trace.data.size());
}

void Ingester::AddHeadBytes(Tenant& tenant, uint64_t bytes) {
  tenant.head_bytes += bytes;
  head_bytes_.fetch_add(bytes, std::memory_order_relaxed);
}

void Ingester::SubtractHeadBytes(Tenant& tenant, uint64_t bytes) {
  bytes = std::min(bytes, tenant.head_bytes);
  tenant.head_bytes -= bytes;
  head_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
}

void Ingester::AppendFragment(Tenant& tenant, LiveTrace& trace,
                              const model::TraceFragment& fragment, BytesPiece data,
                              std::chrono::steady_clock::time_point now, uint64_t seq,
                              uint32_t epoch) {
  trace.data.Append(std::move(data));
  trace.max_seq = std::max(trace.max_seq, seq);
  SetMinEpoch(tenant, trace, std::min(trace.min_epoch, epoch));
  trace.max_epoch = std::max(trace.max_epoch, epoch);
  if (fragment.span_count > 0) {
    if (trace.span_count == 0 || fragment.start_unix_nano < trace.start_unix_nano) {
      trace.start_unix_nano = fragment.start_unix_nano;
    }
    trace.end_unix_nano = std::max(trace.end_unix_nano, fragment.end_unix_nano);
  }
  trace.span_count += fragment.span_count;
  trace.last_append = now;
}

void Ingester::Push(const RequestContext& ctx, std::vector<model::TraceFragment>&& fragments,
                    model::PushCallback done) {
  if (stopping_.load()) {
    done(UnavailableError("ingester is stopping"));
    return;
  }
  auto limits = overrides_.For(ctx.tenant);
  Tenant& tenant = GetTenant(ctx.tenant);
  auto now = clock_.Monotonic();

  uint64_t push_bytes = 0;
  uint32_t push_spans = 0;
  for (const auto& f : fragments) {
    push_bytes += f.data.size();
    push_spans += f.span_count;
  }
  // Checked before the tenant lock with the unfiltered size (a push holding fragments of
  // deleted traces is judged a little larger than it is stored).
  if (config_.max_live_traces_bytes > 0 &&
      live_bytes_.load() + push_bytes > config_.max_live_traces_bytes) {
    discarded_.WithLabels({ctx.tenant, "live_traces_exceeded"}).Inc(push_spans);
    done(ResourceExhaustedError("LIVE_TRACES_EXCEEDED: live traces hold " +
                                std::to_string(live_bytes_.load()) +
                                " bytes, the limit is " +
                                std::to_string(config_.max_live_traces_bytes)));
    return;
  }

  std::vector<wal::WalRecord> records;
  records.reserve(fragments.size());
  // Each fragment (packed, or its buffer as is) is adopted by its live trace and shared with its
  // WAL record: nothing is copied or packed under the tenant lock.
  std::vector<BytesPiece> pieces;
  if (config_.compress_live_traces) {
    pieces = packer_.Pack(fragments);
  } else {
    pieces.reserve(fragments.size());
    for (auto& f : fragments) pieces.push_back(RawPiece(std::move(f.data)));
  }
  {
    std::lock_guard<std::mutex> lock(tenant.mu);
    // Fragments of deleted traces are dropped under the same lock that appends, so none can slip
    // in after RefuseTrace returned (its minute bounds every record of the trace).
    if (!tenant.refused.empty()) {
      uint32_t refused_spans = 0;
      size_t kept = 0;
      for (size_t i = 0; i < fragments.size(); ++i) {
        if (tenant.refused.count(fragments[i].trace_id)) {
          refused_spans += fragments[i].span_count;
          push_bytes -= pieces[i].raw_size;
          continue;
        }
        if (kept != i) {
          fragments[kept] = std::move(fragments[i]);
          pieces[kept] = std::move(pieces[i]);
        }
        ++kept;
      }
      fragments.resize(kept);
      pieces.resize(kept);
      if (refused_spans > 0) {
        discarded_.WithLabels({ctx.tenant, "trace_deleted"}).Inc(refused_spans);
        push_spans -= refused_spans;
      }
      if (fragments.empty()) {
        done(Status::Ok());
        return;
      }
    }
    // Check every trace first so that a refused push stores nothing.
    if (limits->max_bytes_per_trace > 0) {
      for (size_t i = 0; i < fragments.size(); ++i) {
        const model::TraceFragment& f = fragments[i];
        auto it = tenant.traces.find(f.trace_id);
        uint64_t current = it == tenant.traces.end() ? 0 : it->second.data.size();
        if (current + pieces[i].raw_size > static_cast<uint64_t>(limits->max_bytes_per_trace)) {
          discarded_.WithLabels({ctx.tenant, "trace_too_large"}).Inc(push_spans);
          done(ResourceExhaustedError(
              "TRACE_TOO_LARGE: max size of trace (" +
              std::to_string(limits->max_bytes_per_trace) + ") exceeded while adding " +
              std::to_string(pieces[i].raw_size) + " bytes to trace " + f.trace_id.ToHex() +
              " for tenant " + ctx.tenant));
          return;
        }
      }
    }
    // Append to memory first, so the trace is visible by the time the WAL acknowledges it; undo
    // if the WAL refuses the push, so that a refused push stores nothing.
    struct Undo {
      TraceId id;
      bool existed = false;
      size_t data_size = 0;
      uint32_t span_count = 0;
      uint64_t start_unix_nano = 0;
      uint64_t end_unix_nano = 0;
      std::chrono::steady_clock::time_point last_append;
      uint64_t max_seq = 0;
      uint32_t min_epoch = 0;
      uint32_t max_epoch = 0;
    };
    std::vector<Undo> undo;
    undo.reserve(fragments.size());
    uint64_t stored_bytes = 0;
    const uint32_t epoch = CurrentEpochMinute();
    const uint32_t oldest_before = tenant.oldest_wal_minute;
    tenant.oldest_wal_minute = std::min(tenant.oldest_wal_minute, epoch);
    for (size_t i = 0; i < fragments.size(); ++i) {
      const model::TraceFragment& f = fragments[i];
      auto [it, inserted] = tenant.traces.try_emplace(f.trace_id);
      LiveTrace& t = it->second;
      undo.push_back(Undo{f.trace_id, !inserted, t.data.size(), t.span_count, t.start_unix_nano,
                          t.end_unix_nano, t.last_append, t.max_seq, t.min_epoch, t.max_epoch});
      const uint64_t seq = next_seq_.fetch_add(1);
      if (t.in_head) AddHeadBytes(tenant, pieces[i].raw_size);
      stored_bytes += pieces[i].stored->size();
      AppendFragment(tenant, t, f, pieces[i], now, seq, epoch);
      records.push_back(wal::WalRecord{ctx.tenant, f.trace_id, epoch, seq, std::move(pieces[i])});
    }
    Status queued = wal_.Append(std::move(records), std::move(done));
    if (!queued.ok()) {
      tenant.oldest_wal_minute = oldest_before;
      for (auto u = undo.rbegin(); u != undo.rend(); ++u) {
        auto it = tenant.traces.find(u->id);
        if (!u->existed) {
          EraseLive(tenant, it);
          continue;
        }
        LiveTrace& t = it->second;
        if (t.in_head) SubtractHeadBytes(tenant, t.data.size() - u->data_size);
        t.data.Truncate(u->data_size);
        t.max_seq = u->max_seq;
        SetMinEpoch(tenant, t, u->min_epoch);
        t.max_epoch = u->max_epoch;
        t.span_count = u->span_count;
        t.start_unix_nano = u->start_unix_nano;
        t.end_unix_nano = u->end_unix_nano;
        t.last_append = u->last_append;
      }
      discarded_.WithLabels({ctx.tenant, "wal_queue_full"}).Inc(push_spans);
      done(queued);
      return;
    }
    live_traces_gauge_.WithLabels({ctx.tenant}).Set(static_cast<double>(tenant.traces.size()));
    if (config_.compress_live_traces) {
      packed_bytes_.WithLabels({"raw"}).Inc(static_cast<double>(push_bytes));
      packed_bytes_.WithLabels({"stored"}).Inc(static_cast<double>(stored_bytes));
    }
  }
  live_bytes_ += push_bytes;
}

std::optional<LiveTraceView> Ingester::FindTraceByID(const std::string& tenant,
                                                     const TraceId& id) const {
  const Tenant* t = FindTenant(tenant);
  if (!t) return std::nullopt;
  std::lock_guard<std::mutex> lock(t->mu);
  auto it = t->traces.find(id);
  if (it == t->traces.end()) return std::nullopt;
  return LiveTraceView{it->second.data.Ref(), it->second.span_count, it->second.start_unix_nano,
                       it->second.end_unix_nano};
}

std::vector<std::string> Ingester::CollectDueHeads(bool force) {
  std::vector<std::pair<std::string, Tenant*>> tenants;
  {
    std::lock_guard<std::mutex> lock(tenants_mu_);
    for (auto& [name, tenant] : tenants_) tenants.emplace_back(name, tenant.get());
  }
  const auto now = clock_.Monotonic();
  std::vector<std::string> due;
  std::vector<TraceId> joined;
  for (auto& [name, tenant] : tenants) {
    std::lock_guard<std::mutex> lock(tenant->mu);
    // Pruned first, so that a trace cut (or erased) since and now joining again is listed once.
    std::vector<TraceId>& ids = tenant->head_ids;
    ids.erase(std::remove_if(ids.begin(), ids.end(),
                             [&](const TraceId& id) {
                               auto it = tenant->traces.find(id);
                               return it == tenant->traces.end() || !it->second.in_head;
                             }),
              ids.end());
    joined.clear();
    for (auto& [id, trace] : tenant->traces) {
      if (trace.in_head) continue;
      if (force || now - trace.last_append >= config_.trace_idle_period) {
        JoinHead(*tenant, trace);
        if (!tenant->head_since) tenant->head_since = now;
        joined.push_back(id);
      }
    }
    if (!joined.empty()) {
      std::sort(joined.begin(), joined.end());
      const size_t old_size = ids.size();
      ids.insert(ids.end(), joined.begin(), joined.end());
      std::inplace_merge(ids.begin(), ids.begin() + static_cast<ptrdiff_t>(old_size), ids.end());
    }
    if (!tenant->head_since) continue;
    if (force || now - *tenant->head_since >= config_.max_block_duration ||
        tenant->head_bytes >= config_.max_block_bytes) {
      due.push_back(name);
    }
  }
  return due;
}

HeadSnapshot Ingester::SnapshotHead(const std::string& tenant_name, uint64_t max_bytes) const {
  std::vector<HeadSnapshot> parts = SnapshotHeadParts(tenant_name, max_bytes, 1, true);
  if (parts.empty()) {
    HeadSnapshot empty;
    empty.tenant = tenant_name;
    return empty;
  }
  return std::move(parts.front());
}

std::vector<HeadSnapshot> Ingester::SnapshotHeadParts(const std::string& tenant_name,
                                                      uint64_t max_bytes, size_t max_parts,
                                                      bool force) const {
  std::vector<HeadSnapshot> parts;
  const Tenant* tenant = FindTenant(tenant_name);
  if (!tenant || max_parts == 0) return parts;
  // Under the lock, but only as long as the walk over what is taken (the head's IDs are kept
  // sorted): pushes of the tenant wait for that, not for a pass over every live trace.
  std::lock_guard<std::mutex> lock(tenant->mu);
  // Under the lock that appends, which takes each push's minute under it too: every fragment
  // appended after this is in a minute >= taken_minute (minutes never go backwards).
  const uint32_t taken_minute = CurrentEpochMinute();
  const bool due_whole =  // due by age (or forced): every part is due, not only full ones
      force || (tenant->head_since &&
                clock_.Monotonic() - *tenant->head_since >= config_.max_block_duration);
  const std::vector<TraceId>& ids = tenant->head_ids;
  const size_t n = ids.size();
  // Trace-ID order from the cursor on, so that consecutive blocks cover consecutive ID ranges.
  // Always starting from the lowest ID starved the highest ones while new traces kept the head
  // above max_bytes: they stayed in memory, and their WAL minutes on disk, indefinitely.
  size_t first = 0;
  if (tenant->cut_cursor) {
    first = std::upper_bound(ids.begin(), ids.end(), *tenant->cut_cursor) - ids.begin();
    if (first == n) first = 0;
  }
  uint64_t left = tenant->head_bytes;
  size_t next = 0;  // IDs walked so far, counted from `first` around the end
  while (next < n && parts.size() < max_parts) {
    // A later part only while what is left would still be due on its own, as HeadDue would say
    // once the earlier parts were cut: a head due by size is cut down below max_block_bytes,
    // not emptied.
    if (!parts.empty() && !due_whole && left < config_.max_block_bytes) break;
    HeadSnapshot snapshot;
    snapshot.tenant = tenant_name;
    snapshot.taken_minute = taken_minute;
    for (; next < n; ++next) {
      const size_t at = (first + next) % n;
      // A block holds ascending IDs: a part ends where the order wraps to the lowest ID.
      if (!snapshot.traces.empty() && at == 0) break;
      auto it = tenant->traces.find(ids[at]);
      if (it == tenant->traces.end() || !it->second.in_head) continue;  // cut or erased since
      const LiveTrace& t = it->second;
      // A trace larger than the budget goes alone into its block.
      if (!snapshot.traces.empty() && snapshot.bytes + t.data.size() > max_bytes) break;
      snapshot.traces.push_back(HeadSnapshot::Trace{ids[at], t.data.size(), t.max_seq});
      snapshot.max_epoch_minute = std::max(snapshot.max_epoch_minute, t.max_epoch);
      snapshot.bytes += t.data.size();
    }
    if (snapshot.traces.empty()) break;  // only IDs of traces no longer in the head were left
    left -= std::min(left, snapshot.bytes);
    parts.push_back(std::move(snapshot));
  }
  return parts;
}

bool Ingester::HeadDue(const std::string& tenant_name, bool force) const {
  const Tenant* tenant = FindTenant(tenant_name);
  if (!tenant) return false;
  const auto now = clock_.Monotonic();
  std::lock_guard<std::mutex> lock(tenant->mu);
  if (!tenant->head_since) return false;
  return force || now - *tenant->head_since >= config_.max_block_duration ||
         tenant->head_bytes >= config_.max_block_bytes;
}

std::optional<std::string> Ingester::ReadHeadTrace(const std::string& tenant_name,
                                                   const HeadSnapshot::Trace& trace) const {
  const Tenant* tenant = FindTenant(tenant_name);
  if (!tenant) return std::nullopt;
  BytesRef data;
  {
    std::lock_guard<std::mutex> lock(tenant->mu);
    auto it = tenant->traces.find(trace.id);
    // Fragments are only appended between a snapshot and its CompleteCut (a trace is in one
    // snapshot at a time), so a live trace shorter than the snapshot was erased and maybe pushed
    // again: not the same data.
    if (it == tenant->traces.end() || it->second.data.size() < trace.bytes) return std::nullopt;
    data = it->second.data.Ref();
  }
  // Copied outside the lock: pushes of the tenant do not wait for it.
  std::string out;
  data.AppendPrefixTo(trace.bytes, &out);
  return out;
}

Status Ingester::CompleteCut(const HeadSnapshot& snapshot) {
  Tenant& tenant = GetTenant(snapshot.tenant);
  uint32_t keep_from;
  uint64_t freed = 0;
  {
    std::lock_guard<std::mutex> lock(tenant.mu);
    for (const HeadSnapshot::Trace& cut : snapshot.traces) {
      auto it = tenant.traces.find(cut.id);
      if (it == tenant.traces.end()) continue;
      LiveTrace& t = it->second;
      if (t.data.size() <= cut.bytes) {
        freed += t.data.size();
        EraseLive(tenant, it);
        continue;
      }
      // Fragments that arrived after the snapshot stay live, as a new trace fragment. Their WAL
      // records are in minutes >= the snapshot's; the older ones are in the block now. (Keeping
      // the trace's first minute instead let a trace that never goes quiet hold every later
      // record of the tenant in the WAL: 10 GB after 4 minutes at 50k spans/s.)
      freed += cut.bytes;
      LeaveHead(tenant, t);
      t.data.EraseFront(cut.bytes);  // drops the pieces that went into the block
      SetMinEpoch(tenant, t, std::max(t.min_epoch, snapshot.taken_minute));
      t.span_count = 0;
    }
    if (!snapshot.traces.empty()) tenant.cut_cursor = snapshot.traces.back().id;
    bool head_left = false;
    keep_from = KeepFromLocked(tenant, &head_left);
    if (!head_left) tenant.head_since.reset();
    live_traces_gauge_.WithLabels({snapshot.tenant}).Set(static_cast<double>(tenant.traces.size()));
  }
  live_bytes_ -= std::min<uint64_t>(live_bytes_.load(), freed);
  return DropWalBefore(snapshot.tenant, tenant, keep_from);
}

uint64_t Ingester::live_traces() const {
  std::lock_guard<std::mutex> lock(tenants_mu_);
  uint64_t n = 0;
  for (const auto& [name, tenant] : tenants_) {
    std::lock_guard<std::mutex> tl(tenant->mu);
    n += tenant->traces.size();
  }
  return n;
}

}  // namespace tempo::ingester
