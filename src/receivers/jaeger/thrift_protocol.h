#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/common/status.h"

namespace tempo::receivers::thrift {

// Readers for the two Apache Thrift wire protocols that Jaeger and Zipkin senders use: binary
// (big-endian, fixed width) and compact (zigzag varints, field-id deltas). Written from the thrift
// protocol specifications; no libthrift.
//
// Both readers have the same interface so decoders are templates over the reader type. Errors are
// sticky: the first problem (truncated input, a negative or impossible size, an unknown type,
// nesting deeper than kMaxDepth) is recorded, every later read returns a zero value, field and
// container loops therefore end at once, and status() reports the first error. Container sizes are
// checked against the bytes left, so hostile input cannot make a decoder allocate much more than
// the input's size. The input must outlive the reader and every string_view it returned.
// Not thread-safe; cheap to construct.

// Field and element types, numbered as in the binary protocol.
enum class TType : uint8_t {
  kStop = 0,
  kVoid = 1,
  kBool = 2,
  kByte = 3,
  kDouble = 4,
  kI16 = 6,
  kI32 = 8,
  kI64 = 10,
  kString = 11,
  kStruct = 12,
  kMap = 13,
  kSet = 14,
  kList = 15,
  kUuid = 16,
};

// Thrift message types (envelope).
inline constexpr uint8_t kMessageCall = 1;
inline constexpr uint8_t kMessageOneway = 4;

// Deepest nesting of structs and containers a reader accepts.
inline constexpr int kMaxDepth = 64;

struct FieldHeader {
  TType type = TType::kStop;
  int16_t id = 0;
};

struct ListHeader {
  TType elem = TType::kStop;
  uint32_t size = 0;
};

struct MapHeader {
  TType key = TType::kStop;
  TType value = TType::kStop;
  uint32_t size = 0;
};

struct MessageHeader {
  std::string_view name;
  uint8_t type = 0;
  int32_t seq_id = 0;
};

// State and error handling shared by both readers.
class ReaderBase {
 public:
  explicit ReaderBase(std::string_view data) : data_(data) {}

  bool ok() const { return error_.empty(); }
  // kInvalidArgument with the first error and its byte offset, or ok.
  Status status() const;
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  // Records an error found by a decoder (e.g. a missing required field). The first one wins.
  void Fail(std::string message);

 protected:
  bool Need(size_t n);
  uint8_t Byte() { return static_cast<uint8_t>(data_[pos_++]); }
  // Enters a nested struct or container; false (and an error) when nested too deeply.
  bool Enter();
  void Leave() { --depth_; }
  // Checks a container of `size` elements of at least `min_elem_bytes` each against the input.
  bool CheckSize(int64_t size, size_t min_elem_bytes);

  std::string_view data_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::string error_;
};

// The binary protocol (TBinaryProtocol): strict and old-style message envelopes.
class BinaryReader : public ReaderBase {
 public:
  explicit BinaryReader(std::string_view data) : ReaderBase(data) {}

  void ReadMessageBegin(MessageHeader* out);
  void ReadStructBegin() { Enter(); }
  void ReadStructEnd() { Leave(); }
  // Sets out->type = kStop at the end of the struct (or on error).
  void ReadFieldBegin(FieldHeader* out);
  bool ReadBool();
  int8_t ReadByte();
  int16_t ReadI16();
  int32_t ReadI32();
  int64_t ReadI64();
  double ReadDouble();
  std::string_view ReadBinary();
  void ReadListBegin(ListHeader* out);
  void ReadSetBegin(ListHeader* out) { ReadListBegin(out); }
  void ReadListEnd() { Leave(); }
  void ReadMapBegin(MapHeader* out);
  void ReadMapEnd() { Leave(); }
  // Skips one value of `type`, including nested structs and containers.
  void Skip(TType type);

 private:
  uint64_t ReadBigEndian(int bytes);
};

// The compact protocol (TCompactProtocol).
class CompactReader : public ReaderBase {
 public:
  explicit CompactReader(std::string_view data) : ReaderBase(data) {}

  void ReadMessageBegin(MessageHeader* out);
  void ReadStructBegin();
  void ReadStructEnd();
  void ReadFieldBegin(FieldHeader* out);
  // A bool field carries its value in the field header; a bool list element is one byte.
  bool ReadBool();
  int8_t ReadByte();
  int16_t ReadI16() { return static_cast<int16_t>(ZigZag(ReadVarint(3))); }
  int32_t ReadI32() { return static_cast<int32_t>(ZigZag(ReadVarint(5))); }
  int64_t ReadI64() { return ZigZag(ReadVarint(10)); }
  double ReadDouble();
  std::string_view ReadBinary();
  void ReadListBegin(ListHeader* out);
  void ReadSetBegin(ListHeader* out) { ReadListBegin(out); }
  void ReadListEnd() { Leave(); }
  void ReadMapBegin(MapHeader* out);
  void ReadMapEnd() { Leave(); }
  void Skip(TType type);

 private:
  uint64_t ReadVarint(int max_bytes);
  static int64_t ZigZag(uint64_t n) {
    return static_cast<int64_t>(n >> 1) ^ -static_cast<int64_t>(n & 1);
  }
  // Maps a compact type nibble to a TType; false for an unknown type.
  bool TypeOf(uint8_t nibble, TType* out);

  std::vector<int16_t> last_field_ids_;
  int16_t last_field_id_ = 0;
  bool has_pending_bool_ = false;
  bool pending_bool_ = false;
};

}  // namespace tempo::receivers::thrift
