#pragma once

#include <rocksdb/status.h>

#include <string>

#include "tempo/common/status.h"

namespace tempo::wal {

// A RocksDB status as ours: corruption stays corruption, every other failure is an I/O error;
// `what` says what was being done.
inline Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return CorruptionError(what + ": " + s.ToString());
  return IOError(what + ": " + s.ToString());
}

}  // namespace tempo::wal
