// Query text of literal values, attribute references and durations (values.h).
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "tempo/traceql/values.h"
#include "traceql/unicode_space.h"

namespace tempo::traceql {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// An unquoted name would not lex back to the same attribute (§2.6): quote it.
bool NeedsQuotes(const Attribute& a) {
  const std::string& n = a.name;
  if (n.empty()) return true;
  for (char c : n) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == ' ' || c == '"' || c == '{' || c == '}' || c == '(' ||
        c == ')' || c == '=' || c == '~' || c == '!' || c == '<' || c == '>' || c == '&' ||
        c == '|' || c == '^' || c == ',') {
      return true;
    }
  }
  for (size_t i = 0; i < n.size(); ++i) {
    if (UnicodeSpaceLength(std::string_view(n).substr(i)) > 0) return true;
  }
  bool bare_dot = a.scope == AttributeScope::kNone && !a.parent;
  if (bare_dot && IsDigit(n[0])) return true;  // `.3` would be a float
  if (a.parent && a.scope == AttributeScope::kNone &&
      (n.rfind("span.", 0) == 0 || n.rfind("resource.", 0) == 0)) {
    return true;  // `parent.span.x` would be the parent's span attribute `x`
  }
  return false;
}

std::string FormatFloat(double v) {
  if (std::isnan(v)) return "(0.0 / 0.0)";
  if (std::isinf(v)) return v > 0 ? "(1.0 / 0.0)" : "(-1.0 / 0.0)";
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string QuoteString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (u < 0x20 || u == 0x7F) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[u >> 4];
          out += kHex[u & 0xF];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// Fixed-point "<int>[.<frac>]" of `v / 10^digits`, trailing zeros of the fraction removed.
std::string FormatFixed(uint64_t v, int digits) {
  uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  std::string out = std::to_string(v / scale);
  uint64_t frac = v % scale;
  if (frac != 0) {
    std::string f = std::to_string(frac);
    f.insert(0, static_cast<size_t>(digits) - f.size(), '0');
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out;
}

}  // namespace

std::string FormatDuration(int64_t nanos) {
  if (nanos == 0) return "0s";
  std::string sign = nanos < 0 ? "-" : "";
  uint64_t u = nanos < 0 ? ~static_cast<uint64_t>(nanos) + 1 : static_cast<uint64_t>(nanos);
  if (u < 1'000) return sign + std::to_string(u) + "ns";
  if (u < 1'000'000) return sign + FormatFixed(u, 3) + "\xC2\xB5s";
  if (u < 1'000'000'000) return sign + FormatFixed(u, 6) + "ms";
  uint64_t total_seconds = u / 1'000'000'000;
  std::string seconds = FormatFixed(u % 60'000'000'000, 9) + "s";
  uint64_t minutes = total_seconds / 60;
  if (minutes == 0) return sign + seconds;
  uint64_t hours = minutes / 60;
  std::string out = sign;
  if (hours > 0) out += std::to_string(hours) + "h";
  return out + std::to_string(minutes % 60) + "m" + seconds;
}

std::string ToString(const Static& v) {
  switch (v.type) {
    case ValueType::kNil:
    case ValueType::kAttribute:
      return "nil";
    case ValueType::kInt:
      if (v.int_value == std::numeric_limits<int64_t>::min()) return "minInt";
      return std::to_string(v.int_value);
    case ValueType::kFloat:
      return FormatFloat(v.float_value);
    case ValueType::kString:
      return QuoteString(v.string_value);
    case ValueType::kBool:
      return v.bool_value ? "true" : "false";
    case ValueType::kDuration:
      return FormatDuration(v.int_value);
    case ValueType::kStatus:
      return std::string(StatusCodeText(v.status));
    case ValueType::kKind:
      return std::string(SpanKindText(v.kind));
  }
  return "nil";
}

std::string ToString(const Attribute& a) {
  if (a.is_intrinsic()) {
    std::string_view bare, scoped;
    AttributeScope natural = AttributeScope::kSpan;
    switch (a.intrinsic) {
      case Intrinsic::kDuration:
        bare = "duration";
        scoped = "duration";
        break;
      case Intrinsic::kName:
        bare = "name";
        scoped = "name";
        break;
      case Intrinsic::kStatus:
        bare = "status";
        scoped = "status";
        break;
      case Intrinsic::kStatusMessage:
        bare = "statusMessage";
        scoped = "statusMessage";
        break;
      case Intrinsic::kKind:
        bare = "kind";
        scoped = "kind";
        break;
      case Intrinsic::kChildCount:
        scoped = "childCount";
        break;
      case Intrinsic::kSpanId:
        scoped = "id";
        break;
      case Intrinsic::kParentId:
        scoped = "parentID";
        break;
      case Intrinsic::kParent:
        bare = "parent";
        break;
      case Intrinsic::kTraceDuration:
        bare = "traceDuration";
        scoped = "duration";
        natural = AttributeScope::kTrace;
        break;
      case Intrinsic::kTraceRootName:
        bare = "rootName";
        scoped = "rootName";
        natural = AttributeScope::kTrace;
        break;
      case Intrinsic::kTraceRootService:
        bare = "rootServiceName";
        scoped = "rootService";
        natural = AttributeScope::kTrace;
        break;
      case Intrinsic::kTraceId:
        scoped = "id";
        natural = AttributeScope::kTrace;
        break;
      case Intrinsic::kEventName:
        scoped = "name";
        natural = AttributeScope::kEvent;
        break;
      case Intrinsic::kEventTimeSinceStart:
        scoped = "timeSinceStart";
        natural = AttributeScope::kEvent;
        break;
      case Intrinsic::kLinkTraceId:
        scoped = "traceID";
        natural = AttributeScope::kLink;
        break;
      case Intrinsic::kLinkSpanId:
        scoped = "spanID";
        natural = AttributeScope::kLink;
        break;
      case Intrinsic::kInstrumentationName:
        scoped = "name";
        natural = AttributeScope::kInstrumentation;
        break;
      case Intrinsic::kInstrumentationVersion:
        scoped = "version";
        natural = AttributeScope::kInstrumentation;
        break;
      case Intrinsic::kNestedSetLeft:
        bare = "nestedSetLeft";
        break;
      case Intrinsic::kNestedSetRight:
        bare = "nestedSetRight";
        break;
      case Intrinsic::kNestedSetParent:
        bare = "nestedSetParent";
        break;
      case Intrinsic::kNone:
        break;
    }
    if (scoped.empty() || (a.scope == AttributeScope::kNone && !bare.empty())) {
      return std::string(bare);
    }
    std::string_view scope_text;
    switch (natural) {
      case AttributeScope::kTrace:
        scope_text = "trace:";
        break;
      case AttributeScope::kEvent:
        scope_text = "event:";
        break;
      case AttributeScope::kLink:
        scope_text = "link:";
        break;
      case AttributeScope::kInstrumentation:
        scope_text = "instrumentation:";
        break;
      default:
        scope_text = "span:";
        break;
    }
    return std::string(scope_text) + std::string(scoped);
  }
  std::string out = a.parent ? "parent." : "";
  switch (a.scope) {
    case AttributeScope::kNone:
      out += a.parent ? "" : ".";
      break;
    case AttributeScope::kSpan:
      out += "span.";
      break;
    case AttributeScope::kResource:
      out += "resource.";
      break;
    case AttributeScope::kEvent:
      out += "event.";
      break;
    case AttributeScope::kLink:
      out += "link.";
      break;
    case AttributeScope::kInstrumentation:
      out += "instrumentation.";
      break;
    case AttributeScope::kTrace:
      out += "trace.";
      break;  // not producible by the parser
  }
  if (!NeedsQuotes(a)) return out + a.name;
  out += '"';
  for (char c : a.name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

}  // namespace tempo::traceql
