#include "receivers/jaeger/http_util.h"

#include <algorithm>
#include <cctype>

#include "tempo/model/batch.h"

namespace tempo::receivers::http_util {
namespace {

// An RFC 2045 token character: printable ASCII except space and tspecials.
bool IsTokenChar(char c) {
  if (c <= ' ' || c >= 0x7f) return false;
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

std::string_view ConsumeToken(std::string_view* text) {
  size_t n = 0;
  while (n < text->size() && IsTokenChar((*text)[n])) ++n;
  std::string_view token = text->substr(0, n);
  text->remove_prefix(n);
  return token;
}

}  // namespace

std::vector<std::string_view> OrgIds(const net::HttpRequest& request) {
  std::vector<std::string_view> org_ids;
  auto range = request.equal_range("X-Scope-OrgID");
  for (auto it = range.first; it != range.second; ++it) {
    org_ids.emplace_back(it->value().data(), it->value().size());
  }
  return org_ids;
}

void PushDecoded(distributor::Distributor& distributor, const net::HttpRequest& request,
                 model::OtlpRequest&& decoded, model::PushCallback answer) {
  if (model::CountSpans(decoded) == 0) {
    answer(Status::Ok());
    return;
  }
  Result<std::string> tenant = distributor.ResolveTenant(OrgIds(request));
  if (!tenant.ok()) {
    answer(tenant.status());
    return;
  }
  RequestContext ctx;
  ctx.tenant = std::move(tenant).value();
  distributor.Push(ctx, std::move(decoded), std::move(answer));
}

Result<std::string> ParseMediaType(std::string_view content_type) {
  std::string media(content_type.substr(0, content_type.find(';')));
  std::transform(media.begin(), media.end(), media.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  media.erase(media.begin(), std::find_if(media.begin(), media.end(), not_space));
  media.erase(std::find_if(media.rbegin(), media.rend(), not_space).base(), media.end());

  std::string_view rest = media;
  if (ConsumeToken(&rest).empty()) return InvalidArgumentError("mime: no media type");
  if (rest.empty()) return media;
  if (rest.front() != '/') return InvalidArgumentError("mime: expected slash after first token");
  rest.remove_prefix(1);
  if (ConsumeToken(&rest).empty()) return InvalidArgumentError("mime: expected token after slash");
  if (!rest.empty()) return InvalidArgumentError("mime: unexpected content after media subtype");
  return media;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '"':
        out += "&#34;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

net::HttpResponse TextError(const net::HttpRequest& request, net::HttpStatus status,
                            std::string_view text) {
  std::string body(text);
  body += '\n';
  return net::MakeResponse(request, status, std::move(body), "text/plain; charset=utf-8");
}

}  // namespace tempo::receivers::http_util
