#pragma once

// Protobuf wire-format primitives for the code that reads or writes OTLP bytes without message
// objects (the model's otlp_wire_*.cpp, the block writer's fragment reader). Reading follows
// libprotobuf 3.21's parser limits: tags are at most 5 bytes, varints at most 10, lengths at most
// 5 bytes and within the remaining input.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tempo::model::wire {

inline constexpr uint32_t kVarint = 0;
inline constexpr uint32_t kFixed64 = 1;
inline constexpr uint32_t kLengthDelimited = 2;
inline constexpr uint32_t kStartGroup = 3;
inline constexpr uint32_t kEndGroup = 4;
inline constexpr uint32_t kFixed32 = 5;

constexpr uint32_t Tag(uint32_t field, uint32_t wire_type) { return field << 3 | wire_type; }

// A forward-only cursor over serialized bytes; every read checks the bounds. Not thread-safe.
class Reader {
 public:
  explicit Reader(std::string_view bytes)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())), end_(p_ + bytes.size()) {}

  bool done() const { return p_ >= end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

  bool ReadTag(uint32_t* tag) {
    if (p_ < end_ && *p_ < 0x80) {
      *tag = *p_++;
      return true;
    }
    uint32_t value = 0;
    for (int i = 0; i < 5; ++i) {
      if (p_ >= end_) return false;
      const uint8_t b = *p_++;
      value |= static_cast<uint32_t>(b & 0x7F) << (7 * i);
      if (b < 0x80) {
        *tag = value;
        return true;
      }
    }
    return false;
  }

  bool ReadVarint(uint64_t* out) {
    uint64_t value = 0;
    for (int i = 0; i < 10; ++i) {
      if (p_ >= end_) return false;
      const uint8_t b = *p_++;
      value |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
      if (b < 0x80) {
        *out = value;
        return true;
      }
    }
    return false;
  }

  bool SkipVarint() {
    uint64_t ignored;
    return ReadVarint(&ignored);
  }

  bool Skip(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }

  bool ReadFixed64(uint64_t* out) {
    if (end_ - p_ < 8) return false;
    std::memcpy(out, p_, 8);  // little-endian hosts only (x86-64, arm64)
    p_ += 8;
    return true;
  }

  bool ReadFixed32(uint32_t* out) {
    if (end_ - p_ < 4) return false;
    std::memcpy(out, p_, 4);  // little-endian hosts only
    p_ += 4;
    return true;
  }

  // A length prefix (at most 5 bytes, below 2^32) and that many bytes.
  bool ReadLengthDelimited(std::string_view* out) {
    uint32_t size;
    if (p_ < end_ && *p_ < 0x80) {
      size = *p_++;
    } else {
      size = 0;
      int i = 0;
      for (;; ++i) {
        if (i == 5 || p_ >= end_) return false;
        const uint8_t b = *p_++;
        if (i == 4 && b >= 0x08) return false;
        size |= static_cast<uint32_t>(b & 0x7F) << (7 * i);
        if (b < 0x80) break;
      }
    }
    if (static_cast<size_t>(end_ - p_) < size) return false;
    *out = std::string_view(reinterpret_cast<const char*>(p_), size);
    p_ += size;
    return true;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// One field read by ReadField: its number, wire type and payload (varint, fixed64 and fixed32
// values in `value`, length-delimited ones in `bytes`, a view into the read bytes).
struct Field {
  uint32_t number = 0;
  uint32_t type = 0;
  uint64_t value = 0;
  std::string_view bytes;
};

inline bool IsBytes(const Field& f) { return f.type == kLengthDelimited; }
inline bool IsVarint(const Field& f) { return f.type == kVarint; }

// The payload of a field whose `tag` was just read (ReadField without reading the tag).
inline bool ReadFieldPayload(Reader& r, uint32_t tag, Field* f) {
  f->number = tag >> 3;
  f->type = tag & 7;
  if (f->number == 0) return false;
  switch (f->type) {
    case kVarint:
      return r.ReadVarint(&f->value);
    case kFixed64:
      return r.ReadFixed64(&f->value);
    case kLengthDelimited:
      return r.ReadLengthDelimited(&f->bytes);
    case kFixed32: {
      uint32_t v;
      if (!r.ReadFixed32(&v)) return false;
      f->value = v;
      return true;
    }
    default:
      return false;
  }
}

// Reads the next field. False at bytes that do not parse, at field number 0 and at groups (which
// only a full parse skips as libprotobuf does).
inline bool ReadField(Reader& r, Field* f) {
  uint32_t tag;
  return r.ReadTag(&tag) && ReadFieldPayload(r, tag, f);
}

// Skips the payload of a field whose `tag` was just read (an unknown field, or a known one with
// another wire type), groups included, as libprotobuf keeps such a field. `depth` is the nesting
// of the message being read; groups may nest up to `max_depth`. False where the bytes do not
// parse (field number 0, wire types 6 and 7, a group without its end, a stray end group).
inline bool SkipField(Reader& r, uint32_t tag, int depth, int max_depth) {
  if ((tag >> 3) == 0) return false;  // field number 0 is never valid
  switch (tag & 7) {
    case kVarint:
      return r.SkipVarint();
    case kFixed64:
      return r.Skip(8);
    case kFixed32:
      return r.Skip(4);
    case kLengthDelimited: {
      std::string_view v;
      return r.ReadLengthDelimited(&v);
    }
    case kStartGroup: {
      if (depth + 1 > max_depth) return false;
      while (!r.done()) {
        uint32_t inner;
        if (!r.ReadTag(&inner)) return false;
        if (inner == 0 || (inner & 7) == kEndGroup) return inner == tag + 1;
        if (!SkipField(r, inner, depth + 1, max_depth)) return false;
      }
      return false;  // no end-group tag
    }
    default:
      return false;  // an end group here, wire types 6 and 7
  }
}

// ReadField that skips a group (SkipField, nesting up to `max_depth`) and returns it with its
// start-group wire type, as an unknown field a parse keeps.
inline bool ReadFieldOrSkipGroup(Reader& r, Field* f, int max_depth) {
  uint32_t tag;
  if (!r.ReadTag(&tag)) return false;
  if ((tag & 7) == kStartGroup && (tag >> 3) != 0) {
    f->number = tag >> 3;
    f->type = kStartGroup;
    return SkipField(r, tag, 0, max_depth);
  }
  return ReadFieldPayload(r, tag, f);
}

// An attribute (KeyValue) in the layout every protobuf encoder gives a short one: the key (field
// 1), then the value (field 2) holding nothing or one string, bool, int or double member, every
// length below 128 and nothing else. The fast path of the readers of attributes; anything else
// takes their general reading.
struct ShortAttribute {
  std::string_view key;
  uint32_t value_tag = 0;  // the member's tag (Tag(1, kLengthDelimited) for a string), 0: none
  std::string_view string_value;
  uint64_t number = 0;  // the bool or int varint, or the double's bits
};

// A varint filling [p, end) exactly.
inline bool ReadWholeVarint(const uint8_t* p, const uint8_t* end, uint64_t* out) {
  Reader r(std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(end - p)));
  return r.ReadVarint(out) && r.done();
}

// True when `bytes` have exactly the ShortAttribute layout, then described by `*out`. False says
// nothing about whether they parse.
inline bool ReadShortAttribute(std::string_view bytes, ShortAttribute* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint8_t* end = p + bytes.size();
  if (end - p < 4 || p[0] != Tag(1, kLengthDelimited) || p[1] >= 0x80 || end - p < 4 + p[1]) {
    return false;
  }
  const uint8_t* q = p + 2 + p[1];
  if (q[0] != Tag(2, kLengthDelimited) || q[1] >= 0x80 || end - q - 2 != q[1]) return false;
  out->key = std::string_view(reinterpret_cast<const char*>(p + 2), p[1]);
  const uint8_t* v = q + 2;
  if (v == end) {
    out->value_tag = 0;
    return true;
  }
  out->value_tag = v[0];
  switch (v[0]) {
    case Tag(1, kLengthDelimited):
      if (end - v < 2 || v[1] >= 0x80 || end - v - 2 != v[1]) return false;
      out->string_value = std::string_view(reinterpret_cast<const char*>(v + 2), v[1]);
      return true;
    case Tag(2, kVarint):
    case Tag(3, kVarint):
      return ReadWholeVarint(v + 1, end, &out->number);
    case Tag(4, kFixed64):
      if (end - v != 9) return false;
      std::memcpy(&out->number, v + 1, 8);
      return true;
    default:
      return false;
  }
}

// Structurally valid UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF),
// as libprotobuf checks proto3 string fields.
inline bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint8_t* end = p + s.size();
  while (p < end) {
    // ASCII runs, 8 bytes at a time.
    while (end - p >= 8) {
      uint64_t block;
      std::memcpy(&block, p, 8);
      if (block & 0x8080808080808080ull) break;
      p += 8;
    }
    if (p >= end) break;
    const uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t n;
    uint8_t lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) < n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (size_t i = 2; i < n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += n;
  }
  return true;
}

inline size_t VarintSize(uint64_t v) {
  return static_cast<size_t>((std::bit_width(v | 1) + 6) / 7);
}

// Bytes of a length-delimited field with a one-byte tag and a `len`-byte payload.
inline size_t FieldSize(size_t len) { return 1 + VarintSize(len) + len; }

inline char* WriteVarint(char* out, uint64_t v) {
  while (v >= 0x80) {
    *out++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *out++ = static_cast<char>(v);
  return out;
}

// Writes a one-byte `tag`, the length and returns where the payload goes.
inline char* WriteFieldHeader(char* out, uint8_t tag, size_t len) {
  *out++ = static_cast<char>(tag);
  return WriteVarint(out, len);
}

inline char* WriteField(char* out, uint8_t tag, std::string_view payload) {
  out = WriteFieldHeader(out, tag, payload.size());
  if (!payload.empty()) std::memcpy(out, payload.data(), payload.size());
  return out + payload.size();
}

}  // namespace tempo::model::wire
