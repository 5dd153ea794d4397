#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tempo/common/result.h"

namespace tempo {

// The tenant of every request when multitenancy is off.
inline constexpr char kSingleTenant[] = "single-tenant";

// Tempo's tenant-ID rules (spec/query-api.md §2.2): characters A-Z a-z 0-9 ! - _ . * ' ( ),
// at most 150 characters, not "." or "..". Errors: kInvalidArgument with Tempo's texts.
Status ValidateTenantId(std::string_view tenant);

// Splits an X-Scope-OrgID value of the query API on '|' and validates each part. Errors:
// kNotFound "no org id" for an empty value or an empty part, kInvalidArgument for a bad ID.
Result<std::vector<std::string>> ParseQueryTenants(std::string_view header);

}  // namespace tempo
