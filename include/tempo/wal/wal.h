#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "tempo/common/ids.h"
#include "tempo/common/metrics.h"
#include "tempo/common/result.h"
#include "tempo/common/shared_bytes.h"
#include "tempo/common/status.h"
#include "tempo/wal/wal_config.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace tempo::wal {

// One trace fragment to log. The caller (the ingester) chooses the arrival minute and a
// sequence number that grows with every fragment, so that it can later tell which records a block
// covers.
struct WalRecord {
  std::string tenant;
  TraceId trace_id;
  uint32_t epoch_minute = 0;
  uint64_t seq = 0;
  // The serialized tempopb.Trace fragment, shared with the live trace that holds it (stored not
  // null): as pushed, or packed (LZ4, maybe against a dictionary), in which case the WAL stores
  // it packed as it is (with v2_encoding lz4) or unpacked (any other encoding).
  BytesPiece data;
};

// The record of one block cut, written before the block and deleted once the WAL no longer holds
// any record the block covers. After a crash it tells which WAL records are already in a committed
// block (skip them on replay) or which block was left half-written (delete it).
struct CutJournal {
  std::string tenant;
  std::string block_id;
  uint32_t max_epoch_minute = 0;  // newest arrival minute of the records the block covers
  std::vector<std::pair<TraceId, uint64_t>> traces;  // trace -> highest sequence in the block
  // Set by ReadCutJournals when MarkCutCommitted was called for the journal: its block reached
  // meta.json. Such a journal covers its records even after a compaction replaced the block and
  // the block was deleted (the data lives on in the compaction output).
  bool committed = false;
};

// One record read back by Replay, in key order: tenant, arrival minute, then the pushes in
// sequence order with their records in push order (entries of the older one-record-per-entry
// format: by trace ID, then sequence).
struct ReplayedRecord {
  std::string tenant;
  uint32_t epoch_minute = 0;
  TraceId trace_id;
  uint64_t seq = 0;
  // The fragment as stored: packed pieces (format 4) come back packed, with their dictionary,
  // and are known to unpack.
  BytesPiece data;
};

// Called once per Append with the outcome, on the WAL's writer thread; must not block.
using AppendCallback = std::function<void(Status)>;

// The acknowledged-ingest log, on RocksDB (column families `ingest` and `tenants`). One entry per
// push (src/wal/wal_key.h): key tenant id (u32) | arrival minute (u32) | first sequence (u64),
// big-endian, so a flushed range is dropped with one range delete. The value is format 4 (the
// fragments as the ingester packed them, written as they are) when encoding is lz4 and the push
// holds packed fragments, else format 3 (the push compressed with config.encoding) or format 2
// (encoding none). Entries of format 1 (one record each, 32-byte keys with the trace ID) still
// replay. The dictionaries packed fragments refer to are stored once each (default column
// family, "dict\0" + id) in the same write batch as the first entry that needs one, and deleted
// (with a later group commit) once DropBefore dropped every entry that used them. A single
// writer thread drains the queue and writes everything pending as one RocksDB write batch with
// sync=true (group commit), then completes the callbacks. Owned by app::App; thread-safe.
class Wal {
 public:
  // Opens (or creates) the database under `config.path`. `registry` must outlive the Wal.
  static Result<std::unique_ptr<Wal>> Open(const WalConfig& config, metrics::Registry& registry);
  ~Wal();

  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Calls `fn` for every stored record in key order, and learns which stored dictionaries the
  // entries still use (the unused ones are deleted with the next group commit). Call after Open
  // and before the first Append. Errors (with nothing of the malformed entry handed out):
  // kCorruption for a malformed key, entry or dictionary, a packed fragment that does not
  // unpack or refers to a dictionary not stored; kIOError from RocksDB.
  Status Replay(const std::function<void(ReplayedRecord&&)>& fn);

  // Queues `records` for the writer; `done` is called once they are durable (ok). Returns
  // kResourceExhausted when more than max_pending_bytes are queued and kUnavailable after
  // Close(); then nothing is queued and `done` is left untouched (not moved from, not called).
  Status Append(std::vector<WalRecord>&& records, AppendCallback&& done);

