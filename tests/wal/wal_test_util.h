// Helpers of the WAL tests: records, synchronous appends, replay, and raw access to the
// RocksDB database under a closed WAL (to plant or inspect entries byte for byte).
#pragma once

#include <catch2/catch.hpp>

#include <rocksdb/db.h>

#include <atomic>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "support/trace_builder.h"
#include "tempo/wal/wal.h"

namespace tempo::wal::testing {

inline constexpr uint32_t kMinute = 29'000'000;  // an arrival minute (2025)

inline WalRecord Record(const std::string& tenant, uint64_t trace, std::string data,
                        uint32_t minute = kMinute) {
  static std::atomic<uint64_t> seq{1};
  return WalRecord{tenant, TraceId::FromBytes(tempo::testing::TraceIdBytes(trace)), minute, seq++,
                   RawPiece(std::move(data))};
}

// Appends and waits for the durability callback.
inline Status AppendSync(Wal& wal, std::vector<WalRecord> records) {
  std::promise<Status> done;
  auto future = done.get_future();
  Status queued = wal.Append(std::move(records), [&done](Status s) { done.set_value(s); });
  if (!queued.ok()) return queued;
  return future.get();
}

inline std::vector<ReplayedRecord> ReplayAll(Wal& wal) {
  std::vector<ReplayedRecord> out;
  REQUIRE(wal.Replay([&](ReplayedRecord&& r) { out.push_back(std::move(r)); }).ok());
  return out;
}

// Opens the WAL database at `path` (closed) without the Wal, calls `fn(db, default column
// family, ingest column family)`, and closes it again.
template <typename Fn>
void WithRawDb(const std::string& path, Fn&& fn) {
  rocksdb::DBOptions options;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"ingest", rocksdb::ColumnFamilyOptions()},
      {"tenants", rocksdb::ColumnFamilyOptions()}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(options, path, cfs, &handles, &db).ok());
  fn(*db, handles[0], handles[1]);
  for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
  REQUIRE(db->Close().ok());
  delete db;
}

// As WithRawDb, with `fn(db, ingest column family)`.
template <typename Fn>
void WithRawIngest(const std::string& path, Fn&& fn) {
  WithRawDb(path, [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle*,
                      rocksdb::ColumnFamilyHandle* ingest) { fn(db, ingest); });
}

// Writes `key` -> `value` into the `ingest` column family of the WAL database at `path` (closed).
inline void PutRaw(const std::string& path, const std::string& key, const std::string& value) {
  WithRawIngest(path, [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* ingest) {
    REQUIRE(db.Put(rocksdb::WriteOptions(), ingest, key, value).ok());
  });
}

// Every value of the `ingest` column family of the WAL database at `path` (closed), in key order.
inline std::vector<std::string> RawValues(const std::string& path) {
  std::vector<std::string> out;
  WithRawIngest(path, [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* ingest) {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), ingest));
    for (it->SeekToFirst(); it->Valid(); it->Next()) out.push_back(it->value().ToString());
    REQUIRE(it->status().ok());
  });
  return out;
}

}  // namespace tempo::wal::testing
