#include "tempo/api/http_api.h"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "api/http/handler_util.h"
#include "tempo/api/build_info.h"
#include "tempo/common/ids.h"
#include "tempo/common/log.h"
#include "tempo/model/tempo_json.h"
#include "tempo/model/wire_format.h"
#include "tempopb/tempo.pb.h"

namespace tempo::api {
namespace {

namespace http = boost::beast::http;

net::HttpResponse Text(const net::HttpRequest& request, http::status status, std::string body) {
  return net::MakeResponse(request, status, std::move(body));
}

// The protobuf body of a v2 trace-by-ID answer around a serialized trace: what a
// TraceByIDResponse with that trace (present even when empty) and `inspected` serializes to.
std::string TraceByIdResponseBytes(std::string_view trace, uint64_t inspected) {
  tempopb::TraceByIDResponse rest;  // the fields after the trace
  rest.mutable_metrics()->set_inspectedbytes(inspected);
  const std::string tail = rest.SerializeAsString();
  std::string body(model::wire::FieldSize(trace.size()) + tail.size(), '\0');
  char* p = model::wire::WriteField(body.data(), (1 << 3) | model::wire::kLengthDelimited, trace);
  std::memcpy(p, tail.data(), tail.size());
  return body;
}

// Parses an optional int64 unix-seconds parameter ("invalid start: <Go's error text>").
Status ParseSeconds(const std::map<std::string, std::string>& query, const std::string& name,
                    std::optional<int64_t>* out) {
  auto it = query.find(name);
  if (it == query.end()) return Status::Ok();
  const std::string& text = it->second;
  errno = 0;
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || std::isspace(static_cast<unsigned char>(text[0]))) {
    return InvalidArgumentError("invalid " + name + ": strconv.ParseInt: parsing \"" + text +
                                "\": invalid syntax");
  }
  if (errno == ERANGE) {
    return InvalidArgumentError("invalid " + name + ": strconv.ParseInt: parsing \"" + text +
                                "\": value out of range");
  }
  *out = value;
  return Status::Ok();
}

}  // namespace

HttpApi::HttpApi(boost::asio::io_context& io, boost::asio::thread_pool& query_pool,
                 const ServerConfig& config, bool multitenancy_enabled,
                 const querier::Querier& querier, const overrides::Overrides& overrides,
                 metrics::Registry& registry, const Readiness& readiness)
    : io_(io),
      query_pool_(query_pool),
      config_(config),
      multitenancy_enabled_(multitenancy_enabled),
      querier_(querier),
      overrides_(overrides),
      registry_(registry),
      readiness_(readiness),
      grpc_(config, multitenancy_enabled, querier, overrides) {}

HttpApi::~HttpApi() { Stop(); }

Status HttpApi::Start() {
  TEMPO_RETURN_IF_ERROR(grpc_.Start());
  net::HttpServerOptions options;
  options.h2c_handler = grpc_.ConnectionHandler();
  options.name = "api";
  options.address = config_.http_listen_address.empty() ? "0.0.0.0" : config_.http_listen_address;
  options.port = config_.http_listen_port;
  options.gzip_responses = true;
  options.max_body_bytes = 4ull << 20;
  options.idle_timeout =
      std::chrono::duration_cast<std::chrono::seconds>(config_.http_server_idle_timeout);
  server_ = std::make_unique<net::HttpServer>(io_, options, BuildRouter(), registry_);
  TEMPO_RETURN_IF_ERROR(server_->Start());
  LOG_INFO << "HTTP API listening on " << options.address << ":" << server_->port();
  return Status::Ok();
}

void HttpApi::Stop() {
  if (server_) server_->Stop();
  grpc_.Stop();
}

bool HttpApi::Drain(std::chrono::milliseconds timeout) {
  return server_ ? server_->Drain(timeout) : true;
}

uint16_t HttpApi::port() const { return server_ ? server_->port() : 0; }

