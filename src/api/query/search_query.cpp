#include "api/query/search_query.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "tempo/common/tenant.h"

namespace tempo::api::query {

Result<PreparedSearch> PrepareSearch(const std::map<std::string, std::string>& params,
                                     uint64_t now_unix_nano, const SearchLimits& limits) {
  TEMPO_ASSIGN_OR_RETURN(SearchParams parsed, ParseSearchParams(params, now_unix_nano, limits));
  Result<traceql::SearchQuery> compiled = traceql::SearchQuery::Compile(parsed.query);
  if (!compiled.ok()) return InvalidArgumentError(compiled.status().message());
  return PreparedSearch{std::move(parsed), std::move(compiled).value()};
}

SearchLimits SearchLimitsFor(const overrides::Overrides& overrides,
                             const std::vector<std::string>& tenants) {
  SearchLimits limits;
  for (const std::string& tenant : tenants) {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                       overrides.For(tenant)->max_search_duration)
                       .count();
    if (seconds > 0) {
      limits.max_duration_seconds =
          std::min(limits.max_duration_seconds, static_cast<uint64_t>(seconds));
    }
  }
  return limits;
}

namespace {

void AddMetrics(const tempopb::SearchMetrics& m, tempopb::SearchMetrics* total) {
  total->set_inspectedtraces(total->inspectedtraces() + m.inspectedtraces());
  total->set_inspectedbytes(total->inspectedbytes() + m.inspectedbytes());
  total->set_totalblocks(total->totalblocks() + m.totalblocks());
  total->set_completedjobs(total->completedjobs() + m.completedjobs());
  total->set_totaljobs(total->totaljobs() + m.totaljobs());
  total->set_totalblockbytes(total->totalblockbytes() + m.totalblockbytes());
  total->set_inspectedspans(total->inspectedspans() + m.inspectedspans());
}

}  // namespace

Result<tempopb::SearchResponse> RunSearch(const querier::Querier& querier,
                                          const RequestContext& ctx,
                                          const std::vector<std::string>& tenants,
                                          const PreparedSearch& search,
                                          const SearchProgress& progress) {
  tempopb::SearchResponse response;
  for (const std::string& tenant : tenants) {
    RequestContext tenant_ctx = ctx;
    tenant_ctx.tenant = tenant;
    querier::SearchProgressFn tenant_progress;
    if (progress) {
      // Metrics of the tenants already done plus this tenant's so far.
      tenant_progress = [&](const tempopb::SearchResponse& partial) {
        tempopb::SearchMetrics cumulative = response.metrics();
        AddMetrics(partial.metrics(), &cumulative);
        progress(cumulative);
      };
    }
    tempopb::SearchResponse part;
    TEMPO_RETURN_IF_ERROR(
        querier.Search(tenant_ctx, search.query, search.params.options, &part, tenant_progress));
    if (tenants.size() == 1) return part;
    for (auto& trace : *part.mutable_traces()) *response.add_traces() = std::move(trace);
    AddMetrics(part.metrics(), response.mutable_metrics());
  }
  auto* traces = response.mutable_traces();
  std::sort(traces->begin(), traces->end(), [](const auto& a, const auto& b) {
    if (a.starttimeunixnano() != b.starttimeunixnano()) {
      return a.starttimeunixnano() > b.starttimeunixnano();
    }
    return a.traceid() < b.traceid();
  });
  uint32_t limit = search.params.options.limit;
  while (limit && static_cast<uint32_t>(traces->size()) > limit) traces->RemoveLast();
  return response;
}

Result<std::vector<std::string>> QueryTenants(bool multitenancy_enabled,
                                              const std::string* org_id) {
  if (!multitenancy_enabled) return std::vector<std::string>{kSingleTenant};
  if (org_id == nullptr) return NotFoundError("no org id");
  return ParseQueryTenants(*org_id);
}

}  // namespace tempo::api::query
