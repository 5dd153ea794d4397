#pragma once

#include <cstdint>
#include <string>

#include "tempo/common/value_codec.h"

namespace tempo::wal {

// `storage.trace.wal.*`.
struct WalConfig {
  std::string path = "./data/wal";  // storage.trace.wal.path
  // Durable acknowledgement: every write batch is fsynced before pushes are acknowledged. Only
  // benchmarks turn this off (storage.trace.wal.sync: false).
  bool sync = true;
  // Bytes queued for the writer before Append answers kResourceExhausted.
  uint64_t max_pending_bytes = 256ull << 20;
  // Largest group commit (one RocksDB write batch).
  uint64_t max_batch_bytes = 32ull << 20;
  // How each entry is compressed by the writer thread (storage.trace.wal.v2_encoding). LZ4
  // shrinks span data ~3x, so RocksDB copies, checksums, writes and flushes a third of the bytes.
  ValueCodec encoding = ValueCodec::kLz4;
};

}  // namespace tempo::wal
