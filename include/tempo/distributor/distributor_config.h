#pragma once

#include <chrono>

namespace tempo::distributor {

// `distributor.*` settings that are not receivers, plus `multitenancy_enabled`.
struct DistributorConfig {
  bool multitenancy_enabled = false;
  // distributor.retry_after_on_resource_exhausted: the retry delay attached to
  // RESOURCE_EXHAUSTED answers (0 disables it).
  std::chrono::milliseconds retry_after_on_resource_exhausted{std::chrono::seconds(5)};
};

}  // namespace tempo::distributor
