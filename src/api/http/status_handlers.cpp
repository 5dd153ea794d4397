// /status/overrides and /status/overrides/<tenant> (spec/query-api.md §8.16): the effective
// per-tenant limits as YAML in the shape of Tempo's runtime overrides file, text/plain, no tenant
// header needed.
#include <chrono>
#include <cstdio>
#include <string>

#include <boost/beast/http/status.hpp>

#include "api/query/search_params.h"
#include "tempo/api/http_api.h"

namespace tempo::api {
namespace {

// A duration as Go prints it: "100ms", "72h0m0s", "1m30.5s", "0s".
std::string FormatMillis(std::chrono::milliseconds d) {
  const int64_t ms = d.count();
  if (ms <= 0) return "0s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  std::string whole = FormatGoDuration(static_cast<uint64_t>(ms / 1000));
  if (ms % 1000 == 0) return whole;
  char frac[8];
  std::snprintf(frac, sizeof(frac), ".%03d", static_cast<int>(ms % 1000));
  std::string f = frac;
  while (f.back() == '0') f.pop_back();
  return whole.substr(0, whole.size() - 1) + f + "s";  // before the final "s"
}

// The limits as the modern form of the overrides file, each line indented by `indent`.
std::string LimitsYaml(const overrides::TenantLimits& l, const std::string& indent) {
  const std::string i2 = indent + "  ";
  std::string out;
  out += indent + "ingestion:\n";
  out += i2 + "rate_limit_bytes: " + std::to_string(l.ingestion_rate_limit_bytes) + "\n";
  out += i2 + "burst_size_bytes: " + std::to_string(l.ingestion_burst_size_bytes) + "\n";
  out += i2 + "max_attribute_bytes: " + std::to_string(l.max_attribute_bytes) + "\n";
  out += i2 + "retry_info_enabled: " + (l.retry_info_enabled ? "true" : "false") + "\n";
  out += indent + "global:\n";
  out += i2 + "max_bytes_per_trace: " + std::to_string(l.max_bytes_per_trace) + "\n";
  out += indent + "compaction:\n";
  out += i2 + "block_retention: " + FormatMillis(l.block_retention) + "\n";
  out += indent + "read:\n";
  out += i2 + "max_search_duration: " + FormatMillis(l.max_search_duration) + "\n";
  out += i2 + "max_bytes_per_tag_values_query: " +
         std::to_string(l.max_bytes_per_tag_values_query) + "\n";
  return out;
}

}  // namespace

void HttpApi::HandleStatusOverrides(net::IncomingRequest&& incoming, net::Responder respond) {
  constexpr std::string_view kPrefix = "/status/overrides/";
  const std::string& path = incoming.path;
  std::string body;
  if (path.size() > kPrefix.size() && path.compare(0, kPrefix.size(), kPrefix) == 0) {
    // One tenant: the limits that apply to it (its entry, or the defaults).
    std::string tenant = path.substr(kPrefix.size());
    body = LimitsYaml(*overrides_.For(tenant), "");
  } else {
    body = "defaults:\n" + LimitsYaml(overrides_.Defaults(), "  ");
    const auto per_tenant = overrides_.PerTenant();
    body += per_tenant.empty() ? "overrides: {}\n" : "overrides:\n";
    for (const auto& [tenant, limits] : per_tenant) {
      body += "  \"" + tenant + "\":\n" + LimitsYaml(limits, "    ");
    }
  }
  respond(net::MakeResponse(incoming.message, boost::beast::http::status::ok, std::move(body),
                            "text/plain; charset=utf-8"));
}

}  // namespace tempo::api
