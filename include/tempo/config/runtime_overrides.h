#pragma once

#include <map>
#include <string>
#include <string_view>

#include "tempo/common/result.h"
#include "tempo/overrides/overrides.h"

namespace tempo::config {

// Parses a runtime overrides file (`overrides.per_tenant_override_config`), Tempo's format:
//
//   overrides:
//     "tenant-a":              # modern form (Tempo >= 2.3)
//       ingestion: { rate_limit_bytes: 30000000, burst_size_bytes: 40000000 }
//       global: { max_bytes_per_trace: 10000000 }
//       compaction: { block_retention: 72h }
//       read: { max_search_duration: 24h }
//     "tenant-b":              # legacy flat form
//       ingestion_rate_limit_bytes: 30000000
//       block_retention: 72h
//     "*":                     # every tenant without an entry of its own
//       max_bytes_per_trace: 2000000
//
// Each tenant starts from `defaults` (overrides.defaults of tempo.yaml) and only the keys it sets
// change, as in Tempo. Known Tempo keys we do not use (metrics_generator, forwarders, ...) are
// accepted and ignored. An empty file or `overrides:` without tenants is valid (no entries).
// Errors (kInvalidArgument, naming the path and line): YAML syntax, an unknown key
// ("unknown runtime override \"overrides.t.x\" at line 4"), a wrong value type, a tenant mixing
// both forms. Thread-safe; does not throw.
Result<std::map<std::string, overrides::TenantLimits>> ParseRuntimeOverrides(
    std::string_view text, const overrides::TenantLimits& defaults);

}  // namespace tempo::config