net::Router HttpApi::BuildRouter() {
  net::Router router;
  router.Handle("/api/echo", "api_echo", [](net::IncomingRequest&& req, net::Responder respond) {
    respond(Text(req.message, http::status::ok, "echo\n"));
  });
  router.Handle("/ready", "ready", [this](net::IncomingRequest&& req, net::Responder respond) {
    if (readiness_.stopping.load()) {
      respond(Text(req.message, http::status::service_unavailable, "Application is stopping\n"));
    } else if (!readiness_.ready.load()) {
      respond(Text(req.message, http::status::service_unavailable,
                   "Some services are not Running:\nStarting: 1\n"));
    } else {
      respond(Text(req.message, http::status::ok, "ready\n"));
    }
  });
  router.Handle(
      "/api/status/buildinfo", "api_status_buildinfo",
      [](net::IncomingRequest&& req, net::Responder respond) {
        const BuildInfo& b = GetBuildInfo();
        nlohmann::ordered_json j = {{"version", b.version},      {"revision", b.revision},
                                    {"branch", b.branch},        {"buildUser", b.build_user},
                                    {"buildDate", b.build_date}, {"goVersion", ""}};
        respond(
            net::MakeResponse(req.message, http::status::ok, j.dump() + "\n", "application/json"));
      });
  router.Handle(
      "/status/version", "status_version", [](net::IncomingRequest&& req, net::Responder respond) {
        const BuildInfo& b = GetBuildInfo();
        respond(Text(req.message, http::status::ok,
                     "tempo, version " + b.version + " (branch: " + b.branch +
                         ", revision: " + b.revision + ")\n  build date: " + b.build_date +
                         "\n  compiler: " + b.compiler + "\n"));
      });
  router.Handle("/status/overrides", "status_overrides",
                [this](net::IncomingRequest&& req, net::Responder respond) {
                  HandleStatusOverrides(std::move(req), std::move(respond));
                });
  router.HandlePrefix("/status/overrides/", "status_overrides_tenant",
                      [this](net::IncomingRequest&& req, net::Responder respond) {
                        HandleStatusOverrides(std::move(req), std::move(respond));
                      });
  router.Handle("/metrics", "metrics", [this](net::IncomingRequest&& req, net::Responder respond) {
    respond(net::MakeResponse(req.message, http::status::ok, registry_.Render(),
                              "text/plain; version=0.0.4; charset=utf-8"));
  });
  router.Handle("/api/search", "api_search",
                [this](net::IncomingRequest&& req, net::Responder respond) {
                  HandleSearch(std::move(req), std::move(respond));
                });
  router.Handle("/api/search/tags", "api_search_tags",
                [this](net::IncomingRequest&& req, net::Responder respond) {
                  HandleSearchTags(std::move(req), std::move(respond), false);
                });
  router.Handle("/api/v2/search/tags", "api_v2_search_tags",
                [this](net::IncomingRequest&& req, net::Responder respond) {
                  HandleSearchTags(std::move(req), std::move(respond), true);
                });
  router.HandlePrefix("/api/v2/search/tag/", "api_v2_search_tag_tagname_values",
                      [this](net::IncomingRequest&& req, net::Responder respond) {
                        HandleTagValues(std::move(req), std::move(respond), true);
                      });
  router.HandlePrefix("/api/search/tag/", "api_search_tag_tagname_values",
                      [this](net::IncomingRequest&& req, net::Responder respond) {
                        HandleTagValues(std::move(req), std::move(respond), false);
                      });
  router.HandlePrefix("/api/v2/traces/", "api_v2_traces_traceid",
                      [this](net::IncomingRequest&& req, net::Responder respond) {
                        if (req.message.method() == http::verb::delete_) {
                          respond(Text(req.message, http::status::method_not_allowed,
                                       "delete a trace with DELETE /api/traces/<id>\n"));
                          return;
                        }
                        HandleTraceById(std::move(req), std::move(respond), true);
                      });
  router.HandlePrefix("/api/traces/", "api_traces_traceid",
                      [this](net::IncomingRequest&& req, net::Responder respond) {
                        if (req.message.method() == http::verb::delete_) {
                          HandleDeleteTrace(std::move(req), std::move(respond));
                          return;
                        }
                        HandleTraceById(std::move(req), std::move(respond), false);
                      });
  return router;
}

