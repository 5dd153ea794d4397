#include "receivers/jaeger/thrift_protocol.h"

#include <algorithm>
#include <cstring>

namespace tempo::receivers::thrift {
namespace {

// Skips one value of `type`; shared by both readers (their primitives differ, the walk does not).
template <typename Reader>
void SkipValue(Reader& r, TType type) {
  switch (type) {
    case TType::kBool:
      r.ReadBool();
      return;
    case TType::kByte:
      r.ReadByte();
      return;
    case TType::kI16:
      r.ReadI16();
      return;
    case TType::kI32:
      r.ReadI32();
      return;
    case TType::kI64:
      r.ReadI64();
      return;
    case TType::kDouble:
      r.ReadDouble();
      return;
    case TType::kString:
      r.ReadBinary();
      return;
    case TType::kStruct: {
      r.ReadStructBegin();
      FieldHeader field;
      for (r.ReadFieldBegin(&field); field.type != TType::kStop && r.ok();
           r.ReadFieldBegin(&field)) {
        r.Skip(field.type);
      }
      r.ReadStructEnd();
      return;
    }
    case TType::kList:
    case TType::kSet: {
      ListHeader list;
      r.ReadListBegin(&list);
      for (uint32_t i = 0; i < list.size && r.ok(); ++i) r.Skip(list.elem);
      r.ReadListEnd();
      return;
    }
    case TType::kMap: {
      MapHeader map;
      r.ReadMapBegin(&map);
      for (uint32_t i = 0; i < map.size && r.ok(); ++i) {
        r.Skip(map.key);
        r.Skip(map.value);
      }
      r.ReadMapEnd();
      return;
    }
    default:
      r.Fail("cannot skip a value of unknown type " + std::to_string(static_cast<int>(type)));
      return;
  }
}

bool ValidBinaryType(uint8_t t) {
  switch (static_cast<TType>(t)) {
    case TType::kStop:
    case TType::kBool:
    case TType::kByte:
    case TType::kDouble:
    case TType::kI16:
    case TType::kI32:
    case TType::kI64:
    case TType::kString:
    case TType::kStruct:
    case TType::kMap:
    case TType::kSet:
    case TType::kList:
    case TType::kUuid:
      return true;
    default:
      return false;
  }
}

}  // namespace

// ---- ReaderBase ---------------------------------------------------------------------------

Status ReaderBase::status() const {
  if (error_.empty()) return Status::Ok();
  return InvalidArgumentError(error_);
}

void ReaderBase::Fail(std::string message) {
  if (!error_.empty()) return;
  error_ = std::move(message) + " (at byte " + std::to_string(pos_) + ")";
  // Make every later read see an empty input, so loops end.
  pos_ = data_.size();
}

bool ReaderBase::Need(size_t n) {
  if (!error_.empty()) return false;
  if (data_.size() - pos_ < n) {
    Fail("unexpected end of input: need " + std::to_string(n) + " more bytes, have " +
         std::to_string(data_.size() - pos_));
    return false;
  }
  return true;
}

bool ReaderBase::Enter() {
  if (++depth_ > kMaxDepth) {
    Fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    return false;
  }
  return true;
}

bool ReaderBase::CheckSize(int64_t size, size_t min_elem_bytes) {
  if (!error_.empty()) return false;
  if (size < 0) {
    Fail("negative size " + std::to_string(size));
    return false;
  }
  if (static_cast<uint64_t>(size) > remaining() / std::max<size_t>(min_elem_bytes, 1)) {
    Fail("size " + std::to_string(size) + " exceeds the remaining " + std::to_string(remaining()) +
         " bytes");
    return false;
  }
  return true;
}

// ---- BinaryReader -------------------------------------------------------------------------

uint64_t BinaryReader::ReadBigEndian(int bytes) {
  if (!Need(static_cast<size_t>(bytes))) return 0;
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | Byte();
  return v;
}

void BinaryReader::ReadMessageBegin(MessageHeader* out) {
  *out = MessageHeader{};
  int32_t first = ReadI32();
  if (!ok()) return;
  if (first < 0) {
    // Strict: 0x8001 version, then the message type in the low byte.
    if ((static_cast<uint32_t>(first) & 0xffff0000u) != 0x80010000u) {
      Fail("bad binary protocol version in message header");
      return;
    }
    out->type = static_cast<uint8_t>(first & 0xff);
    out->name = ReadBinary();
    out->seq_id = ReadI32();
    return;
  }
  // Old style: the name length comes first.
  if (!CheckSize(first, 1) || !Need(static_cast<size_t>(first))) return;
  out->name = data_.substr(pos_, static_cast<size_t>(first));
  pos_ += static_cast<size_t>(first);
  out->type = static_cast<uint8_t>(ReadByte());
  out->seq_id = ReadI32();
}

void BinaryReader::ReadFieldBegin(FieldHeader* out) {
  out->type = TType::kStop;
  out->id = 0;
  if (!Need(1)) return;
  uint8_t type = Byte();
  if (type == 0) return;
  if (!ValidBinaryType(type)) {
    Fail("unknown field type " + std::to_string(type));
    return;
  }
  int16_t id = ReadI16();
  if (!ok()) return;
  out->type = static_cast<TType>(type);
  out->id = id;
}

bool BinaryReader::ReadBool() { return Need(1) && Byte() != 0; }

int8_t BinaryReader::ReadByte() { return Need(1) ? static_cast<int8_t>(Byte()) : 0; }

int16_t BinaryReader::ReadI16() { return static_cast<int16_t>(ReadBigEndian(2)); }

int32_t BinaryReader::ReadI32() { return static_cast<int32_t>(ReadBigEndian(4)); }

int64_t BinaryReader::ReadI64() { return static_cast<int64_t>(ReadBigEndian(8)); }

double BinaryReader::ReadDouble() {
  uint64_t bits = ReadBigEndian(8);
  double v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

std::string_view BinaryReader::ReadBinary() {
  int32_t size = ReadI32();
  if (!CheckSize(size, 1)) return {};
  std::string_view v = data_.substr(pos_, static_cast<size_t>(size));
  pos_ += static_cast<size_t>(size);
  return v;
}

void BinaryReader::ReadListBegin(ListHeader* out) {
  *out = ListHeader{};
  if (!Enter()) return;
  uint8_t elem = static_cast<uint8_t>(ReadByte());
  int32_t size = ReadI32();
  if (!ok()) return;
  if (elem == 0 || !ValidBinaryType(elem)) {
    if (size != 0) Fail("unknown list element type " + std::to_string(elem));
    return;
  }
  if (!CheckSize(size, 1)) return;
  out->elem = static_cast<TType>(elem);
  out->size = static_cast<uint32_t>(size);
}

void BinaryReader::ReadMapBegin(MapHeader* out) {
  *out = MapHeader{};
  if (!Enter()) return;
  uint8_t key = static_cast<uint8_t>(ReadByte());
  uint8_t value = static_cast<uint8_t>(ReadByte());
  int32_t size = ReadI32();
  if (!ok() || size == 0) return;
  if (key == 0 || value == 0 || !ValidBinaryType(key) || !ValidBinaryType(value)) {
    Fail("unknown map key/value type");
    return;
  }
  if (!CheckSize(size, 2)) return;
  out->key = static_cast<TType>(key);
  out->value = static_cast<TType>(value);
  out->size = static_cast<uint32_t>(size);
}

void BinaryReader::Skip(TType type) {
  if (type == TType::kUuid) {
    if (Need(16)) pos_ += 16;
    return;
  }
  SkipValue(*this, type);
}

// ---- CompactReader ------------------------------------------------------------------------

namespace {
constexpr uint8_t kCompactProtocolId = 0x82;
constexpr uint8_t kCompactVersion = 1;
}  // namespace

uint64_t CompactReader::ReadVarint(int max_bytes) {
  uint64_t v = 0;
  for (int i = 0; i < max_bytes; ++i) {
    if (!Need(1)) return 0;
    uint8_t b = Byte();
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return v;
  }
  Fail("varint longer than " + std::to_string(max_bytes) + " bytes");
  return 0;
}

bool CompactReader::TypeOf(uint8_t nibble, TType* out) {
  switch (nibble) {
    case 1:
    case 2:
      *out = TType::kBool;
      return true;
    case 3:
      *out = TType::kByte;
      return true;
    case 4:
      *out = TType::kI16;
      return true;
    case 5:
      *out = TType::kI32;
      return true;
    case 6:
      *out = TType::kI64;
      return true;
    case 7:
      *out = TType::kDouble;
      return true;
    case 8:
      *out = TType::kString;
      return true;
    case 9:
      *out = TType::kList;
      return true;
    case 10:
      *out = TType::kSet;
      return true;
    case 11:
      *out = TType::kMap;
      return true;
    case 12:
      *out = TType::kStruct;
      return true;
    case 13:
      *out = TType::kUuid;
      return true;
    default:
      return false;
  }
}

void CompactReader::ReadMessageBegin(MessageHeader* out) {
  *out = MessageHeader{};
  if (!Need(2)) return;
  uint8_t protocol_id = Byte();
  if (protocol_id != kCompactProtocolId) {
    Fail("not a compact protocol message (first byte " + std::to_string(protocol_id) + ")");
    return;
  }
  uint8_t version_and_type = Byte();
  if ((version_and_type & 0x1f) != kCompactVersion) {
    Fail("unsupported compact protocol version " + std::to_string(version_and_type & 0x1f));
    return;
  }
  out->type = static_cast<uint8_t>((version_and_type >> 5) & 0x07);
  out->seq_id = static_cast<int32_t>(ReadVarint(5));
  out->name = ReadBinary();
}

void CompactReader::ReadStructBegin() {
  if (!Enter()) return;
  last_field_ids_.push_back(last_field_id_);
  last_field_id_ = 0;
}

void CompactReader::ReadStructEnd() {
  Leave();
  if (!last_field_ids_.empty()) {
    last_field_id_ = last_field_ids_.back();
    last_field_ids_.pop_back();
  }
}

void CompactReader::ReadFieldBegin(FieldHeader* out) {
  out->type = TType::kStop;
  out->id = 0;
  has_pending_bool_ = false;
  if (!Need(1)) return;
  uint8_t header = Byte();
  if (header == 0) return;
  TType type;
  if (!TypeOf(header & 0x0f, &type)) {
    Fail("unknown compact field type " + std::to_string(header & 0x0f));
    return;
  }
  uint8_t delta = header >> 4;
  int16_t id = delta != 0 ? static_cast<int16_t>(last_field_id_ + delta) : ReadI16();
  if (!ok()) return;
  if (type == TType::kBool) {
    has_pending_bool_ = true;
    pending_bool_ = (header & 0x0f) == 1;
  }
  last_field_id_ = id;
  out->type = type;
  out->id = id;
}

bool CompactReader::ReadBool() {
  if (has_pending_bool_) {
    has_pending_bool_ = false;
    return pending_bool_;
  }
  return Need(1) && Byte() == 1;
}

int8_t CompactReader::ReadByte() { return Need(1) ? static_cast<int8_t>(Byte()) : 0; }

double CompactReader::ReadDouble() {
  if (!Need(8)) return 0;
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits |= static_cast<uint64_t>(Byte()) << (8 * i);
  double v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

std::string_view CompactReader::ReadBinary() {
  uint64_t size = ReadVarint(5);
  if (!ok()) return {};
  if (size > 0x7fffffffu) {
    Fail("string size " + std::to_string(size) + " too large");
    return {};
  }
  if (!CheckSize(static_cast<int64_t>(size), 1)) return {};
  std::string_view v = data_.substr(pos_, static_cast<size_t>(size));
  pos_ += static_cast<size_t>(size);
  return v;
}

void CompactReader::ReadListBegin(ListHeader* out) {
  *out = ListHeader{};
  has_pending_bool_ = false;
  if (!Enter() || !Need(1)) return;
  uint8_t header = Byte();
  uint64_t size = header >> 4;
  if (size == 15) size = ReadVarint(5);
  if (!ok()) return;
  TType elem;
  if (!TypeOf(header & 0x0f, &elem)) {
    if (size != 0) Fail("unknown compact list element type " + std::to_string(header & 0x0f));
    return;
  }
  if (size > 0x7fffffffu || !CheckSize(static_cast<int64_t>(size), 1)) {
    if (ok()) Fail("list size " + std::to_string(size) + " too large");
    return;
  }
  out->elem = elem;
  out->size = static_cast<uint32_t>(size);
}

void CompactReader::ReadMapBegin(MapHeader* out) {
  *out = MapHeader{};
  has_pending_bool_ = false;
  if (!Enter()) return;
  uint64_t size = ReadVarint(5);
  if (!ok() || size == 0) return;
  if (!Need(1)) return;
  uint8_t types = Byte();
  TType key, value;
  if (!TypeOf(types >> 4, &key) || !TypeOf(types & 0x0f, &value)) {
    Fail("unknown compact map key/value type");
    return;
  }
  if (size > 0x7fffffffu || !CheckSize(static_cast<int64_t>(size), 2)) {
    if (ok()) Fail("map size " + std::to_string(size) + " too large");
    return;
  }
  out->key = key;
  out->value = value;
  out->size = static_cast<uint32_t>(size);
}

void CompactReader::Skip(TType type) {
  if (type == TType::kUuid) {
    if (Need(16)) pos_ += 16;
    return;
  }
  SkipValue(*this, type);
}

}  // namespace tempo::receivers::thrift
