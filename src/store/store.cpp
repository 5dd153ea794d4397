#include "tempo/store/store.h"

#include <algorithm>

#include "tempo/block/block_reader.h"
#include "tempo/common/log.h"
#include "tempo/common/thread_name.h"
#include "tempo/store/tombstones.h"
#include "tempopb/tempo.pb.h"

namespace tempo::store {

Store::Store(StoreConfig config, const backend::RawReader& backend, metrics::Registry& registry)
    : config_(config),
      backend_(backend),
      blocks_gauge_(registry.AddGauge("tempodb_blocklist_length",
                                      "Committed blocks known per tenant.", {"tenant"})),
      poll_errors_(registry
                       .AddCounter("tempodb_blocklist_poll_errors_total",
                                   "Errors while listing the backend.")
                       .WithLabels({})) {
  block::PageCache::Metrics m;
  m.hits = &registry
                .AddCounter("tempo_page_cache_hits_total",
                            "Block pages found decompressed in the page cache.")
                .WithLabels({});
  m.misses = &registry
                  .AddCounter("tempo_page_cache_misses_total",
                              "Block page reads that missed the page cache.")
                  .WithLabels({});
  m.evictions = &registry
                     .AddCounter("tempo_page_cache_evictions_total",
                                 "Pages evicted from the page cache to stay within its size.")
                     .WithLabels({});
  m.bytes = &registry
                 .AddGauge("tempo_page_cache_bytes",
                           "Decompressed payload bytes held by the page cache.")
                 .WithLabels({});
  if (config_.page_cache_bytes > 0) {
    page_cache_ = std::make_shared<block::PageCache>(config_.page_cache_bytes, m);
  }
}

Store::~Store() { Stop(); }

Status Store::Start() {
  TEMPO_RETURN_IF_ERROR(Poll());
  poller_ = std::thread([this] {
    SetThreadName("tempo-poll");
    PollLoop();
  });
  return Status::Ok();
}

void Store::Stop() {
  {
    std::lock_guard<std::mutex> lock(poll_mu_);
    stopping_ = true;
  }
  poll_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

void Store::PollLoop() {
  std::unique_lock<std::mutex> lock(poll_mu_);
  while (!poll_cv_.wait_for(lock, config_.blocklist_poll, [this] { return stopping_; })) {
    lock.unlock();
    if (Status s = Poll(); !s.ok()) {
      poll_errors_.Inc();
      LOG_WARN << "blocklist poll failed: " << s.message();
    }
    lock.lock();
  }
}

Status Store::Poll() {
  const int64_t poll_started = std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count() -
                               1;
  TEMPO_ASSIGN_OR_RETURN(std::vector<std::string> tenants, backend_.ListTenants());
  std::map<std::string, std::shared_ptr<const BlockMap>> fresh;
  std::map<std::string, std::set<std::string>> listed_ids, compacted_ids;
  for (const std::string& tenant : tenants) {
    TEMPO_ASSIGN_OR_RETURN(std::vector<std::string> ids, backend_.ListBlocks(tenant));
    std::shared_ptr<const BlockMap> known;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = tenants_.find(tenant); it != tenants_.end()) known = it->second;
    }
    auto blocks = std::make_shared<BlockMap>();
    std::set<std::string>& listed = listed_ids[tenant];
    std::set<std::string>& compacted_set = compacted_ids[tenant];
    for (const std::string& id : ids) {
      listed.insert(id);
      TEMPO_ASSIGN_OR_RETURN(std::vector<std::string> objects, backend_.ListObjects(tenant, id));
      bool has_meta =
          std::find(objects.begin(), objects.end(), backend::kMetaName) != objects.end();
      bool compacted =
          std::find(objects.begin(), objects.end(), backend::kCompactedMetaName) != objects.end();
      if (compacted) compacted_set.insert(id);
      if (!has_meta || compacted) continue;  // not committed yet, or replaced
      if (known) {
        if (auto it = known->find(id); it != known->end()) {
          blocks->emplace(id, it->second);
          continue;
        }
      }
      Result<std::string> json = backend_.Read(tenant, id, backend::kMetaName);
      if (!json.ok()) {
        if (json.status().code() == StatusCode::kNotFound) continue;  // deleted meanwhile
        return json.status();
      }
      Result<block::BlockMeta> meta = block::MetaFromJson(*json);
      if (!meta.ok()) {
        LOG_WARN << "skipping block " << tenant << "/" << id << ": " << meta.status().message();
        continue;
      }
      blocks->emplace(id, std::move(meta).value());
    }
    fresh[tenant] = std::move(blocks);
  }
  std::lock_guard<std::mutex> lock(mu_);
  // A block this process committed after the listing started is not in `fresh`: keep it.
  for (const auto& [tenant, blocks] : tenants_) {
    std::shared_ptr<const BlockMap>& listed = fresh[tenant];
    std::shared_ptr<BlockMap> merged;
    for (const auto& [id, meta] : *blocks) {
      if (meta.created_at_unix < poll_started || (listed && listed->count(id))) continue;
      if (!merged) merged = std::make_shared<BlockMap>(listed ? *listed : BlockMap());
      merged->emplace(id, meta);
    }
    if (merged) listed = std::move(merged);
    if (!listed) listed = std::make_shared<BlockMap>();
  }
  // Retired: marked compacted in the backend, or retired by this process and still there (the
  // listing may have run before the mark was written), or replaced by a visible block.
  std::map<std::string, std::set<std::string>> retired;
  for (auto& [tenant, blocks] : fresh) {
    std::set<std::string>& r = retired[tenant];
    r = std::move(compacted_ids[tenant]);
    if (auto it = retired_.find(tenant); it != retired_.end()) {
      for (const std::string& id : it->second) {
        if (listed_ids[tenant].count(id) || blocks->count(id)) r.insert(id);
      }
    }
    auto visible = std::make_shared<BlockMap>(*blocks);
    for (const std::string& id : r) visible->erase(id);
    HideReplaced(visible.get(), &r);
    blocks = std::move(visible);
  }
  tenants_ = std::move(fresh);
  retired_ = std::move(retired);
  for (const auto& [tenant, blocks] : tenants_) {
    blocks_gauge_.WithLabels({tenant}).Set(static_cast<double>(blocks->size()));
  }
  return Status::Ok();
}

