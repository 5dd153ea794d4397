#include "compactor/backend_scan.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "tempo/common/log.h"

namespace tempo::compactor {
namespace {

bool Contains(const std::vector<std::string>& names, const char* name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::string CompactedMetaToJson(const block::BlockMeta& meta, int64_t compacted_unix_nano) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(block::MetaToJson(meta));
  j["compactedTime"] = block::FormatRfc3339Nano(compacted_unix_nano);
  j["compactedUnixNano"] = std::to_string(compacted_unix_nano);
  return j.dump();
}

Result<int64_t> CompactedTimeFromJson(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return CorruptionError("meta.compacted.json: not a JSON object");
  if (auto it = j.find("compactedUnixNano"); it != j.end() && it->is_string()) {
    const std::string text = it->get<std::string>();
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && end == text.data() + text.size()) return v;
    return CorruptionError("meta.compacted.json: field 'compactedUnixNano' is not an integer");
  }
  if (auto it = j.find("compactedTime"); it != j.end() && it->is_string()) {
    Result<int64_t> t = block::ParseRfc3339Nano(it->get<std::string>());
    if (t.ok()) return t;
    return CorruptionError("meta.compacted.json: field 'compactedTime' is not a time");
  }
  return CorruptionError("meta.compacted.json: field 'compactedTime' is missing");
}

Result<BackendScan> BackendScan::Run(const backend::RawReader& backend,
                                     std::map<std::string, block::BlockMeta>* meta_cache,
                                     std::map<std::string, int64_t>* compacted_cache) {
  BackendScan scan;
  std::set<std::string> seen;  // cache keys still present, to prune the caches
  TEMPO_ASSIGN_OR_RETURN(std::vector<std::string> tenants, backend.ListTenants());
  for (const std::string& tenant : tenants) {
    TEMPO_ASSIGN_OR_RETURN(std::vector<std::string> ids, backend.ListBlocks(tenant));
    TenantScan& ts = scan.tenants[tenant];
    for (const std::string& id : ids) {
      const std::string key = tenant + "/" + id;
      TEMPO_ASSIGN_OR_RETURN(std::vector<std::string> objects, backend.ListObjects(tenant, id));
      if (Contains(objects, backend::kCompactedMetaName)) {
        seen.insert(key);
        if (auto it = compacted_cache->find(key); it != compacted_cache->end()) {
          ts.compacted[id] = it->second;
          continue;
        }
        Result<std::string> json = backend.Read(tenant, id, backend::kCompactedMetaName);
        if (!json.ok()) {
          if (json.status().code() == StatusCode::kNotFound) continue;  // deleted meanwhile
          return json.status();
        }
        Result<int64_t> when = CompactedTimeFromJson(*json);
        if (!when.ok()) {
          LOG_WARN << "block " << key << ": " << when.status().message()
                   << "; treating it as compacted now";
          when = int64_t{0};
        }
        (*compacted_cache)[key] = *when;
        ts.compacted[id] = *when;
        continue;
      }
      if (!Contains(objects, backend::kMetaName)) {
        ts.incomplete.push_back(id);
        continue;
      }
      seen.insert(key);
      if (auto it = meta_cache->find(key); it != meta_cache->end()) {
        ts.live.emplace(id, it->second);
        continue;
      }
      Result<std::string> json = backend.Read(tenant, id, backend::kMetaName);
      if (!json.ok()) {
        if (json.status().code() == StatusCode::kNotFound) continue;
        return json.status();
      }
      Result<block::BlockMeta> meta = block::MetaFromJson(*json);
      if (!meta.ok()) {
        LOG_WARN << "compactor: skipping block " << key << ": " << meta.status().message();
        continue;
      }
      (*meta_cache)[key] = *meta;
      ts.live.emplace(id, std::move(meta).value());
    }
    for (const auto& [id, meta] : ts.live) {
      for (const std::string& r : meta.replaces) {
        if (r != id && ts.live.count(r)) ts.replaced.insert(r);
      }
    }
  }
  std::erase_if(*meta_cache, [&](const auto& e) { return !seen.count(e.first); });
  std::erase_if(*compacted_cache, [&](const auto& e) { return !seen.count(e.first); });
  return scan;
}

}  // namespace tempo::compactor
