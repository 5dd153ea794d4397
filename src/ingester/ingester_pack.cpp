// Packing of idle live traces (Ingester::PackIdleTraces): the fragments of a trace that stopped
// receiving spans are held LZ4-compressed until its block is written.
#include <algorithm>

#include "tempo/common/malloc_tuning.h"
#include "tempo/common/thread_name.h"
#include "tempo/ingester/ingester.h"

namespace tempo::ingester {
namespace {

// Traces packed per lock hold: bounds how long a push of the tenant may wait.
constexpr size_t kPackBatch = 1024;
// A pass that saved at least this much returns free memory to the system.
constexpr uint64_t kTrimAfterBytes = 16u << 20;
// A dictionary sample takes at most this much of each trace, so that it holds the names and
// values of many traces (and services), and needs at least kMinSample bytes to be worth using.
constexpr size_t kSamplePerTrace = 4 * 1024;
constexpr size_t kMinSample = 16 * 1024;

}  // namespace

uint64_t Ingester::PackIdleTraces() {
  if (config_.compress_idle_traces_after.count() <= 0) return 0;
  std::lock_guard<std::mutex> pass(pack_pass_mu_);
  std::vector<Tenant*> tenants;
  {
    std::lock_guard<std::mutex> lock(tenants_mu_);
    for (auto& [name, tenant] : tenants_) tenants.push_back(tenant.get());
  }
  const auto idle_since = clock_.Monotonic() - config_.compress_idle_traces_after;
  uint64_t saved = 0;
  for (Tenant* tenant : tenants) {
    std::vector<TraceId> ids;
    {
      std::lock_guard<std::mutex> lock(tenant->mu);
      for (const auto& [id, t] : tenant->traces) {
        if (t.last_append <= idle_since && t.data.has_unpacked_tail() &&
            t.data.size() != t.unpackable_size) {
          ids.push_back(id);
        }
      }
    }
    for (size_t at = 0; at < ids.size(); at += kPackBatch) {
      if (stopping_.load(std::memory_order_relaxed)) return saved;
      const size_t n = std::min(kPackBatch, ids.size() - at);
      saved += PackTraces(*tenant, std::span<const TraceId>(ids).subspan(at, n), idle_since);
    }
  }
  return saved;
}

uint64_t Ingester::PackTraces(Tenant& tenant, std::span<const TraceId> ids,
                              std::chrono::steady_clock::time_point idle_since) {
  struct Run {
    TraceId id;
    uint64_t size;  // the trace's data.size() when the run was taken
    BytesRef run;
    BytesPiece packed;
  };
  std::vector<Run> runs;
  runs.reserve(ids.size());
  {
    std::lock_guard<std::mutex> lock(tenant.mu);
    for (const TraceId& id : ids) {
      auto it = tenant.traces.find(id);
      if (it == tenant.traces.end() || it->second.last_append > idle_since) continue;
      BytesRef run = it->second.data.UnpackedTail();
      if (!run.empty()) runs.push_back(Run{id, it->second.data.size(), std::move(run), {}});
    }
  }
  // The CPU work, outside the lock: pushes append to other traces (or these) meanwhile.
  const auto now = clock_.Monotonic();
  if (!pack_dict_ || now - pack_dict_sampled_ >= kPackDictionaryPeriod) {
    std::string sample;
    for (const Run& r : runs) {
      if (sample.size() >= PackDictionary::kMaxBytes) break;
      r.run.AppendPrefixTo(kSamplePerTrace, &sample);
    }
    if (sample.size() >= kMinSample) {
      pack_dict_ = std::make_shared<const PackDictionary>(sample);
      pack_dict_sampled_ = now;
    }
  }
  for (Run& r : runs) r.packed = r.run.Pack(pack_dict_);
  uint64_t raw = 0;
  uint64_t stored = 0;
  {
    std::lock_guard<std::mutex> lock(tenant.mu);
    for (Run& r : runs) {
      auto it = tenant.traces.find(r.id);
      if (it == tenant.traces.end()) continue;
      LiveTrace& t = it->second;
      if (!r.packed.stored) {
        if (t.data.size() == r.size) t.unpackable_size = r.size;
        continue;
      }
      const uint64_t packed_size = r.packed.stored->size();
      if (t.data.ReplaceRun(r.run, std::move(r.packed))) {
        raw += r.run.size();
        stored += packed_size;
      }
    }
  }
  if (raw > 0) {
    packed_bytes_.WithLabels({"raw"}).Inc(static_cast<double>(raw));
    packed_bytes_.WithLabels({"stored"}).Inc(static_cast<double>(stored));
  }
  return raw - stored;
}

void Ingester::PackLoop() {
  SetThreadName("tempo-pack");
  const auto period = std::clamp<std::chrono::milliseconds>(
      config_.compress_idle_traces_after / 2, std::chrono::milliseconds(50),
      std::chrono::seconds(1));
  std::unique_lock<std::mutex> lock(pack_mu_);
  while (!pack_cv_.wait_for(lock, period, [this] { return pack_stop_; })) {
    lock.unlock();
    const uint64_t saved = PackIdleTraces();
    // The unpacked pieces were freed into the arenas of the threads that received them; give
    // the free pages back once a pass freed much.
    if (saved >= kTrimAfterBytes) ReleaseFreeMemory();
    lock.lock();
  }
}

}  // namespace tempo::ingester
