#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "tempo/block/block_reader.h"
#include "tempo/common/ids.h"
#include "tempo/traceql/fetcher.h"

namespace tempo::block {

struct ConditionPlan;
struct RowGroupAssembly;

// What a BlockFetcher did, summed over its fetches.
struct BlockFetchStats {
  uint64_t bytes_read = 0;          // bytes read from the block
  uint64_t row_groups = 0;          // row groups considered
  uint64_t row_groups_skipped = 0;  // pruned by time range or statistics: nothing read
  uint64_t traces_scanned = 0;      // traces whose condition columns were evaluated
  uint64_t spans_scanned = 0;       // spans of those traces
  uint64_t candidates = 0;          // traces materialized and handed to the engine

  BlockFetchStats& operator+=(const BlockFetchStats& o);
};

// The TraceQL fetch interface (traceql/fetcher.h) over one block, with predicate pushdown and
// late materialization: row groups are skipped by time range and by the statistics of the
// condition columns (page min/max, string bounds); in the others only the condition columns are
// read and decoded (dictionary entries are tested once, integer comparisons become interval
// tests), each condition is decided per trace (all or any of them, FetchRequest::all_conditions;
// with FetchRequest::same_span all of them on one span; unscoped attributes in every scope), and
// only the traces that may match are decoded whole.
// Pruning is exact to the engine's comparisons and never drops a match; the engine re-evaluates
// every candidate.
//
// Candidates are this block's copy of each trace. Traces whose spans are spread over several
// blocks must be combined by the caller, which excludes them here with Options::skip. Order:
// row groups newest first (latest span end descending); the traces of a row group newest first
// (start descending, ties by trace ID), or in trace-ID order with Options::newest_first = false
// (cheaper when every candidate is evaluated anyway).
// Thread-safe: Fetch may run concurrently; `reader` is shared and must stay valid (it is held).
class BlockFetcher : public traceql::SpansetFetcher {
 public:
  struct Options {
    // Only row groups [first_row_group, last_row_group) of the block.
    uint32_t first_row_group = 0;
    uint32_t last_row_group = UINT32_MAX;
    // Candidates for which it returns true are not produced. Optional.
    std::function<bool(const TraceId&)> skip;
    // Traces of a row group newest first (decoded in growing batches), else in ID order.
    bool newest_first = true;
    // Newest first only: traces in a row group's first decoded batch (later batches double).
    size_t first_batch = 32;
    // Candidates that start before min_start() are not wanted. Asked once per row group before
    // its conditions are decided (they are decided only on the traces starting late enough, and
    // not at all when none does) and, newest first, before each batch is decoded (a row group's
    // fetch ends at its first such candidate). Optional.
    std::function<uint64_t()> min_start;
  };

  // The traces of one row group that may match a request (ScanRowGroup), in the order Fetch
  // would decode them: newest first (start descending, ties by row), or ascending rows without
  // Options::newest_first.
  struct RowGroupCandidates {
    std::vector<uint64_t> rows;    // trace rows within the row group
    std::vector<uint64_t> starts;  // the start of each of them
  };

  explicit BlockFetcher(std::shared_ptr<const BlockReader> reader);
  BlockFetcher(std::shared_ptr<const BlockReader> reader, Options options);

  // See traceql::SpansetFetcher. Errors: kCorruption / read errors naming the block's row group;
  // kCancelled / kDeadlineExceeded from `ctx` (checked per row group and per decoded batch).
  Status Fetch(const RequestContext& ctx, const traceql::FetchRequest& request,
               const std::function<bool(traceql::TraceView&&)>& consume) const override;

  BlockFetchStats stats() const;

