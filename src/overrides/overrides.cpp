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

std::shared_ptr<const TenantLimits> Overrides::For(const std::string& tenant) const {
  std::shared_ptr<const Snapshot> snap;
  {
    std::lock_guard<std::mutex> lock(mu_);
    snap = snapshot_;
  }
  auto it = snap->per_tenant.find(tenant);
  return it != snap->per_tenant.end() ? it->second : snap->defaults;
}

void Overrides::Replace(OverridesConfig config) {
  auto snap = MakeSnapshot(config);
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_ = std::move(snap);
}

}  // namespace tempo::overrides
