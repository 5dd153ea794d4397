#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace tempo::overrides {

// Per-tenant limits, with Tempo's defaults (`overrides.defaults.*`).
struct TenantLimits {
  // ingestion.rate_limit_bytes / ingestion.burst_size_bytes: token bucket over the protobuf size
  // of pushed batches, bytes per second and bucket size.
  int64_t ingestion_rate_limit_bytes = 15'000'000;
  int64_t ingestion_burst_size_bytes = 20'000'000;
  // ingestion.max_attribute_bytes: longer attribute keys/string values are truncated (0 = off).
  int64_t max_attribute_bytes = 2048;
  // ingestion.retry_info_enabled: whether RESOURCE_EXHAUSTED answers carry a retry delay.
  bool retry_info_enabled = true;
  // global.max_bytes_per_trace: a push that would grow a live trace past this is refused (0 = off).
  int64_t max_bytes_per_trace = 5'000'000;
};

// Static configuration of the overrides module (`overrides:` in tempo.yaml).
struct OverridesConfig {
  TenantLimits defaults;
  std::map<std::string, TenantLimits> per_tenant;  // explicit per-tenant values
  std::string per_tenant_override_config;          // path of a runtime overrides file (optional)
};

// Answers "which limits apply to tenant X". Holds an immutable snapshot that a reload swaps as a
// whole. Thread-safe.
class Overrides {
 public:
  explicit Overrides(OverridesConfig config);

  // The limits of `tenant`: its own entry if there is one, else the defaults. The returned
  // pointer stays valid as long as the caller holds it.
  std::shared_ptr<const TenantLimits> For(const std::string& tenant) const;

  // Replaces the whole configuration (used by a reload).
  void Replace(OverridesConfig config);

 private:
  struct Snapshot {
    std::shared_ptr<const TenantLimits> defaults;
    std::map<std::string, std::shared_ptr<const TenantLimits>> per_tenant;
  };
  static std::shared_ptr<const Snapshot> MakeSnapshot(const OverridesConfig& config);

  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_;  // guarded by mu_
};

}  // namespace tempo::overrides
