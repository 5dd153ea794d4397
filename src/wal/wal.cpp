#include "tempo/wal/wal.h"

#include <chrono>
#include <filesystem>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "tempo/common/check.h"
#include "tempo/common/log.h"
#include "wal/wal_key.h"

namespace tempo::wal {
namespace {

constexpr char kIngestCf[] = "ingest";
constexpr char kTenantsCf[] = "tenants";

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return CorruptionError(what + ": " + s.ToString());
  return IOError(what + ": " + s.ToString());
}

}  // namespace

Wal::Wal(const WalConfig& config, metrics::Registry& registry)
    : config_(config),
      appends_(registry.AddCounter("tempo_wal_appends_total", "Pushes appended to the WAL.")
                   .WithLabels({})),
      bytes_written_(registry
                         .AddCounter("tempo_wal_bytes_written_total",
                                     "Bytes of trace data written to the WAL.")
                         .WithLabels({})),
      syncs_(registry
                 .AddCounter("tempo_wal_syncs_total",
                             "Group commits (one synced RocksDB write batch each).")
                 .WithLabels({})),
      sync_seconds_(registry
                        .AddHistogram("tempo_wal_sync_duration_seconds",
                                      "Time to write and sync one group commit.", {},
                                      metrics::DefaultLatencyBuckets())
                        .WithLabels({})),
      queue_bytes_(registry
                       .AddGauge("tempo_wal_queue_bytes",
                                 "Bytes waiting for the WAL writer.")
                       .WithLabels({})) {}

Wal::~Wal() { Close(); }

Result<std::unique_ptr<Wal>> Wal::Open(const WalConfig& config, metrics::Registry& registry) {
  std::unique_ptr<Wal> wal(new Wal(config, registry));
  TEMPO_RETURN_IF_ERROR(wal->OpenDb());
  return wal;
}

Status Wal::OpenDb() {
  std::error_code ec;
  std::filesystem::create_directories(config_.path, ec);
  if (ec) {
    return IOError("cannot create WAL directory " + config_.path + ": " + ec.message());
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_total_wal_size = 512ull << 20;  // bounds recovery time
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 4;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;

  rocksdb::ColumnFamilyOptions ingest_options;
  ingest_options.write_buffer_size = 128ull << 20;
  ingest_options.compression = rocksdb::kNoCompression;
  // Most data is range-deleted before it reaches the bottom; compress only what lingers there.
  ingest_options.bottommost_compression = rocksdb::kZSTD;

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kIngestCf, ingest_options},
      {kTenantsCf, rocksdb::ColumnFamilyOptions()},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  TEMPO_RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(db_options, config_.path, cfs, &handles, &raw),
                                  "cannot open WAL at " + config_.path));
  db_.reset(raw);
  default_cf_ = handles[0];
  ingest_cf_ = handles[1];
  tenants_cf_ = handles[2];

  // Load the tenant-name <-> id mapping.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), tenants_cf_));
  std::lock_guard<std::mutex> lock(mu_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->value().size() != 4) {
      return CorruptionError("WAL tenant entry for '" + it->key().ToString() +
                             "' has a bad id length");
    }
    uint32_t id = DecodeU32(it->value().data());
    tenant_ids_[it->key().ToString()] = id;
    tenant_names_[id] = it->key().ToString();
    next_tenant_id_ = std::max(next_tenant_id_, id + 1);
  }
  TEMPO_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read WAL tenants"));
  writer_ = std::thread([this] { WriterLoop(); });
  return Status::Ok();
}

Status Wal::Replay(const std::function<void(ReplayedRecord&&)>& fn) {
  std::map<uint32_t, std::string> names;
  {
    std::lock_guard<std::mutex> lock(mu_);
    names = tenant_names_;
  }
  rocksdb::ReadOptions options;
  options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, ingest_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    WalKey key;
    if (!DecodeKey(it->key().ToStringView(), &key)) {
      return CorruptionError("WAL key of " + std::to_string(it->key().size()) +
                             " bytes is malformed");
    }
    auto name = names.find(key.tenant_id);
    if (name == names.end()) {
      return CorruptionError("WAL record refers to unknown tenant id " +
                             std::to_string(key.tenant_id));
    }
    fn(ReplayedRecord{name->second, key.epoch_minute, key.trace_id, key.seq,
                      it->value().ToString()});
  }
  return FromRocks(it->status(), "cannot replay WAL");
}

Status Wal::Append(std::vector<WalRecord>&& records, AppendCallback&& done) {
  uint64_t bytes = 0;
  for (const WalRecord& r : records) bytes += r.data.size() + kKeySize;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return UnavailableError("the WAL is closing");
    if (queued_bytes_ > 0 && queued_bytes_ + bytes > config_.max_pending_bytes) {
      return ResourceExhaustedError("WAL write queue is full (" + std::to_string(queued_bytes_) +
                                    " bytes pending)");
    }
    queued_bytes_ += bytes;
    queue_.push_back(Pending{std::move(records), std::move(done), bytes});
    queue_bytes_.Set(static_cast<double>(queued_bytes_));
  }
  cv_.notify_one();
  return Status::Ok();
}

