#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "tempo/common/ids.h"
#include "tempo/wal/wal.h"

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

// Since format 2 one push is one entry: the key is 24 bytes,
//   tenant id u32 | epoch minute u32 | sequence of the push's first record u64,
// and the value holds the push's records (of that tenant and minute), in push order:
//   version u8 (= 2) | record count varint | per record:
//     trace id 16 bytes | sequence u64 | data length varint | data
// Keys of either size sort by tenant, then minute, so DropBefore's range covers both; entries of
// format 1 (32-byte keys, one record each) still replay.
//
// Format 3 (same key) stores the part after the version byte (the "body") compressed:
//   version u8 (= 3) | codec u8 (ValueCodec) | body size varint | body compressed with the codec
// Entries of format 2 still replay.
//
// Format 4 (same key) stores the push's fragments as the ingester packed them, uncompressed as a
// whole (packed fragments do not shrink again):
//   version u8 (= 4) | record count varint | per record:
//     trace id 16 bytes | sequence u64 | form u8 (PieceForm) |
//     [dictionary id u64, form kLz4Dict only] | [unpacked size varint, forms other than kRaw] |
//     stored length varint | stored bytes
// A dictionary lives in the default column family under "dict\0" + id (u64), its bytes as the
// value, written in the same batch as (or before) the first entry that refers to it.
inline constexpr size_t kGroupKeySize = 24;
inline constexpr uint8_t kGroupFormatVersion = 2;
inline constexpr uint8_t kCompressedGroupFormatVersion = 3;
inline constexpr uint8_t kPackedGroupFormatVersion = 4;

// How a format-4 record stores its fragment.
enum class PieceForm : uint8_t {
  kRaw = 0,       // the bytes as pushed
  kLz4 = 1,       // one LZ4 block
  kLz4Dict = 2,   // one LZ4 block against a stored dictionary
};
// Largest body a format-3 entry may announce (a push is bounded far below by the receivers'
// message limits); a larger announced size is corruption, not a reason to allocate.
inline constexpr uint64_t kMaxGroupBodyBytes = 1ull << 30;

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

inline std::string EncodeGroupKey(uint32_t tenant_id, uint32_t epoch_minute, uint64_t first_seq) {
  std::string out(kGroupKeySize, '\0');
  EncodeU32(out.data(), tenant_id);
  EncodeU32(out.data() + 4, epoch_minute);
  EncodeU64(out.data() + 8, first_seq);
  return out;
}

inline void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline bool ReadVarint(std::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const auto b = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (b < 0x80) return true;
  }
  return false;
}

// One record of a group value, as decoded.
struct GroupedRecord {
  TraceId trace_id;
  uint64_t seq = 0;
  std::string_view data;
};

// Calls `fn(const GroupedRecord&)` for each record of a group body (a format-2 value after its
// version byte, or a format-3 value's body decompressed). False if the body is malformed.
template <typename Fn>
bool DecodeGroupBody(std::string_view body, Fn&& fn) {
  uint64_t count;
  if (!ReadVarint(&body, &count)) return false;
  for (uint64_t i = 0; i < count; ++i) {
    if (body.size() < 24) return false;
    GroupedRecord record;
    record.trace_id = TraceId::FromBytes(body.substr(0, 16));
    record.seq = DecodeU64(body.data() + 16);
    body.remove_prefix(24);
    uint64_t size;
    if (!ReadVarint(&body, &size) || body.size() < size) return false;
    record.data = body.substr(0, size);
    body.remove_prefix(size);
    fn(record);
  }
  return body.empty();
}

// Calls `fn(const GroupedRecord&)` for each record of a format-2 value. False if the value is
// malformed; `*version` gets its version byte (for the error message).
template <typename Fn>
bool DecodeGroupValue(std::string_view value, uint8_t* version, Fn&& fn) {
  if (value.empty()) return false;
  *version = static_cast<uint8_t>(value.front());
  if (*version != kGroupFormatVersion) return false;
  value.remove_prefix(1);
  return DecodeGroupBody(value, std::forward<Fn>(fn));
}

// The header of a format-3 value: codec and body size; `*compressed` gets the rest. False if the
// header is malformed (not format 3, unknown codec, truncated, or a size over the bound).
inline bool DecodeCompressedGroupHeader(std::string_view value, uint8_t* codec,
                                        uint64_t* body_size, std::string_view* compressed) {
  if (value.size() < 2 || static_cast<uint8_t>(value[0]) != kCompressedGroupFormatVersion) {
    return false;
  }
  *codec = static_cast<uint8_t>(value[1]);
  value.remove_prefix(2);
  if (!ReadVarint(&value, body_size) || *body_size > kMaxGroupBodyBytes) return false;
  *compressed = value;
  return true;
}

