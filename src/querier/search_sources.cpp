#include "querier/search_sources.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <queue>

#include "querier/raw_trace_filter.h"
#include "tempo/block/block_fetcher.h"
#include "tempo/model/combine.h"
#include "tempo/store/tombstones.h"
#include "tempopb/tempo.pb.h"

namespace tempo::querier {
namespace {

bool Overlaps(const block::BlockMeta& meta, uint64_t start, uint64_t end) {
  return static_cast<uint64_t>(std::max<int64_t>(meta.start_unix_nano, 0)) <= end &&
         static_cast<uint64_t>(std::max<int64_t>(meta.end_unix_nano, 0)) >= start;
}

Status CheckContext(const RequestContext& ctx) { return CheckRequest(ctx, "search"); }

}  // namespace

std::shared_ptr<const SharedTraceCache::Entry> SharedTraceCache::Get(
    const std::string& tenant, const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(tenant);
  if (it == entries_.end() || it->second->key != key) return nullptr;
  return it->second;
}

void SharedTraceCache::Put(const std::string& tenant, std::shared_ptr<const Entry> entry) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_[tenant] = std::move(entry);
}

namespace {

// Traces in more than one block: a k-way merge of the sorted trace-ID directories.
std::shared_ptr<const SharedTraceCache::Entry> MergeDirectories(
    const std::vector<BlockSource>& blocks, std::string key) {
  auto entry = std::make_shared<SharedTraceCache::Entry>();
  entry->key = std::move(key);
  entry->rows.resize(blocks.size());
  using Cursor = std::pair<std::string_view, size_t>;  // remaining directory, block
  auto later = [](const Cursor& a, const Cursor& b) {
    return std::memcmp(a.first.data(), b.first.data(), 16) > 0;
  };
  std::priority_queue<Cursor, std::vector<Cursor>, decltype(later)> heap(later);
  std::vector<uint64_t> next_row(blocks.size(), 0);
  for (size_t i = 0; i < blocks.size(); ++i) {
    std::string_view dir = blocks[i].reader->trace_ids();
    if (!dir.empty()) heap.push({dir, i});
  }
  std::string_view last;
  size_t last_block = 0;
  uint64_t last_row = 0;
  bool last_shared = false;
  while (!heap.empty()) {
    auto [dir, i] = heap.top();
    heap.pop();
    const uint64_t row = next_row[i]++;
    std::string_view id = dir.substr(0, 16);
    if (!last.empty() && std::memcmp(last.data(), id.data(), 16) == 0) {
      if (!last_shared) {
        entry->ids.push_back(TraceId::FromBytes(id));
        entry->rows[last_block].push_back(last_row);
        last_shared = true;
      }
      entry->rows[i].push_back(row);
    } else {
      last = id;
      last_block = i;
      last_row = row;
      last_shared = false;
    }
    if (dir.size() > 16) heap.push({dir.substr(16), i});
  }
  return entry;
}

}  // namespace

