#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/query/search_params.h"
#include "tempo/common/request_context.h"
#include "tempo/common/result.h"
#include "tempo/overrides/overrides.h"
#include "tempo/querier/querier.h"
#include "tempo/traceql/engine.h"
#include "tempopb/tempo.pb.h"

// Search as both transports run it (HTTP /api/search and gRPC StreamingQuerier/Search): one
// validation, one execution, so the two cannot drift apart. Private to src/api.
namespace tempo::api::query {

// A validated search: its parameters and the compiled TraceQL. Immutable once built; may be
// copied to and used from any thread.
struct PreparedSearch {
  SearchParams params;
  traceql::SearchQuery query;
};

// Validates /api/search parameters (a gRPC request is first converted to the same names) and
// compiles the query. Errors: kInvalidArgument whose message is the body of Tempo's 400 (every
// compile failure, including kUnimplemented constructs, is reported as kInvalidArgument).
Result<PreparedSearch> PrepareSearch(const std::map<std::string, std::string>& params,
                                     uint64_t now_unix_nano, const SearchLimits& limits);

// The search limits of a request for `tenants`: the longest window is the smallest
// `max_search_duration` override among them (an unset override means the frontend's 168h).
SearchLimits SearchLimitsFor(const overrides::Overrides& overrides,
                             const std::vector<std::string>& tenants);

// Sees the cumulative metrics of a running search (all tenants so far) as its jobs complete.
// Calls are serialized and come from query-pool threads or the caller's; must be quick.
using SearchProgress = std::function<void(const tempopb::SearchMetrics& cumulative)>;

// Runs `search` for every tenant (blocking: call it from a query pool or a gRPC thread, never an
// io thread); several tenants are merged, sorted by start descending and cut to the limit.
// `ctx` carries deadline and cancel flag (its tenant is replaced per tenant). `progress`
// (optional) is told how far the search got. Errors: the querier's (kInvalidArgument for
// run-time query errors, storage errors otherwise).
Result<tempopb::SearchResponse> RunSearch(const querier::Querier& querier,
                                          const RequestContext& ctx,
                                          const std::vector<std::string>& tenants,
                                          const PreparedSearch& search,
                                          const SearchProgress& progress = nullptr);

// The tenants of a query request (spec/query-api.md §2): `single-tenant` unless multitenancy is
// on, else the parsed X-Scope-OrgID value (`a|b` lists several). `org_id` is null when the header
// or metadata is absent. Errors: kNotFound "no org id" (HTTP 401), kInvalidArgument with Tempo's
// tenant-ID texts (HTTP 400).
Result<std::vector<std::string>> QueryTenants(bool multitenancy_enabled, const std::string* org_id);

}  // namespace tempo::api::query
