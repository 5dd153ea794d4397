#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "tempo/common/result.h"
#include "tempo/model/wire_format.h"

namespace tempo::block {

// Primitive encodings of the block format (docs/block-format.md, "Primitives"): little-endian
// fixed-width integers, LEB128 varints (at most 10 bytes) and zigzag for signed values.

// kCorruption "<what>: <why>": how decoders name the damaged page or section and the fault.
inline Status CorruptionIn(std::string_view what, std::string_view why) {
  return CorruptionError(std::string(what) + ": " + std::string(why));
}

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

// VarintSize(v): the bytes of v's varint; WriteVarint(p, v): writes them at p, returns the end.
using model::wire::VarintSize;
using model::wire::WriteVarint;
inline void PutVarint(std::string* out, uint64_t v) {
  char buf[10];
  out->append(buf, static_cast<size_t>(WriteVarint(buf, v) - buf));
}
inline void PutSignedVarint(std::string* out, int64_t v) { PutVarint(out, ZigZag(v)); }
inline void PutFixed32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 4);
}
inline void PutFixed64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}
inline uint32_t LoadFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
inline uint64_t LoadFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
// A length-prefixed byte string: varint length, then the bytes.
inline void PutBytes(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

// A fast 64-bit hash of bytes (multiply-xorshift over 8-byte words) for in-memory hash tables
// whose keys are compared on every hit. Not part of the file format.
inline uint64_t HashBytes(std::string_view s) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t h = s.size() * kMul;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  if (i < s.size()) std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * kMul;
  h ^= h >> 32;
  return h * 0xBF58476D1CE4E5B9ull;
}

// Folds `v` into the running hash `h`, for hashing a key of several fields.
inline uint64_t HashMix(uint64_t h, uint64_t v) {
  return h ^ (v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2));
}

// The error for block contents that do not make sense (kCorruption, "block data: <what>").
inline Status BadBlockData(std::string_view what) {
  return CorruptionError("block data: " + std::string(what));
}

// Bounds-checked cursor over an encoded buffer. Every read fails with kCorruption naming `what`
// (the section being decoded) instead of reading past the end. Does not own the buffer.
class ByteReader {
 public:
  ByteReader(std::string_view data, const char* what) : data_(data), what_(what) {}

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool empty() const { return pos_ == data_.size(); }

  // Fast path for the common one-byte case; the slow path handles the rest.
  bool ReadVarint(uint64_t* v) {
    if (pos_ < data_.size() && static_cast<uint8_t>(data_[pos_]) < 0x80) {
      *v = static_cast<uint8_t>(data_[pos_++]);
      return true;
    }
    return ReadVarintSlow(v);
  }
  bool ReadSignedVarint(int64_t* v) {
    uint64_t u;
    if (!ReadVarint(&u)) return false;
    *v = UnZigZag(u);
    return true;
  }
  bool ReadFixed32(uint32_t* v) {
    if (remaining() < 4) return false;
    *v = LoadFixed32(data_.data() + pos_);
    pos_ += 4;
    return true;
  }
  bool ReadFixed64(uint64_t* v) {
    if (remaining() < 8) return false;
    *v = LoadFixed64(data_.data() + pos_);
    pos_ += 8;
    return true;
  }
  bool ReadRaw(size_t n, std::string_view* out) {
    if (remaining() < n) return false;
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool ReadBytes(std::string_view* out) {
    uint64_t n;
    return ReadVarint(&n) && n <= remaining() && ReadRaw(static_cast<size_t>(n), out);
  }
  bool ReadU8(uint8_t* v) {
    if (remaining() < 1) return false;
    *v = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }

  // The error to return after a failed read.
  Status Truncated() const {
    return CorruptionError(std::string(what_) + ": truncated or malformed at byte " +
                           std::to_string(pos_));
  }
  Status Error(std::string_view why) const {
    return CorruptionError(std::string(what_) + ": " + std::string(why));
  }

 private:
  bool ReadVarintSlow(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      if (shift == 63 && b > 1) return false;  // more than 64 bits
      result |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (b < 0x80) {
        *v = result;
        return true;
      }
    }
    return false;
  }

  std::string_view data_;
  size_t pos_ = 0;
  const char* what_;
};

}  // namespace tempo::block