Result<std::shared_ptr<const SearchSources>> SearchSources::Prepare(
    const RequestContext& ctx, const ingester::Ingester& ingester, const store::Store& store,
    uint64_t start, uint64_t end, SharedTraceCache* cache) {
  auto sources = std::make_shared<SearchSources>();
  sources->start_ = start;
  sources->end_ = end;
  for (auto& [id, live] : ingester.SnapshotLiveTraces(ctx.tenant, start, end)) {
    // span_count 0: replayed from the WAL, the start is unknown.
    const uint64_t bound = live.span_count > 0 ? live.start_unix_nano : UINT64_MAX;
    sources->live_.push_back({id, std::move(live.data), bound});
  }
  std::sort(sources->live_.begin(), sources->live_.end(),
            [](const LiveTrace& a, const LiveTrace& b) { return a.id < b.id; });
  for (const block::BlockMeta& meta : store.Blocks(ctx.tenant)) {
    if (!Overlaps(meta, start, end)) continue;
    TEMPO_RETURN_IF_ERROR(CheckContext(ctx));
    TEMPO_ASSIGN_OR_RETURN(std::shared_ptr<const block::BlockReader> reader,
                           store.OpenReader(meta));
    BlockSource& b = sources->blocks_.emplace_back();
    b.meta = meta;
    b.row_groups = reader->RowGroupInfos();
    b.reader = std::move(reader);
  }
  std::stable_sort(sources->blocks_.begin(), sources->blocks_.end(),
                   [](const BlockSource& a, const BlockSource& b) {
                     return a.meta.end_unix_nano > b.meta.end_unix_nano;
                   });

  std::vector<TraceId>& shared = sources->shared_ids_;
  std::string key;
  for (const BlockSource& b : sources->blocks_) key += b.meta.block_id + ",";
  std::shared_ptr<const SharedTraceCache::Entry> merged =
      cache != nullptr ? cache->Get(ctx.tenant, key) : nullptr;
  if (merged == nullptr) {
    merged = MergeDirectories(sources->blocks_, key);
    if (cache != nullptr) cache->Put(ctx.tenant, merged);
  }
  shared = merged->ids;
  for (size_t i = 0; i < sources->blocks_.size(); ++i) {
    sources->blocks_[i].shared_rows = merged->rows[i];
  }
  // Deleted traces (tombstones) are evaluated by no job: listed as shared, so that the row-group
  // jobs skip them, and given no fragment (no live data, no block rows, below), so that the
  // combined job never sees them.
  std::shared_ptr<const store::TombstoneList> deleted;
  if (const store::Tombstones* tombstones = store.tombstones()) {
    deleted = tombstones->ForTenant(ctx.tenant);
    if (deleted->empty()) {
      deleted.reset();
    } else {
      std::erase_if(sources->live_, [&](const LiveTrace& t) {
        return store::Tombstones::ListContains(*deleted, t.id);
      });
      for (const store::Tombstone& t : *deleted) shared.push_back(t.id);
    }
  }
  // Live traces: every one is combined with its fragments in blocks.
  for (const LiveTrace& live : sources->live_) {
    shared.push_back(live.id);
    for (BlockSource& b : sources->blocks_) {
      if (std::optional<uint64_t> row = b.reader->FindRow(live.id)) b.shared_rows.push_back(*row);
    }
  }
  std::sort(shared.begin(), shared.end());
  shared.erase(std::unique(shared.begin(), shared.end()), shared.end());
  sources->RankShared();
  for (BlockSource& b : sources->blocks_) {
    std::sort(b.shared_rows.begin(), b.shared_rows.end());
    b.shared_rows.erase(std::unique(b.shared_rows.begin(), b.shared_rows.end()),
                        b.shared_rows.end());
    if (!deleted) continue;
    for (const store::Tombstone& t : *deleted) {
      if (std::optional<uint64_t> row = b.reader->FindRow(t.id)) {
        auto at = std::lower_bound(b.shared_rows.begin(), b.shared_rows.end(), *row);
        if (at != b.shared_rows.end() && *at == *row) b.shared_rows.erase(at);
      }
    }
  }
  return std::shared_ptr<const SearchSources>(std::move(sources));
}

void SearchSources::RankShared() {
  // Bounds as StreamCombined computes them per candidate; deleted traces (no fragment) get 0.
  const size_t n = shared_ids_.size();
  std::vector<uint64_t> bound(n, UINT64_MAX);
  std::vector<uint8_t> has_part(n, 0);
  auto index = [&](const TraceId& id) {
    return static_cast<size_t>(std::lower_bound(shared_ids_.begin(), shared_ids_.end(), id) -
                               shared_ids_.begin());
  };
  for (const LiveTrace& live : live_) {
    const size_t i = index(live.id);
    bound[i] = std::min(bound[i], live.start_bound);
    has_part[i] = 1;
  }
  for (const BlockSource& b : blocks_) {
    const std::string_view dir = b.reader->trace_ids();
    const uint64_t end = static_cast<uint64_t>(std::max<int64_t>(b.meta.end_unix_nano, 0));
    for (uint64_t row : b.shared_rows) {
      const size_t i = index(TraceId::FromBytes(dir.substr(row * 16, 16)));
      if (i >= n) continue;
      bound[i] = std::min(bound[i], end);
      has_part[i] = 1;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (!has_part[i]) bound[i] = 0;
  }
  std::vector<uint32_t> order(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return bound[a] > bound[b]; });
  shared_rank_.assign(n, 0);
  ranked_bounds_.resize(n);
  for (uint32_t r = 0; r < n; ++r) {
    shared_rank_[order[r]] = r;
    ranked_bounds_[r] = bound[order[r]];
  }
}

