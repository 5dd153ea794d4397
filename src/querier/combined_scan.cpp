#include "querier/combined_scan.h"

#include "querier/raw_trace_filter.h"
#include "querier/search_sources.h"
#include "tempo/block/block_fetcher.h"

namespace tempo::querier {
namespace {

bool IsContextError(const Status& s) {
  return s.code() == StatusCode::kCancelled || s.code() == StatusCode::kDeadlineExceeded;
}

}  // namespace

CombinedScan::CombinedScan(const SearchSources& sources, traceql::FetchRequest request)
    : sources_(sources),
      request_(std::move(request)),
      predicates_(RawTraceFilter(request_).predicates()) {
  slots_.reserve(sources_.blocks().size());
  for (size_t b = 0; b < sources_.blocks().size(); ++b) slots_.push_back(std::make_unique<Slot>());
}

Result<const std::vector<uint8_t>*> CombinedScan::Holds(const RequestContext& ctx, size_t b,
                                                        uint64_t* inspected_bytes) {
  if (b >= slots_.size()) return InternalError("combined scan: no block " + std::to_string(b));
  Slot& slot = *slots_[b];
  std::lock_guard<std::mutex> lock(slot.mu);
  if (!slot.done) {
    const BlockSource& source = sources_.blocks()[b];
    block::BlockFetcher fetcher(source.reader);
    Status s = fetcher.PredicatesOnRows(ctx, request_, source.shared_rows, &slot.holds);
    if (inspected_bytes != nullptr) *inspected_bytes += fetcher.stats().bytes_read;
    if (!s.ok()) {
      s = Status(s.code(), "block " + source.meta.tenant_id + "/" + source.meta.block_id + ": " +
                               s.message());
      if (IsContextError(s)) return s;
    }
    slot.status = std::move(s);
    slot.done = true;
  }
  if (!slot.status.ok()) return slot.status;
  return &slot.holds;
}

}  // namespace tempo::querier