void Store::HideReplaced(BlockMap* blocks, std::set<std::string>* retired) {
  std::set<std::string> replaced;
  for (const auto& [id, meta] : *blocks)
    replaced.insert(meta.replaces.begin(), meta.replaces.end());
  for (const std::string& id : replaced) {
    blocks->erase(id);
    retired->insert(id);
  }
}

void Store::AddBlock(const block::BlockMeta& meta) {
  std::lock_guard<std::mutex> lock(mu_);
  auto blocks = tenants_.count(meta.tenant_id)
                    ? std::make_shared<BlockMap>(*tenants_[meta.tenant_id])
                    : std::make_shared<BlockMap>();
  (*blocks)[meta.block_id] = meta;
  HideReplaced(blocks.get(), &retired_[meta.tenant_id]);
  blocks_gauge_.WithLabels({meta.tenant_id}).Set(static_cast<double>(blocks->size()));
  tenants_[meta.tenant_id] = std::move(blocks);
}

void Store::MarkRetired(const std::string& tenant, const std::vector<std::string>& block_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  auto blocks = tenants_.count(tenant) ? std::make_shared<BlockMap>(*tenants_[tenant])
                                       : std::make_shared<BlockMap>();
  std::set<std::string>& retired = retired_[tenant];
  for (const std::string& id : block_ids) {
    blocks->erase(id);
    retired.insert(id);
  }
  blocks_gauge_.WithLabels({tenant}).Set(static_cast<double>(blocks->size()));
  tenants_[tenant] = std::move(blocks);
}