uint32_t SearchSources::PartOf(const TraceId& id, uint32_t parts) const {
  auto it = std::lower_bound(shared_ids_.begin(), shared_ids_.end(), id);
  if (parts <= 1 || it == shared_ids_.end() || !(*it == id)) return 0;
  const uint64_t rank = shared_rank_[static_cast<size_t>(it - shared_ids_.begin())];
  return static_cast<uint32_t>(rank * parts / shared_ids_.size());
}

uint64_t SearchSources::PartBound(uint32_t part, uint32_t parts) const {
  const size_t n = ranked_bounds_.size();
  if (n == 0 || parts == 0) return 0;
  // The first rank r with r * parts / n == part.
  const size_t first = static_cast<size_t>((static_cast<uint64_t>(part) * n + parts - 1) / parts);
  return first < n ? ranked_bounds_[first] : 0;
}

Status SearchSources::CandidateRows(const RequestContext& ctx, CombinedScan& scan, uint32_t part,
                                    uint32_t parts, std::vector<std::vector<uint64_t>>* rows,
                                    std::vector<bool>* live_kept, uint64_t* inspected_bytes) const {
  const traceql::FetchRequest& request = scan.request();
  auto in_part = [&](const TraceId& id) { return parts <= 1 || PartOf(id, parts) == part; };
  // Per block, which of its shared rows (positions in shared_rows) belong to this part.
  std::vector<std::vector<uint32_t>> mine(blocks_.size());
  rows->clear();
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const BlockSource& b = blocks_[i];
    std::vector<uint64_t>& r = rows->emplace_back();
    const std::string_view dir = b.reader->trace_ids();
    for (size_t k = 0; k < b.shared_rows.size(); ++k) {
      const uint64_t row = b.shared_rows[k];
      if (!in_part(TraceId::FromBytes(dir.substr(row * 16, 16)))) continue;
      r.push_back(row);
      mine[i].push_back(static_cast<uint32_t>(k));
    }
  }
  live_kept->assign(live_.size(), false);
  for (size_t i = 0; i < live_.size(); ++i) (*live_kept)[i] = in_part(live_[i].id);
  const RawTraceFilter raw(request);
  const size_t np = raw.predicates();
  if (np == 0) return Status::Ok();
  // Per shared trace: which predicates hold on some part of it so far. Live data is decided on
  // its raw bytes (RawTraceFilter), block fragments on their columns.
  std::map<TraceId, std::vector<uint8_t>> holds;
  std::string scratch;  // a packed piece, unpacked
  for (size_t i = 0; i < live_.size(); ++i) {
    if (!(*live_kept)[i]) continue;
    const LiveTrace& live = live_[i];
    std::vector<uint8_t>& h = holds[live.id];
    h.resize(np, 0);
    // Each piece holds whole fragments; Evaluate accumulates over them.
    for (size_t p = 0; p < live.data.piece_count(); ++p) {
      raw.Evaluate(live.data.Piece(p, &scratch), h.data());
    }
  }
  // The blocks are visited from a different one per part, so that parts starting together scan
  // different blocks (each block is scanned once, by whichever part asks first).
  for (size_t n = 0; n < blocks_.size(); ++n) {
    const size_t i = (part + n) % blocks_.size();
    if (mine[i].empty()) continue;
    TEMPO_RETURN_IF_ERROR(CheckContext(ctx));
    TEMPO_ASSIGN_OR_RETURN(const std::vector<uint8_t>* on_rows,
                           scan.Holds(ctx, i, inspected_bytes));
    const BlockSource& b = blocks_[i];
    const std::string_view dir = b.reader->trace_ids();
    for (uint32_t k : mine[i]) {
      std::vector<uint8_t>& h = holds[TraceId::FromBytes(dir.substr(b.shared_rows[k] * 16, 16))];
      h.resize(np, 0);
      for (size_t p = 0; p < np; ++p) h[p] |= (*on_rows)[k * np + p];
    }
  }
  auto pruned = [&](const TraceId& id) {
    auto it = holds.find(id);
    if (it == holds.end()) return false;
    const std::vector<uint8_t>& h = it->second;
    const size_t held = static_cast<size_t>(std::count(h.begin(), h.end(), 1));
    return request.all_conditions ? held < np : held == 0;
  };
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const std::string_view dir = blocks_[i].reader->trace_ids();
    std::erase_if((*rows)[i], [&](uint64_t row) {
      return pruned(TraceId::FromBytes(dir.substr(row * 16, 16)));
    });
  }
  for (size_t i = 0; i < live_.size(); ++i) {
    if ((*live_kept)[i]) (*live_kept)[i] = !pruned(live_[i].id);
  }
  return Status::Ok();
}

