#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "tempo/common/status.h"

namespace tempo::config {

// Typed readers for YAML leaf values. Each takes the value node and its dotted path (for error
// messages), leaves `*out` unchanged when the value is null (the key is present without a value,
// which keeps the default, as in Tempo), and returns kInvalidArgument
// "<path>: <problem> at line N" on a wrong type or range. None of them throws.

// 1-based line of `node`, or 0 when yaml-cpp has no position for it.
int LineOf(const YAML::Node& node);

// "<path>: <problem> at line N" as kInvalidArgument.
Status ValueError(std::string_view path, const YAML::Node& node, std::string_view problem);

// Any scalar, as written.
Status ReadString(const YAML::Node& node, std::string_view path, std::string* out);
// true/false (also yes/no, on/off, as YAML 1.1 and Go's yaml.v2 accept).
Status ReadBool(const YAML::Node& node, std::string_view path, bool* out);
// An integer in 0..65535: "<path>: 70000 is out of range (0-65535) at line N".
Status ReadPort(const YAML::Node& node, std::string_view path, uint16_t* out);
// A byte count: an integer, or float notation with an integral value (1.073741824e+09).
Status ReadBytes(const YAML::Node& node, std::string_view path, uint64_t* out);
Status ReadBytes(const YAML::Node& node, std::string_view path, int64_t* out);
// A Go duration string ("5m", "300ms"); negative durations are refused. Rounded up to whole
// milliseconds so that a tiny positive value never becomes 0 (which often means "off").
Status ReadDuration(const YAML::Node& node, std::string_view path, std::chrono::milliseconds* out);

}  // namespace tempo::config
