#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "querier/combined_scan.h"
#include "tempo/common/shared_bytes.h"

#include "tempo/block/block_meta.h"
#include "tempo/block/block_reader.h"
#include "tempo/common/ids.h"
#include "tempo/common/request_context.h"
#include "tempo/common/status.h"
#include "tempo/ingester/ingester.h"
#include "tempo/store/store.h"
#include "tempo/traceql/fetcher.h"
#include "tempo/traceql/memory_fetcher.h"

namespace tempo::querier {

// The traces found in more than one block of a set of blocks (a merge of their trace-ID
// directories, O(traces)), kept per tenant for the last set searched: repeated searches over the
// same blocks skip the merge. One entry per tenant. Thread-safe.
class SharedTraceCache {
 public:
  struct Entry {
    std::string key;                           // the block IDs, in search order
    std::vector<TraceId> ids;                  // sorted
    std::vector<std::vector<uint64_t>> rows;   // per block (search order): ascending positions
  };
  std::shared_ptr<const Entry> Get(const std::string& tenant, const std::string& key) const;
  void Put(const std::string& tenant, std::shared_ptr<const Entry> entry);

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Entry>> entries_;  // guarded by mu_
};

// `s` with the block named in its message (Ok stays Ok).
Status InBlock(const block::BlockMeta& meta, const Status& s);

// One block a search reads, with its reader held for the whole search.
struct BlockSource {
  block::BlockMeta meta;
  std::shared_ptr<const block::BlockReader> reader;
  std::vector<block::BlockReader::RowGroupInfo> row_groups;
  // Directory positions of the traces that are also elsewhere (live data or another block of
  // the search): the combined job evaluates them, the row-group jobs skip them. Ascending.
  std::vector<uint64_t> shared_rows;
};

// Everything a search reads, taken at its start: the blocks overlapping the window (newest end
// first), the live traces in the window, and which traces have fragments in several of them.
// A trace with fragments in several places must be combined before it is evaluated, so those
// traces (and every live trace) are evaluated by one "combined" job and skipped by the
// row-group jobs, which then see only whole traces. Immutable after Prepare; shared by the jobs.
class SearchSources {
 public:
  // Lists the blocks of `ctx.tenant` overlapping [start, end], opens their readers, snapshots the
  // live traces and finds the traces present in more than one place (a merge of the blocks'
  // trace-ID directories plus directory lookups of the live traces). Errors: the store's.
  // `cache` (may be null) remembers the merge for the next search over the same blocks.
  static Result<std::shared_ptr<const SearchSources>> Prepare(const RequestContext& ctx,
                                                              const ingester::Ingester& ingester,
                                                              const store::Store& store,
                                                              uint64_t start, uint64_t end,
                                                              SharedTraceCache* cache);

  const std::vector<BlockSource>& blocks() const { return blocks_; }
  // Whether trace `id` is evaluated by the combined job (row-group jobs skip it).
  bool IsShared(const TraceId& id) const;
  size_t combined_traces() const { return shared_ids_.size(); }
  // The combined traces are split into `parts` parts by an upper bound of their start (the
  // earliest of the live data's first span start, unknown for replayed data, and the end of each
  // block holding a fragment): part 0 holds the newest bounds. PartOf is the part of a combined
  // trace; PartBound an upper bound of the start of every trace of a part, so that the jobs of
  // a search can be ordered newest first.
  uint32_t PartOf(const TraceId& id, uint32_t parts) const;
  uint64_t PartBound(uint32_t part, uint32_t parts) const;

  // Builds into `out` the combined traces (live data plus every block fragment of each shared
  // trace) that may match `request`; `inspected_bytes` receives the bytes combined. Errors:
  // decoding, `ctx`. The predicates are decided first, on the block fragments' columns
  // (block::BlockFetcher::PredicatesOnRows) and on the live data's raw bytes (RawTraceFilter):
  // a predicate holds on a combined trace if it holds on one of its parts, since every span of
  // the combined trace is a span of one part. With all_conditions a
  // trace is kept when every predicate holds somewhere, else when one does (no predicates: every
  // trace). Only the kept traces are read, decoded and combined; the time range is checked on
  // the combined trace. `inspected_bytes` also counts the condition columns read.
  // Only the traces of part `part` of `parts` (PartOf) are built, so that the
  // combined work can run as several jobs (StreamCombined, with one CombinedScan for all parts).
  Status BuildCombined(const RequestContext& ctx, const traceql::FetchRequest& request,
                       traceql::InMemoryFetcher* out, uint64_t* inspected_bytes,
                       uint32_t part = 0, uint32_t parts = 1) const;

  // The traces BuildCombined builds, handed to `consume` one at a time and decoded only when
  // their turn comes (in batches), in descending order of an upper bound of their start: the
  // earliest of the live data's first span start and the end of every block holding a fragment
  // (live data replayed from the WAL has no known start and comes first); ties by trace ID.
  // Before each batch `min_start()` (optional) is asked: the stream ends at the first candidate
  // whose bound is below it, as no trace from there on can start later. Stops when `consume`
  // returns false. With request.named_attributes_only the block fragments are decoded with only
  // the attributes a search reads (BlockFetcher::ReadTraces). The request is `scan`'s, which
  // must have been made for these sources; the parts of one combined job share it, so that each
  // block's predicate columns are scanned once. Errors as BuildCombined.
  Status StreamCombined(const RequestContext& ctx, CombinedScan& scan, uint32_t part,
                        uint32_t parts, const std::function<uint64_t()>& min_start,
                        const std::function<bool(traceql::TraceView&&)>& consume,
                        uint64_t* inspected_bytes) const;

 private:
  struct LiveTrace {
    TraceId id;
    BytesRef data;  // the live fragments, shared with the ingester (not copied)
    uint64_t start_bound = UINT64_MAX;  // no span of the live data starts later (unknown: max)
  };

  // Orders the shared traces by their start bounds (shared_rank_, ranked_bounds_).
  void RankShared();
  // Per block, the shared rows of the traces BuildCombined(request, part, parts) combines, and
  // per live trace (live_ order) whether it is combined (see there).
  Status CandidateRows(const RequestContext& ctx, CombinedScan& scan, uint32_t part,
                       uint32_t parts, std::vector<std::vector<uint64_t>>* rows,
                       std::vector<bool>* live_kept, uint64_t* inspected_bytes) const;

  uint64_t start_ = 0, end_ = 0;
  std::vector<BlockSource> blocks_;
  std::vector<LiveTrace> live_;    // sorted by ID
  std::vector<TraceId> shared_ids_;  // sorted: every trace of the combined job
  // Per shared_ids_ entry, its rank when ordered by descending start bound (ties by ID); and the
  // bounds in that order.
  std::vector<uint32_t> shared_rank_;
  std::vector<uint64_t> ranked_bounds_;
};

}  // namespace tempo::querier
