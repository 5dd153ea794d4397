#include "yaml_values.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "tempo/config/loader.h"

namespace tempo::config {
namespace {

// The scalar text of a leaf, or an error when the value is a mapping or a sequence.
Status ScalarOf(const YAML::Node& node, std::string_view path, std::string_view expected,
                std::string* out) {
  if (!node.IsScalar()) {
    return ValueError(
        path, node,
        "expected " + std::string(expected) + ", got a " + (node.IsMap() ? "mapping" : "sequence"));
  }
  *out = node.Scalar();
  return Status::Ok();
}

// Parses a byte count into [min, max]. Accepts integers and integral float notation.
Status ParseByteCount(const YAML::Node& node, std::string_view path, long double min,
                      long double max, long double* out) {
  std::string text;
  TEMPO_RETURN_IF_ERROR(ScalarOf(node, path, "a byte count", &text));
  int64_t as_int = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), as_int);
  if (ec == std::errc() && ptr == text.data() + text.size()) {
    *out = static_cast<long double>(as_int);
  } else {
    char* end = nullptr;
    long double value = text.empty() ? 0 : std::strtold(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value) ||
        value != std::floor(value)) {
      return ValueError(path, node, "\"" + text + "\" is not a whole number of bytes");
    }
    *out = value;
  }
  if (min == 0 && *out < 0) return ValueError(path, node, text + " must not be negative");
  if (*out < min || *out > max) {
    return ValueError(path, node, text + " is out of range");
  }
  return Status::Ok();
}

}  // namespace

int LineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

Status ValueError(std::string_view path, const YAML::Node& node, std::string_view problem) {
  std::string message = std::string(path) + ": " + std::string(problem);
  if (int line = LineOf(node); line > 0) message += " at line " + std::to_string(line);
  return InvalidArgumentError(std::move(message));
}

Status ReadString(const YAML::Node& node, std::string_view path, std::string* out) {
  if (node.IsNull()) return Status::Ok();
  return ScalarOf(node, path, "a string", out);
}

Status ReadBool(const YAML::Node& node, std::string_view path, bool* out) {
  if (node.IsNull()) return Status::Ok();
  std::string text;
  TEMPO_RETURN_IF_ERROR(ScalarOf(node, path, "true or false", &text));
  for (std::string_view t : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}) {
    if (text == t) {
      *out = true;
      return Status::Ok();
    }
  }
  for (std::string_view f : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}) {
    if (text == f) {
      *out = false;
      return Status::Ok();
    }
  }
  return ValueError(path, node, "\"" + text + "\" is not a bool (use true or false)");
}

Status ReadPort(const YAML::Node& node, std::string_view path, uint16_t* out) {
  if (node.IsNull()) return Status::Ok();
  std::string text;
  TEMPO_RETURN_IF_ERROR(ScalarOf(node, path, "a port number", &text));
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ptr != text.data() + text.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return ValueError(path, node, "\"" + text + "\" is not a port number");
  }
  if (ec == std::errc::result_out_of_range || value < 0 || value > 65535) {
    return ValueError(path, node, text + " is out of range (0-65535)");
  }
  *out = static_cast<uint16_t>(value);
  return Status::Ok();
}

Status ReadBytes(const YAML::Node& node, std::string_view path, uint64_t* out) {
  if (node.IsNull()) return Status::Ok();
  long double value = 0;
  // Above 2^63 long double stops being exact enough to be worth the trouble.
  TEMPO_RETURN_IF_ERROR(ParseByteCount(node, path, 0, static_cast<long double>(INT64_MAX), &value));
  *out = static_cast<uint64_t>(value);
  return Status::Ok();
}

Status ReadBytes(const YAML::Node& node, std::string_view path, int64_t* out) {
  if (node.IsNull()) return Status::Ok();
  long double value = 0;
  TEMPO_RETURN_IF_ERROR(ParseByteCount(node, path, static_cast<long double>(INT64_MIN),
                                       static_cast<long double>(INT64_MAX), &value));
  *out = static_cast<int64_t>(value);
  return Status::Ok();
}

Status ReadDuration(const YAML::Node& node, std::string_view path, std::chrono::milliseconds* out) {
  if (node.IsNull()) return Status::Ok();
  std::string text;
  TEMPO_RETURN_IF_ERROR(ScalarOf(node, path, "a duration", &text));
  Result<std::chrono::nanoseconds> parsed = ParseDuration(text);
  if (!parsed.ok()) {
    return ValueError(path, node,
                      "\"" + text + "\" is not a duration (use a Go duration such as \"10s\", " +
                          "\"5m\" or \"1h30m\")");
  }
  if (parsed->count() < 0) return ValueError(path, node, text + " must not be negative");
  *out = std::chrono::ceil<std::chrono::milliseconds>(*parsed);
  return Status::Ok();
}

}  // namespace tempo::config
