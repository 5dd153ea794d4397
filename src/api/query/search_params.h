#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "tempo/common/result.h"
#include "tempo/common/status.h"
#include "tempo/traceql/engine.h"

// Parameters of /api/search and the tag endpoints (spec/query-api.md §5, §8.8): validation with
// Tempo's exact error texts and translation of legacy tag filters to TraceQL.
namespace tempo::api {

inline constexpr size_t kMaxQueryBytes = 131072;

struct SearchLimits {
  uint32_t max_limit = 262144;
  uint32_t max_spss = 100;
  uint64_t max_duration_seconds = 168 * 3600;
  uint64_t default_window_seconds = 15 * 60;
};

struct SearchParams {
  std::string query;  // TraceQL; legacy tags translated; "{}" when none
  traceql::SearchOptions options;  // limit, spss and the time window (always set)
};

std::string QueryTooLargeMessage();

// Whole seconds as Go's time.Duration prints them: "168h0m0s", "1h30m0s", "45m0s", "30s".
std::string FormatGoDuration(uint64_t seconds);

// The wall clock in unix nanoseconds: the default end of query windows.
uint64_t NowUnixNano();

// Validates the parameters of /api/search. `now_unix_nano` is the default end (cutoff 0).
// Errors: kInvalidArgument with the body of the 400 response.
Result<SearchParams> ParseSearchParams(const std::map<std::string, std::string>& query,
                                       uint64_t now_unix_nano, const SearchLimits& limits);

// An optional uint32 parameter ("invalid <name>: strconv.ParseUint: parsing ...").
Status ParseUint32Param(const std::map<std::string, std::string>& query, const std::string& name,
                        std::optional<uint32_t>* out);

// Go's time.ParseDuration; errors read `time: invalid duration "x"`.
Result<int64_t> ParseGoDuration(const std::string& text);

}  // namespace tempo::api
