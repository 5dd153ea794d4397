// The attribute and owner readers of TraceRows::FromFragments (trace_rows_wire.cpp): KeyValue,
// AnyValue, Resource and InstrumentationScope read off serialized bytes.
#include "block/trace_rows_values.h"

#include <cstring>

#include "tempo/model/wire_format.h"

namespace tempo::block {
namespace {

namespace wire = model::wire;
using wire::Field;
using wire::ReadField;

bool IsBytes(const Field& f) { return f.type == wire::kLengthDelimited; }
bool IsVarint(const Field& f) { return f.type == wire::kVarint; }

// The AnyValue of an attribute. Repeated occurrences of a oneof member keep the last one; a last
// member that is an array, a kvlist or a string index makes the value kComplex with the whole
// payload, which the row group builder parses (merging repeated arrays exactly as a parse does).
bool AnyValue(std::string_view bytes, TraceRows::Attr* a) {
  wire::Reader r(bytes);
  Field f;
  uint32_t last = 0;
  while (!r.done()) {
    if (!ReadField(r, &f)) return false;
    switch (f.number) {
      case 1:
      case 7:
        if (IsBytes(f)) {
          last = f.number;
          a->bytes = f.bytes;
        }
        break;
      case 2:
        if (IsVarint(f)) {
          last = 2;
          a->int_value = f.value != 0 ? 1 : 0;
        }
        break;
      case 3:
        if (IsVarint(f)) {
          last = 3;
          a->int_value = static_cast<int64_t>(f.value);
        }
        break;
      case 4:
        if (f.type == wire::kFixed64) {
          last = 4;
          std::memcpy(&a->double_value, &f.value, sizeof(double));
        }
        break;
      case 5:
      case 6:
        if (IsBytes(f)) last = f.number;
        break;
      case 8:
        if (IsVarint(f)) last = 8;
        break;
      default:
        break;
    }
  }
  switch (last) {
    case 0:
      a->type = AttrType::kEmpty;
      break;
    case 1:
      a->type = AttrType::kString;
      break;
    case 2:
      a->type = AttrType::kBool;
      break;
    case 3:
      a->type = AttrType::kInt;
      break;
    case 4:
      a->type = AttrType::kDouble;
      break;
    case 7:
      a->type = AttrType::kBytes;
      break;
    default:
      a->type = AttrType::kComplex;
      a->bytes = bytes;
      break;
  }
  return true;
}

// KeyValue's reading of an attribute in the short layout (wire::ReadShortAttribute); false, with
// `a` untouched, for any other.
bool ShortKeyValue(std::string_view bytes, TraceRows::Attr* a) {
  wire::ShortAttribute s;
  if (!wire::ReadShortAttribute(bytes, &s)) return false;
  a->key = s.key;
  switch (s.value_tag) {
    case 0:
      a->type = AttrType::kEmpty;
      break;
    case wire::Tag(1, wire::kLengthDelimited):
      a->type = AttrType::kString;
      a->bytes = s.string_value;
      break;
    case wire::Tag(2, wire::kVarint):
      a->type = AttrType::kBool;
      a->int_value = s.number != 0 ? 1 : 0;
      break;
    case wire::Tag(3, wire::kVarint):
      a->type = AttrType::kInt;
      a->int_value = static_cast<int64_t>(s.number);
      break;
    default:  // Tag(4, kFixed64)
      a->type = AttrType::kDouble;
      std::memcpy(&a->double_value, &s.number, sizeof(double));
      break;
  }
  return true;
}

}  // namespace

bool ReadKeyValue(std::string_view bytes, std::vector<TraceRows::Attr>* out) {
  if (TraceRows::Attr a; ShortKeyValue(bytes, &a)) {
    out->push_back(a);
    return true;
  }
  wire::Reader r(bytes);
  Field f;
  TraceRows::Attr a;
  bool has_value = false;
  while (!r.done()) {
    if (!ReadField(r, &f)) return false;
    if (!IsBytes(f)) continue;
    if (f.number == 1) {
      a.key = f.bytes;
    } else if (f.number == 2) {
      if (has_value) return false;
      has_value = true;
      if (!AnyValue(f.bytes, &a)) return false;
    }
  }
  if (!has_value) a.type = AttrType::kUnset;
  out->push_back(a);
  return true;
}

bool ReadOwner(std::string_view bytes, bool scope, TraceRows::Owner* owner,
               std::vector<TraceRows::Attr>* attrs) {
  wire::Reader r(bytes);
  Field f;
  const uint32_t attr_field = scope ? 3 : 1;
  const uint32_t dropped_field = scope ? 4 : 2;
  owner->present = true;
  owner->attrs.begin = static_cast<uint32_t>(attrs->size());
  while (!r.done()) {
    if (!ReadField(r, &f)) return false;
    if (f.number == attr_field && IsBytes(f)) {
      if (!ReadKeyValue(f.bytes, attrs)) return false;
    } else if (f.number == dropped_field && IsVarint(f)) {
      owner->dropped_attributes = static_cast<uint32_t>(f.value);
    } else if (scope && f.number == 1 && IsBytes(f)) {
      owner->name = f.bytes;
    } else if (scope && f.number == 2 && IsBytes(f)) {
      owner->version = f.bytes;
    }
  }
  owner->attrs.end = static_cast<uint32_t>(attrs->size());
  return true;
}

}  // namespace tempo::block
