#pragma once

#include <map>
#include <string>

#include "tempopb/tempo.pb.h"

// gRPC requests as HTTP query parameters, so that both transports share one validation
// (api/query) and answer with the same error texts (spec/query-api.md §9.1). A zero field is
// left out, as an absent HTTP parameter; start/end are passed only when one of them is set.
// Private to src/api.
namespace tempo::api::grpc_api {

// Query→q, Tags→tags (logfmt), Min/MaxDurationMs→minDuration/maxDuration, Limit→limit,
// SpansPerSpanSet→spss, start/end. RF1After and skipASTTransformations are ignored.
std::map<std::string, std::string> SearchParamsOf(const tempopb::SearchRequest& request);
// scope, query→q, start/end, maxTagsPerScope→limit.
std::map<std::string, std::string> TagNamesParamsOf(const tempopb::SearchTagsRequest& request);
// query→q, start/end, maxTagValues→limit (the tag itself is request.tagname()).
std::map<std::string, std::string> TagValuesParamsOf(
    const tempopb::SearchTagValuesRequest& request);

}  // namespace tempo::api::grpc_api
