// The attribute and owner readers of TraceRows::FromFragments (trace_rows_wire.cpp): KeyValue,
// AnyValue, Resource and InstrumentationScope read off serialized bytes.
#include "block/trace_rows_values.h"

#include <cstring>
#include <iterator>

#include "tempo/model/wire_format.h"

namespace tempo::block {
namespace {

namespace wire = model::wire;
using wire::Field;
using wire::IsBytes;
using wire::IsVarint;
using wire::ReadField;


// The wire type of each AnyValue member (index: field number; 1 string, 2 bool, 3 int, 4 double,
// 5 array, 6 kvlist, 7 bytes, 8 string index).
constexpr uint32_t kMemberWireType[] = {UINT32_MAX,        wire::kLengthDelimited,
                                        wire::kVarint,     wire::kVarint,
                                        wire::kFixed64,    wire::kLengthDelimited,
                                        wire::kLengthDelimited, wire::kLengthDelimited,
                                        wire::kVarint};

// The attribute type of an AnyValue whose last member is field `member` (0: none).
AttrType TypeOfMember(uint32_t member) {
  switch (member) {
    case 0:
      return AttrType::kEmpty;
    case 1:
      return AttrType::kString;
    case 2:
      return AttrType::kBool;
    case 3:
      return AttrType::kInt;
    case 4:
      return AttrType::kDouble;
    case 7:
      return AttrType::kBytes;
    default:
      return AttrType::kComplex;  // arrays, kvlists, string indexes
  }
}

// Stores the value of member `member`: `bytes` for strings and bytes, the varint or the double's
// bits `number` for the others; arrays, kvlists and string indexes keep nothing here.
void SetMember(uint32_t member, uint64_t number, std::string_view bytes, TraceRows::Attr* a) {
  switch (member) {
    case 1:
    case 7:
      a->bytes = bytes;
      break;
    case 2:
      a->int_value = number != 0 ? 1 : 0;
      break;
    case 3:
      a->int_value = static_cast<int64_t>(number);
      break;
    case 4:
      std::memcpy(&a->double_value, &number, sizeof(double));
      break;
    default:
      break;
  }
}

// The AnyValue of an attribute. Repeated occurrences of a oneof member keep the last one; a last
// member that is an array, a kvlist or a string index makes the value kComplex with the whole
// payload, which the row group builder parses (merging repeated arrays exactly as a parse does).
bool AnyValue(std::string_view bytes, TraceRows::Attr* a) {
  wire::Reader r(bytes);
  Field f;
  uint32_t last = 0;
  while (!r.done()) {
    if (!ReadField(r, &f)) return false;
    if (f.number >= std::size(kMemberWireType) || f.type != kMemberWireType[f.number]) continue;
    last = f.number;
    SetMember(f.number, f.value, f.bytes, a);
  }
  a->type = TypeOfMember(last);
  if (a->type == AttrType::kComplex) a->bytes = bytes;
  return true;
}

// KeyValue's reading of an attribute in the short layout (wire::ReadShortAttribute); false, with
// `a` untouched, for any other.
bool ShortKeyValue(std::string_view bytes, TraceRows::Attr* a) {
  wire::ShortAttribute s;
  if (!wire::ReadShortAttribute(bytes, &s)) return false;
  const uint32_t member = s.value_tag >> 3;  // 0 (none) to 4
  a->key = s.key;
  a->type = TypeOfMember(member);
  SetMember(member, s.number, s.string_value, a);
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
