#include "tempo/wal/wal.h"

#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>

#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "tempo/common/check.h"
#include "tempo/common/log.h"
#include "tempo/common/thread_name.h"
#include "tempo/common/value_codec.h"
#include "wal/rocks_status.h"
#include "wal/wal_key.h"

namespace tempo::wal {
namespace {

constexpr char kIngestCf[] = "ingest";
constexpr char kTenantsCf[] = "tenants";

}  // namespace

Wal::Wal(const WalConfig& config, metrics::Registry& registry)
    : config_(config),
      appends_(registry.AddCounter("tempo_wal_appends_total", "Pushes appended to the WAL.")
                   .WithLabels({})),
      bytes_written_(registry
                         .AddCounter("tempo_wal_bytes_written_total",
                                     "Bytes of trace data written to the WAL, as received.")
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
                       .WithLabels({})),
      dictionaries_(registry
                        .AddGauge("tempo_wal_dictionaries",
                                  "Packing dictionaries stored in the WAL (each is kept while an "
                                  "entry refers to it).")
                        .WithLabels({})),
      value_bytes_(registry
                       .AddCounter("tempo_wal_stored_bytes_total",
                                   "Bytes of WAL entries handed to RocksDB compressed: packed "
                                   "fragments (format 4) or a push compressed whole (format 3).")
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
  // Entries hold packed fragments (~180 B per span): 32 MiB is ~2 s at 100k spans/s. Two
  // memtables of 128 MiB (one filling, one flushing) held ~10% of the server's RSS at that rate
  // for no CPU saved (bench/RESULTS.md, session 15).
  ingest_options.write_buffer_size = 32ull << 20;
  // No compression at any level: records live minutes (range-deleted after each cut), but with
  // few levels the bottom one is reached at once, and compressing it with zstd made RocksDB's
  // compactions ~25% of the server's CPU under a 140k spans/s load, spent on data about to be
  // deleted (bench/RESULTS.md: 11.6 -> 8.6 CPU-s per million spans without it).
  ingest_options.compression = rocksdb::kNoCompression;
  ingest_options.bottommost_compression = rocksdb::kNoCompression;
  // Values in blob files: a flush writes each push once into a blob file and compactions move
  // only keys and blob references, instead of rewriting records about to be range-deleted (a
  // fifth of a core at 100k spans/s). A blob file goes once no table references it.
  ingest_options.enable_blob_files = true;
  ingest_options.min_blob_size = 0;
  ingest_options.blob_compression_type = rocksdb::kNoCompression;

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
  writer_ = std::thread([this] {
    SetThreadName("tempo-wal");
    WriterLoop();
  });
  return Status::Ok();
}

Status Wal::Append(std::vector<WalRecord>&& records, AppendCallback&& done) {
  uint64_t bytes = 0;      // as queued (packed fragments counted packed)
  uint64_t raw_bytes = 0;  // as received
  for (const WalRecord& r : records) {
    bytes += r.data.stored->size() + kKeySize;
    raw_bytes += r.data.raw_size;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return UnavailableError("the WAL is closing");
    if (queued_bytes_ > 0 && queued_bytes_ + bytes > config_.max_pending_bytes) {
      return ResourceExhaustedError("WAL write queue is full (" + std::to_string(queued_bytes_) +
                                    " bytes pending)");
    }
    queued_bytes_ += bytes;
    queue_.push_back(Pending{std::move(records), std::move(done), bytes, raw_bytes});
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

void Wal::NoteDictionaryLocked(rocksdb::WriteBatch& batch, const PackDictionary& dict,
                               uint32_t tenant_id, uint32_t minute) {
  auto [it, added] = stored_dicts_.try_emplace(dict.id());
  if (added) {
    batch.Put(default_cf_, EncodeDictKey(dict.id()),
              rocksdb::Slice(dict.bytes().data(), dict.bytes().size()));
    dictionaries_.Set(static_cast<double>(stored_dicts_.size()));
  }
  uint32_t& newest = it->second[tenant_id];
  newest = std::max(newest, minute);
}

bool Wal::StoresPacked(const WalRecord* records, size_t count) const {
  if (config_.encoding != ValueCodec::kLz4) return false;
  for (size_t i = 0; i < count; ++i) {
    if (records[i].data.packed) return true;
  }
  return false;
}

void Wal::PutGroup(rocksdb::WriteBatch& batch, uint32_t tenant_id, const WalRecord* records,
                   size_t count) {
  const std::string key = EncodeGroupKey(tenant_id, records[0].epoch_minute, records[0].seq);
  rocksdb::Slice key_slice(key);
  // Packed fragments as they are (format 4, StoresPacked), or fragments as pushed with encoding
  // none (format 2): both assembled by RocksDB from the pieces. Anything else is encoded here.
  const bool packed = StoresPacked(records, count);
  bool any_packed = packed;
  for (size_t i = 0; i < count && !any_packed; ++i) any_packed = records[i].data.packed;
  // Appends the header of record `i` (trace id, sequence) to `*out`.
  auto append_id = [&](size_t i, std::string* out) {
    const WalRecord& r = records[i];
    const size_t old_size = out->size();
    out->resize(old_size + 24);
    std::memcpy(out->data() + old_size, r.trace_id.bytes.data(), 16);
    EncodeU64(out->data() + old_size + 16, r.seq);
  };

  if (packed || (!any_packed && config_.encoding == ValueCodec::kNone)) {
    // Format 4 (packed fragments, lz4) or 2 (raw fragments, none): assembled by RocksDB from
    // parts, the headers here and the fragments where they are (no copy).
    std::string headers;
    // Never reallocates: the slices point into it.
    headers.reserve(1 + 10 + count * (24 + 1 + 8 + 10 + 10));
    std::vector<rocksdb::Slice> parts;
    parts.reserve(2 * count);
    headers.push_back(
        static_cast<char>(packed ? kPackedGroupFormatVersion : kGroupFormatVersion));
    AppendVarint(&headers, count);
    size_t part_start = 0;
    size_t value_size = 0;
    for (size_t i = 0; i < count; ++i) {
      const BytesPiece& piece = records[i].data;
      append_id(i, &headers);
      if (packed) {
        const PieceForm form = !piece.packed ? PieceForm::kRaw
                               : piece.dict  ? PieceForm::kLz4Dict
                                             : PieceForm::kLz4;
        headers.push_back(static_cast<char>(form));
        if (form == PieceForm::kLz4Dict) {
          headers.resize(headers.size() + 8);
          EncodeU64(headers.data() + headers.size() - 8, piece.dict->id());
        }
        if (form != PieceForm::kRaw) AppendVarint(&headers, piece.raw_size);
      }
      AppendVarint(&headers, piece.stored->size());
      parts.emplace_back(headers.data() + part_start, headers.size() - part_start);
      parts.emplace_back(*piece.stored);
      value_size += headers.size() - part_start + piece.stored->size();
      part_start = headers.size();
    }
    batch.Put(ingest_cf_, rocksdb::SliceParts(&key_slice, 1),
              rocksdb::SliceParts(parts.data(), static_cast<int>(parts.size())));
    if (packed) value_bytes_.Inc(static_cast<double>(value_size));
    return;
  }
  // Format 3 (or 2 with encoding none when fragments came packed): the body written out once,
  // fragments unpacked, then compressed. Both buffers are reused from push to push.
  body_scratch_.clear();
  AppendVarint(&body_scratch_, count);
  for (size_t i = 0; i < count; ++i) {
    const BytesPiece& piece = records[i].data;
    append_id(i, &body_scratch_);
    AppendVarint(&body_scratch_, piece.raw_size);
    if (!piece.packed) {
      body_scratch_.append(*piece.stored);
    } else {
      TEMPO_CHECK(UnpackPieceTo(piece, &body_scratch_), "a packed WAL record does not unpack");
    }
  }
  value_scratch_.clear();
  if (config_.encoding == ValueCodec::kNone) {
    value_scratch_.push_back(static_cast<char>(kGroupFormatVersion));
    value_scratch_.append(body_scratch_);
  } else {
    value_scratch_.push_back(static_cast<char>(kCompressedGroupFormatVersion));
    value_scratch_.push_back(static_cast<char>(config_.encoding));
    AppendVarint(&value_scratch_, body_scratch_.size());
    const size_t header_size = value_scratch_.size();
    if (!CompressValue(config_.encoding, body_scratch_, &value_scratch_) ||
        value_scratch_.size() - header_size >= body_scratch_.size()) {
      // Incompressible (or too large for the codec): stored as is.
      value_scratch_.resize(header_size);
      value_scratch_[1] = static_cast<char>(ValueCodec::kNone);
      value_scratch_.append(body_scratch_);
    }
    value_bytes_.Inc(static_cast<double>(value_scratch_.size()));
  }
  batch.Put(ingest_cf_, key_slice, rocksdb::Slice(value_scratch_));
  // A rare huge push does not leave its size behind.
  constexpr size_t kKeep = 8u << 20;
  if (body_scratch_.capacity() > kKeep) std::string().swap(body_scratch_);
  if (value_scratch_.capacity() > kKeep) std::string().swap(value_scratch_);
}

void Wal::WriterLoop() {
  // Reused: Clear() keeps its buffer, so a group commit neither regrows it (copying everything
  // again) nor faults in fresh pages. It stays as large as the largest group (about
  // max_batch_bytes, more only for a single larger push).
  rocksdb::WriteBatch batch;
  // One entry to write: `count` records of one tenant and minute.
  struct Run {
    const WalRecord* records;
    size_t count;
    uint32_t tenant_id;
  };
  std::vector<Run> runs;
  for (;;) {
    std::vector<Pending> group;
    runs.clear();
    batch.Clear();
    uint64_t group_bytes = 0;
    uint64_t group_raw_bytes = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing and drained
      // Dictionaries no entry uses any more, first: one stored again below (a record of this
      // batch uses it) is deleted and put back in the same batch, in that order.
      for (uint64_t id : dicts_to_delete_) {
        if (!stored_dicts_.count(id)) batch.Delete(default_cf_, EncodeDictKey(id));
      }
      dicts_to_delete_.clear();
      // Take everything pending up to the batch limit (always at least one push).
      while (!queue_.empty() && (group.empty() || group_bytes + queue_.front().bytes <=
                                                      config_.max_batch_bytes)) {
        group_bytes += queue_.front().bytes;
        group_raw_bytes += queue_.front().raw_bytes;
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      // Under the lock only what needs it: tenant ids and the dictionaries entries will refer
      // to. Entries are encoded (copied, or unpacked and compressed) after it is released, so
      // that pushes queueing meanwhile do not wait for that.
      for (Pending& p : group) {
        // One entry per run of records with the same tenant and minute (a push is one run).
        for (size_t begin = 0; begin < p.records.size();) {
          size_t end = begin + 1;
          while (end < p.records.size() && p.records[end].tenant == p.records[begin].tenant &&
                 p.records[end].epoch_minute == p.records[begin].epoch_minute) {
            ++end;
          }
          std::string new_tenant;
          const WalRecord* records = p.records.data() + begin;
          const uint32_t tenant_id = TenantIdLocked(records[0].tenant, &new_tenant);
          if (!new_tenant.empty()) {
            char id_bytes[4];
            EncodeU32(id_bytes, tenant_id);
            batch.Put(tenants_cf_, new_tenant, rocksdb::Slice(id_bytes, 4));
          }
          if (StoresPacked(records, end - begin)) {
            for (size_t i = 0; i < end - begin; ++i) {
              if (records[i].data.dict) {
                NoteDictionaryLocked(batch, *records[i].data.dict, tenant_id,
                                     records[i].epoch_minute);
              }
            }
          }
          runs.push_back(Run{records, end - begin, tenant_id});
          begin = end;
        }
      }
    }
    for (const Run& run : runs) PutGroup(batch, run.tenant_id, run.records, run.count);

    rocksdb::WriteOptions options;
    options.sync = config_.sync;
    auto started = std::chrono::steady_clock::now();
    rocksdb::Status s = db_->Write(options, &batch);
    sync_seconds_.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    // A failed synced write leaves the WAL in an unknown state: acknowledged data could be lost.
    TEMPO_CHECK(s.ok(), ("WAL write failed: " + s.ToString()).c_str());
    syncs_.Inc();
    bytes_written_.Inc(static_cast<double>(group_raw_bytes));
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
  // The range tombstone hides the records at once, but their disk space only comes back when a
  // compaction rewrites the files holding them, which nothing triggers for files below the
  // newest data: under a steady load the WAL kept every record (10 GB after 4 minutes at 50k
  // spans/s). Files wholly inside the range (all but level 0) are dropped now.
  rocksdb::Slice lo(begin), hi(end);
  TEMPO_RETURN_IF_ERROR(FromRocks(
      rocksdb::DeleteFilesInRange(db_.get(), ingest_cf_, &lo, &hi, /*include_end=*/false),
      "WAL file delete"));

  {
    // Dictionaries only the dropped entries used go with the next group commit (after the range
    // delete, never before it: an entry left must find its dictionary); deleting them here could
    // race with the writer storing one again for a new entry.
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = stored_dicts_.begin(); it != stored_dicts_.end();) {
      auto use = it->second.find(tenant_id);
      if (use != it->second.end() && use->second < before_epoch_minute) it->second.erase(use);
      if (it->second.empty()) {
        dicts_to_delete_.push_back(it->first);
        it = stored_dicts_.erase(it);
      } else {
        ++it;
      }
    }
    dictionaries_.Set(static_cast<double>(stored_dicts_.size()));
  }
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

Status Wal::MarkCutCommitted(const std::string& tenant, const std::string& block_id) {
  std::string value;
  rocksdb::Status found =
      db_->Get(rocksdb::ReadOptions(), default_cf_, EncodeJournalKey(tenant, block_id), &value);
  if (found.IsNotFound()) return Status::Ok();  // dropped already: nothing left to cover
  TEMPO_RETURN_IF_ERROR(FromRocks(found, "WAL cut journal read"));
  rocksdb::WriteOptions options;
  options.sync = config_.sync;
  return FromRocks(
      db_->Put(options, default_cf_, EncodeJournalCommittedKey(tenant, block_id), ""),
      "WAL cut journal commit mark");
}

Result<std::vector<CutJournal>> Wal::ReadCutJournals() const {
  std::vector<CutJournal> out;
  std::set<std::string> committed;  // keys of the journals, as "<tenant>\0<block id>"
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), default_cf_));
    const std::string prefix(kJournalCommittedPrefix);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      committed.insert(it->key().ToString().substr(prefix.size()));
    }
    TEMPO_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read WAL cut journal marks"));
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), default_cf_));
  const std::string prefix(kJournalPrefix);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    CutJournal journal;
    if (!DecodeJournal(it->key().ToStringView(), it->value().ToStringView(), &journal)) {
      return CorruptionError("WAL cut journal entry of " + std::to_string(it->value().size()) +
                             " bytes does not decode");
    }
    journal.committed = committed.count(it->key().ToString().substr(prefix.size())) > 0;
    out.push_back(std::move(journal));
  }
  TEMPO_RETURN_IF_ERROR(FromRocks(it->status(), "cannot read WAL cut journals"));
  return out;
}

Status Wal::DeleteCutJournal(const std::string& tenant, const std::string& block_id) {
  rocksdb::WriteOptions options;
  options.sync = config_.sync;
  rocksdb::WriteBatch batch;
  batch.Delete(default_cf_, EncodeJournalKey(tenant, block_id));
  batch.Delete(default_cf_, EncodeJournalCommittedKey(tenant, block_id));
  return FromRocks(db_->Write(options, &batch), "WAL cut journal delete");
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

size_t Wal::stored_dictionaries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stored_dicts_.size();
}

}  // namespace tempo::wal
