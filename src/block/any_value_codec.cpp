#include "block/any_value_codec.h"

#include <cstring>

#include "block/coding.h"
#include "tempopb/tempo.pb.h"

namespace tempo::block {
namespace {

namespace otlp_common = opentelemetry::proto::common::v1;

constexpr int kMaxDepth = 64;

enum Case : uint8_t {
  kNone = 0,
  kString = 1,
  kBool = 2,
  kInt = 3,
  kDouble = 4,
  kArray = 5,
  kKvList = 6,
  kBytes = 7,
  kStrIndex = 8,
};

void Encode(const otlp_common::AnyValue& v, std::string* out) {
  switch (v.value_case()) {
    case otlp_common::AnyValue::kStringValue:
      out->push_back(kString);
      PutBytes(out, v.string_value());
      break;
    case otlp_common::AnyValue::kBoolValue:
      out->push_back(kBool);
      out->push_back(v.bool_value() ? 1 : 0);
      break;
    case otlp_common::AnyValue::kIntValue:
      out->push_back(kInt);
      PutSignedVarint(out, v.int_value());
      break;
    case otlp_common::AnyValue::kDoubleValue: {
      out->push_back(kDouble);
      uint64_t bits;
      double d = v.double_value();
      std::memcpy(&bits, &d, 8);
      PutFixed64(out, bits);
      break;
    }
    case otlp_common::AnyValue::kArrayValue:
      out->push_back(kArray);
      PutVarint(out, static_cast<uint64_t>(v.array_value().values_size()));
      for (const auto& e : v.array_value().values()) Encode(e, out);
      break;
    case otlp_common::AnyValue::kKvlistValue:
      out->push_back(kKvList);
      PutVarint(out, static_cast<uint64_t>(v.kvlist_value().values_size()));
      for (const auto& kv : v.kvlist_value().values()) {
        PutBytes(out, kv.key());
        out->push_back(kv.has_value() ? 1 : 0);
        if (kv.has_value()) Encode(kv.value(), out);
      }
      break;
    case otlp_common::AnyValue::kBytesValue:
      out->push_back(kBytes);
      PutBytes(out, v.bytes_value());
      break;
    case otlp_common::AnyValue::kStringValueStrindex:
      out->push_back(kStrIndex);
      PutSignedVarint(out, v.string_value_strindex());
      break;
    default:
      out->push_back(kNone);
      break;
  }
}

bool Decode(ByteReader& r, int depth, otlp_common::AnyValue* v) {
  uint8_t c;
  if (depth > kMaxDepth || !r.ReadU8(&c)) return false;
  std::string_view s;
  int64_t i;
  uint64_t n;
  switch (c) {
    case kNone:
      return true;
    case kString:
      if (!r.ReadBytes(&s)) return false;
      v->set_string_value(s.empty() ? "" : s.data(), s.size());
      return true;
    case kBool: {
      uint8_t b;
      if (!r.ReadU8(&b) || b > 1) return false;
      v->set_bool_value(b == 1);
      return true;
    }
    case kInt:
      if (!r.ReadSignedVarint(&i)) return false;
      v->set_int_value(i);
      return true;
    case kDouble: {
      uint64_t bits;
      if (!r.ReadFixed64(&bits)) return false;
      double d;
      std::memcpy(&d, &bits, 8);
      v->set_double_value(d);
      return true;
    }
    case kArray: {
      // Every element takes at least one byte, so `n` is bounded by the input.
      if (!r.ReadVarint(&n) || n > r.remaining()) return false;
      auto* arr = v->mutable_array_value();
      for (uint64_t k = 0; k < n; ++k) {
        if (!Decode(r, depth + 1, arr->add_values())) return false;
      }
      return true;
    }
    case kKvList: {
      if (!r.ReadVarint(&n) || n > r.remaining() / 2) return false;
      auto* list = v->mutable_kvlist_value();
      for (uint64_t k = 0; k < n; ++k) {
        uint8_t has_value;
        auto* kv = list->add_values();
        if (!r.ReadBytes(&s) || !r.ReadU8(&has_value) || has_value > 1) return false;
        kv->set_key(s.empty() ? "" : s.data(), s.size());
        if (has_value == 1 && !Decode(r, depth + 1, kv->mutable_value())) return false;
      }
      return true;
    }
    case kBytes:
      if (!r.ReadBytes(&s)) return false;
      v->set_bytes_value(s.empty() ? "" : s.data(), s.size());
      return true;
    case kStrIndex:
      if (!r.ReadSignedVarint(&i) || i < INT32_MIN || i > INT32_MAX) return false;
      v->set_string_value_strindex(static_cast<int32_t>(i));
      return true;
    default:
      return false;
  }
}

}  // namespace

void EncodeAnyValue(const otlp_common::AnyValue& value, std::string* out) { Encode(value, out); }

Status DecodeAnyValue(std::string_view data, otlp_common::AnyValue* out) {
  ByteReader r(data, "complex attribute value");
  out->Clear();
  if (!Decode(r, 0, out) || !r.empty()) {
    return CorruptionError("block data: malformed complex attribute value");
  }
  return Status::Ok();
}

}  // namespace tempo::block