void Store::ForgetBlocks(const std::string& tenant, const std::vector<std::string>& block_ids) {
  MarkRetired(tenant, block_ids);
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string>& retired = retired_[tenant];
  for (const std::string& id : block_ids) retired.erase(id);
}

std::vector<block::BlockMeta> Store::Blocks(const std::string& tenant) const {
  std::shared_ptr<const BlockMap> blocks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tenants_.find(tenant);
    if (it == tenants_.end()) return {};
    blocks = it->second;
  }
  std::vector<block::BlockMeta> out;
  out.reserve(blocks->size());
  for (const auto& [id, meta] : *blocks) out.push_back(meta);
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.start_unix_nano < b.start_unix_nano; });
  return out;
}

std::vector<std::string> Store::Tenants() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [tenant, blocks] : tenants_) out.push_back(tenant);
  return out;
}

bool Store::HasBlock(const std::string& tenant, const std::string& block_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = tenants_.find(tenant); it != tenants_.end() && it->second->count(block_id)) {
    return true;
  }
  auto it = retired_.find(tenant);
  return it != retired_.end() && it->second.count(block_id) > 0;
}

Result<std::shared_ptr<const block::BlockReader>> Store::Reader(
    const block::BlockMeta& meta) const {
  const std::string key = meta.tenant_id + "/" + meta.block_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = lru_index_.find(key); it != lru_index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
  }
  // The file stays open while the reader is cached (at most max_open_readers of them).
  TEMPO_ASSIGN_OR_RETURN(
      std::unique_ptr<backend::RangeReader> file,
      backend_.OpenRangeReader(meta.tenant_id, meta.block_id, backend::kDataName));
  const block::LookupReads lookup_reads =
      file->small_reads_cheap() ? block::LookupReads::kPages : block::LookupReads::kRowGroup;
  std::shared_ptr<const backend::RangeReader> shared_file = std::move(file);
  block::ReadAtFn read = [shared_file](uint64_t offset, uint64_t length) {
    return shared_file->ReadAt(offset, length);
  };
  TEMPO_ASSIGN_OR_RETURN(
      std::unique_ptr<block::BlockReader> opened,
      block::BlockReader::Open(std::move(read), meta.size_bytes, meta.footer_size, lookup_reads,
                               page_cache_));
  std::shared_ptr<const block::BlockReader> reader = std::move(opened);
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = lru_index_.find(key); it != lru_index_.end()) return it->second->second;
  lru_.emplace_front(key, reader);
  lru_index_[key] = lru_.begin();
  while (lru_.size() > config_.max_open_readers) {
    lru_index_.erase(lru_.back().first);
    lru_.pop_back();
  }
  return reader;
}

Result<std::shared_ptr<const block::BlockReader>> Store::OpenReader(
    const block::BlockMeta& meta) const {
  Result<std::shared_ptr<const block::BlockReader>> reader = Reader(meta);
  if (!reader.ok()) {
    return Status(reader.status().code(), "block " + meta.tenant_id + "/" + meta.block_id + ": " +
                                              reader.status().message());
  }
  return reader;
}

Status Store::FindTrace(const RequestContext& ctx, const TraceId& id,
                        std::optional<int64_t> start_seconds, std::optional<int64_t> end_seconds,
                        std::vector<std::string>* fragments, uint64_t* inspected_bytes) const {
  std::string all;
  std::vector<size_t> ends;
  TEMPO_RETURN_IF_ERROR(AppendHits(ctx, id, start_seconds, end_seconds, &all, &ends, nullptr));
  size_t begin = 0;
  for (size_t end : ends) {
    fragments->push_back(all.substr(begin, end - begin));
    begin = end;
  }
  if (inspected_bytes) *inspected_bytes += all.size();
  return Status::Ok();
}

