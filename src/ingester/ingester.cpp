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
                                     {"tenant", "reason"})) {}

Ingester::~Ingester() { Stop(); }

Status Ingester::Start() {
  uint64_t records = 0;
  uint64_t bytes = 0;
  auto now = clock_.Monotonic();
  Status s = wal_.Replay([&](wal::ReplayedRecord&& record) {
    Tenant& tenant = GetTenant(record.tenant);
    model::TraceFragment fragment;
    fragment.trace_id = record.trace_id;
    fragment.data = std::move(record.data);
    std::lock_guard<std::mutex> lock(tenant.mu);
    AppendFragment(tenant.traces[record.trace_id], fragment, now);
    ++records;
    bytes += fragment.data.size();
  });
  TEMPO_RETURN_IF_ERROR(s);
  live_bytes_ += bytes;
  {
    std::lock_guard<std::mutex> lock(tenants_mu_);
    for (auto& [name, tenant] : tenants_) {
      std::lock_guard<std::mutex> tl(tenant->mu);
      live_traces_gauge_.WithLabels({name}).Set(static_cast<double>(tenant->traces.size()));
    }
  }
  LOG_INFO << "WAL replayed: " << records << " records, " << bytes << " bytes, "
           << live_traces() << " live traces";
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

void Ingester::AppendFragment(LiveTrace& trace, const model::TraceFragment& fragment,
                              std::chrono::steady_clock::time_point now) {
  trace.data.append(fragment.data);
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
  {
    std::lock_guard<std::mutex> lock(tenant.mu);
    // Check every trace first so that a refused push stores nothing.
    if (limits->max_bytes_per_trace > 0) {
      for (const auto& f : fragments) {
        auto it = tenant.traces.find(f.trace_id);
        uint64_t current = it == tenant.traces.end() ? 0 : it->second.data.size();
        if (current + f.data.size() > static_cast<uint64_t>(limits->max_bytes_per_trace)) {
          discarded_.WithLabels({ctx.tenant, "trace_too_large"}).Inc(push_spans);
          done(ResourceExhaustedError(
              "TRACE_TOO_LARGE: max size of trace (" +
              std::to_string(limits->max_bytes_per_trace) + ") exceeded while adding " +
              std::to_string(f.data.size()) + " bytes to trace " + f.trace_id.ToHex() +
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
    };
    std::vector<Undo> undo;
    undo.reserve(fragments.size());
    for (auto& f : fragments) {
      auto [it, inserted] = tenant.traces.try_emplace(f.trace_id);
      const LiveTrace& t = it->second;
      undo.push_back(Undo{f.trace_id, !inserted, t.data.size(), t.span_count, t.start_unix_nano,
                          t.end_unix_nano, t.last_append});
      AppendFragment(it->second, f, now);
      records.push_back(wal::WalRecord{ctx.tenant, f.trace_id, std::move(f.data)});
    }
    Status queued = wal_.Append(std::move(records), std::move(done));
    if (!queued.ok()) {
      for (auto u = undo.rbegin(); u != undo.rend(); ++u) {
        if (!u->existed) {
          tenant.traces.erase(u->id);
          continue;
        }
        LiveTrace& t = tenant.traces[u->id];
        t.data.resize(u->data_size);
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
  return LiveTraceView{it->second.data, it->second.span_count, it->second.start_unix_nano,
                       it->second.end_unix_nano};
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
