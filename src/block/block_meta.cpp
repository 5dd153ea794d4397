#include "tempo/block/block_meta.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace tempo::block {
namespace {

using Json = nlohmann::ordered_json;

constexpr int64_t kNanosPerSecond = 1'000'000'000;

Status FieldError(std::string_view field, std::string_view problem) {
  return CorruptionError("meta.json: field '" + std::string(field) + "' " + std::string(problem));
}

// Each getter: kCorruption naming the field if it is present with the wrong type, or if it is
// required and missing. Returns false (without error) for a missing optional field.
Result<bool> GetString(const Json& j, std::string_view key, bool required, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return FieldError(key, "is missing");
    return false;
  }
  if (!it->is_string()) return FieldError(key, "is not a string");
  *out = it->get<std::string>();
  return true;
}

template <typename T>
Result<bool> GetNumber(const Json& j, std::string_view key, bool required, T* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return FieldError(key, "is missing");
    return false;
  }
  bool ok = std::is_signed_v<T> ? it->is_number_integer() : it->is_number_unsigned();
  if (!ok) return FieldError(key, "is not a valid integer");
  if constexpr (std::is_signed_v<T>) {
    int64_t v = it->get<int64_t>();
    if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
      return FieldError(key, "is out of range");
    }
    *out = static_cast<T>(v);
  } else {
    uint64_t v = it->get<uint64_t>();
    if (v > std::numeric_limits<T>::max()) return FieldError(key, "is out of range");
    *out = static_cast<T>(v);
  }
  return true;
}

// A time given exactly ("startUnixNano", a decimal string) or as RFC3339 ("startTime").
Result<int64_t> GetTime(const Json& j, std::string_view exact_key, std::string_view text_key) {
  std::string text;
  TEMPO_ASSIGN_OR_RETURN(bool has_exact, GetString(j, exact_key, false, &text));
  if (has_exact) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
      return FieldError(exact_key, "is not a decimal integer");
    }
    return v;
  }
  TEMPO_ASSIGN_OR_RETURN(bool has_text, GetString(j, text_key, false, &text));
  if (!has_text) return FieldError(text_key, "is missing");
  Result<int64_t> t = ParseRfc3339Nano(text);
  if (!t.ok()) return FieldError(text_key, "is not an RFC3339 time");
  return *t;
}

bool ParseDigits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string FormatRfc3339Nano(int64_t unix_nano) {
  using namespace std::chrono;
  int64_t secs = unix_nano / kNanosPerSecond;
  int64_t nanos = unix_nano % kNanosPerSecond;
  if (nanos < 0) {
    nanos += kNanosPerSecond;
    --secs;
  }
  int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  year_month_day ymd{sys_days{std::chrono::days{days}}};
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d",
                        static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                        static_cast<unsigned>(ymd.day()), static_cast<int>(rem / 3600),
                        static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (nanos != 0) {
    std::snprintf(buf, sizeof(buf), ".%09lld", static_cast<long long>(nanos));
    std::string frac(buf);
    while (frac.back() == '0') frac.pop_back();
    out += frac;
  }
  out += 'Z';
  return out;
}

Result<int64_t> ParseRfc3339Nano(std::string_view s) {
  using namespace std::chrono;
  auto bad = [&] { return InvalidArgumentError("not an RFC3339 time: '" + std::string(s) + "'"); };
  int y, mo, d, h, mi, se;
  if (!ParseDigits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !ParseDigits(s, 5, 2, &mo) ||
      s[7] != '-' || !ParseDigits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
      !ParseDigits(s, 11, 2, &h) || s[13] != ':' || !ParseDigits(s, 14, 2, &mi) || s[16] != ':' ||
      !ParseDigits(s, 17, 2, &se) || h > 23 || mi > 59 || se > 60) {
    return bad();
  }
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return bad();
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) nanos = nanos * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad();
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!ParseDigits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ParseDigits(s, pos + 4, 2, &om)) {
      return bad();
    }
    offset = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  int64_t days = sys_days{ymd}.time_since_epoch().count();
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset;
  return secs * kNanosPerSecond + nanos;
}

std::string MetaToJson(const BlockMeta& meta) {
  Json j;
  j["format"] = meta.version;
  j["blockID"] = meta.block_id;
  j["tenantID"] = meta.tenant_id;
  j["startTime"] = FormatRfc3339Nano(meta.start_unix_nano);
  j["endTime"] = FormatRfc3339Nano(meta.end_unix_nano);
  j["startUnixNano"] = std::to_string(meta.start_unix_nano);
  j["endUnixNano"] = std::to_string(meta.end_unix_nano);
  j["totalObjects"] = meta.total_traces;
  j["totalSpans"] = meta.total_spans;
  j["size"] = meta.size_bytes;
  j["compactionLevel"] = meta.compaction_level;
  j["footerSize"] = meta.footer_size;
  j["totalRecords"] = meta.row_groups;
  j["minID"] = meta.min_trace_id;
  j["maxID"] = meta.max_trace_id;
  j["replaces"] = meta.replaces;
  j["createdAt"] = meta.created_at_unix;
  // Invalid UTF-8 (never expected in IDs) is replaced instead of throwing.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<BlockMeta> MetaFromJson(std::string_view text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return CorruptionError("meta.json: not a JSON object");
  BlockMeta meta;
  TEMPO_RETURN_IF_ERROR(GetString(j, "format", true, &meta.version).status());
  if (meta.version != kFormatVersion) {
    return CorruptionError("unsupported block format version " + meta.version);
  }
  TEMPO_RETURN_IF_ERROR(GetString(j, "blockID", true, &meta.block_id).status());
  TEMPO_RETURN_IF_ERROR(GetString(j, "tenantID", true, &meta.tenant_id).status());
  TEMPO_ASSIGN_OR_RETURN(meta.start_unix_nano, GetTime(j, "startUnixNano", "startTime"));
  TEMPO_ASSIGN_OR_RETURN(meta.end_unix_nano, GetTime(j, "endUnixNano", "endTime"));
  TEMPO_RETURN_IF_ERROR(GetNumber(j, "totalObjects", true, &meta.total_traces).status());
  TEMPO_RETURN_IF_ERROR(GetNumber(j, "size", true, &meta.size_bytes).status());
  TEMPO_RETURN_IF_ERROR(GetNumber(j, "totalSpans", false, &meta.total_spans).status());
  TEMPO_RETURN_IF_ERROR(GetNumber(j, "compactionLevel", false, &meta.compaction_level).status());
  TEMPO_RETURN_IF_ERROR(GetNumber(j, "footerSize", false, &meta.footer_size).status());
  TEMPO_RETURN_IF_ERROR(GetNumber(j, "totalRecords", false, &meta.row_groups).status());
  TEMPO_RETURN_IF_ERROR(GetString(j, "minID", false, &meta.min_trace_id).status());
  TEMPO_RETURN_IF_ERROR(GetString(j, "maxID", false, &meta.max_trace_id).status());
  TEMPO_RETURN_IF_ERROR(GetNumber(j, "createdAt", false, &meta.created_at_unix).status());
  auto it = j.find("replaces");
  if (it != j.end() && !it->is_null()) {
    if (!it->is_array()) return FieldError("replaces", "is not an array");
    for (const Json& v : *it) {
      if (!v.is_string()) return FieldError("replaces", "holds a non-string");
      meta.replaces.push_back(v.get<std::string>());
    }
  }
  return meta;
}

}  // namespace tempo::block