Status InBlock(const block::BlockMeta& meta, const Status& s) {
  if (s.ok()) return s;
  return Status(s.code(), "block " + meta.tenant_id + "/" + meta.block_id + ": " + s.message());
}

bool SearchSources::IsShared(const TraceId& id) const {
  return std::binary_search(shared_ids_.begin(), shared_ids_.end(), id);
}

Status SearchSources::BuildCombined(const RequestContext& ctx, const traceql::FetchRequest& request,
                                    traceql::InMemoryFetcher* out, uint64_t* inspected_bytes,
                                    uint32_t part, uint32_t parts) const {
  CombinedScan scan(*this, request);
  return StreamCombined(
      ctx, scan, part, parts, nullptr,
      [out](traceql::TraceView&& view) {
        out->Add(std::move(view));
        return true;
      },
      inspected_bytes);
}

namespace {

// One combined trace to build: its live data (index into live_, or -1) and block fragments.
struct Candidate {
  TraceId id;
  uint64_t bound = UINT64_MAX;  // no part of the trace starts later
  int64_t live = -1;
  std::vector<std::pair<size_t, uint64_t>> rows;  // (block, directory row)
};

// Combines `data` (concatenated fragments) on its own protobuf arena into a view. One arena per
// combined trace, owned by the view: a trace of thousands of messages costs a few block
// allocations instead of one heap allocation per message and string.
Status CombineView(const TraceId& id, std::string_view data, traceql::TraceView* view,
                   bool* empty) {
  google::protobuf::ArenaOptions options;
  options.start_block_size = 4096;
  options.max_block_size = 1 << 20;
  auto arena = std::make_shared<google::protobuf::Arena>(options);
  auto* trace = google::protobuf::Arena::CreateMessage<tempopb::Trace>(arena.get());
  model::CombineStats stats;
  std::vector<std::string_view> parts{data};
  TEMPO_RETURN_IF_ERROR(model::CombineFragments(parts, trace, &stats));
  *empty = stats.spans == 0;
  if (*empty) return Status::Ok();
  std::shared_ptr<const tempopb::Trace> owned(arena, trace);  // keeps the arena alive
  *view = traceql::TraceView::Build(id, std::move(owned));
  return Status::Ok();
}

constexpr size_t kFirstCombinedBatch = 32;
constexpr size_t kMaxCombinedBatch = 1024;

}  // namespace

