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

}  // namespace

void HttpApi::HandleSearchTags(net::IncomingRequest&& incoming, net::Responder respond, bool v2) {
  const net::HttpRequest& request = incoming.message;
  std::vector<std::string> tenants;
  if (!RequestTenants(request, respond, &tenants)) return;
  Result<query::TagNamesRequest> prepared =
      query::PrepareTagNames(net::ParseQuery(incoming.query), NowUnixNano());
  if (!prepared.ok()) {
    respond(BadRequest(request, prepared.status().message()));
    return;
  }
  auto run = [this, ctx = http_util::ContextOf(incoming), tenants = std::move(tenants),
              prepared = std::move(prepared).value()](auto run_query) {
    return run_query(querier_, ctx, tenants, prepared);
  };
  if (v2) {
    http_util::RespondFromPool(
        query_pool_, request, std::move(respond),
        [run = std::move(run)] { return run(query::RunTagNamesV2); },
        [](const tempopb::SearchTagsV2Response& r) {
          return model::SearchTagsV2ResponseToJson(r);
        });
  } else {
    http_util::RespondFromPool(
        query_pool_, request, std::move(respond),
        [run = std::move(run)] { return run(query::RunTagNamesV1); },
        [](const tempopb::SearchTagsResponse& r) { return model::SearchTagsResponseToJson(r); });
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
      query::PrepareTagValues(tag, v2, net::ParseQuery(incoming.query), NowUnixNano());
  if (!prepared.ok()) {
    respond(BadRequest(request, prepared.status().message()));
    return;
  }
  auto run = [this, ctx = http_util::ContextOf(incoming), tenants = std::move(tenants),
              prepared = std::move(prepared).value()](auto run_query) {
    return run_query(querier_, ctx, tenants, prepared);
  };
  if (v2) {
    http_util::RespondFromPool(
        query_pool_, request, std::move(respond),
        [run = std::move(run)] { return run(query::RunTagValuesV2); },
        [](const tempopb::SearchTagValuesV2Response& r) {
          return model::SearchTagValuesV2ResponseToJson(r);
        });
  } else {
    http_util::RespondFromPool(
        query_pool_, request, std::move(respond),
        [run = std::move(run)] { return run(query::RunTagValuesV1); },
        [](const tempopb::SearchTagValuesResponse& r) {
          return model::SearchTagValuesResponseToJson(r);
        });
  }
}

}  // namespace tempo::api