  // Fetch in two steps, for callers that order the candidates of many row groups together
  // (a most_recent search decodes the newest candidates of all row groups first). ScanRowGroup
  // is Fetch's pruning of row group `index` (time range, statistics, Options::min_start,
  // condition columns, Options::skip) without decoding anything; DecodeRowGroup decodes the
  // candidates `rows` of a scan (any of them, handed to `consume` in the order given; stops when
  // it returns false), reading them page by page when they are few (as Fetch does). Errors:
  // kInvalidArgument for a bad row group or row, kCorruption / read errors naming the row group,
  // `ctx` (decoding).
  Status ScanRowGroup(const traceql::FetchRequest& request, uint32_t index,
                      RowGroupCandidates* out) const;
  Status DecodeRowGroup(const RequestContext& ctx, const traceql::FetchRequest& request,
                        uint32_t index, const std::vector<uint64_t>& rows,
                        const std::function<bool(traceql::TraceView&&)>& consume) const;

  // For callers that combine traces spread over several places before evaluating them: decides
  // the predicates of `request` (its conditions with an operator, in request order; P of them)
  // on this block's copies of the traces at directory positions `rows` (ascending, < traces()),
  // reading only the condition columns of the row groups holding them and none of a row group
  // whose statistics rule a condition out. Fills `holds` with rows.size() * P entries:
  // (*holds)[i * P + p] = 0 when no span of the copy at rows[i] (with its resource, scope, events
  // and links) satisfies predicate p, so neither does any span this copy adds to a combined
  // trace; 1 when it may. Predicates that a copy cannot decide for the combined trace (trace-level
  // fields, nested sets, parents, resource service.name values a combine may add) are 1. The
  // time range of `request` is ignored (a copy's times do not bound the combined trace). With
  // request.same_span, the entries of a row are all 0 when no span of the copy may satisfy every
  // predicate together (the span satisfying a same-span filter in a combined trace is one
  // fragment's span, with that fragment's resource, scope, events and links). Errors:
  // kInvalidArgument for bad rows, kCorruption / read errors naming the row group, `ctx`.
  Status PredicatesOnRows(const RequestContext& ctx, const traceql::FetchRequest& request,
                          const std::vector<uint64_t>& rows, std::vector<uint8_t>* holds) const;

  // For the same callers: decodes this block's copies of the traces at directory positions `rows`
  // (ascending, < traces()) like BlockReader::ReadTraces, reading each row group once, and hands
  // each to `fn` serialized (a tempopb.Trace, valid during the call: combining fragments works on
  // bytes, so no message is built); with request.named_attributes_only, only the attribute
  // columns a search reads are decoded (those named by a condition, resource service.name, link
  // opentracing.ref_type) and only the fixed columns it reads (SearchIntrinsics). Errors:
  // kInvalidArgument for bad rows, kCorruption / read errors, `ctx` (checked before the first
  // row group).
  Status ReadTraces(const RequestContext& ctx, const traceql::FetchRequest& request,
                    const std::vector<uint64_t>& rows,
                    const std::function<Status(uint64_t row, std::string_view bytes)>& fn) const;

 private:
  Status FetchRowGroup(const RequestContext& ctx, const traceql::FetchRequest& request,
                       const std::vector<ConditionPlan>& plans, uint32_t index,
                       const std::function<bool(traceql::TraceView&&)>& consume, bool* stop,
                       BlockFetchStats* stats) const;
  Status ScanCandidates(const traceql::FetchRequest& request,
                        const std::vector<ConditionPlan>& plans, uint32_t index,
                        RowGroupCandidates* out, BlockFetchStats* stats) const;
  // Prepares `assembly` for decoding `wanted` candidates of row group `index`.
  Status OpenAssembly(const traceql::FetchRequest& request, uint32_t index, size_t wanted,
                      RowGroupAssembly* assembly) const;
  Status DecodeBatch(const RequestContext& ctx, uint32_t index, const std::vector<uint64_t>& rows,
                     RowGroupAssembly& assembly,
                     const std::function<bool(traceql::TraceView&&)>& consume, bool* stop,
                     BlockFetchStats* stats) const;

  std::shared_ptr<const BlockReader> reader_;
  Options options_;
  mutable std::mutex mu_;
  mutable BlockFetchStats stats_;  // guarded by mu_
};

}  // namespace tempo::block
