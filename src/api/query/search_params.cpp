#include "api/query/search_params.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <set>
#include <vector>

namespace tempo::api {
namespace {

bool IsTagKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
         c == '/' || c == ':';
}

// TraceQL for one legacy tag: `."k"="v"` (quoted key unless it is a plain name).
std::string TagCondition(const std::string& key, const std::string& value) {
  auto quote = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    return out + "\"";
  };
  bool plain = !key.empty() && key.front() != '.' && key.back() != '.';
  for (char c : key) plain = plain && IsTagKeyChar(c);
  return (plain ? "." + key : "." + quote(key)) + " = " + quote(value);
}

// A logfmt line as go-logfmt reads it: `k1=v1 k2="v 2"`. Errors read "<msg> at pos <n>".
Status ParseLogfmt(const std::string& text, std::vector<std::pair<std::string, std::string>>* out) {
  size_t i = 0;
  const size_t n = text.size();
  auto error = [&](const std::string& msg, size_t pos) {
    return InvalidArgumentError(msg + " at pos " + std::to_string(pos + 1));
  };
  while (i < n) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '=' || c == '"') return error(std::string("unexpected '") + c + "'", i);
    std::string key;
    while (i < n && text[i] > ' ' && text[i] != '=' && text[i] != '"') key.push_back(text[i++]);
    if (i < n && text[i] == '"') return error("unexpected '\"'", i);
    std::string value;
    if (i < n && text[i] == '=') {
      ++i;
      if (i < n && text[i] == '"') {
        ++i;
        bool closed = false;
        while (i < n) {
          char v = text[i++];
          if (v == '\\' && i < n) {
            char e = text[i++];
            value.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e);
          } else if (v == '"') {
            closed = true;
            break;
          } else {
            value.push_back(v);
          }
        }
        if (!closed) return error("unterminated quoted value", i - 1);
      } else {
        while (i < n && text[i] > ' ') {
          if (text[i] == '=' || text[i] == '"') {
            return error(std::string("unexpected '") + text[i] + "'", i);
          }
          value.push_back(text[i++]);
        }
      }
    }
    out->emplace_back(std::move(key), std::move(value));
  }
  return Status::Ok();
}

// strconv.Atoi's error texts.
Status ParseInt(const std::string& name, const std::string& text, int64_t* out) {
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || std::isspace(static_cast<unsigned char>(text[0]))) {
    return InvalidArgumentError("invalid " + name + ": strconv.Atoi: parsing \"" + text +
                                "\": invalid syntax");
  }
  if (errno == ERANGE) {
    return InvalidArgumentError("invalid " + name + ": strconv.Atoi: parsing \"" + text +
                                "\": value out of range");
  }
  *out = v;
  return Status::Ok();
}

}  // namespace

uint64_t NowUnixNano() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::string FormatGoDuration(uint64_t seconds) {
  const uint64_t h = seconds / 3600, m = seconds / 60 % 60, sec = seconds % 60;
  if (h > 0) return std::to_string(h) + "h" + std::to_string(m) + "m" + std::to_string(sec) + "s";
  if (m > 0) return std::to_string(m) + "m" + std::to_string(sec) + "s";
  return std::to_string(sec) + "s";
}

std::string QueryTooLargeMessage() {
  return "TraceQL expression exceeds the configured maximum size of " +
         std::to_string(kMaxQueryBytes) +
         " bytes, reduce the query expression size or contact your system administrator";
}

Status ParseUint32Param(const std::map<std::string, std::string>& query, const std::string& name,
                        std::optional<uint32_t>* out) {
  auto it = query.find(name);
  if (it == query.end()) return Status::Ok();
  const std::string& text = it->second;
  bool digits = !text.empty();
  for (char c : text) digits = digits && c >= '0' && c <= '9';
  if (!digits) {
    return InvalidArgumentError("invalid " + name + ": strconv.ParseUint: parsing \"" + text +
                                "\": invalid syntax");
  }
  errno = 0;
  unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE || v > UINT32_MAX) {
    return InvalidArgumentError("invalid " + name + ": strconv.ParseUint: parsing \"" + text +
                                "\": value out of range");
  }
  *out = static_cast<uint32_t>(v);
  return Status::Ok();
}

Result<int64_t> ParseGoDuration(const std::string& text) {
  auto invalid = [&] {
    return InvalidArgumentError("time: invalid duration \"" + text + "\"");
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return int64_t{0};
  if (s.empty()) return invalid();
  static const std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"μs", 1e3}, {"ms", 1e6},
      {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == 0 || (i == 1 && s[0] == '.')) return invalid();
    long double number = std::strtold(std::string(s.substr(0, i)).c_str(), nullptr);
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !((s[j] >= '0' && s[j] <= '9') || s[j] == '.')) ++j;
    std::string_view unit = s.substr(0, j);
    s.remove_prefix(j);
    if (unit.empty()) {
      return InvalidArgumentError("time: missing unit in duration \"" + text + "\"");
    }
    bool found = false;
    for (const auto& [name, scale] : kUnits) {
      if (unit == name) {
        total += number * scale;
        found = true;
      }
    }
    if (!found) {
      return InvalidArgumentError("time: unknown unit \"" + std::string(unit) +
                                  "\" in duration \"" + text + "\"");
    }
  }
  if (total > 9.223372036854775807e18L) return invalid();
  int64_t nanos = static_cast<int64_t>(total);
  return negative ? -nanos : nanos;
}

