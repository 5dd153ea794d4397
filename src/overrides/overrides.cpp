#include "tempo/overrides/overrides.h"

namespace tempo::overrides {

Overrides::Overrides(OverridesConfig config) : snapshot_(MakeSnapshot(config)) {}

std::shared_ptr<const Overrides::Snapshot> Overrides::MakeSnapshot(const OverridesConfig& config) {
  auto snap = std::make_shared<Snapshot>();
  snap->defaults = std::make_shared<const TenantLimits>(config.defaults);
  for (const auto& [tenant, limits] : config.per_tenant) {
    snap->per_tenant[tenant] = std::make_shared<const TenantLimits>(limits);
  }
  return snap;
}

std::shared_ptr<const Overrides::Snapshot> Overrides::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

std::shared_ptr<const TenantLimits> Overrides::For(const std::string& tenant) const {
  std::shared_ptr<const Snapshot> snap = Current();
  auto it = snap->per_tenant.find(tenant);
  return it != snap->per_tenant.end() ? it->second : snap->defaults;
}

void Overrides::Replace(OverridesConfig config) {
  auto snap = MakeSnapshot(config);
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_ = std::move(snap);
}

TenantLimits Overrides::Defaults() const { return *Current()->defaults; }

std::map<std::string, TenantLimits> Overrides::PerTenant() const {
  std::shared_ptr<const Snapshot> snap = Current();
  std::map<std::string, TenantLimits> out;
  for (const auto& [tenant, limits] : snap->per_tenant) out.emplace(tenant, *limits);
  return out;
}

}  // namespace tempo::overrides
