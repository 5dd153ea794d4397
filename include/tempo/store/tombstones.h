#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/backend/backend.h"
#include "tempo/common/ids.h"
#include "tempo/common/metrics.h"
#include "tempo/common/result.h"

namespace tempo::store {

// Where the tombstones of a tenant live in the backend: <tenant>/.tombstones/tombstones. The
// leading dot keeps the directory out of block listings (backends list no dot-directories).
inline constexpr char kTombstoneDir[] = ".tombstones";
inline constexpr char kTombstoneObject[] = "tombstones";

// One deleted trace whose data may still be stored somewhere.
struct Tombstone {
  TraceId id;
  int64_t deleted_unix_nano = 0;
  // Every WAL record of the trace received before the delete has an arrival minute at most this
  // (the ingester's minute when it started refusing the trace); the tombstone is kept while the
  // WAL may hold such a minute.
  uint32_t wal_minute = 0;

  friend bool operator==(const Tombstone&, const Tombstone&) = default;
};

// Tombstones of one tenant, sorted by trace ID. Immutable once published.
using TombstoneList = std::vector<Tombstone>;

// The object's text: a header line "tempo-tombstones 1", then one line per tombstone
// "<trace id, 32 hex> <deleted unix ns> <wal minute>", sorted by trace ID.
std::string EncodeTombstones(const TombstoneList& list);
// Parses EncodeTombstones' text. Errors: kCorruption naming the line and what is wrong.
Result<TombstoneList> DecodeTombstones(std::string_view text);

// The tombstones of every tenant (DELETE /api/traces/<id>): trace IDs whose data must be hidden
// from every query and refused at ingest until no block and no WAL record holds them any more.
// Each tenant's list is one backend object, rewritten whole on every change through the
// backend's atomic write (temp file, fsync, rename, directory fsync), so a change is durable when
// Add or Remove returns; lists stay short (a tombstone is dropped once its trace is purged).
// Readers get immutable snapshots. `backend` and `registry` must outlive the object.
// Thread-safe; synchronous (call from a blocking pool).
class Tombstones {
 public:
  Tombstones(backend::Backend& backend, metrics::Registry& registry);

  // Reads the tombstones of every tenant. Call once, before the store serves queries. Errors:
  // those of the backend; kCorruption for an object that does not parse.
  Status Load();

  // Adds `tombstone` to `tenant` durably (a trace already there keeps its first tombstone).
  // Errors: the backend's; then nothing changed.
  Status Add(const std::string& tenant, const Tombstone& tombstone);
  // Removes the tombstones of `ids` from `tenant` durably. Errors: the backend's; then nothing
  // changed.
  Status Remove(const std::string& tenant, const std::vector<TraceId>& ids);

  bool Contains(const std::string& tenant, const TraceId& id) const;
  // The tombstones of `tenant` (an empty list when none). Never null.
  std::shared_ptr<const TombstoneList> ForTenant(const std::string& tenant) const;
  // Tenants with at least one tombstone.
  std::vector<std::string> Tenants() const;

  // Whether `list` holds `id` (binary search).
  static bool ListContains(const TombstoneList& list, const TraceId& id);

 private:
  // Writes `list` as the object of `tenant`, then publishes it. Requires write_mu_.
  Status Publish(const std::string& tenant, TombstoneList list);

  backend::Backend& backend_;
  std::mutex write_mu_;  // one read-modify-write of a tenant's object at a time
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const TombstoneList>> tenants_;  // guarded by mu_
  metrics::GaugeFamily& gauge_;                                          // {tenant}
};

}  // namespace tempo::store
