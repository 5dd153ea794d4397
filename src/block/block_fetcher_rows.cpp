// BlockFetcher::PredicatesOnRows: the predicates of a request decided on given trace rows of a
// block, for callers that combine traces spread over several blocks before evaluating them.
#include "tempo/block/block_fetcher.h"

#include <algorithm>
#include <mutex>

#include "block/block_index.h"
#include "block/condition_plan.h"
#include "block/fetch_reads.h"
#include "block/row_group_scan.h"
#include "tempo/block/page_cache.h"

namespace tempo::block {
namespace {

// Whether one copy of a trace cannot decide `plan` for the trace combined from several copies:
// trace-level fields (duration, root span) belong to the combined trace only, undecidable
// conditions are unknown anyway, and combining gives an attribute-less resource
// service.name = "unknown_service", which the stored copy does not have.
bool UndecidableOnCopy(const ConditionPlan& plan) {
  if (plan.unknown) return true;
  for (const ColumnSource& s : plan.sources) {
    if (s.owner == Table::kTrace) return true;
  }
  const traceql::Condition& c = *plan.condition;
  return !c.attribute.is_intrinsic() && c.attribute.name == "service.name" &&
         (c.attribute.scope == traceql::AttributeScope::kResource ||
          c.attribute.scope == traceql::AttributeScope::kNone) &&
         traceql::MayMatchString(c, "unknown_service");
}

}  // namespace

Status BlockFetcher::PredicatesOnRows(const RequestContext& ctx,
                                      const traceql::FetchRequest& request,
                                      const std::vector<uint64_t>& rows,
                                      std::vector<uint8_t>* holds) const {
  const BlockIndex& block = *reader_->index_;
  const Footer& footer = block.footer;
  const std::vector<ConditionPlan> plans = PlanConditions(footer, request);
  const size_t np = plans.size();
  holds->assign(rows.size() * np, 0);
  std::vector<size_t> decidable;
  for (size_t p = 0; p < np; ++p) {
    if (!UndecidableOnCopy(plans[p])) {
      decidable.push_back(p);
      continue;
    }
    for (size_t i = 0; i < rows.size(); ++i) (*holds)[i * np + p] = 1;
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r] >= footer.total_traces || (r > 0 && rows[r] <= rows[r - 1])) {
      return InvalidArgumentError("trace rows must be ascending and inside the block");
    }
  }
  // Undecidable predicates hold on every span, so they drop out of a same-span conjunction.
  const bool same_span = request.same_span && request.all_conditions && decidable.size() > 1;
  BlockFetchStats stats;
  Status status;
  size_t i = 0;
  while (i < rows.size() && !decidable.empty()) {
    if (!(status = CheckRequest(ctx, "search")).ok()) break;
    auto it = std::upper_bound(footer.row_groups.begin(), footer.row_groups.end(), rows[i],
                               [](uint64_t r, const RowGroupMeta& g) { return r < g.first_trace; });
    const uint32_t index = static_cast<uint32_t>(it - footer.row_groups.begin() - 1);
    const RowGroupMeta& rg = footer.row_groups[index];
    const uint64_t traces = rg.rows[static_cast<size_t>(Table::kTrace)];
    size_t end = i + 1;
    while (end < rows.size() && rows[end] < rg.first_trace + traces) ++end;
    ++stats.row_groups;
    const std::vector<int32_t> chunk_of = ChunkIndex(footer, rg);
    // The predicates the row group's statistics leave open, decided on its columns below.
    std::vector<ConditionPlan> scanned;
    std::vector<size_t> scanned_index;
    for (size_t p : decidable) {
      if (!MayHoldInRowGroup(plans[p], rg, chunk_of)) continue;
      scanned.push_back(plans[p]);
      scanned_index.push_back(p);
    }
    if (scanned.empty() || (same_span && scanned.size() < decidable.size())) {
      ++stats.row_groups_skipped;
      if (same_span) {
        std::fill(holds->begin() + static_cast<ptrdiff_t>(i * np),
                  holds->begin() + static_cast<ptrdiff_t>(end * np), 0);
      }
      i = end;
      continue;
    }
    ChunkReader reader(footer, rg);
    reader.UsePageCache(reader_->page_cache_.get(), reader_->cache_key_);
    std::vector<std::string> buffers;
    status = InRowGroup(
        ReadChunks(reader_->read_, rg, chunk_of, RowGroupScan::Columns(scanned, same_span), &reader,
                   &buffers, &stats.bytes_read),
        index);
    if (!status.ok()) break;
    stats.traces_scanned += traces;
    stats.spans_scanned += rg.rows[static_cast<size_t>(Table::kSpan)];
    // Only the asked-for traces are decided: the scan reads just their rows when they are few.
    reader.CachePages();
    RowGroupScan scan(footer, rg, reader);
    std::vector<uint8_t> selected(static_cast<size_t>(traces), 0);
    for (size_t r = i; r < end; ++r) selected[static_cast<size_t>(rows[r] - rg.first_trace)] = 1;
    scan.Restrict(std::move(selected));
    std::vector<uint8_t> hits;
    if (same_span) {
      // One span must satisfy every predicate: a row's entries become all 1 or all 0.
      hits.assign(static_cast<size_t>(traces), 0);
      status = InRowGroup(scan.SpanHits(scanned, &hits), index);
      for (size_t r = i; r < end && status.ok(); ++r) {
        const uint8_t h = hits[static_cast<size_t>(rows[r] - rg.first_trace)];
        std::fill(holds->begin() + static_cast<ptrdiff_t>(r * np),
                  holds->begin() + static_cast<ptrdiff_t>((r + 1) * np), h);
      }
      scanned.clear();
    }
    for (size_t k = 0; k < scanned.size() && status.ok(); ++k) {
      hits.assign(static_cast<size_t>(traces), 0);
      status = InRowGroup(scan.Hits(scanned[k], &hits), index);
      for (size_t r = i; r < end && status.ok(); ++r) {
        (*holds)[r * np + scanned_index[k]] = hits[static_cast<size_t>(rows[r] - rg.first_trace)];
      }
    }
    if (!status.ok()) break;
    i = end;
  }
  std::lock_guard<std::mutex> lock(mu_);
  stats_ += stats;
  return status;
}

}  // namespace tempo::block
