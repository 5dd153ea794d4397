// Tag names and tag values (spec/query-api.md §8.9-§8.12) over live data and blocks. Without a
// filter (or with a match-all one) blocks are served from their column catalogs and sorted
// dictionaries (block::BlockTags) and only live traces are walked; with a filter, the search's
// sources and pushdown fetcher select the spans whose attributes count.
#include <algorithm>
#include <array>
#include <memory>
#include <utility>

#include "querier/query_pool.h"
#include "querier/search_sources.h"
#include "querier/tag_collect.h"
#include "querier/tag_run.h"
#include "tempo/block/block_fetcher.h"
#include "tempo/block/block_tags.h"
#include "tempo/model/combine.h"
#include "tempo/querier/querier.h"
#include "tempo/traceql/memory_fetcher.h"
#include "tempopb/tempo.pb.h"

namespace tempo::querier {
namespace {

using LiveTraces = std::vector<std::pair<TraceId, ingester::LiveTraceView>>;
// Adds what one trace contributes (its spans `spans`) to a job's collector.
using TraceCollector = std::function<void(
    const traceql::TraceView& trace, const std::vector<uint32_t>& spans, DistinctTagValues* out)>;
// Adds what one block contributes, read from its metadata.
using BlockCollector = std::function<Status(const RequestContext& ctx, const block::BlockTags& tags,
                                            const std::atomic<bool>& stop, TagRun::JobOutput* out,
                                            block::TagReadStats* read)>;

// The parts of the Querier a tag query runs on.
struct TagEnv {
  const ingester::Ingester& ingester;
  const store::Store& store;
  QueryPool& pool;
  SharedTraceCache* shared_traces;
};

Status CheckContext(const RequestContext& ctx) { return CheckRequest(ctx, "tag query"); }

bool Overlaps(const block::BlockMeta& meta, uint64_t start, uint64_t end) {
  return static_cast<uint64_t>(std::max<int64_t>(meta.start_unix_nano, 0)) <= end &&
         static_cast<uint64_t>(std::max<int64_t>(meta.end_unix_nano, 0)) >= start;
}

// Blocks of the tenant overlapping [start, end], latest end first.
std::vector<block::BlockMeta> BlocksInWindow(const store::Store& store, const std::string& tenant,
                                             uint64_t start, uint64_t end) {
  std::vector<block::BlockMeta> metas;
  for (block::BlockMeta& meta : store.Blocks(tenant)) {
    if (Overlaps(meta, start, end)) metas.push_back(std::move(meta));
  }
  std::stable_sort(metas.begin(), metas.end(),
                   [](const auto& a, const auto& b) { return a.end_unix_nano > b.end_unix_nano; });
  return metas;
}

// Walks the live traces overlapping [start, end], each combined from its fragments, with every
// span selected.
Status WalkLive(const RequestContext& ctx, const LiveTraces& live, uint64_t start, uint64_t end,
                const std::atomic<bool>& stop, const TraceCollector& collect,
                TagRun::JobOutput* out) {
  for (const auto& [id, trace_data] : live) {
    if (stop.load(std::memory_order_relaxed) || out->values.done()) break;
    TEMPO_RETURN_IF_ERROR(CheckContext(ctx));
    tempopb::Trace trace;
    model::CombineStats combined;
    // Each piece holds whole fragments; packed ones are unpacked into their own buffer.
    const size_t pieces = trace_data.data.piece_count();
    std::vector<std::string> unpacked(pieces);
    std::vector<std::string_view> parts;
    parts.reserve(pieces);
    for (size_t p = 0; p < pieces; ++p) parts.push_back(trace_data.data.Piece(p, &unpacked[p]));
    TEMPO_RETURN_IF_ERROR(model::CombineFragments(parts, &trace, &combined));
    out->inspected_bytes += trace_data.data.size();
    if (combined.spans == 0) continue;
    traceql::TraceView view = traceql::TraceView::Build(id, std::move(trace));
    if (view.start_unix_nano() > end || view.end_unix_nano() < start) continue;
    out->any_data = true;
    collect(view, SelectedSpans(std::nullopt, view), &out->values);
  }
  return Status::Ok();
}

// Live traces plus one job per block, the blocks read through `from_block`.
Status RunUnfiltered(const TagEnv& env, const RequestContext& ctx, uint64_t start, uint64_t end,
                     TraceCollector collect, BlockCollector from_block, DistinctTagValues* out,
                     TagQueryStats* stats) {
  if (out->done()) return Status::Ok();  // a previous tenant filled it
  auto live = std::make_shared<LiveTraces>(env.ingester.SnapshotLiveTraces(ctx.tenant, start, end));
  auto metas = std::make_shared<std::vector<block::BlockMeta>>(
      BlocksInWindow(env.store, ctx.tenant, start, end));
  stats->blocks += static_cast<uint32_t>(metas->size());
  for (const block::BlockMeta& meta : *metas) stats->block_bytes += meta.size_bytes;
  stats->total_jobs += static_cast<uint32_t>(1 + metas->size());
  const store::Store* store = &env.store;
  auto job = [ctx, start, end, live, metas, store, collect = std::move(collect),
              from_block = std::move(from_block)](size_t index, const std::atomic<bool>& stop,
                                                  TagRun::JobOutput* job_out) -> Status {
    if (index == 0) return WalkLive(ctx, *live, start, end, stop, collect, job_out);
    const block::BlockMeta& meta = (*metas)[index - 1];
    Result<std::shared_ptr<const block::BlockReader>> reader = store->OpenReader(meta);
    TEMPO_RETURN_IF_ERROR(InBlock(meta, reader.status()));
    block::BlockTags tags(std::move(reader).value());
    block::TagReadStats read;
    Status s = from_block(ctx, tags, stop, job_out, &read);
    job_out->inspected_bytes += read.bytes_read;
    job_out->any_data = job_out->any_data || read.spans > 0;
    return InBlock(meta, s);
  };
  auto run = std::make_shared<TagRun>(ctx, 1 + metas->size(), out->limits(), std::move(job));
  return run->Run(env.pool, out, stats);
}

// The combined traces (live data and traces spread over several blocks), then one job per block
// fetched with the filter's conditions pushed down; only the spans the filter selects count.
Status RunFiltered(const TagEnv& env, const RequestContext& ctx, uint64_t start, uint64_t end,
                   const traceql::SearchQuery& filter, TraceCollector collect,
                   DistinctTagValues* out, TagQueryStats* stats) {
  if (filter.never_matches() || out->done()) return Status::Ok();
  TEMPO_ASSIGN_OR_RETURN(
      std::shared_ptr<const SearchSources> sources,
      SearchSources::Prepare(ctx, env.ingester, env.store, start, end, env.shared_traces));
  stats->blocks += static_cast<uint32_t>(sources->blocks().size());
  for (const BlockSource& b : sources->blocks()) stats->block_bytes += b.meta.size_bytes;
  stats->total_jobs += static_cast<uint32_t>(1 + sources->blocks().size());
  traceql::FetchRequest request = filter.fetch_request();
  request.start_unix_nano = start;
  request.end_unix_nano = end;
  auto job = [ctx, sources, request = std::move(request), filter, collect = std::move(collect)](
                 size_t index, const std::atomic<bool>& stop,
                 TagRun::JobOutput* job_out) -> Status {
    Status error;
    auto consume = [&](traceql::TraceView&& view) {
      if (stop.load(std::memory_order_relaxed)) return false;
      if (!(error = CheckContext(ctx)).ok()) return false;
      std::vector<uint32_t> spans = SelectedSpans(filter, view);
      if (!spans.empty()) {
        job_out->any_data = true;
        collect(view, spans, &job_out->values);
      }
      return !job_out->values.done();
    };
    if (index == 0) {
      traceql::InMemoryFetcher combined;
      TEMPO_RETURN_IF_ERROR(sources->BuildCombined(ctx, request, &combined, &job_out->inspected_bytes));
      TEMPO_RETURN_IF_ERROR(combined.Fetch(ctx, request, consume));
      return error;
    }
    const BlockSource& b = sources->blocks()[index - 1];
    block::BlockFetcher::Options options;
    options.newest_first = false;  // every candidate is looked at: ID order is cheaper
    const SearchSources* shared = sources.get();
    if (shared->combined_traces() > 0) {
      options.skip = [shared](const TraceId& id) { return shared->IsShared(id); };
    }
    block::BlockFetcher fetcher(b.reader, std::move(options));
    Status s = fetcher.Fetch(ctx, request, consume);
    job_out->inspected_bytes += fetcher.stats().bytes_read;
    if (s.ok()) s = error;
    return InBlock(b.meta, s);
  };
  auto run =
      std::make_shared<TagRun>(ctx, 1 + sources->blocks().size(), out->limits(), std::move(job));
  return run->Run(env.pool, out, stats);
}

bool Filtered(const std::optional<traceql::SearchQuery>& filter) {
  return filter && !MatchesEverySpan(*filter);
}

}  // namespace

Status Querier::TagNames(const RequestContext& ctx, const TagNamesQuery& query,
                         DistinctTagValues* names, TagQueryStats* stats) const {
  const TagEnv env{ingester_, store_, *pool_, shared_traces_.get()};
  TraceCollector collect = CollectTagNames;
  if (Filtered(query.filter)) {
    return RunFiltered(env, ctx, query.start_unix_nano, query.end_unix_nano, *query.filter,
                       std::move(collect), names, stats);
  }
  const uint64_t start = query.start_unix_nano, end = query.end_unix_nano;
  BlockCollector from_block = [start, end](const RequestContext& c, const block::BlockTags& tags,
                                           const std::atomic<bool>&, TagRun::JobOutput* out,
                                           block::TagReadStats* read) -> Status {
    std::array<std::vector<std::string>, block::kAttributeOwnerCount> keys;
    TEMPO_RETURN_IF_ERROR(tags.AttributeKeys(c, start, end, &keys, read));
    for (size_t o = 0; o < keys.size(); ++o) {
      for (const std::string& key : keys[o]) {
        if (!out->values.Add(TagScopeName(static_cast<TagScope>(o)), key)) return Status::Ok();
      }
    }
    return Status::Ok();
  };
  return RunUnfiltered(env, ctx, start, end, std::move(collect), std::move(from_block), names,
                       stats);
}

Status Querier::TagValues(const RequestContext& ctx, const TagValuesQuery& query,
                          DistinctTagValues* values, TagQueryStats* stats) const {
  const TagEnv env{ingester_, store_, *pool_, shared_traces_.get()};
  const block::TagColumn column = query.column;
  TraceCollector collect = [column](const traceql::TraceView& trace,
                                    const std::vector<uint32_t>& spans, DistinctTagValues* out) {
    CollectTagValues(column, trace, spans, out);
  };
  if (Filtered(query.filter)) {
    return RunFiltered(env, ctx, query.start_unix_nano, query.end_unix_nano, *query.filter,
                       std::move(collect), values, stats);
  }
  const uint64_t start = query.start_unix_nano, end = query.end_unix_nano;
  // In a block, "" in a root column means "no root span": it is never a root name.
  const bool skip_empty = column.kind == block::TagColumn::Kind::kRootSpanName ||
                          column.kind == block::TagColumn::Kind::kRootServiceName;
  BlockCollector from_block = [start, end, column, skip_empty](
                                  const RequestContext& c, const block::BlockTags& tags,
                                  const std::atomic<bool>& stop, TagRun::JobOutput* out,
                                  block::TagReadStats* read) -> Status {
    std::string type, text;
    return tags.Values(
        c, column, start, end,
        [&](const block::TagValueRef& v) {
          if (skip_empty && v.str.empty()) return true;
          TypedTagValue(v, &type, &text);
          return out->values.Add(type, text) && !stop.load(std::memory_order_relaxed);
        },
        read);
  };
  return RunUnfiltered(env, ctx, start, end, std::move(collect), std::move(from_block), values,
                       stats);
}

}  // namespace tempo::querier
