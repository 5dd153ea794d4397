#include "tempo/block/block_fetcher.h"

#include <algorithm>
#include <string>
#include <utility>

#include "block/block_index.h"
#include "block/chunk_reader.h"
#include "block/condition_plan.h"
#include "block/fetch_reads.h"
#include "block/row_group_scan.h"
#include "block/trace_assembler.h"
#include "tempo/block/page_cache.h"
#include "tempopb/tempo.pb.h"

namespace tempo::block {
namespace {

// Chunks closer than this are read with one request (the gap is read and dropped).
constexpr uint64_t kCoalesceGap = 64 * 1024;
// Candidates decoded per TraceAssembler run: bounds the memory of materialized traces.
constexpr size_t kBatchTraces = 256;
// A batch also ends when its rows spread wider than this (its pages would be mostly skipped).
constexpr uint64_t kBatchRowSpan = 4096;
// A scan past a floor decides its conditions on the remaining traces' rows only when they are
// fewer than 1 in this many of the row group's traces; else on every row, as without a floor.
constexpr size_t kRestrictShare = 4;

Status CheckContext(const RequestContext& ctx) { return CheckRequest(ctx, "search"); }

// The attribute columns a consumer with FetchRequest::named_attributes_only reads: those named
// by a condition (in any table: unscoped and `parent.` names may be in several), resource
// service.name and link opentracing.ref_type.
std::vector<uint8_t> NamedAttributeColumns(const Footer& footer,
                                           const traceql::FetchRequest& request) {
  std::vector<uint8_t> keep(footer.columns.size(), 0);
  for (size_t i = 0; i < footer.columns.size(); ++i) {
    const ColumnDesc& d = footer.columns[i];
    if (d.role != ColumnRole::kAttribute) continue;
    if ((d.table == Table::kResource && d.name == "service.name") ||
        (d.table == Table::kLink && d.name == "opentracing.ref_type")) {
      keep[i] = 1;
      continue;
    }
    for (const traceql::Condition& c : request.conditions) {
      if (!c.attribute.is_intrinsic() && c.attribute.name == d.name) {
        keep[i] = 1;
        break;
      }
    }
  }
  return keep;
}

// Adds the bytes an assembly read (pages are read as batches need them) to `stats` when done.
struct CountAssemblyBytes {
  const RowGroupAssembly& assembly;
  BlockFetchStats* stats;
  ~CountAssemblyBytes() { stats->bytes_read += assembly.bytes_read; }
};

}  // namespace

// (fetch_reads.h)
Status InRowGroup(Status s, uint32_t index) {
  if (s.ok()) return s;
  return Status(s.code(), "row group " + std::to_string(index) + ": " + s.message());
}

Status ReadChunks(const ReadAtFn& read, const RowGroupMeta& rg,
                  const std::vector<int32_t>& chunk_of, const std::vector<uint32_t>& columns,
                  ChunkReader* reader, std::vector<std::string>* buffers, uint64_t* bytes_read) {
  std::vector<const ChunkMeta*> chunks;
  for (uint32_t c : columns) {
    if (chunk_of[c] >= 0) chunks.push_back(&rg.chunks[static_cast<size_t>(chunk_of[c])]);
  }
  std::sort(chunks.begin(), chunks.end(),
            [](const ChunkMeta* a, const ChunkMeta* b) { return a->offset < b->offset; });
  chunks.erase(std::unique(chunks.begin(), chunks.end()), chunks.end());
  for (size_t i = 0; i < chunks.size();) {
    size_t j = i + 1;
    uint64_t end = chunks[i]->offset + chunks[i]->length;
    while (j < chunks.size() && chunks[j]->offset <= end + kCoalesceGap) {
      end = chunks[j]->offset + chunks[j]->length;
      ++j;
    }
    const uint64_t begin = chunks[i]->offset;
    TEMPO_ASSIGN_OR_RETURN(std::string bytes, ReadBlockRange(read, begin, end - begin));
    *bytes_read += end - begin;
    buffers->push_back(std::move(bytes));
    const std::string& buffer = buffers->back();
    for (; i < j; ++i) {
      reader->Provide(chunks[i]->column, std::string_view(buffer).substr(chunks[i]->offset - begin,
                                                                         chunks[i]->length));
    }
  }
  return Status::Ok();
}

std::vector<int32_t> ChunkIndex(const Footer& footer, const RowGroupMeta& rg) {
  std::vector<int32_t> chunk_of(footer.columns.size(), -1);
  for (size_t c = 0; c < rg.chunks.size(); ++c) {
    chunk_of[rg.chunks[c].column] = static_cast<int32_t>(c);
  }
  return chunk_of;
}

BlockFetchStats& BlockFetchStats::operator+=(const BlockFetchStats& o) {
  bytes_read += o.bytes_read;
  row_groups += o.row_groups;
  row_groups_skipped += o.row_groups_skipped;
  traces_scanned += o.traces_scanned;
  spans_scanned += o.spans_scanned;
  candidates += o.candidates;
  return *this;
}

BlockFetcher::BlockFetcher(std::shared_ptr<const BlockReader> reader)
    : BlockFetcher(std::move(reader), Options()) {}

Status BlockFetcher::ReadTraces(const RequestContext& ctx, const traceql::FetchRequest& request,
                                const std::vector<uint64_t>& rows,
                                const std::function<Status(uint64_t, std::string_view)>& fn) const {
  TEMPO_RETURN_IF_ERROR(CheckContext(ctx));
  if (!request.named_attributes_only) return reader_->ReadTracesKeeping(rows, nullptr, nullptr, fn);
  const std::vector<uint8_t> keep = NamedAttributeColumns(reader_->index_->footer, request);
  const std::vector<uint8_t> intrinsics = SearchIntrinsics(request);
  return reader_->ReadTracesKeeping(rows, &keep, &intrinsics, fn);
}

BlockFetcher::BlockFetcher(std::shared_ptr<const BlockReader> reader, Options options)
    : reader_(std::move(reader)), options_(std::move(options)) {}

BlockFetchStats BlockFetcher::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

Status BlockFetcher::Fetch(const RequestContext& ctx, const traceql::FetchRequest& request,
                           const std::function<bool(traceql::TraceView&&)>& consume) const {
  const Footer& footer = reader_->index_->footer;
  const std::vector<ConditionPlan> plans = PlanConditions(footer, request);
  const uint32_t n = static_cast<uint32_t>(footer.row_groups.size());
  std::vector<uint32_t> order;
  for (uint32_t i = options_.first_row_group; i < std::min(n, options_.last_row_group); ++i) {
    order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return footer.row_groups[a].max_end > footer.row_groups[b].max_end;
  });
  BlockFetchStats stats;
  Status status;
  bool stop = false;
  for (uint32_t i : order) {
    status = CheckContext(ctx);
    if (status.ok()) status = FetchRowGroup(ctx, request, plans, i, consume, &stop, &stats);
    if (!status.ok() || stop) break;
  }
  std::lock_guard<std::mutex> lock(mu_);
  stats_ += stats;
  return status;
}