// One record of a format-4 value, as decoded.
struct PackedRecord {
  TraceId trace_id;
  uint64_t seq = 0;
  PieceForm form = PieceForm::kRaw;
  uint64_t dict_id = 0;   // form kLz4Dict
  uint64_t raw_size = 0;  // forms other than kRaw
  std::string_view stored;
};

// Calls `fn(const PackedRecord&)` for each record of a format-4 value. False if the value is
// malformed (the records before the fault have been handed out: check whole first).
template <typename Fn>
bool DecodePackedGroupValue(std::string_view value, Fn&& fn) {
  if (value.empty() || static_cast<uint8_t>(value.front()) != kPackedGroupFormatVersion) {
    return false;
  }
  value.remove_prefix(1);
  uint64_t count;
  if (!ReadVarint(&value, &count)) return false;
  for (uint64_t i = 0; i < count; ++i) {
    if (value.size() < 25) return false;
    PackedRecord record;
    record.trace_id = TraceId::FromBytes(value.substr(0, 16));
    record.seq = DecodeU64(value.data() + 16);
    const auto form = static_cast<uint8_t>(value[24]);
    value.remove_prefix(25);
    if (form > static_cast<uint8_t>(PieceForm::kLz4Dict)) return false;
    record.form = static_cast<PieceForm>(form);
    if (record.form == PieceForm::kLz4Dict) {
      if (value.size() < 8) return false;
      record.dict_id = DecodeU64(value.data());
      value.remove_prefix(8);
    }
    if (record.form != PieceForm::kRaw &&
        (!ReadVarint(&value, &record.raw_size) || record.raw_size > kMaxGroupBodyBytes)) {
      return false;
    }
    uint64_t size;
    if (!ReadVarint(&value, &size) || value.size() < size) return false;
    record.stored = value.substr(0, size);
    value.remove_prefix(size);
    fn(record);
  }
  return value.empty();
}

inline constexpr std::string_view kDictPrefix("dict\0", 5);

inline std::string EncodeDictKey(uint64_t id) {
  std::string key(kDictPrefix);
  key.resize(kDictPrefix.size() + 8);
  EncodeU64(key.data() + kDictPrefix.size(), id);
  return key;
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

// Cut journals live in the default column family under "cut\0<tenant>\0<block id>"; the value is
// max epoch minute u32 | trace count u32 | (trace id 16 bytes | sequence u64) per trace.
inline constexpr std::string_view kJournalPrefix("cut\0", 4);

inline std::string EncodeJournalKey(const std::string& tenant, const std::string& block_id) {
  std::string key(kJournalPrefix);
  key += tenant;
  key += '\0';
  key += block_id;
  return key;
}

// The commit mark of a journal: "cutok\0<tenant>\0<block id>" in the default column family, empty
// value, written once the journal's block has its meta.json.
inline constexpr std::string_view kJournalCommittedPrefix("cutok\0", 6);

inline std::string EncodeJournalCommittedKey(const std::string& tenant,
                                             const std::string& block_id) {
  std::string key(kJournalCommittedPrefix);
  key += tenant;
  key += '\0';
  key += block_id;
  return key;
}

inline std::string EncodeJournalValue(const CutJournal& journal) {
  std::string out(8 + journal.traces.size() * 24, '\0');
  EncodeU32(out.data(), journal.max_epoch_minute);
  EncodeU32(out.data() + 4, static_cast<uint32_t>(journal.traces.size()));
  char* p = out.data() + 8;
  for (const auto& [id, seq] : journal.traces) {
    std::memcpy(p, id.bytes.data(), 16);
    EncodeU64(p + 16, seq);
    p += 24;
  }
  return out;
}

inline bool DecodeJournal(std::string_view key, std::string_view value, CutJournal* out) {
  if (key.substr(0, kJournalPrefix.size()) != kJournalPrefix) return false;
  key.remove_prefix(kJournalPrefix.size());
  size_t sep = key.find('\0');
  if (sep == std::string_view::npos || value.size() < 8) return false;
  out->tenant = std::string(key.substr(0, sep));
  out->block_id = std::string(key.substr(sep + 1));
  out->max_epoch_minute = DecodeU32(value.data());
  uint32_t count = DecodeU32(value.data() + 4);
  if (value.size() != 8 + static_cast<uint64_t>(count) * 24) return false;
  out->traces.clear();
  out->traces.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const char* p = value.data() + 8 + i * 24;
    out->traces.emplace_back(TraceId::FromBytes(std::string_view(p, 16)), DecodeU64(p + 16));
  }
  return true;
}

}  // namespace tempo::wal
