// The search endpoint of the HTTP API (spec/query-api.md §8.8) and tenant resolution. The query
// itself is api/query's, shared with the gRPC API.
#include <boost/beast/http/field.hpp>

#include "api/http/handler_util.h"
#include "api/query/search_query.h"
#include "tempo/api/http_api.h"
#include "tempo/model/tempo_json.h"

namespace tempo::api {
namespace {

namespace http = boost::beast::http;
using http_util::BadRequest;

}  // namespace

bool HttpApi::RequestTenants(const net::HttpRequest& request, const net::Responder& respond,
                             std::vector<std::string>* tenants) const {
  auto header = request.find("X-Scope-OrgID");
  std::string org_id = header == request.end() ? std::string() : std::string(header->value());
  Result<std::vector<std::string>> parsed =
      query::QueryTenants(multitenancy_enabled_, header == request.end() ? nullptr : &org_id);
  if (parsed.ok()) {
    *tenants = std::move(parsed).value();
    return true;
  }
  if (parsed.status().code() == StatusCode::kNotFound) {
    respond(net::MakeResponse(request, http::status::unauthorized, "no org id\n"));
  } else {
    respond(BadRequest(request, parsed.status().message()));
  }
  return false;
}

void HttpApi::HandleSearch(net::IncomingRequest&& incoming, net::Responder respond) {
  const net::HttpRequest& request = incoming.message;
  std::vector<std::string> tenants;
  if (!RequestTenants(request, respond, &tenants)) return;
  Result<query::PreparedSearch> search =
      query::PrepareSearch(net::ParseQuery(incoming.query), NowUnixNano(),
                           query::SearchLimitsFor(overrides_, tenants));
  if (!search.ok()) {
    respond(BadRequest(request, search.status().message()));
    return;
  }
  http_util::RespondFromPool(
      query_pool_, request, std::move(respond),
      [this, ctx = http_util::ContextOf(incoming), tenants = std::move(tenants),
       search = std::move(search).value()] {
        return query::RunSearch(querier_, ctx, tenants, search);
      },
      [](const tempopb::SearchResponse& r) { return model::SearchResponseToJson(r); });
}

}  // namespace tempo::api
