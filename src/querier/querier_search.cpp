#include <algorithm>
#include <map>

#include "querier/search_run.h"
#include "querier/search_sources.h"
#include "tempo/model/combine.h"
#include "tempo/querier/querier.h"
#include "tempopb/tempo.pb.h"

namespace tempo::querier {
namespace {

Status CheckContext(const RequestContext& ctx) { return CheckRequest(ctx, "request"); }

bool Overlaps(const block::BlockMeta& meta, uint64_t start, uint64_t end) {
  return static_cast<uint64_t>(std::max<int64_t>(meta.start_unix_nano, 0)) <= end &&
         static_cast<uint64_t>(std::max<int64_t>(meta.end_unix_nano, 0)) >= start;
}

}  // namespace

Status Querier::ForEachTrace(const RequestContext& ctx, uint64_t start_unix_nano,
                             uint64_t end_unix_nano,
                             const std::function<bool(traceql::TraceView&&)>& fn,
                             uint64_t* inspected_bytes, uint32_t* blocks) const {
  // Every fragment in the window is gathered first: a trace may be split between live data and
  // any number of blocks, and it must be evaluated once, whole.
  std::map<TraceId, std::string> fragments;
  for (auto& [id, live] : ingester_.SnapshotLiveTraces(ctx.tenant, start_unix_nano,
                                                       end_unix_nano)) {
    live.data.AppendTo(&fragments[id]);
  }
  std::vector<block::BlockMeta> metas = store_.Blocks(ctx.tenant);
  std::reverse(metas.begin(), metas.end());  // newest first
  for (const block::BlockMeta& meta : metas) {
    if (!Overlaps(meta, start_unix_nano, end_unix_nano)) continue;
    TEMPO_RETURN_IF_ERROR(CheckContext(ctx));
    if (blocks) ++*blocks;
    TEMPO_RETURN_IF_ERROR(store_.ForEachTrace(
        ctx, meta, [&](const TraceId& id, tempopb::Trace&& trace) -> Status {
          fragments[id].append(trace.SerializeAsString());
          return Status::Ok();
        }));
  }

  std::vector<traceql::TraceView> views;
  views.reserve(fragments.size());
  for (auto& [id, data] : fragments) {
    TEMPO_RETURN_IF_ERROR(CheckContext(ctx));
    tempopb::Trace trace;
    model::CombineStats stats;
    std::vector<std::string_view> parts{data};
    TEMPO_RETURN_IF_ERROR(model::CombineFragments(parts, &trace, &stats));
    if (inspected_bytes) *inspected_bytes += data.size();
    data.clear();
    data.shrink_to_fit();
    if (stats.spans == 0) continue;
    traceql::TraceView view = traceql::TraceView::Build(id, std::move(trace));
    if (view.start_unix_nano() > end_unix_nano || view.end_unix_nano() < start_unix_nano) continue;
    views.push_back(std::move(view));
  }
  std::sort(views.begin(), views.end(), [](const traceql::TraceView& a,
                                           const traceql::TraceView& b) {
    if (a.start_unix_nano() != b.start_unix_nano()) return a.start_unix_nano() > b.start_unix_nano();
    return a.id() < b.id();
  });
  for (traceql::TraceView& view : views) {
    TEMPO_RETURN_IF_ERROR(CheckContext(ctx));
    if (!fn(std::move(view))) break;
  }
  return Status::Ok();
}

Status Querier::Search(const RequestContext& ctx, const traceql::SearchQuery& query,
                       const traceql::SearchOptions& options, tempopb::SearchResponse* out,
                       const SearchProgressFn& progress) const {
  const uint64_t start = options.start_unix_nano.value_or(0);
  const uint64_t end = options.end_unix_nano.value_or(UINT64_MAX);
  out->Clear();
  TEMPO_ASSIGN_OR_RETURN(std::shared_ptr<const SearchSources> sources,
                         SearchSources::Prepare(ctx, ingester_, store_, start, end,
                                                        shared_traces_.get()));
  auto run = std::make_shared<SearchRun>(ctx, query, options, std::move(sources), progress);
  return run->Run(*pool_, out);
}

}  // namespace tempo::querier
