// The search endpoint of the HTTP API (spec/query-api.md §8.8) and tenant resolution.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>

#include "tempo/api/http_api.h"
#include "api/http/handler_util.h"
#include "search_params.h"
#include "tempo/common/log.h"
#include "tempo/common/tenant.h"
#include "tempo/model/tempo_json.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/parser.h"
#include "tempopb/tempo.pb.h"

namespace tempo::api {
namespace {

namespace http = boost::beast::http;
namespace common_pb = opentelemetry::proto::common::v1;
using http_util::BadRequest;
using http_util::InternalError;
using http_util::NowUnixNano;
using http_util::WantsProtobuf;

}  // namespace

bool HttpApi::RequestTenants(const net::HttpRequest& request, const net::Responder& respond,
                             std::vector<std::string>* tenants) const {
  *tenants = {kSingleTenant};
  if (!multitenancy_enabled_) return true;
  auto parsed = ParseQueryTenants(request["X-Scope-OrgID"]);
  if (!parsed.ok()) {
    if (parsed.status().code() == StatusCode::kNotFound) {
      respond(net::MakeResponse(request, http::status::unauthorized, "no org id\n"));
    } else {
      respond(BadRequest(request, parsed.status().message()));
    }
    return false;
  }
  *tenants = std::move(parsed).value();
  return true;
}

void HttpApi::HandleSearch(net::IncomingRequest&& incoming, net::Responder respond) {
  const net::HttpRequest& request = incoming.message;
  std::vector<std::string> tenants;
  if (!RequestTenants(request, respond, &tenants)) return;
  Result<SearchParams> params =
      ParseSearchParams(net::ParseQuery(incoming.query), NowUnixNano(), SearchLimits{});
  if (!params.ok()) {
    respond(BadRequest(request, params.status().message()));
    return;
  }
  Result<traceql::SearchQuery> query = traceql::SearchQuery::Compile(params->query);
  if (!query.ok()) {
    respond(BadRequest(request, query.status().message()));
    return;
  }
  boost::asio::post(query_pool_, [this, tenants = std::move(tenants), params = *params,
                                  query = std::move(query).value(),
                                  header = net::HttpRequest(request.base()),
                                  respond = std::move(respond)]() {
    tempopb::SearchResponse response;
    for (const std::string& tenant : tenants) {
      RequestContext ctx;
      ctx.tenant = tenant;
      tempopb::SearchResponse part;
      Status s = querier_.Search(ctx, query, params.options, &part);
      if (!s.ok()) {
        if (s.code() == StatusCode::kInvalidArgument) {
          respond(BadRequest(header, s.message()));
        } else {
          LOG_ERROR << "search failed: " << s.ToString();
          respond(InternalError(header, s));
        }
        return;
      }
      if (tenants.size() == 1) {
        response = std::move(part);
        break;
      }
      for (auto& t : *part.mutable_traces()) *response.add_traces() = std::move(t);
      const tempopb::SearchMetrics& m = part.metrics();
      tempopb::SearchMetrics* total = response.mutable_metrics();
      total->set_inspectedtraces(total->inspectedtraces() + m.inspectedtraces());
      total->set_inspectedbytes(total->inspectedbytes() + m.inspectedbytes());
      total->set_totalblocks(total->totalblocks() + m.totalblocks());
      total->set_completedjobs(total->completedjobs() + m.completedjobs());
      total->set_totaljobs(total->totaljobs() + m.totaljobs());
      total->set_totalblockbytes(total->totalblockbytes() + m.totalblockbytes());
      total->set_inspectedspans(total->inspectedspans() + m.inspectedspans());
    }
    if (tenants.size() > 1) {
      auto* traces = response.mutable_traces();
      std::sort(traces->begin(), traces->end(), [](const auto& a, const auto& b) {
        if (a.starttimeunixnano() != b.starttimeunixnano()) {
          return a.starttimeunixnano() > b.starttimeunixnano();
        }
        return a.traceid() < b.traceid();
      });
      uint32_t limit = params.options.limit;
      while (limit && static_cast<uint32_t>(traces->size()) > limit) traces->RemoveLast();
    }
    bool protobuf = WantsProtobuf(header);
    std::string body =
        protobuf ? response.SerializeAsString() : model::SearchResponseToJson(response);
    respond(net::MakeResponse(header, http::status::ok, std::move(body),
                              protobuf ? "application/protobuf" : "application/json"));
  });
}

}  // namespace tempo::api
