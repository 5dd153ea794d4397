#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/common/result.h"

namespace tempo::compactor {

// What one listing of the backend found for one tenant.
struct TenantScan {
  // Blocks with meta.json and without meta.compacted.json, by block ID.
  std::map<std::string, block::BlockMeta> live;
  // Live blocks that another live block lists in `replaces` (an output committed before its
  // inputs were marked): hidden from readers, to be marked compacted.
  std::set<std::string> replaced;
  // Blocks with meta.compacted.json: their compaction time (Unix ns).
  std::map<std::string, int64_t> compacted;
  // Directories with neither meta: a write in progress, or one a crash interrupted.
  std::vector<std::string> incomplete;
};

// A snapshot of every tenant's blocks in the backend, classified by state. Metas and compaction
// times are immutable, so they are read once and then served from caches the caller keeps across
// scans. A value type; not thread-safe.
class BackendScan {
 public:
  // Lists every tenant and block. `meta_cache` and `compacted_cache` (keyed "tenant/block") are
  // read and filled. A meta that does not parse is skipped with a warning (never compacted, never
  // deleted). Errors: those of the backend.
  static Result<BackendScan> Run(const backend::RawReader& backend,
                                 std::map<std::string, block::BlockMeta>* meta_cache,
                                 std::map<std::string, int64_t>* compacted_cache);

  std::map<std::string, TenantScan> tenants;
};

// meta.compacted.json: the block's meta.json fields plus "compactedTime" (RFC3339 with
// nanoseconds, as Tempo's CompactedBlockMeta) and "compactedUnixNano" (exact, preferred).
std::string CompactedMetaToJson(const block::BlockMeta& meta, int64_t compacted_unix_nano);
// The compaction time of a meta.compacted.json. kCorruption if it has none.
Result<int64_t> CompactedTimeFromJson(std::string_view json);

}  // namespace tempo::compactor
