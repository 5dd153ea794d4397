#pragma once

#include <chrono>
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
  // compaction.block_retention (legacy: block_retention): blocks of the tenant whose newest span
  // ended longer ago are removed by retention; 0 = the compactor's block_retention.
  std::chrono::milliseconds block_retention{0};
  // read.max_search_duration (legacy: max_search_duration): the longest start..end window a
  // search may ask for; 0 = the query frontend's limit (query_frontend.search.max_duration).
  std::chrono::milliseconds max_search_duration{0};
  // read.max_bytes_per_tag_values_query (legacy: max_bytes_per_tag_values_query): the values
  // (or names) a tag query returns stay within this many bytes; the rest is dropped (0 = off).
  int64_t max_bytes_per_tag_values_query = 1'000'000;

  friend bool operator==(const TenantLimits&, const TenantLimits&) = default;
};

// Static configuration of the overrides module (`overrides:` in tempo.yaml).
struct OverridesConfig {
  TenantLimits defaults;
  std::map<std::string, TenantLimits> per_tenant;  // explicit per-tenant values
  // Path of the runtime overrides file (optional), re-read every per_tenant_override_period;
  // its tenants replace the entries of `per_tenant` with the same name (see app's reloader).
  std::string per_tenant_override_config;
  std::chrono::milliseconds per_tenant_override_period{std::chrono::seconds(10)};
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

  // The effective configuration now: the defaults and every explicit tenant entry (for
  // /status/overrides). A copy; consistent (taken from one snapshot).
  TenantLimits Defaults() const;
  std::map<std::string, TenantLimits> PerTenant() const;

 private:
  struct Snapshot {
    std::shared_ptr<const TenantLimits> defaults;
    std::map<std::string, std::shared_ptr<const TenantLimits>> per_tenant;
  };
  static std::shared_ptr<const Snapshot> MakeSnapshot(const OverridesConfig& config);
  std::shared_ptr<const Snapshot> Current() const;

  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_;  // guarded by mu_
};

}  // namespace tempo::overrides
