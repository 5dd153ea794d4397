#pragma once

#include <array>
#include <string>
#include <string_view>

namespace tempo::config {

// The values of -target / `target`: Tempo's module names. Only "all" runs everything; the others
// select one role (scale-out, see DESIGN.md).
inline constexpr std::array<std::string_view, 8> kKnownTargets = {
    "all",     "scalable-single-binary", "distributor",       "ingester",
    "querier", "query-frontend",         "metrics-generator", "compactor",
};

inline bool IsKnownTarget(std::string_view target) {
  for (std::string_view known : kKnownTargets) {
    if (known == target) return true;
  }
  return false;
}

// "all, scalable-single-binary, ..." for error and help messages.
inline std::string KnownTargetList() {
  std::string out;
  for (std::string_view known : kKnownTargets) {
    if (!out.empty()) out += ", ";
    out += known;
  }
  return out;
}

}  // namespace tempo::config
