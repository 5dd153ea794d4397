#include "tempo/common/tenant.h"

namespace tempo {
namespace {

bool AllowedTenantChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '-': case '_': case '.': case '*': case '\'': case '(': case ')':
      return true;
    default:
      return false;
  }
}

}  // namespace

Status ValidateTenantId(std::string_view tenant) {
  for (char c : tenant) {
    if (!AllowedTenantChar(c)) {
      return InvalidArgumentError("tenant ID '" + std::string(tenant) +
                                  "' contains unsupported character '" + std::string(1, c) + "'");
    }
  }
  if (tenant.size() > 150) return InvalidArgumentError("tenant ID is too long: max 150 characters");
  if (tenant == "." || tenant == "..") return InvalidArgumentError("tenant ID is '.' or '..'");
  return Status::Ok();
}

Result<std::vector<std::string>> ParseQueryTenants(std::string_view header) {
  std::vector<std::string> tenants;
  size_t start = 0;
  for (;;) {
    size_t bar = header.find('|', start);
    std::string_view part = header.substr(start, bar == std::string_view::npos ? bar : bar - start);
    if (part.empty()) return NotFoundError("no org id");
    TEMPO_RETURN_IF_ERROR(ValidateTenantId(part));
    tenants.emplace_back(part);
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  return tenants;
}

}  // namespace tempo