Result<SearchParams> ParseSearchParams(const std::map<std::string, std::string>& query,
                                       uint64_t now_unix_nano, const SearchLimits& limits) {
  SearchParams params;
  auto find = [&](const char* name) -> const std::string* {
    auto it = query.find(name);
    return it == query.end() ? nullptr : &it->second;
  };
  const std::string* q = find("q");
  const std::string* tags = find("tags");
  if (q && q->size() > kMaxQueryBytes) return InvalidArgumentError(QueryTooLargeMessage());
  if (q && tags) {
    return InvalidArgumentError("invalid request: can't specify tags and q in the same query");
  }

  std::vector<std::pair<std::string, std::string>> tag_list;
  if (tags) {
    Status s = ParseLogfmt(*tags, &tag_list);
    if (!s.ok()) return InvalidArgumentError("invalid tags: " + s.message());
  } else if (!q && !find("start") && !find("end")) {
    static const std::set<std::string> kReserved = {
        "q", "tags", "minDuration", "maxDuration", "limit", "spss", "start", "end", "since",
        "mode", "blockID", "startPage", "pagesToSearch", "encoding", "indexPageSize",
        "totalRecords", "dataEncoding", "version", "size", "footerSize"};
    for (const auto& [key, value] : query) {
      if (!kReserved.count(key)) tag_list.emplace_back(key, value);
    }
  }
  std::set<std::string> seen;
  for (const auto& [key, value] : tag_list) {
    if (!seen.insert(key).second) {
      return InvalidArgumentError("invalid tags: tag " + key + " has been set twice");
    }
  }

  std::optional<int64_t> min_ms, max_ms;
  for (auto [name, slot] : {std::pair{"minDuration", &min_ms}, std::pair{"maxDuration", &max_ms}}) {
    if (const std::string* text = find(name)) {
      Result<int64_t> nanos = ParseGoDuration(*text);
      if (!nanos.ok()) {
        return InvalidArgumentError(std::string("invalid ") + name + ": " +
                                    nanos.status().message());
      }
      *slot = *nanos / 1'000'000;
    }
  }
  if (min_ms && max_ms && *max_ms != 0 && *min_ms > *max_ms) {
    return InvalidArgumentError("invalid maxDuration: must be greater than minDuration");
  }

  if (q) {
    params.query = *q;
  } else if (!tag_list.empty() || (min_ms && *min_ms > 0) || (max_ms && *max_ms > 0)) {
    std::string conditions;
    for (const auto& [key, value] : tag_list) {
      if (!conditions.empty()) conditions += " && ";
      conditions += TagCondition(key, value);
    }
    if (min_ms && *min_ms > 0) {
      if (!conditions.empty()) conditions += " && ";
      conditions += "traceDuration >= " + std::to_string(*min_ms) + "ms";
    }
    if (max_ms && *max_ms > 0) {
      if (!conditions.empty()) conditions += " && ";
      conditions += "traceDuration <= " + std::to_string(*max_ms) + "ms";
    }
    params.query = "{ " + conditions + " }";
  } else {
    params.query = "{}";
  }

  if (const std::string* text = find("limit")) {
    int64_t limit = 0;
    TEMPO_RETURN_IF_ERROR(ParseInt("limit", *text, &limit));
    if (limit <= 0) return InvalidArgumentError("invalid limit: must be a positive number");
    if (limit > limits.max_limit) {
      return InvalidArgumentError("limit " + std::to_string(limit) + " exceeds max limit " +
                                  std::to_string(limits.max_limit));
    }
    params.options.limit = static_cast<uint32_t>(limit);
  }
  if (const std::string* text = find("spss")) {
    int64_t spss = 0;
    TEMPO_RETURN_IF_ERROR(ParseInt("spss", *text, &spss));
    if (spss < 0) return InvalidArgumentError("invalid spss: must be a non-negative number");
    if (spss > limits.max_spss) {
      return InvalidArgumentError("spans per span set exceeds " +
                                  std::to_string(limits.max_spss) + ". received " +
                                  std::to_string(spss));
    }
    params.options.spans_per_spanset = static_cast<uint32_t>(spss);
  }

  std::optional<uint32_t> start, end;
  TEMPO_RETURN_IF_ERROR(ParseUint32Param(query, "start", &start));
  TEMPO_RETURN_IF_ERROR(ParseUint32Param(query, "end", &end));
  if (!start && end) {
    return InvalidArgumentError(
        "error parsing date range: only one of start and end provided: must provide both or "
        "neither");
  }
  if (start) {
    uint32_t e = end.value_or(0);
    if (e <= *start) {
      return InvalidArgumentError("http parameter start must be before end. received start=" +
                                  std::to_string(*start) + " end=" + std::to_string(e));
    }
    if (uint64_t{e} - *start > limits.max_duration_seconds) {
      return InvalidArgumentError(
          "range specified by start and end exceeds " +
          FormatGoDuration(limits.max_duration_seconds) + ". received start=" +
          std::to_string(*start) + " end=" + std::to_string(e));
    }
    params.options.start_unix_nano = uint64_t{*start} * 1'000'000'000;
    // The end second is included: spans that started during it are found.
    params.options.end_unix_nano =
        std::min(uint64_t{e} * 1'000'000'000 + 999'999'999, std::max(now_unix_nano,
                                                                      uint64_t{*start} * 1'000'000'000));
  } else {
    params.options.end_unix_nano = now_unix_nano;
    params.options.start_unix_nano = now_unix_nano - limits.default_window_seconds * 1'000'000'000;
  }
  return params;
}

}  // namespace tempo::api
