// Tag name and tag value endpoints of the HTTP API (spec/query-api.md §8.9-§8.12). The queries
// themselves are api/query's, shared with the gRPC API.
#include <boost/beast/http/field.hpp>
#include <string_view>

#include "api/http/handler_util.h"
#include "api/query/search_params.h"
#include "api/query/tag_query.h"
#include "tempo/api/http_api.h"
#include "tempo/model/tempo_json.h"

namespace tempo::api {
namespace {

namespace http = boost::beast::http;
using http_util::BadRequest;

// Runs a prepared tag query on the query pool and answers with its JSON or protobuf form.
template <typename Prepared, typename RunQuery, typename ToJson>
void RespondTagQuery(boost::asio::thread_pool& pool, const querier::Querier& querier,
                     const net::IncomingRequest& incoming, net::Responder respond,
                     std::vector<std::string> tenants, Prepared prepared, RunQuery run_query,
                     ToJson to_json) {
  http_util::RespondFromPool(
      pool, incoming.message, std::move(respond),
      [&querier, ctx = http_util::ContextOf(incoming), tenants = std::move(tenants),
       prepared = std::move(prepared), run_query] {
        return run_query(querier, ctx, tenants, prepared);
      },
      to_json);
}

}  // namespace

void HttpApi::HandleSearchTags(net::IncomingRequest&& incoming, net::Responder respond, bool v2) {
  const net::HttpRequest& request = incoming.message;
  std::vector<std::string> tenants;
  if (!RequestTenants(request, respond, &tenants)) return;
  Result<query::TagNamesRequest> prepared =
      query::PrepareTagNames(net::ParseQuery(incoming.query), NowUnixNano(),
                             query::TagBytesLimitFor(overrides_, tenants));
  if (!prepared.ok()) {
    respond(BadRequest(request, prepared.status().message()));
    return;
  }
  if (v2) {
    RespondTagQuery(query_pool_, querier_, incoming, std::move(respond), std::move(tenants),
                    std::move(prepared).value(), query::RunTagNamesV2,
                    model::SearchTagsV2ResponseToJson);
  } else {
    RespondTagQuery(query_pool_, querier_, incoming, std::move(respond), std::move(tenants),
                    std::move(prepared).value(), query::RunTagNamesV1,
                    model::SearchTagsResponseToJson);
  }
}

void HttpApi::HandleTagValues(net::IncomingRequest&& incoming, net::Responder respond, bool v2) {
  const net::HttpRequest& request = incoming.message;
  std::vector<std::string> tenants;
  if (!RequestTenants(request, respond, &tenants)) return;
  std::string_view prefix = v2 ? "/api/v2/search/tag/" : "/api/search/tag/";
  std::string_view rest = std::string_view(incoming.path).substr(prefix.size());
  constexpr std::string_view kSuffix = "/values";
  if (!rest.ends_with(kSuffix)) {
    respond(net::MakeResponse(request, http::status::not_found, "404 page not found\n"));
    return;
  }
  std::string tag = net::PercentDecode(rest.substr(0, rest.size() - kSuffix.size()));
  Result<query::TagValuesRequest> prepared =
      query::PrepareTagValues(tag, v2, net::ParseQuery(incoming.query), NowUnixNano(),
                              query::TagBytesLimitFor(overrides_, tenants));
  if (!prepared.ok()) {
    respond(BadRequest(request, prepared.status().message()));
    return;
  }
  if (v2) {
    RespondTagQuery(query_pool_, querier_, incoming, std::move(respond), std::move(tenants),
                    std::move(prepared).value(), query::RunTagValuesV2,
                    model::SearchTagValuesV2ResponseToJson);
  } else {
    RespondTagQuery(query_pool_, querier_, incoming, std::move(respond), std::move(tenants),
                    std::move(prepared).value(), query::RunTagValuesV1,
                    model::SearchTagValuesResponseToJson);
  }
}

}  // namespace tempo::api