Status Store::FindTrace(const RequestContext& ctx, const TraceId& id,
                        std::optional<int64_t> start_seconds, std::optional<int64_t> end_seconds,
                        std::string* fragments, size_t* parts,
                        uint32_t* combined_spans) const {
  std::vector<size_t> ends;
  TEMPO_RETURN_IF_ERROR(
      AppendHits(ctx, id, start_seconds, end_seconds, fragments, &ends, combined_spans));
  if (parts) *parts += ends.size();
  return Status::Ok();
}

Status Store::AppendHits(const RequestContext& ctx, const TraceId& id,
                         std::optional<int64_t> start_seconds, std::optional<int64_t> end_seconds,
                         std::string* fragments, std::vector<size_t>* ends,
                         uint32_t* combined_spans) const {
  if (combined_spans) *combined_spans = 0;
  if (tombstones_ && tombstones_->Contains(ctx.tenant, id)) return Status::Ok();  // deleted
  const std::string hex = id.ToHex();
  for (const block::BlockMeta& meta : Blocks(ctx.tenant)) {
    if (ctx.IsCancelled()) return CancelledError("trace lookup cancelled");
    // Time pruning: the hints are whole seconds, so compare at second granularity.
    if (start_seconds && meta.end_unix_nano / 1'000'000'000 < *start_seconds) continue;
    if (end_seconds && meta.start_unix_nano / 1'000'000'000 > *end_seconds) continue;
    if (!meta.min_trace_id.empty() && (hex < meta.min_trace_id || hex > meta.max_trace_id)) {
      continue;
    }
    Result<std::shared_ptr<const block::BlockReader>> reader = Reader(meta);
    if (!reader.ok()) {
      return Status(reader.status().code(), "block " + meta.tenant_id + "/" + meta.block_id + ": " +
                                                reader.status().message());
    }
    if (!(*reader)->MayContain(id)) continue;
    uint32_t combined = 0;
    Result<bool> found = (*reader)->FindTraceSerialized(id, fragments, &combined);
    if (!found.ok()) {
      return Status(found.status().code(),
                    "block " + meta.block_id + ": " + found.status().message());
    }
    if (!*found) continue;
    ends->push_back(fragments->size());
    if (combined_spans) *combined_spans = ends->size() == 1 ? combined : 0;
  }
  return Status::Ok();
}

Status Store::ForEachTrace(
    const RequestContext& ctx, const block::BlockMeta& meta,
    const std::function<Status(const TraceId&, tempopb::Trace&&)>& fn) const {
  if (meta.tenant_id != ctx.tenant) {
    return InvalidArgumentError("block " + meta.block_id + " is not of tenant " + ctx.tenant);
  }
  Result<std::shared_ptr<const block::BlockReader>> reader = Reader(meta);
  if (!reader.ok()) {
    return Status(reader.status().code(), "block " + meta.tenant_id + "/" + meta.block_id + ": " +
                                              reader.status().message());
  }
  std::shared_ptr<const TombstoneList> deleted =
      tombstones_ ? tombstones_->ForTenant(ctx.tenant) : nullptr;
  if (!deleted || deleted->empty()) return (*reader)->ForEachTrace(fn);
  return (*reader)->ForEachTrace([&](const TraceId& id, tempopb::Trace&& trace) -> Status {
    if (Tombstones::ListContains(*deleted, id)) return Status::Ok();
    return fn(id, std::move(trace));
  });
}

Result<std::vector<std::string>> Store::BlocksHolding(const std::string& tenant,
                                                      const TraceId& id) const {
  std::vector<std::string> out;
  const std::string hex = id.ToHex();
  for (const block::BlockMeta& meta : Blocks(tenant)) {
    if (!meta.min_trace_id.empty() && (hex < meta.min_trace_id || hex > meta.max_trace_id)) {
      continue;
    }
    TEMPO_ASSIGN_OR_RETURN(std::shared_ptr<const block::BlockReader> reader, OpenReader(meta));
    if (reader->FindRow(id).has_value()) out.push_back(meta.block_id);
  }
  return out;
}

}  // namespace tempo::store
