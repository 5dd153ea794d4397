#include "tempo/net/http_server.h"

#include <algorithm>

namespace tempo::net {
namespace {

constexpr std::string_view kDefaultFallbackRoute = "notfound";

void NotFound(IncomingRequest&& request, Responder respond) {
  respond(MakeResponse(request.message, HttpStatus::not_found, "404 page not found\n"));
}

}  // namespace

void Router::Handle(std::string path, std::string route, HttpHandler handler) {
  exact_.insert_or_assign(std::move(path), Entry{std::move(route), std::move(handler)});
}

void Router::HandlePrefix(std::string prefix, std::string route, HttpHandler handler) {
  auto same = std::find_if(prefixes_.begin(), prefixes_.end(),
                           [&](const auto& entry) { return entry.first == prefix; });
  if (same != prefixes_.end()) {
    same->second = Entry{std::move(route), std::move(handler)};
    return;
  }
  // Keep the longest prefix first so that Find can stop at the first match.
  auto pos = std::find_if(prefixes_.begin(), prefixes_.end(),
                          [&](const auto& entry) { return entry.first.size() < prefix.size(); });
  prefixes_.insert(pos, {std::move(prefix), Entry{std::move(route), std::move(handler)}});
}

void Router::SetFallback(std::string route, HttpHandler handler) {
  fallback_ = std::make_unique<Entry>(Entry{std::move(route), std::move(handler)});
}

Router::Match Router::Find(std::string_view path) const {
  if (auto it = exact_.find(path); it != exact_.end()) {
    return Match{&it->second.handler, &it->second.route};
  }
  for (const auto& [prefix, entry] : prefixes_) {
    if (path.substr(0, prefix.size()) == prefix) return Match{&entry.handler, &entry.route};
  }
  if (fallback_) return Match{&fallback_->handler, &fallback_->route};
  static const Entry kDefault{std::string(kDefaultFallbackRoute), &NotFound};
  return Match{&kDefault.handler, &kDefault.route};
}

HttpResponse MakeResponse(const HttpRequest& request, HttpStatus status, std::string body,
                          std::string_view content_type) {
  HttpResponse response(status, request.version());
  if (!content_type.empty()) {
    response.set(boost::beast::http::field::content_type,
                 boost::beast::string_view(content_type.data(), content_type.size()));
  }
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.content_length(response.body().size());
  return response;
}

}  // namespace tempo::net
