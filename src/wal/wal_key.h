#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "tempo/common/ids.h"

namespace tempo::wal {

// Layout of a key in the `ingest` column family, all big-endian so that keys sort by tenant,
// then arrival minute, then trace, then arrival order:
//   tenant id u32 | epoch minute u32 | trace id 16 bytes | sequence u64   (32 bytes)
struct WalKey {
  uint32_t tenant_id = 0;
  uint32_t epoch_minute = 0;
  TraceId trace_id;
  uint64_t seq = 0;
};

inline constexpr size_t kKeySize = 32;

inline void EncodeU32(char* out, uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xFF);
}
inline void EncodeU64(char* out, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xFF);
}
inline uint32_t DecodeU32(const char* in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<uint8_t>(in[i]);
  return v;
}
inline uint64_t DecodeU64(const char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<uint8_t>(in[i]);
  return v;
}

inline std::string EncodeKey(const WalKey& key) {
  std::string out(kKeySize, '\0');
  EncodeU32(out.data(), key.tenant_id);
  EncodeU32(out.data() + 4, key.epoch_minute);
  std::memcpy(out.data() + 8, key.trace_id.bytes.data(), 16);
  EncodeU64(out.data() + 24, key.seq);
  return out;
}

// The first 8 bytes of a key: everything of `tenant_id` from `epoch_minute` on sorts at or after.
inline std::string EncodeKeyPrefix(uint32_t tenant_id, uint32_t epoch_minute) {
  std::string out(8, '\0');
  EncodeU32(out.data(), tenant_id);
  EncodeU32(out.data() + 4, epoch_minute);
  return out;
}

inline bool DecodeKey(std::string_view raw, WalKey* key) {
  if (raw.size() != kKeySize) return false;
  key->tenant_id = DecodeU32(raw.data());
  key->epoch_minute = DecodeU32(raw.data() + 4);
  key->trace_id = TraceId::FromBytes(raw.substr(8, 16));
  key->seq = DecodeU64(raw.data() + 24);
  return true;
}

}  // namespace tempo::wal