  // Drops every record of `tenant` with arrival minute < `before_epoch_minute` (one range
  // delete), then the cut journals of `tenant` that only covered such records. Synchronous;
  // thread-safe.
  Status DropBefore(const std::string& tenant, uint32_t before_epoch_minute);

  // Durably stores a cut journal (synced). Synchronous; thread-safe.
  Status WriteCutJournal(const CutJournal& journal);
  // Durably records that the block of journal (`tenant`, `block_id`) is committed (its meta.json
  // is written), so that recovery keeps the journal whatever becomes of the block later. A no-op
  // when no such journal exists. Synchronous; thread-safe.
  Status MarkCutCommitted(const std::string& tenant, const std::string& block_id);
  // Every stored cut journal, with `committed` filled in. Errors: kCorruption for an entry that
  // does not decode.
  Result<std::vector<CutJournal>> ReadCutJournals() const;
  // Deletes a journal and its commit mark (one synced batch).
  Status DeleteCutJournal(const std::string& tenant, const std::string& block_id);

  // Stops accepting appends, writes and completes everything queued, stops the writer and closes
  // the database. Idempotent.
  void Close();

  uint64_t pending_bytes() const;
  // Dictionaries stored (or put in a batch being written) and not yet deleted.
  size_t stored_dictionaries() const;

 private:
  struct Pending {
    std::vector<WalRecord> records;
    AppendCallback done;
    uint64_t bytes = 0;      // queued: fragments as stored, plus a key each
    uint64_t raw_bytes = 0;  // the fragments as received
  };

  Wal(const WalConfig& config, metrics::Registry& registry);
  Status OpenDb();
  void WriterLoop();
  // Whether `records` (one tenant and minute) are written as they are, packed (format 4):
  // encoding lz4 and at least one packed record.
  bool StoresPacked(const WalRecord* records, size_t count) const;
  // Adds `records` (one tenant and minute) to `batch` as one entry: format 4 when StoresPacked
  // (assembled by RocksDB from the pieces, no copy; their dictionaries noted under mu_ before),
  // else format 3 (the body compressed on this thread) or format 2 with encoding none. Called
  // without mu_.
  void PutGroup(rocksdb::WriteBatch& batch, uint32_t tenant_id, const WalRecord* records,
                size_t count);
  // Stores `dict` in `batch` unless it is stored already, and notes that `tenant_id` has an entry
  // of `minute` that uses it. Requires mu_.
  void NoteDictionaryLocked(rocksdb::WriteBatch& batch, const PackDictionary& dict,
                            uint32_t tenant_id, uint32_t minute);
  // Returns the u32 id of `tenant`, assigning a new one (written in the same batch) if needed.
  uint32_t TenantIdLocked(const std::string& tenant, std::string* new_tenant_key);

  WalConfig config_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* ingest_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* tenants_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* default_cf_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;              // guarded by mu_
  uint64_t queued_bytes_ = 0;              // guarded by mu_
  bool closing_ = false;                   // guarded by mu_
  std::map<std::string, uint32_t> tenant_ids_;    // guarded by mu_
  std::map<uint32_t, std::string> tenant_names_;  // guarded by mu_
  uint32_t next_tenant_id_ = 1;            // guarded by mu_
  // Per stored dictionary id: per tenant id, the newest arrival minute of an entry using it.
  std::map<uint64_t, std::map<uint32_t, uint32_t>> stored_dicts_;  // guarded by mu_
  // Dictionaries no entry uses any more, deleted with the next group commit (unless stored again
  // by then).
  std::vector<uint64_t> dicts_to_delete_;  // guarded by mu_
  std::thread writer_;

  metrics::Counter& appends_;
  metrics::Counter& bytes_written_;
  metrics::Counter& syncs_;
  metrics::Histogram& sync_seconds_;
  metrics::Gauge& queue_bytes_;
  metrics::Gauge& dictionaries_;
  metrics::Counter& value_bytes_;

  // The writer thread's buffers for a compressed entry (its body joined, then the value).
  std::string body_scratch_;
  std::string value_scratch_;
};

}  // namespace tempo::wal
