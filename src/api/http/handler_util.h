#pragma once

// Small helpers shared by the search and tag handlers of the HTTP API. Private to src/api.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http/field.hpp>
#include <cstdint>
#include <string>
#include <utility>

#include "tempo/common/log.h"
#include "tempo/common/status.h"
#include "tempo/common/request_context.h"
#include "tempo/net/http_server.h"

namespace tempo::api::http_util {

// Whether the client asked for protobuf (the Accept header contains application/protobuf).
// The context of a query run for `incoming`: cancelled when its client goes away.
inline RequestContext ContextOf(const net::IncomingRequest& incoming) {
  RequestContext ctx;
  ctx.cancelled = incoming.client_gone;
  return ctx;
}

inline bool WantsProtobuf(const net::HttpRequest& request) {
  return request[boost::beast::http::field::accept].find("application/protobuf") !=
         std::string_view::npos;
}

// 400 with a plain-text body (Tempo sends no trailing newline).
inline net::HttpResponse BadRequest(const net::HttpRequest& request, std::string body) {
  return net::MakeResponse(request, boost::beast::http::status::bad_request, std::move(body));
}

// A failed query: kInvalidArgument is the client's fault (400), anything else a 500 whose body is
// the status message.
inline net::HttpResponse QueryError(const net::HttpRequest& request, const Status& status) {
  if (status.code() == StatusCode::kInvalidArgument) return BadRequest(request, status.message());
  LOG_ERROR << "query " << request.target() << " failed: " << status.ToString();
  return net::MakeResponse(request, boost::beast::http::status::internal_server_error,
                           status.message());
}

// Runs `run` (returning Result<Message>) on `pool` and answers `request` with the message as
// protobuf or as Tempo's JSON (`to_json`), whichever the client asked for, or with QueryError.
// Returns at once; the io thread never waits for the query.
template <typename Run, typename ToJson>
void RespondFromPool(boost::asio::thread_pool& pool, const net::HttpRequest& request,
                     net::Responder respond, Run run, ToJson to_json) {
  boost::asio::post(pool, [header = net::HttpRequest(request.base()), respond = std::move(respond),
                           run = std::move(run), to_json = std::move(to_json)]() mutable {
    auto result = run();
    if (!result.ok()) {
      respond(QueryError(header, result.status()));
      return;
    }
    bool protobuf = WantsProtobuf(header);
    std::string body = protobuf ? result->SerializeAsString() : to_json(*result);
    respond(net::MakeResponse(header, boost::beast::http::status::ok, std::move(body),
                              protobuf ? "application/protobuf" : "application/json"));
  });
}

}  // namespace tempo::api::http_util
