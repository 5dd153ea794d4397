// DELETE /api/traces/<id>: deletes one trace of one tenant (docs/api.md, "Delete a trace"). The
// work is store::TraceDeleter's; this file resolves the tenant, parses the ID and maps the outcome.
#include <optional>
#include <string>

#include <boost/asio/post.hpp>
#include <boost/beast/http/status.hpp>
#include <nlohmann/json.hpp>

#include "api/http/handler_util.h"
#include "tempo/api/http_api.h"
#include "tempo/common/ids.h"
#include "tempo/common/log.h"
#include "tempo/common/tenant.h"
#include "tempo/store/trace_deleter.h"

namespace tempo::api {
namespace {

namespace http = boost::beast::http;

net::HttpResponse Plain(const net::HttpRequest& request, http::status status, std::string body) {
  return net::MakeResponse(request, status, std::move(body), "text/plain; charset=utf-8");
}

// The tenant whose data the request deletes, or the answer refusing the request. With
// multitenancy on, X-Scope-OrgID must name exactly one tenant, and the optional `tenant`
// parameter (the tenant whose trace is meant) must be that tenant: a tenant deletes only its own
// data. With multitenancy off every request is the single tenant's.
std::optional<net::HttpResponse> ResolveTenant(const net::HttpRequest& request,
                                               bool multitenancy_enabled,
                                               const std::map<std::string, std::string>& query,
                                               std::string* tenant) {
  if (!multitenancy_enabled) {
    *tenant = kSingleTenant;
  } else {
    auto header = request.find("X-Scope-OrgID");
    if (header == request.end() || header->value().empty()) {
      return Plain(request, http::status::unauthorized, "no org id\n");
    }
    const std::string org_id(header->value());
    Result<std::vector<std::string>> tenants = ParseQueryTenants(org_id);
    if (!tenants.ok()) {
      if (tenants.status().code() == StatusCode::kNotFound) {
        return Plain(request, http::status::unauthorized, "no org id\n");
      }
      return Plain(request, http::status::bad_request, tenants.status().message() + "\n");
    }
    if (tenants->size() != 1) {
      return Plain(request, http::status::bad_request,
                   "a delete applies to one tenant, but X-Scope-OrgID names " +
                       std::to_string(tenants->size()) + "\n");
    }
    *tenant = tenants->front();
  }
  if (auto target = query.find("tenant"); target != query.end() && target->second != *tenant) {
    return Plain(request, http::status::forbidden,
                 "tenant '" + *tenant + "' may not delete data of tenant '" + target->second +
                     "'\n");
  }
  return std::nullopt;
}

}  // namespace

void HttpApi::HandleDeleteTrace(net::IncomingRequest&& incoming, net::Responder respond) {
  const net::HttpRequest& request = incoming.message;
  if (deleter_ == nullptr) {
    respond(Plain(request, http::status::method_not_allowed, "deleting traces is not enabled\n"));
    return;
  }
  const std::map<std::string, std::string> query = net::ParseQuery(incoming.query);
  std::string tenant;
  if (auto refusal = ResolveTenant(request, multitenancy_enabled_, query, &tenant)) {
    respond(std::move(*refusal));
    return;
  }
  constexpr std::string_view kPrefix = "/api/traces/";
  const std::string id_text =
      net::PercentDecode(std::string_view(incoming.path).substr(kPrefix.size()));
  if (id_text.empty()) {
    respond(Plain(request, http::status::bad_request,
                  "trace ID is missing: DELETE /api/traces/<trace ID>\n"));
    return;
  }
  // The parsing of GET /api/traces/<id>, and its messages.
  Result<TraceId> id = ParseTraceIdHex(id_text);
  if (!id.ok()) {
    respond(Plain(request, http::status::bad_request, id.status().message() + "\n"));
    return;
  }
  RequestContext ctx = http_util::ContextOf(incoming);
  ctx.tenant = tenant;
  // The delete reads blocks and writes the tombstone durably: never on an io thread.
  boost::asio::post(query_pool_, [this, ctx = std::move(ctx), id = *id,
                                  header = net::HttpRequest(request.base()),
                                  respond = std::move(respond)]() {
    Result<store::DeleteResult> result = deleter_->Delete(ctx, id);
    if (!result.ok()) {
      const Status& s = result.status();
      if (s.code() == StatusCode::kNotFound) {
        respond(Plain(header, http::status::not_found, "trace not found\n"));
        return;
      }
      LOG_ERROR << "delete of trace " << id.ToHex() << " of tenant " << ctx.tenant
                << " failed: " << s.ToString();
      respond(Plain(header,
                    s.code() == StatusCode::kCancelled ? http::status::service_unavailable
                                                       : http::status::internal_server_error,
                    s.message() + "\n"));
      return;
    }
    nlohmann::ordered_json body = {{"traceID", id.ToHex()},
                                   {"tenant", ctx.tenant},
                                   {"deleted", true},
                                   {"liveData", result->live},
                                   {"blocks", result->blocks.size()}};
    respond(net::MakeResponse(header, http::status::ok, body.dump() + "\n", "application/json"));
  });
}

}  // namespace tempo::api