Status SearchSources::StreamCombined(const RequestContext& ctx, CombinedScan& scan, uint32_t part,
                                     uint32_t parts, const std::function<uint64_t()>& min_start,
                                     const std::function<bool(traceql::TraceView&&)>& consume,
                                     uint64_t* inspected_bytes) const {
  const traceql::FetchRequest& request = scan.request();
  std::vector<std::vector<uint64_t>> rows;
  std::vector<bool> live_kept;
  TEMPO_RETURN_IF_ERROR(CandidateRows(ctx, scan, part, parts, &rows, &live_kept, inspected_bytes));
  std::map<TraceId, Candidate> by_id;
  for (size_t i = 0; i < live_.size(); ++i) {
    if (!live_kept[i]) continue;
    Candidate& c = by_id[live_[i].id];
    c.live = static_cast<int64_t>(i);
    c.bound = std::min(c.bound, live_[i].start_bound);
  }
  for (size_t b = 0; b < blocks_.size(); ++b) {
    const std::string_view dir = blocks_[b].reader->trace_ids();
    const uint64_t block_end =
        static_cast<uint64_t>(std::max<int64_t>(blocks_[b].meta.end_unix_nano, 0));
    for (uint64_t row : rows[b]) {
      Candidate& c = by_id[TraceId::FromBytes(dir.substr(row * 16, 16))];
      c.rows.emplace_back(b, row);
      c.bound = std::min(c.bound, block_end);
    }
  }
  std::vector<Candidate> order;
  order.reserve(by_id.size());
  for (auto& [id, c] : by_id) {
    c.id = id;
    order.push_back(std::move(c));
  }
  by_id.clear();
  std::stable_sort(order.begin(), order.end(), [](const Candidate& a, const Candidate& b) {
    return a.bound > b.bound;  // stable: ties stay in trace-ID order
  });

  size_t batch = kFirstCombinedBatch;
  for (size_t i = 0; i < order.size();) {
    TEMPO_RETURN_IF_ERROR(CheckContext(ctx));
    size_t j = std::min(order.size(), i + batch);
    batch = std::min(batch * 2, kMaxCombinedBatch);
    if (min_start) {
      const uint64_t min = min_start();
      if (order[i].bound < min) break;
      while (order[j - 1].bound < min) --j;
    }
    // The fragments of candidates [i, j): live data, then each block's copies.
    std::vector<std::string> data(j - i);
    std::vector<std::vector<std::pair<uint64_t, size_t>>> block_rows(blocks_.size());
    for (size_t k = i; k < j; ++k) {
      if (order[k].live >= 0) {
        live_[static_cast<size_t>(order[k].live)].data.AppendTo(&data[k - i]);
      }
      for (const auto& [b, row] : order[k].rows) block_rows[b].emplace_back(row, k - i);
    }
    for (size_t b = 0; b < blocks_.size(); ++b) {
      if (block_rows[b].empty()) continue;
      std::sort(block_rows[b].begin(), block_rows[b].end());
      std::vector<uint64_t> wanted;
      wanted.reserve(block_rows[b].size());
      for (const auto& [row, k] : block_rows[b]) wanted.push_back(row);
      const BlockSource& source = blocks_[b];
      block::BlockFetcher fetcher(source.reader);
      auto collect = [&](uint64_t row, std::string_view bytes) {
        auto at = std::lower_bound(block_rows[b].begin(), block_rows[b].end(),
                                   std::make_pair(row, size_t{0}));
        if (at == block_rows[b].end() || at->first != row) {
          return InternalError("row not asked for");
        }
        data[at->second].append(bytes);
        return Status::Ok();
      };
      Status s = fetcher.ReadTraces(ctx, request, wanted, collect);
      if (!s.ok()) return InBlock(source.meta, s);
    }
    for (size_t k = i; k < j; ++k) {
      TEMPO_RETURN_IF_ERROR(CheckContext(ctx));
      std::string& bytes = data[k - i];
      if (inspected_bytes) *inspected_bytes += bytes.size();
      traceql::TraceView view;
      bool empty = false;
      TEMPO_RETURN_IF_ERROR(CombineView(order[k].id, bytes, &view, &empty));
      std::string().swap(bytes);
      if (empty || view.start_unix_nano() > end_ || view.end_unix_nano() < start_) continue;
      if (!consume(std::move(view))) return Status::Ok();
    }
    i = j;
  }
  return Status::Ok();
}

}  // namespace tempo::querier
