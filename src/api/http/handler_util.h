#pragma once

// Small helpers shared by the search and tag handlers of the HTTP API. Private to src/api.
#include <chrono>
#include <cstdint>
#include <string>

#include <boost/beast/http/field.hpp>

#include "tempo/common/status.h"
#include "tempo/net/http_server.h"

namespace tempo::api::http_util {

// Whether the client asked for protobuf (the Accept header contains application/protobuf).
inline bool WantsProtobuf(const net::HttpRequest& request) {
  return request[boost::beast::http::field::accept].find("application/protobuf") !=
         std::string_view::npos;
}

// 400 with a plain-text body (Tempo sends no trailing newline).
inline net::HttpResponse BadRequest(const net::HttpRequest& request, std::string body) {
  return net::MakeResponse(request, boost::beast::http::status::bad_request, std::move(body));
}

// 500 with the status message as plain text.
inline net::HttpResponse InternalError(const net::HttpRequest& request, const Status& status) {
  return net::MakeResponse(request, boost::beast::http::status::internal_server_error,
                           status.message());
}

inline uint64_t NowUnixNano() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace tempo::api::http_util
