#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "tempo/common/request_context.h"
#include "tempo/common/result.h"
#include "tempo/traceql/fetcher.h"

namespace tempo::querier {

class SearchSources;

// The predicate scan over the block fragments of the traces a search combines (the shared rows
// of each block, block::BlockFetcher::PredicatesOnRows), done once per block for one request and
// shared by every part of the combined job. Without it each part would decode the same condition
// columns of every block again for its own slice of the rows. A block's scan runs on the first
// part that asks for it; a part asking while another computes it waits for that result. Holds
// a reference to `sources`, which must outlive it. Thread-safe.
class CombinedScan {
 public:
  CombinedScan(const SearchSources& sources, traceql::FetchRequest request);

  const traceql::FetchRequest& request() const { return request_; }
  // The number of predicates (RawTraceFilter's, as PredicatesOnRows numbers them).
  size_t predicates() const { return predicates_; }

  // For block `b` (SearchSources::blocks() order): holds[i * predicates() + p] for the i-th of
  // its shared rows, as PredicatesOnRows fills it. The first caller scans and adds the bytes it
  // read to `*inspected_bytes` (may be null); errors are kept and returned to every caller,
  // except `ctx` errors, which are not kept (another part may still ask).
  Result<const std::vector<uint8_t>*> Holds(const RequestContext& ctx, size_t b,
                                            uint64_t* inspected_bytes);

 private:
  struct Slot {
    std::mutex mu;
    bool done = false;
    Status status;
    std::vector<uint8_t> holds;  // written once under mu, read-only after done
  };

  const SearchSources& sources_;
  const traceql::FetchRequest request_;
  const size_t predicates_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace tempo::querier
