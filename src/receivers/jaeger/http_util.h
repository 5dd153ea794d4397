#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tempo/common/result.h"
#include "tempo/distributor/distributor.h"
#include "tempo/model/sink.h"
#include "tempo/net/http_server.h"

namespace tempo::receivers::http_util {

// Small HTTP helpers shared by the Jaeger thrift_http and Zipkin receivers. Stateless.

// Values of every X-Scope-OrgID header (names are case-insensitive), for
// Distributor::ResolveTenant. The views point into `request`.
std::vector<std::string_view> OrgIds(const net::HttpRequest& request);

// The common end of a decoded HTTP push: an empty batch is answered OK at once; otherwise the
// tenant comes from the request's X-Scope-OrgID headers (a refusal goes to `answer`) and the
// batch is pushed, `answer` receiving the outcome.
void PushDecoded(distributor::Distributor& distributor, const net::HttpRequest& request,
                 model::OtlpRequest&& decoded, model::PushCallback answer);

// The media type of a Content-Type value as Go's mime.ParseMediaType returns it: the part before
// ';', trimmed and lower-cased. Errors (kInvalidArgument) carry Go's texts: "mime: no media type",
// "mime: expected slash after first token", "mime: expected token after slash",
// "mime: unexpected content after media subtype".
Result<std::string> ParseMediaType(std::string_view content_type);

// Go's html.EscapeString: escapes < > & ' ".
std::string HtmlEscape(std::string_view text);

// A response like Go's http.Error: `text` plus a newline, text/plain; charset=utf-8.
net::HttpResponse TextError(const net::HttpRequest& request, net::HttpStatus status,
                            std::string_view text);

}  // namespace tempo::receivers::http_util