Status BlockFetcher::FetchRowGroup(const RequestContext& ctx, const traceql::FetchRequest& request,
                                   const std::vector<ConditionPlan>& plans, uint32_t index,
                                   const std::function<bool(traceql::TraceView&&)>& consume,
                                   bool* stop, BlockFetchStats* stats) const {
  RowGroupCandidates candidates;
  TEMPO_RETURN_IF_ERROR(ScanCandidates(request, plans, index, &candidates, stats));
  if (candidates.rows.empty()) return Status::Ok();
  // Late materialization: decode only the candidates. Newest first, in batches of growing size
  // (a search with a limit often needs only a few traces of a row group, and a consumer that
  // stops early decodes little); in ID order, in batches of neighbouring rows.
  const size_t first_need = options_.newest_first
                                ? std::min(candidates.rows.size(), options_.first_batch)
                                : candidates.rows.size();
  RowGroupAssembly assembly;
  CountAssemblyBytes count_bytes{assembly, stats};
  TEMPO_RETURN_IF_ERROR(OpenAssembly(request, index, first_need, &assembly));
  if (!options_.newest_first) {
    return DecodeBatch(ctx, index, candidates.rows, assembly, consume, stop, stats);
  }
  size_t batch = std::max<size_t>(options_.first_batch, 1);
  std::vector<uint64_t> rows;
  for (size_t i = 0; i < candidates.rows.size() && !*stop;) {
    TEMPO_RETURN_IF_ERROR(CheckContext(ctx));
    size_t j = std::min(candidates.rows.size(), i + batch);
    batch = std::min(batch * 2, kBatchTraces * 16);
    if (options_.min_start) {
      // Rows are newest first: once one is too old, so are all after it.
      const uint64_t min = options_.min_start();
      if (candidates.starts[i] < min) break;
      while (candidates.starts[j - 1] < min) --j;
    }
    rows.assign(candidates.rows.begin() + static_cast<ptrdiff_t>(i),
                candidates.rows.begin() + static_cast<ptrdiff_t>(j));
    TEMPO_RETURN_IF_ERROR(DecodeBatch(ctx, index, rows, assembly, consume, stop, stats));
    i = j;
  }
  return Status::Ok();
}

