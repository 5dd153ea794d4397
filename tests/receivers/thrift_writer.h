#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace tempo::testing {

// Minimal thrift writers (binary and compact protocols) for building test payloads, written from
// the protocol specifications. Type codes are the binary protocol's (2 bool, 3 byte, 4 double,
// 6 i16, 8 i32, 10 i64, 11 string, 12 struct, 15 list). Not thread-safe.
class ThriftWriter {
 public:
  enum Type : uint8_t {
    kBool = 2,
    kByte = 3,
    kDouble = 4,
    kI16 = 6,
    kI32 = 8,
    kI64 = 10,
    kString = 11,
    kStruct = 12,
    kMap = 13,
    kList = 15
  };

  explicit ThriftWriter(bool compact) : compact_(compact) {}

  const std::string& bytes() const { return out_; }

  // Message envelope: strict binary, or compact.
  void MessageBegin(std::string_view name, uint8_t type, int32_t seq_id) {
    if (compact_) {
      out_ += static_cast<char>(0x82);
      out_ += static_cast<char>((type << 5) | 1);
      Varint(static_cast<uint32_t>(seq_id));
      Binary(name);
    } else {
      BigEndian(0x80010000u | type, 4);
      Binary(name);
      BigEndian(static_cast<uint32_t>(seq_id), 4);
    }
  }

  void StructBegin() {
    ids_.push_back(last_id_);
    last_id_ = 0;
  }
  void StructEnd() {
    out_ += '\0';  // field stop
    last_id_ = ids_.back();
    ids_.pop_back();
  }

  // Field header; for a bool field in compact, use BoolField instead.
  void Field(Type type, int16_t id) {
    if (compact_) {
      uint8_t ct = CompactType(type);
      int delta = id - last_id_;
      if (delta > 0 && delta <= 15) {
        out_ += static_cast<char>((delta << 4) | ct);
      } else {
        out_ += static_cast<char>(ct);
        Varint(ZigZag(id));
      }
      last_id_ = id;
    } else {
      out_ += static_cast<char>(type);
      BigEndian(static_cast<uint16_t>(id), 2);
    }
  }

  void BoolField(int16_t id, bool value) {
    if (compact_) {
      uint8_t ct = value ? 1 : 2;
      int delta = id - last_id_;
      if (delta > 0 && delta <= 15) {
        out_ += static_cast<char>((delta << 4) | ct);
      } else {
        out_ += static_cast<char>(ct);
        Varint(ZigZag(id));
      }
      last_id_ = id;
    } else {
      Field(kBool, id);
      out_ += static_cast<char>(value ? 1 : 0);
    }
  }

  void I16(int16_t v) { compact_ ? Varint(ZigZag(v)) : BigEndian(static_cast<uint16_t>(v), 2); }
  void I32(int32_t v) { compact_ ? Varint(ZigZag(v)) : BigEndian(static_cast<uint32_t>(v), 4); }
  void I64(int64_t v) { compact_ ? Varint(ZigZag(v)) : BigEndian(static_cast<uint64_t>(v), 8); }
  void Double(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof(bits));
    if (compact_) {
      for (int i = 0; i < 8; ++i) out_ += static_cast<char>(bits >> (8 * i));
    } else {
      BigEndian(bits, 8);
    }
  }
  void Binary(std::string_view s) {
    if (compact_) {
      Varint(s.size());
    } else {
      BigEndian(static_cast<uint32_t>(s.size()), 4);
    }
    out_.append(s);
  }
  void ListBegin(Type elem, uint32_t size) {
    if (compact_) {
      uint8_t ct = CompactType(elem);
      if (size < 15) {
        out_ += static_cast<char>((size << 4) | ct);
      } else {
        out_ += static_cast<char>(0xf0 | ct);
        Varint(size);
      }
    } else {
      out_ += static_cast<char>(elem);
      BigEndian(size, 4);
    }
  }

  // Field helpers.
  void I64Field(int16_t id, int64_t v) { Field(kI64, id), I64(v); }
  void I32Field(int16_t id, int32_t v) { Field(kI32, id), I32(v); }
  void StringField(int16_t id, std::string_view v) { Field(kString, id), Binary(v); }
  void DoubleField(int16_t id, double v) { Field(kDouble, id), Double(v); }

  void Raw(std::string_view bytes) { out_.append(bytes); }

 private:
  static uint64_t ZigZag(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  }
  static uint8_t CompactType(Type t) {
    switch (t) {
      case kBool:
        return 1;
      case kByte:
        return 3;
      case kI16:
        return 4;
      case kI32:
        return 5;
      case kI64:
        return 6;
      case kDouble:
        return 7;
      case kString:
        return 8;
      case kList:
        return 9;
      case kMap:
        return 11;
      case kStruct:
        return 12;
    }
    return 0;
  }
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  void BigEndian(uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out_ += static_cast<char>(v >> (8 * i));
  }

  bool compact_;
  std::string out_;
  std::vector<int16_t> ids_;
  int16_t last_id_ = 0;
};

}  // namespace tempo::testing
