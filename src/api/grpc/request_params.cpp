#include "api/grpc/request_params.h"

#include <cstdint>

namespace tempo::api::grpc_api {
namespace {

using Params = std::map<std::string, std::string>;

void SetWindow(uint32_t start, uint32_t end, Params* params) {
  if (start == 0 && end == 0) return;
  (*params)["start"] = std::to_string(start);
  (*params)["end"] = std::to_string(end);
}

void SetIfNonZero(const char* name, uint32_t value, Params* params) {
  if (value != 0) (*params)[name] = std::to_string(value);
}

void SetIfNonEmpty(const char* name, const std::string& value, Params* params) {
  if (!value.empty()) (*params)[name] = value;
}

// A logfmt value in double quotes, as the HTTP tags parameter reads it.
std::string QuoteLogfmt(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

Params SearchParamsOf(const tempopb::SearchRequest& request) {
  Params params;
  SetIfNonEmpty("q", request.query(), &params);
  if (!request.tags().empty()) {
    std::string tags;
    for (const auto& [key, value] : request.tags()) {
      if (!tags.empty()) tags += ' ';
      tags += key + "=" + QuoteLogfmt(value);
    }
    params["tags"] = tags;
  }
  if (request.mindurationms() != 0) {
    params["minDuration"] = std::to_string(request.mindurationms()) + "ms";
  }
  if (request.maxdurationms() != 0) {
    params["maxDuration"] = std::to_string(request.maxdurationms()) + "ms";
  }
  SetIfNonZero("limit", request.limit(), &params);
  SetIfNonZero("spss", request.spansperspanset(), &params);
  SetWindow(request.start(), request.end(), &params);
  return params;
}

Params TagNamesParamsOf(const tempopb::SearchTagsRequest& request) {
  Params params;
  SetIfNonEmpty("scope", request.scope(), &params);
  SetIfNonEmpty("q", request.query(), &params);
  SetIfNonZero("limit", request.maxtagsperscope(), &params);
  SetIfNonZero("maxStaleValues", request.stalevaluesthreshold(), &params);
  SetWindow(request.start(), request.end(), &params);
  return params;
}

Params TagValuesParamsOf(const tempopb::SearchTagValuesRequest& request) {
  Params params;
  SetIfNonEmpty("q", request.query(), &params);
  SetIfNonZero("limit", request.maxtagvalues(), &params);
  SetIfNonZero("maxStaleValues", request.stalevaluethreshold(), &params);
  SetWindow(request.start(), request.end(), &params);
  return params;
}

}  // namespace tempo::api::grpc_api