Status BlockFetcher::ScanCandidates(const traceql::FetchRequest& request,
                                    const std::vector<ConditionPlan>& plans, uint32_t index,
                                    RowGroupCandidates* out, BlockFetchStats* stats) const {
  const BlockIndex& block = *reader_->index_;
  const Footer& footer = block.footer;
  const RowGroupMeta& rg = footer.row_groups[index];
  const uint64_t traces = rg.rows[static_cast<size_t>(Table::kTrace)];
  out->rows.clear();
  out->starts.clear();
  ++stats->row_groups;

  // 1. Prune the whole row group by time and by statistics: nothing is read.
  const bool has_predicates = !plans.empty();
  bool skip = traces == 0 || (request.start_unix_nano && rg.max_end < *request.start_unix_nano) ||
              (request.end_unix_nano && rg.min_start > *request.end_unix_nano);
  const std::vector<int32_t> chunk_of = ChunkIndex(footer, rg);
  if (!skip && has_predicates) {
    size_t may = 0;
    for (const ConditionPlan& plan : plans) may += MayHoldInRowGroup(plan, rg, chunk_of);
    skip = request.all_conditions ? may < plans.size() : may == 0;
  }
  if (skip) {
    ++stats->row_groups_skipped;
    return Status::Ok();
  }

  // 2. Read the trace starts and durations and the chunks the conditions need (neighbours in
  // one request). With a floor (Options::min_start above 0) the conditions' chunks are read
  // afterwards, only when some trace starts late enough.
  const bool same_span = request.same_span && request.all_conditions && plans.size() > 1;
  const uint64_t floor = options_.min_start ? options_.min_start() : 0;
  const bool by_floor = floor > 0;
  std::vector<uint32_t> columns = {static_cast<uint32_t>(Col::kTraceStart),
                                   static_cast<uint32_t>(Col::kTraceDuration)};
  const std::vector<uint32_t> condition_columns = RowGroupScan::Columns(plans, same_span);
  if (!by_floor) columns.insert(columns.end(), condition_columns.begin(), condition_columns.end());
  ChunkReader reader(footer, rg);
  reader.UsePageCache(reader_->page_cache_.get(), reader_->cache_key_);
  std::vector<std::string> buffers;
  TEMPO_RETURN_IF_ERROR(InRowGroup(
      ReadChunks(reader_->read_, rg, chunk_of, columns, &reader, &buffers, &stats->bytes_read),
      index));

  // 3. Keep the traces that overlap the time range (and start at or after the floor), then
  // decide every condition on them.
  stats->traces_scanned += traces;
  std::vector<uint8_t> pass(static_cast<size_t>(traces), 1);
  ColumnValues start, duration;
  TEMPO_RETURN_IF_ERROR(
      InRowGroup(reader.Read(static_cast<uint32_t>(Col::kTraceStart), 0, traces, &start), index));
  auto start_of = [&start](uint64_t t) {
    return start.defaulted ? 0 : static_cast<uint64_t>(start.ints[static_cast<size_t>(t)]);
  };
  if (request.start_unix_nano || request.end_unix_nano) {
    TEMPO_RETURN_IF_ERROR(InRowGroup(
        reader.Read(static_cast<uint32_t>(Col::kTraceDuration), 0, traces, &duration), index));
    for (size_t t = 0; t < pass.size(); ++t) {
      const uint64_t s = start_of(t);
      const uint64_t e = s + (duration.defaulted ? 0 : static_cast<uint64_t>(duration.ints[t]));
      pass[t] = !(request.start_unix_nano && e < *request.start_unix_nano) &&
                !(request.end_unix_nano && s > *request.end_unix_nano);
    }
  }
  bool restrict = false;  // the conditions are decided on the rows of a few traces only
  if (by_floor) {
    // A most_recent search's floor rises while row groups are scanned: traces starting before
    // it cannot be in the answer, so the conditions are decided only on the others, and only
    // their rows are decoded when they are few (RowGroupScan::Restrict).
    size_t left = 0;
    for (size_t t = 0; t < pass.size(); ++t) left += (pass[t] &= start_of(t) >= floor);
    if (left == 0) return Status::Ok();
    TEMPO_RETURN_IF_ERROR(InRowGroup(ReadChunks(reader_->read_, rg, chunk_of, condition_columns,
                                                &reader, &buffers, &stats->bytes_read),
                                     index));
    restrict = has_predicates && left * kRestrictShare < pass.size();
    if (restrict) reader.CachePages();
  }
  stats->spans_scanned += rg.rows[static_cast<size_t>(Table::kSpan)];
  if (same_span || has_predicates) {
    RowGroupScan scan(footer, rg, reader);
    if (restrict) scan.Restrict(pass);
    std::vector<uint8_t> hits(pass.size(), 0);
    if (same_span) {
      TEMPO_RETURN_IF_ERROR(InRowGroup(scan.SpanHits(plans, &hits), index));
      for (size_t t = 0; t < pass.size(); ++t) pass[t] &= hits[t];
    } else {
      for (const ConditionPlan& plan : plans) {
        if (request.all_conditions) std::fill(hits.begin(), hits.end(), 0);
        TEMPO_RETURN_IF_ERROR(InRowGroup(scan.Hits(plan, &hits), index));
        if (!request.all_conditions) continue;
        bool any = false;
        for (size_t t = 0; t < pass.size(); ++t) any |= (pass[t] &= hits[t]);
        if (!any) break;
      }
      if (!request.all_conditions) {
        for (size_t t = 0; t < pass.size(); ++t) pass[t] &= hits[t];
      }
    }
  }
  const std::string_view dir =
      std::string_view(block.directory).substr(rg.first_trace * 16, traces * 16);
  for (uint64_t t = 0; t < traces; ++t) {
    if (!pass[t]) continue;
    if (options_.skip && options_.skip(TraceId::FromBytes(dir.substr(t * 16, 16)))) continue;
    out->rows.push_back(t);
  }
  if (options_.newest_first) {
    std::sort(out->rows.begin(), out->rows.end(), [&](uint64_t a, uint64_t b) {
      if (start_of(a) != start_of(b)) return start_of(a) > start_of(b);
      return a < b;  // rows are in trace-ID order
    });
  }
  out->starts.reserve(out->rows.size());
  for (uint64_t t : out->rows) out->starts.push_back(start_of(t));
  return Status::Ok();
}

