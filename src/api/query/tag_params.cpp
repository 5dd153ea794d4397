// Parameters shared by the tag names and tag values queries (spec/query-api.md §5.1, §8.9-§8.12):
// the time window (start/end or since), the lenient numbers and filter, the condition-group
// limit, the per-tenant byte limit and the metrics of the answer.
#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "api/query/search_params.h"
#include "api/query/tag_query.h"

namespace tempo::api::query {
namespace internal {

Status ParseTagQueryParams(const std::map<std::string, std::string>& params, uint64_t now_unix_nano,
                           uint64_t max_bytes, bool with_filter, TagQueryParams* out) {
  if (auto it = params.find("q"); it != params.end() && it->second.size() > kMaxQueryBytes) {
    return InvalidArgumentError(QueryTooLargeMessage());
  }
  TEMPO_RETURN_IF_ERROR(ParseTagWindow(params, now_unix_nano, &out->window));
  out->limit = LenientUint(params, "limit");
  out->max_stale_values = LenientUint(params, "maxStaleValues");
  out->max_bytes = max_bytes;
  if (with_filter) {
    TEMPO_ASSIGN_OR_RETURN(out->filter, LenientFilter(params));
  }
  return Status::Ok();
}

Status ParseTagWindow(const std::map<std::string, std::string>& params, uint64_t now_unix_nano,
                      TimeWindow* window) {
  if (auto it = params.find("since"); it != params.end() && !it->second.empty()) {
    Result<uint64_t> since = ParsePrometheusDuration(it->second);
    if (!since.ok()) {
      return InvalidArgumentError("could not parse 'since' parameter: " + since.status().message());
    }
    window->end_nano = now_unix_nano;
    window->start_nano = now_unix_nano - std::min(*since, now_unix_nano);
    return Status::Ok();
  }
  std::optional<uint32_t> start, end;
  TEMPO_RETURN_IF_ERROR(ParseUint32Param(params, "start", &start));
  TEMPO_RETURN_IF_ERROR(ParseUint32Param(params, "end", &end));
  if (!start && !end) {
    window->end_nano = now_unix_nano;
    window->start_nano = now_unix_nano - 15ull * 60 * 1'000'000'000;
    return Status::Ok();
  }
  if (!start || !end) {
    return InvalidArgumentError(
        "error parsing date range: only one of start and end provided: must provide both or "
        "neither");
  }
  if (*end <= *start) {
    return InvalidArgumentError("http parameter start must be before end. received start=" +
                                std::to_string(*start) + " end=" + std::to_string(*end));
  }
  window->start_nano = uint64_t{*start} * 1'000'000'000;
  window->end_nano =
      std::min<uint64_t>(uint64_t{*end} * 1'000'000'000 + 999'999'999, now_unix_nano);
  if (window->end_nano < window->start_nano) window->start_nano = 0;
  return Status::Ok();
}

Result<uint64_t> ParsePrometheusDuration(const std::string& text) {
  auto invalid = [&] {
    return InvalidArgumentError("not a valid duration string: \"" + text + "\"");
  };
  // Units in the only order Prometheus accepts, each at most once.
  static const std::pair<std::string_view, uint64_t> kUnits[] = {
      {"y", 365ull * 24 * 3600 * 1'000'000'000},
      {"w", 7ull * 24 * 3600 * 1'000'000'000},
      {"d", 24ull * 3600 * 1'000'000'000},
      {"h", 3600ull * 1'000'000'000},
      {"m", 60ull * 1'000'000'000},
      {"s", 1'000'000'000ull},
      {"ms", 1'000'000ull}};
  if (text == "0") return uint64_t{0};
  std::string_view rest = text;
  size_t next_unit = 0;
  uint64_t total = 0;
  if (rest.empty()) return invalid();
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 0 || digits > 18) return invalid();
    const uint64_t n = std::strtoull(std::string(rest.substr(0, digits)).c_str(), nullptr, 10);
    rest.remove_prefix(digits);
    size_t unit = next_unit;
    // "m" is a prefix of "ms": take the longest unit that matches.
    size_t found = std::size(kUnits);
    for (; unit < std::size(kUnits); ++unit) {
      if (rest.starts_with(kUnits[unit].first) &&
          (found == std::size(kUnits) || kUnits[unit].first.size() > kUnits[found].first.size())) {
        found = unit;
      }
    }
    if (found == std::size(kUnits)) return invalid();
    if (n > UINT64_MAX / kUnits[found].second) return invalid();
    const uint64_t part = n * kUnits[found].second;
    if (total > UINT64_MAX - part) return invalid();
    total += part;
    rest.remove_prefix(kUnits[found].first.size());
    next_unit = found + 1;
  }
  return total;
}

uint32_t LenientUint(const std::map<std::string, std::string>& params, const std::string& name) {
  auto it = params.find(name);
  if (it == params.end()) return 0;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0' || errno == ERANGE || it->second[0] == '-' ||
      v > UINT32_MAX) {
    return 0;
  }
  return static_cast<uint32_t>(v);
}

namespace {

uint64_t Groups(const traceql::FieldExpr& expr) {
  constexpr uint64_t kCap = kMaxConditionGroups + 1;
  if (expr.kind != traceql::FieldExprKind::kBinary || !expr.lhs || !expr.rhs) return 1;
  if (expr.op == traceql::BinaryOp::kOr) {
    return std::min(kCap, Groups(*expr.lhs) + Groups(*expr.rhs));
  }
  if (expr.op == traceql::BinaryOp::kAnd) {
    return std::min(kCap, Groups(*expr.lhs) * Groups(*expr.rhs));
  }
  return 1;
}

uint64_t PipelineGroups(const traceql::Pipeline& pipeline) {
  if (pipeline.stages.empty()) return 0;
  const traceql::Stage& first = pipeline.stages.front();
  if (first.kind != traceql::StageKind::kSpanset || first.spanset == nullptr) return 0;
  const traceql::SpansetExpr& spanset = *first.spanset;
  if (spanset.kind == traceql::SpansetExprKind::kPipeline && spanset.pipeline) {
    return PipelineGroups(*spanset.pipeline);
  }
  if (spanset.kind != traceql::SpansetExprKind::kFilter) return 0;
  return spanset.filter ? Groups(*spanset.filter) : 1;
}

}  // namespace

uint64_t ConditionGroups(const traceql::RootExpr& root) { return PipelineGroups(root.pipeline); }

Result<std::optional<traceql::SearchQuery>> LenientFilter(
    const std::map<std::string, std::string>& params) {
  auto it = params.find("q");
  if (it == params.end() || it->second.empty()) return std::optional<traceql::SearchQuery>();
  Result<traceql::SearchQuery> compiled = traceql::SearchQuery::Compile(it->second);
  if (!compiled.ok()) return std::optional<traceql::SearchQuery>();
  if (ConditionGroups(compiled->ast()) > kMaxConditionGroups) {
    return InvalidArgumentError("maximum condition groups reached");
  }
  return std::optional<traceql::SearchQuery>(std::move(compiled).value());
}

void FillMetrics(const querier::TagQueryStats& stats, tempopb::MetadataMetrics* metrics) {
  metrics->set_inspectedbytes(stats.inspected_bytes);
  metrics->set_totalblocks(stats.blocks);
  metrics->set_totalblockbytes(stats.block_bytes);
  metrics->set_totaljobs(stats.total_jobs);
  metrics->set_completedjobs(stats.completed_jobs);
}

}  // namespace internal

uint64_t TagBytesLimitFor(const overrides::Overrides& overrides,
                          const std::vector<std::string>& tenants) {
  uint64_t limit = 0;
  for (const std::string& tenant : tenants) {
    const int64_t bytes = overrides.For(tenant)->max_bytes_per_tag_values_query;
    if (bytes > 0 && (limit == 0 || static_cast<uint64_t>(bytes) < limit)) {
      limit = static_cast<uint64_t>(bytes);
    }
  }
  return limit;
}

}  // namespace tempo::api::query
