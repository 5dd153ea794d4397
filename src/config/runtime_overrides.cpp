// ParseRuntimeOverrides: the per-tenant runtime overrides file.
#include "tempo/config/runtime_overrides.h"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "yaml_values.h"

namespace tempo::config {
namespace {

using Limits = overrides::TenantLimits;
using Setter = Status (*)(const YAML::Node& value, const std::string& path, Limits* limits);

enum class Form : uint8_t { kModern, kLegacy };

// One settable key, relative to the tenant: "ingestion.rate_limit_bytes" or a legacy flat name.
struct TenantKey {
  std::string_view path;
  Form form;
  Setter setter;  // null: a known Tempo key we do not use (a section is ignored whole)
};

constexpr TenantKey kTenantKeys[] = {
    {"ingestion.rate_limit_bytes", Form::kModern,
     [](const YAML::Node& v, const std::string& p, Limits* l) {
       return ReadBytes(v, p, &l->ingestion_rate_limit_bytes);
     }},
    {"ingestion.burst_size_bytes", Form::kModern,
     [](const YAML::Node& v, const std::string& p, Limits* l) {
       return ReadBytes(v, p, &l->ingestion_burst_size_bytes);
     }},
    {"ingestion.max_attribute_bytes", Form::kModern,
     [](const YAML::Node& v, const std::string& p, Limits* l) {
       return ReadBytes(v, p, &l->max_attribute_bytes);
     }},
    {"ingestion.retry_info_enabled", Form::kModern,
     [](const YAML::Node& v, const std::string& p, Limits* l) {
       return ReadBool(v, p, &l->retry_info_enabled);
     }},
    {"global.max_bytes_per_trace", Form::kModern,
     [](const YAML::Node& v, const std::string& p, Limits* l) {
       return ReadBytes(v, p, &l->max_bytes_per_trace);
     }},
    {"compaction.block_retention", Form::kModern,
     [](const YAML::Node& v, const std::string& p, Limits* l) {
       return ReadDuration(v, p, &l->block_retention);
     }},
    {"read.max_search_duration", Form::kModern,
     [](const YAML::Node& v, const std::string& p, Limits* l) {
       return ReadDuration(v, p, &l->max_search_duration);
     }},
    // Known modern keys and sections we do not use.
    {"ingestion.rate_strategy", Form::kModern, nullptr},
    {"ingestion.max_traces_per_user", Form::kModern, nullptr},
    {"ingestion.max_global_traces_per_user", Form::kModern, nullptr},
    {"ingestion.tenant_shard_size", Form::kModern, nullptr},
    {"ingestion.artificial_delay", Form::kModern, nullptr},
    {"read.max_bytes_per_tag_values_query", Form::kModern,
     [](const YAML::Node& v, const std::string& p, Limits* l) {
       return ReadBytes(v, p, &l->max_bytes_per_tag_values_query);
     }},
    {"read.max_blocks_per_tag_values_query", Form::kModern, nullptr},
    {"read.max_metrics_duration", Form::kModern, nullptr},
    {"read.unsafe_query_hints", Form::kModern, nullptr},
    {"compaction.compaction_window", Form::kModern, nullptr},
    {"compaction.compaction_disabled", Form::kModern, nullptr},
    {"metrics_generator", Form::kModern, nullptr},
    {"forwarders", Form::kModern, nullptr},
    {"storage", Form::kModern, nullptr},
    {"cost_attribution", Form::kModern, nullptr},
    // Legacy flat form.
    {"ingestion_rate_limit_bytes", Form::kLegacy,
     [](const YAML::Node& v, const std::string& p, Limits* l) {
       return ReadBytes(v, p, &l->ingestion_rate_limit_bytes);
     }},
    {"ingestion_burst_size_bytes", Form::kLegacy,
     [](const YAML::Node& v, const std::string& p, Limits* l) {
       return ReadBytes(v, p, &l->ingestion_burst_size_bytes);
     }},
    {"max_bytes_per_trace", Form::kLegacy,
     [](const YAML::Node& v, const std::string& p, Limits* l) {
       return ReadBytes(v, p, &l->max_bytes_per_trace);
     }},
    {"block_retention", Form::kLegacy,
     [](const YAML::Node& v, const std::string& p, Limits* l) {
       return ReadDuration(v, p, &l->block_retention);
     }},
    {"max_search_duration", Form::kLegacy,
     [](const YAML::Node& v, const std::string& p, Limits* l) {
       return ReadDuration(v, p, &l->max_search_duration);
     }},
    {"ingestion_rate_strategy", Form::kLegacy, nullptr},
    {"ingestion_tenant_shard_size", Form::kLegacy, nullptr},
    {"ingestion_artificial_delay", Form::kLegacy, nullptr},
    {"max_traces_per_user", Form::kLegacy, nullptr},
    {"max_global_traces_per_user", Form::kLegacy, nullptr},
    {"forwarders", Form::kLegacy, nullptr},
    {"compaction_window", Form::kLegacy, nullptr},
    {"compaction_disabled", Form::kLegacy, nullptr},
    {"max_bytes_per_tag_values_query", Form::kLegacy,
     [](const YAML::Node& v, const std::string& p, Limits* l) {
       return ReadBytes(v, p, &l->max_bytes_per_tag_values_query);
     }},
    {"max_blocks_per_tag_values_query", Form::kLegacy, nullptr},
    {"max_metrics_duration", Form::kLegacy, nullptr},
    {"unsafe_query_hints", Form::kLegacy, nullptr},
};

const TenantKey* FindTenantKey(std::string_view rel) {
  for (const TenantKey& key : kTenantKeys) {
    if (key.path == rel) return &key;
    // metrics_generator_* (legacy) and every child of an ignored modern section.
    if (key.setter == nullptr && rel.size() > key.path.size() && rel.starts_with(key.path) &&
        rel[key.path.size()] == '.') {
      return &key;
    }
  }
  if (rel.starts_with("metrics_generator_")) {
    static constexpr TenantKey kGenerator{"metrics_generator_*", Form::kLegacy, nullptr};
    return &kGenerator;
  }
  return nullptr;
}

bool IsModernSection(std::string_view name) {
  return name == "ingestion" || name == "global" || name == "compaction" || name == "read";
}

// Applies one tenant's mapping to `limits`; `prefix` is "overrides.<tenant>".
Status ApplyTenant(const YAML::Node& mapping, const std::string& prefix, const std::string& rel,
                   Limits* limits, std::optional<Form>* form) {
  for (const auto& entry : mapping) {
    const YAML::Node& key = entry.first;
    const YAML::Node& value = entry.second;
    if (!key.IsScalar()) return ValueError(prefix, key, "a key must be a plain string");
    const std::string sub = rel.empty() ? key.Scalar() : rel + "." + key.Scalar();
    const std::string path = prefix + "." + sub;
    if (rel.empty() && IsModernSection(sub)) {
      if (value.IsNull()) continue;
      if (!value.IsMap()) return ValueError(path, value, "expected a mapping");
      TEMPO_RETURN_IF_ERROR(ApplyTenant(value, prefix, sub, limits, form));
      continue;
    }
    const TenantKey* spec = FindTenantKey(sub);
    if (spec == nullptr) {
      return InvalidArgumentError("unknown runtime override \"" + path + "\" at line " +
                                  std::to_string(LineOf(key)));
    }
    if (form->has_value() && **form != spec->form) {
      return InvalidArgumentError(
          path + ": the legacy flat form and the modern form (ingestion/global/compaction/read) "
                 "cannot be mixed in one tenant, at line " +
          std::to_string(LineOf(key)));
    }
    *form = spec->form;
    if (spec->setter != nullptr) TEMPO_RETURN_IF_ERROR(spec->setter(value, path, limits));
  }
  return Status::Ok();
}

}  // namespace

Result<std::map<std::string, overrides::TenantLimits>> ParseRuntimeOverrides(
    std::string_view text, const overrides::TenantLimits& defaults) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("runtime overrides: YAML syntax error at line " +
                                std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  std::map<std::string, overrides::TenantLimits> out;
  if (root.IsNull()) return out;
  if (!root.IsMap()) return ValueError("(top level)", root, "expected a mapping");
  for (const auto& entry : root) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar() || key.Scalar() != "overrides") {
      return InvalidArgumentError("unknown runtime override \"" +
                                  (key.IsScalar() ? key.Scalar() : std::string("?")) +
                                  "\" at line " + std::to_string(LineOf(key)) +
                                  " (expected only \"overrides\")");
    }
    const YAML::Node& tenants = entry.second;
    if (tenants.IsNull()) continue;
    if (!tenants.IsMap()) return ValueError("overrides", tenants, "expected a mapping of tenants");
    for (const auto& t : tenants) {
      if (!t.first.IsScalar() || t.first.Scalar().empty()) {
        return ValueError("overrides", t.first, "a tenant ID must be a non-empty string");
      }
      const std::string prefix = "overrides." + t.first.Scalar();
      overrides::TenantLimits limits = defaults;
      if (!t.second.IsNull()) {
        if (!t.second.IsMap()) return ValueError(prefix, t.second, "expected a mapping");
        std::optional<Form> form;
        TEMPO_RETURN_IF_ERROR(ApplyTenant(t.second, prefix, "", &limits, &form));
      }
      out[t.first.Scalar()] = limits;
    }
  }
  return out;
}

}  // namespace tempo::config