Status BlockFetcher::OpenAssembly(const traceql::FetchRequest& request, uint32_t index,
                                  size_t wanted, RowGroupAssembly* assembly) const {
  // A few candidates (`wanted` of the row group's traces) are read page by page where small
  // reads are cheap (BlockReader's lookup mode); else the row group is read whole, once.
  const Footer& footer = reader_->index_->footer;
  const RowGroupMeta& rg = footer.row_groups[index];
  const uint64_t traces = rg.rows[static_cast<size_t>(Table::kTrace)];
  TEMPO_RETURN_IF_ERROR(InRowGroup(
      assembly->Open(footer, rg, reader_->read_,
                     reader_->lookup_reads_ == LookupReads::kPages && ReadByPages(wanted, traces),
                     reader_->page_cache_.get(), reader_->cache_key_),
      index));
  if (request.named_attributes_only) {
    assembly->assembler->KeepAttributes(NamedAttributeColumns(footer, request));
    assembly->assembler->KeepIntrinsics(SearchIntrinsics(request));
  }
  return Status::Ok();
}

Status BlockFetcher::DecodeBatch(const RequestContext& ctx, uint32_t index,
                                 const std::vector<uint64_t>& rows, RowGroupAssembly& assembly,
                                 const std::function<bool(traceql::TraceView&&)>& consume,
                                 bool* stop, BlockFetchStats* stats) const {
  // Ascending rows (ID order) are decoded in runs of neighbours; others (newest first: the
  // caller's batch) in one run.
  const BlockIndex& block = *reader_->index_;
  const RowGroupMeta& rg = block.footer.row_groups[index];
  const uint64_t traces = rg.rows[static_cast<size_t>(Table::kTrace)];
  const std::string_view dir =
      std::string_view(block.directory).substr(rg.first_trace * 16, traces * 16);
  for (uint64_t r : rows) {
    if (r >= traces) return InvalidArgumentError("candidate row outside its row group");
  }
  const bool ascending = std::is_sorted(rows.begin(), rows.end());
  std::vector<std::pair<uint64_t, traceql::TraceView>> views;
  for (size_t i = 0; i < rows.size();) {
    TEMPO_RETURN_IF_ERROR(CheckContext(ctx));
    size_t j = rows.size();
    if (ascending) {
      j = i + 1;
      while (j < rows.size() && j - i < kBatchTraces && rows[j] - rows[i] < kBatchRowSpan) ++j;
    }
    std::vector<uint64_t> sorted(rows.begin() + static_cast<ptrdiff_t>(i),
                                 rows.begin() + static_cast<ptrdiff_t>(j));
    std::sort(sorted.begin(), sorted.end());
    const uint64_t lo = sorted.front(), hi = sorted.back() + 1;
    std::vector<uint8_t> selected(static_cast<size_t>(hi - lo), 0);
    for (uint64_t r : sorted) selected[static_cast<size_t>(r - lo)] = 1;
    views.clear();
    TEMPO_RETURN_IF_ERROR(InRowGroup(
        assembly.assembler->RunOwned(
            lo, hi, dir.substr(lo * 16, (hi - lo) * 16), selected,
            [&](uint64_t row, std::shared_ptr<const tempopb::Trace> trace) {
              views.emplace_back(
                  row, traceql::TraceView::Build(TraceId::FromBytes(dir.substr(row * 16, 16)),
                                                 std::move(trace)));
              return Status::Ok();
            }),
        index));
    stats->candidates += views.size();
    // `views` is in row order; hand them out in the order of rows[i, j).
    for (size_t k = i; k < j; ++k) {
      auto it = std::lower_bound(
          views.begin(), views.end(), rows[k],
          [](const std::pair<uint64_t, traceql::TraceView>& v, uint64_t r) { return v.first < r; });
      if (it == views.end() || it->first != rows[k]) return InternalError("trace not decoded");
      if (!consume(std::move(it->second))) {
        *stop = true;
        return Status::Ok();
      }
    }
    i = j;
  }
  return Status::Ok();
}

