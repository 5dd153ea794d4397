#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/page_cache.h"
#include "tempo/common/ids.h"
#include "tempo/common/metrics.h"
#include "tempo/common/request_context.h"
#include "tempo/common/service.h"
#include "tempo/store/store_config.h"

namespace tempo::block {
class BlockReader;
}
namespace tempopb {
class Trace;
}
namespace google::protobuf {
class Arena;
}

namespace tempo::store {

class Tombstones;

// Knows every committed block of every tenant (their metas, in memory) and finds traces in them.
// A block is committed once its meta.json exists. A block is *retired* (hidden from readers) once
// it has meta.compacted.json, or once a visible block lists it in `replaces` (a compaction output
// hides its inputs the moment it is visible, before they are marked), or once this process marked
// it (MarkRetired). Every change of a tenant's visible set is one atomic swap, so a reader sees the
// inputs of a compaction or its output, never both and never neither.
// With tombstones attached (SetTombstones), deleted traces are invisible to FindTrace and
// ForEachTrace; without (the CLI) the blocks are read as they are.
// Readers are opened lazily and kept in a bounded LRU. `backend` and `registry` must outlive the
// Store. Thread-safe; synchronous (call from a blocking pool).
class Store : public Service {
 public:
  Store(StoreConfig config, const backend::RawReader& backend, metrics::Registry& registry);
  ~Store() override;

  // Hides the traces `tombstones` lists from FindTrace and ForEachTrace (and tells searches which
  // to skip). Call before Start; `tombstones` must outlive the Store.
  void SetTombstones(const Tombstones* tombstones) { tombstones_ = tombstones; }
  // The attached tombstones, or null.
  const Tombstones* tombstones() const { return tombstones_; }

  // Lists the backend once and starts the poller.
  Status Start() override;
  void Stop() override;

  // Re-lists every tenant's blocks and reads the metas of new ones; forgets vanished blocks.
  Status Poll();
  // Registers a block this process has just committed (its meta.json is written). The blocks it
  // replaces are retired in the same swap.
  void AddBlock(const block::BlockMeta& meta);
  // Hides blocks this process has marked compacted (retention) or is about to delete.
  void MarkRetired(const std::string& tenant, const std::vector<std::string>& block_ids);
  // Forgets blocks this process deleted from the backend (visible or retired).
  void ForgetBlocks(const std::string& tenant, const std::vector<std::string>& block_ids);

  // Metas of `tenant`, ordered by start time (newest last).
  std::vector<block::BlockMeta> Blocks(const std::string& tenant) const;
  std::vector<std::string> Tenants() const;
  // Whether `block_id` was committed: visible, or retired (replaced or marked compacted) and not
  // yet deleted. The block builder's recovery relies on this to keep the cut journal of a block
  // that a compaction has since replaced.
  bool HasBlock(const std::string& tenant, const std::string& block_id) const;

  // Looks `id` up in the blocks of `ctx.tenant` whose time range overlaps [start, end] (unix
  // seconds, either optional) and whose ID range contains it; each block's bloom filter is
  // checked before its directory. Appends every hit as a serialized tempopb.Trace to
  // `fragments`, back to back (so the whole is one serialized tempopb.Trace holding every
  // part); the parts are written from the blocks' columns without messages. `parts` (optional)
  // counts the hits. `combined_spans` (optional): with exactly one hit, its span count when it
  // is already combined (BlockReader::FindTraceSerialized), else 0. Errors: kCorruption/kIOError
  // naming the block when one cannot be read.
  Status FindTrace(const RequestContext& ctx, const TraceId& id,
                   std::optional<int64_t> start_seconds, std::optional<int64_t> end_seconds,
                   std::string* fragments, size_t* parts,
                   uint32_t* combined_spans = nullptr) const;
  // The same, one string per hit; `inspected_bytes` (optional) adds up their sizes.
  Status FindTrace(const RequestContext& ctx, const TraceId& id,
                   std::optional<int64_t> start_seconds, std::optional<int64_t> end_seconds,
                   std::vector<std::string>* fragments, uint64_t* inspected_bytes) const;

  // IDs of the visible blocks of `tenant` that hold trace `id` (ID range, bloom filter, then
  // trace-ID directory; no trace is decoded), tombstones or not. Errors: as OpenReader.
  Result<std::vector<std::string>> BlocksHolding(const std::string& tenant,
                                                 const TraceId& id) const;

  // The open reader of block `meta` (from the LRU, opened if needed), shared with the caller,
  // who may keep it while the block is being read. For the querier's column scans. Errors:
  // kCorruption/kIOError naming the block.
  Result<std::shared_ptr<const block::BlockReader>> OpenReader(const block::BlockMeta& meta) const;

  // Decodes every trace of block `meta` (of `ctx.tenant`) in directory order, through the cached
  // reader, and calls `fn` with each; stops at the first error `fn` returns. Errors: as FindTrace.
  Status ForEachTrace(const RequestContext& ctx, const block::BlockMeta& meta,
                      const std::function<Status(const TraceId&, tempopb::Trace&&)>& fn) const;

 private:
  using BlockMap = std::map<std::string, block::BlockMeta>;  // by block ID
  // Removes from `blocks` every block another block of it replaces, adding them to `retired`.
  static void HideReplaced(BlockMap* blocks, std::set<std::string>* retired);
  Result<std::shared_ptr<const block::BlockReader>> Reader(const block::BlockMeta& meta) const;
  // The lookup of FindTrace: appends each hit to `fragments` and its end offset there to `ends`;
  // `combined_spans` as for FindTrace.
  Status AppendHits(const RequestContext& ctx, const TraceId& id,
                    std::optional<int64_t> start_seconds, std::optional<int64_t> end_seconds,
                    std::string* fragments, std::vector<size_t>* ends,
                    uint32_t* combined_spans) const;
  void PollLoop();

  StoreConfig config_;
  const backend::RawReader& backend_;
  const Tombstones* tombstones_ = nullptr;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const BlockMap>> tenants_;  // guarded by mu_
  // Per tenant: IDs of committed blocks hidden from readers (see the class comment).
  std::map<std::string, std::set<std::string>> retired_;  // guarded by mu_
  // LRU of open readers: most recent first.
  mutable std::list<std::pair<std::string, std::shared_ptr<const block::BlockReader>>> lru_;
  mutable std::map<std::string, decltype(lru_)::iterator> lru_index_;  // guarded by mu_

  std::mutex poll_mu_;
  std::condition_variable poll_cv_;
  bool stopping_ = false;  // guarded by poll_mu_
  std::thread poller_;

  metrics::GaugeFamily& blocks_gauge_;
  metrics::Counter& poll_errors_;
  // Decompressed pages of the blocks searched, shared by every reader this store opens.
  std::shared_ptr<block::PageCache> page_cache_;
};

}  // namespace tempo::store
