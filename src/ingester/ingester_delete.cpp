// Deleting traces from live data and trimming the WAL (see Ingester::RefuseTrace).
#include <algorithm>

#include "tempo/ingester/ingester.h"

namespace tempo::ingester {

uint32_t Ingester::RefuseTrace(const std::string& tenant_name, const TraceId& id) {
  Tenant& tenant = GetTenant(tenant_name);
  std::lock_guard<std::mutex> lock(tenant.mu);
  tenant.refused.insert(id);
  // Under the lock every push takes to append: a fragment either got in before (its minute is at
  // most this, minutes never go backwards) or is refused.
  return CurrentEpochMinute();
}

void Ingester::AcceptTrace(const std::string& tenant_name, const TraceId& id) {
  Tenant& tenant = GetTenant(tenant_name);
  std::lock_guard<std::mutex> lock(tenant.mu);
  tenant.refused.erase(id);
}

bool Ingester::EraseTrace(const std::string& tenant_name, const TraceId& id) {
  Tenant& tenant = GetTenant(tenant_name);
  uint64_t freed = 0;
  {
    std::lock_guard<std::mutex> lock(tenant.mu);
    auto it = tenant.traces.find(id);
    if (it == tenant.traces.end()) return false;
    freed = it->second.data.size();
    EraseLive(tenant, it);
    // A head snapshot taken before the erase may still hold the trace; CompleteCut skips traces
    // it no longer finds, and the block's copy is hidden by the tombstone until rewritten.
    if (tenant.head_traces == 0) tenant.head_since.reset();
    live_traces_gauge_.WithLabels({tenant_name}).Set(static_cast<double>(tenant.traces.size()));
  }
  live_bytes_ -= std::min<uint64_t>(live_bytes_.load(), freed);
  return true;
}

bool Ingester::WalMayHold(const std::string& tenant_name, uint32_t minute) const {
  const Tenant* tenant = FindTenant(tenant_name);
  if (!tenant) return false;  // no record of the tenant was replayed or appended
  std::lock_guard<std::mutex> lock(tenant->mu);
  return tenant->oldest_wal_minute <= minute;
}

uint32_t Ingester::KeepFromLocked(const Tenant& tenant, bool* head_left) const {
  uint32_t keep_from = CurrentEpochMinute();
  if (!tenant.min_epochs.empty()) keep_from = std::min(keep_from, tenant.min_epochs.begin()->first);
  if (head_left) *head_left = tenant.head_traces > 0;
  return keep_from;
}

Status Ingester::DropWalBefore(const std::string& name, Tenant& tenant, uint32_t keep_from) {
  TEMPO_RETURN_IF_ERROR(wal_.DropBefore(name, keep_from));
  std::lock_guard<std::mutex> lock(tenant.mu);
  // Records appended meanwhile have a minute >= keep_from (minutes never go backwards), so the
  // floor only rises; when it passes every record, the next append lowers it again.
  if (tenant.oldest_wal_minute != UINT32_MAX) {
    tenant.oldest_wal_minute = std::max(tenant.oldest_wal_minute, keep_from);
  }
  return Status::Ok();
}

Status Ingester::TrimWal() {
  std::vector<std::pair<std::string, Tenant*>> tenants;
  {
    std::lock_guard<std::mutex> lock(tenants_mu_);
    for (auto& [name, tenant] : tenants_) tenants.emplace_back(name, tenant.get());
  }
  Status first;
  for (auto& [name, tenant] : tenants) {
    uint32_t keep_from;
    {
      std::lock_guard<std::mutex> lock(tenant->mu);
      if (tenant->oldest_wal_minute == UINT32_MAX) continue;
      keep_from = KeepFromLocked(*tenant);
      if (keep_from <= tenant->oldest_wal_minute) continue;  // nothing to drop
    }
    if (Status s = DropWalBefore(name, *tenant, keep_from); !s.ok() && first.ok()) first = s;
  }
  return first;
}

}  // namespace tempo::ingester