Status BlockFetcher::ScanRowGroup(const traceql::FetchRequest& request, uint32_t index,
                                  RowGroupCandidates* out) const {
  const Footer& footer = reader_->index_->footer;
  if (index >= footer.row_groups.size()) return InvalidArgumentError("no such row group");
  BlockFetchStats stats;
  Status s = ScanCandidates(request, PlanConditions(footer, request), index, out, &stats);
  std::lock_guard<std::mutex> lock(mu_);
  stats_ += stats;
  return s;
}

Status BlockFetcher::DecodeRowGroup(
    const RequestContext& ctx, const traceql::FetchRequest& request, uint32_t index,
    const std::vector<uint64_t>& rows,
    const std::function<bool(traceql::TraceView&&)>& consume) const {
  if (index >= reader_->index_->footer.row_groups.size()) {
    return InvalidArgumentError("no such row group");
  }
  BlockFetchStats stats;
  Status s;
  {
    RowGroupAssembly assembly;
    CountAssemblyBytes count_bytes{assembly, &stats};
    bool stop = false;
    s = CheckContext(ctx);
    if (s.ok() && !rows.empty()) s = OpenAssembly(request, index, rows.size(), &assembly);
    if (s.ok() && !rows.empty())
      s = DecodeBatch(ctx, index, rows, assembly, consume, &stop, &stats);
  }
  std::lock_guard<std::mutex> lock(mu_);
  stats_ += stats;
  return s;
}

}  // namespace tempo::block