uint32_t Wal::TenantIdLocked(const std::string& tenant, std::string* new_tenant_key) {
  auto it = tenant_ids_.find(tenant);
  if (it != tenant_ids_.end()) return it->second;
  uint32_t id = next_tenant_id_++;
  tenant_ids_[tenant] = id;
  tenant_names_[id] = tenant;
  *new_tenant_key = tenant;
  return id;
}

void Wal::WriterLoop() {
  for (;;) {
    std::vector<Pending> group;
    rocksdb::WriteBatch batch;
    uint64_t group_bytes = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing and drained
      // Take everything pending up to the batch limit (always at least one push).
      while (!queue_.empty() && (group.empty() || group_bytes + queue_.front().bytes <=
                                                      config_.max_batch_bytes)) {
        group_bytes += queue_.front().bytes;
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      for (Pending& p : group) {
        for (WalRecord& r : p.records) {
          std::string new_tenant;
          uint32_t tenant_id = TenantIdLocked(r.tenant, &new_tenant);
          if (!new_tenant.empty()) {
            char id_bytes[4];
            EncodeU32(id_bytes, tenant_id);
            batch.Put(tenants_cf_, new_tenant, rocksdb::Slice(id_bytes, 4));
          }
          std::string key = EncodeKey(WalKey{tenant_id, r.epoch_minute, r.trace_id, r.seq});
          batch.Put(ingest_cf_, key, r.data);
        }
      }
    }

    rocksdb::WriteOptions options;
    options.sync = config_.sync;
    auto started = std::chrono::steady_clock::now();
    rocksdb::Status s = db_->Write(options, &batch);
    sync_seconds_.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    // A failed synced write leaves the WAL in an unknown state: acknowledged data could be lost.
    TEMPO_CHECK(s.ok(), ("WAL write failed: " + s.ToString()).c_str());
    syncs_.Inc();
    bytes_written_.Inc(static_cast<double>(group_bytes));
    appends_.Inc(static_cast<double>(group.size()));
    {
      std::lock_guard<std::mutex> lock(mu_);
      queued_bytes_ -= group_bytes;
      queue_bytes_.Set(static_cast<double>(queued_bytes_));
    }
    for (Pending& p : group) {
      if (p.done) p.done(Status::Ok());
    }
  }
}

Status Wal::DropBefore(const std::string& tenant, uint32_t before_epoch_minute) {
  uint32_t tenant_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tenant_ids_.find(tenant);
    if (it == tenant_ids_.end()) return Status::Ok();
    tenant_id = it->second;
  }
  std::string begin = EncodeKeyPrefix(tenant_id, 0);
  std::string end = EncodeKeyPrefix(tenant_id, before_epoch_minute);
  rocksdb::WriteOptions options;
  options.sync = config_.sync;
  TEMPO_RETURN_IF_ERROR(
      FromRocks(db_->DeleteRange(options, ingest_cf_, begin, end), "WAL range delete"));

  // Journals whose records are all gone now are no longer needed.
  TEMPO_ASSIGN_OR_RETURN(std::vector<CutJournal> journals, ReadCutJournals());
  for (const CutJournal& j : journals) {
    if (j.tenant == tenant && j.max_epoch_minute < before_epoch_minute) {
      TEMPO_RETURN_IF_ERROR(DeleteCutJournal(j.tenant, j.block_id));
    }
  }
  return Status::Ok();
}

Status Wal::WriteCutJournal(const CutJournal& journal) {
  rocksdb::WriteOptions options;
  options.sync = config_.sync;
  return FromRocks(db_->Put(options, default_cf_, EncodeJournalKey(journal.tenant, journal.block_id),
                            EncodeJournalValue(journal)),
                   "WAL cut journal write");
}

Result<std::vector<CutJournal>> Wal::ReadCutJournals() const {
  std::vector<CutJournal> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), default_cf_));
  const std::string prefix(kJournalPrefix);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    CutJournal journal;
    if (!DecodeJournal(it->key().ToStringView(), it->value().ToStringView(), &journal)) {
      return CorruptionError("WAL cut journal entry of " + std::to_string(it->value().size()) +
                             " bytes does not decode");
    }
    out.push_back(std::move(journal));
  }
  TEMPO_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read WAL cut journals"));
  return out;
}

Status Wal::DeleteCutJournal(const std::string& tenant, const std::string& block_id) {
  rocksdb::WriteOptions options;
  options.sync = config_.sync;
  return FromRocks(db_->Delete(options, default_cf_, EncodeJournalKey(tenant, block_id)),
                   "WAL cut journal delete");
}

void Wal::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_ && !writer_.joinable() && !db_) return;
    closing_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (db_) {
    for (auto* cf : {ingest_cf_, tenants_cf_, default_cf_}) {
      if (cf) db_->DestroyColumnFamilyHandle(cf).PermitUncheckedError();
    }
    ingest_cf_ = tenants_cf_ = default_cf_ = nullptr;
    db_->Close().PermitUncheckedError();
    db_.reset();
  }
}

uint64_t Wal::pending_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queued_bytes_;
}

}  // namespace tempo::wal