void HttpApi::HandleTraceById(net::IncomingRequest&& incoming, net::Responder respond, bool v2) {
  const net::HttpRequest& request = incoming.message;
  std::vector<std::string> tenants;
  if (!RequestTenants(request, respond, &tenants)) return;

  std::string_view prefix = v2 ? "/api/v2/traces/" : "/api/traces/";
  std::string id_text = net::PercentDecode(std::string_view(incoming.path).substr(prefix.size()));
  Result<TraceId> id = ParseTraceIdHex(id_text);
  if (!id.ok()) {
    respond(Text(request, http::status::bad_request, id.status().message()));
    return;
  }
  auto query = net::ParseQuery(incoming.query);
  querier::TimeRange range;
  for (auto [name, slot] :
       {std::pair{"start", &range.start_seconds}, std::pair{"end", &range.end_seconds}}) {
    if (Status s = ParseSeconds(query, name, slot); !s.ok()) {
      respond(Text(request, http::status::bad_request, s.message()));
      return;
    }
  }
  if (range.start_seconds && range.end_seconds && *range.end_seconds <= *range.start_seconds) {
    respond(Text(request, http::status::bad_request,
                 "http parameter start must be before end. received start=" +
                     std::to_string(*range.start_seconds) +
                     " end=" + std::to_string(*range.end_seconds)));
    return;
  }
  if (auto mode = query.find("mode"); mode != query.end()) {
    static const std::set<std::string> kModes = {"all", "ingesters", "blocks", "external"};
    if (!kModes.count(mode->second)) {
      respond(Text(request, http::status::bad_request, "invalid value for mode " + mode->second));
      return;
    }
  }

  boost::asio::post(query_pool_, [this, v2, tenants = std::move(tenants), id = *id, range,
                                  header = net::HttpRequest(request.base()),
                                  respond = std::move(respond)]() {
    // The trace stays bytes from the blocks to a protobuf answer (several tenants' traces
    // serialized back to back are their resource spans concatenated) and to a JSON one.
    std::string trace_bytes;
    uint64_t inspected = 0;
    bool found = false;
    for (const std::string& tenant : tenants) {
      RequestContext ctx;
      ctx.tenant = tenant;
      querier::TraceByIdStats stats;
      Status s = querier_.FindTraceByIDSerialized(ctx, id, range, &trace_bytes, &stats);
      inspected += stats.inspected_bytes;
      if (s.code() == StatusCode::kNotFound) continue;
      if (!s.ok()) {
        LOG_ERROR << "trace by id " << id.ToHex() << " failed: " << s.ToString();
        respond(Text(header, http::status::internal_server_error, s.message()));
        return;
      }
      found = true;
    }
    if (!v2 && !found) {
      respond(net::MakeResponse(header, http::status::not_found, "", "text/plain; charset=utf-8"));
      return;
    }
    const bool protobuf = http_util::WantsProtobuf(header);
    std::string body;
    if (protobuf) {
      body = v2 ? TraceByIdResponseBytes(trace_bytes, inspected) : std::move(trace_bytes);
    } else {
      const bool ok = v2 ? model::TraceByIdBytesToJson(trace_bytes, inspected, &body)
                         : model::TraceBytesToJsonV1(trace_bytes, &body);
      if (!ok) {
        respond(Text(header, http::status::internal_server_error,
                     "trace " + id.ToHex() + ": the combined trace does not parse"));
        return;
      }
    }
    respond(net::MakeResponse(header, http::status::ok, std::move(body),
                              protobuf ? "application/protobuf" : "application/json"));
  });
}

}  // namespace tempo::api
