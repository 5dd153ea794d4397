// Key table rows for `overrides.*`: the modern `overrides.defaults.*` form and the legacy flat
// form.
#include "key_table.h"
#include "yaml_values.h"

namespace tempo::config {
namespace {

using V = const YAML::Node&;
using P = const std::string&;
using S = LoadState*;

constexpr KeyKind kSection = KeyKind::kSection;
constexpr KeyKind kLeaf = KeyKind::kLeaf;
constexpr KeyKind kIgnored = KeyKind::kIgnored;

overrides::TenantLimits& Defaults(S s) { return s->config->overrides.defaults; }

// Marks the legacy flat form as used (FinishOverrides refuses mixing it with `defaults`).
void MarkLegacy(P p, S s) {
  if (!s->overrides_legacy) s->overrides_legacy_key = p;
  s->overrides_legacy = true;
}

const KeySpec kOverridesKeys[] = {
    {"overrides.per_tenant_override_config", kLeaf,
     [](V v, P p, S s) {
       return ReadString(v, p, &s->config->overrides.per_tenant_override_config);
     }},
    {"overrides.per_tenant_override_period", kLeaf,
     [](V v, P p, S s) {
       return ReadDuration(v, p, &s->config->overrides.per_tenant_override_period);
     }},
    {"overrides.user_configurable_overrides", kIgnored},

    // Modern form (Tempo >= 2.3).
    {"overrides.defaults", kSection,
     [](V, P, S s) {
       s->overrides_modern = true;
       return Status::Ok();
     }},
    {"overrides.defaults.ingestion", kSection},
    {"overrides.defaults.ingestion.rate_limit_bytes", kLeaf,
     [](V v, P p, S s) { return ReadBytes(v, p, &Defaults(s).ingestion_rate_limit_bytes); }},
    {"overrides.defaults.ingestion.burst_size_bytes", kLeaf,
     [](V v, P p, S s) { return ReadBytes(v, p, &Defaults(s).ingestion_burst_size_bytes); }},
    {"overrides.defaults.ingestion.max_attribute_bytes", kLeaf,
     [](V v, P p, S s) { return ReadBytes(v, p, &Defaults(s).max_attribute_bytes); }},
    {"overrides.defaults.ingestion.retry_info_enabled", kLeaf,
     [](V v, P p, S s) { return ReadBool(v, p, &Defaults(s).retry_info_enabled); }},
    {"overrides.defaults.ingestion.rate_strategy", kIgnored},
    {"overrides.defaults.ingestion.max_traces_per_user", kIgnored},
    {"overrides.defaults.ingestion.max_global_traces_per_user", kIgnored},
    {"overrides.defaults.ingestion.tenant_shard_size", kIgnored},
    {"overrides.defaults.ingestion.artificial_delay", kIgnored},
    {"overrides.defaults.global", kSection},
    {"overrides.defaults.global.max_bytes_per_trace", kLeaf,
     [](V v, P p, S s) { return ReadBytes(v, p, &Defaults(s).max_bytes_per_trace); }},
    {"overrides.defaults.read", kSection},
    {"overrides.defaults.read.max_search_duration", kLeaf,
     [](V v, P p, S s) { return ReadDuration(v, p, &Defaults(s).max_search_duration); }},
    {"overrides.defaults.read.max_bytes_per_tag_values_query", kLeaf,
     [](V v, P p, S s) {
       return ReadBytes(v, p, &Defaults(s).max_bytes_per_tag_values_query);
     }},
    {"overrides.defaults.read.*", kIgnored},  // max_blocks_per_tag_values_query, ...
    {"overrides.defaults.compaction", kSection},
    {"overrides.defaults.compaction.block_retention", kLeaf,
     [](V v, P p, S s) { return ReadDuration(v, p, &Defaults(s).block_retention); }},
    {"overrides.defaults.compaction.*", kIgnored},  // compaction_window, compaction_disabled
    {"overrides.defaults.metrics_generator", kIgnored},
    {"overrides.defaults.forwarders", kIgnored},
    {"overrides.defaults.storage", kIgnored},
    {"overrides.defaults.cost_attribution", kIgnored},

    // Legacy flat form (Tempo 2.0-2.2, still accepted by Tempo).
    {"overrides.ingestion_rate_limit_bytes", kLeaf,
     [](V v, P p, S s) {
       MarkLegacy(p, s);
       return ReadBytes(v, p, &Defaults(s).ingestion_rate_limit_bytes);
     }},
    {"overrides.ingestion_burst_size_bytes", kLeaf,
     [](V v, P p, S s) {
       MarkLegacy(p, s);
       return ReadBytes(v, p, &Defaults(s).ingestion_burst_size_bytes);
     }},
    {"overrides.max_bytes_per_trace", kLeaf,
     [](V v, P p, S s) {
       MarkLegacy(p, s);
       return ReadBytes(v, p, &Defaults(s).max_bytes_per_trace);
     }},
    {"overrides.ingestion_rate_strategy", kIgnored},
    {"overrides.ingestion_tenant_shard_size", kIgnored},
    {"overrides.ingestion_artificial_delay", kIgnored},
    {"overrides.max_traces_per_user", kIgnored},
    {"overrides.max_global_traces_per_user", kIgnored},
    {"overrides.forwarders", kIgnored},
    {"overrides.metrics_generator_*", kIgnored},  // _processors, _max_active_series, ...
    {"overrides.block_retention", kLeaf,
     [](V v, P p, S s) {
       MarkLegacy(p, s);
       return ReadDuration(v, p, &Defaults(s).block_retention);
     }},
    {"overrides.compaction_window", kIgnored},
    {"overrides.compaction_disabled", kIgnored},
    {"overrides.max_bytes_per_tag_values_query", kLeaf,
     [](V v, P p, S s) {
       MarkLegacy(p, s);
       return ReadBytes(v, p, &Defaults(s).max_bytes_per_tag_values_query);
     }},
    {"overrides.max_blocks_per_tag_values_query", kIgnored},
    {"overrides.max_search_duration", kLeaf,
     [](V v, P p, S s) {
       MarkLegacy(p, s);
       return ReadDuration(v, p, &Defaults(s).max_search_duration);
     }},
    {"overrides.max_metrics_duration", kIgnored},
    {"overrides.unsafe_query_hints", kIgnored},
    {"overrides.parquet_dedicated_columns", kIgnored},
};

}  // namespace

std::span<const KeySpec> OverridesKeys() { return kOverridesKeys; }

Status FinishOverrides(const LoadState& state) {
  if (state.overrides_legacy && state.overrides_modern) {
    return InvalidArgumentError("overrides: the legacy flat key \"" + state.overrides_legacy_key +
                                "\" cannot be mixed with overrides.defaults; move it under "
                                "overrides.defaults");
  }
  return Status::Ok();
}

}  // namespace tempo::config
