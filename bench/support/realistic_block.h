#pragma once

#include <cstdint>
#include <string>

#include "tempo/backend/backend.h"
#include "tempo/common/status.h"

namespace tempo::bench {

// One block of realistic traces (RealisticTraceGenerator) written to `backend` for `tenant`:
// about `spans` spans whose trace IDs come from SortedRandomTraceIds(spans / 3, id_seed), start
// times in [base_time_unix_nano, + window_nanos), block ID 00000000-0000-4000-8000-<index + 1>.
// Used by the search and tag benchmarks to build their data sets.
struct RealisticBlockSpec {
  uint64_t index = 0;
  uint64_t spans = 1'000'000;
  uint64_t seed = 0;
  uint64_t id_seed = 0;
  uint64_t base_time_unix_nano = 0;
  uint64_t window_nanos = 0;
};
Status WriteRealisticBlock(backend::Backend& backend, const std::string& tenant,
                           const RealisticBlockSpec& spec);

}  // namespace tempo::bench
