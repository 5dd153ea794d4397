#include "block/message_identity.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "block/any_value_codec.h"
#include "block/coding.h"
#include "tempopb/tempo.pb.h"

namespace tempo::block {
namespace {

namespace otlp_common = opentelemetry::proto::common::v1;
using KeyValues = google::protobuf::RepeatedPtrField<otlp_common::KeyValue>;

uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h;
}
// Hashes the length and the first and last 8 bytes only: resources repeat thousands of times per
// row group, and equality is checked in full on every hash match anyway.
uint64_t Mix(uint64_t h, std::string_view s) {
  uint64_t head = 0, tail = 0;
  const size_t n = std::min<size_t>(s.size(), 8);
  if (n > 0) {
    std::memcpy(&head, s.data(), n);
    std::memcpy(&tail, s.data() + s.size() - n, n);
  }
  return Mix(Mix(Mix(h, s.size()), head), tail);
}

uint64_t DoubleBits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return bits;
}

uint64_t HashValue(uint64_t h, const otlp_common::AnyValue& v) {
  h = Mix(h, static_cast<uint64_t>(v.value_case()));
  switch (v.value_case()) {
    case otlp_common::AnyValue::kStringValue:
      return Mix(h, v.string_value());
    case otlp_common::AnyValue::kBoolValue:
      return Mix(h, v.bool_value() ? 1 : 0);
    case otlp_common::AnyValue::kIntValue:
      return Mix(h, static_cast<uint64_t>(v.int_value()));
    case otlp_common::AnyValue::kDoubleValue:
      return Mix(h, DoubleBits(v.double_value()));
    case otlp_common::AnyValue::kBytesValue:
      return Mix(h, v.bytes_value());
    case otlp_common::AnyValue::VALUE_NOT_SET:
      return h;
    default: {  // arrays, kvlists and the rest: rare
      std::string encoded;
      EncodeAnyValue(v, &encoded);
      return Mix(h, encoded);
    }
  }
}

bool SameValue(const otlp_common::AnyValue& a, const otlp_common::AnyValue& b) {
  if (a.value_case() != b.value_case()) return false;
  switch (a.value_case()) {
    case otlp_common::AnyValue::kStringValue:
      return a.string_value() == b.string_value();
    case otlp_common::AnyValue::kBoolValue:
      return a.bool_value() == b.bool_value();
    case otlp_common::AnyValue::kIntValue:
      return a.int_value() == b.int_value();
    case otlp_common::AnyValue::kDoubleValue:
      return DoubleBits(a.double_value()) == DoubleBits(b.double_value());
    case otlp_common::AnyValue::kBytesValue:
      return a.bytes_value() == b.bytes_value();
    case otlp_common::AnyValue::VALUE_NOT_SET:
      return true;
    default: {
      std::string ea, eb;
      EncodeAnyValue(a, &ea);
      EncodeAnyValue(b, &eb);
      return ea == eb;
    }
  }
}

uint64_t HashAttributes(uint64_t h, const KeyValues& attrs) {
  h = Mix(h, static_cast<uint64_t>(attrs.size()));
  for (const auto& kv : attrs) {
    h = Mix(h, kv.key());
    h = kv.has_value() ? HashValue(h, kv.value()) : Mix(h, 0xFFu);
  }
  return h;
}

bool SameAttributes(const KeyValues& a, const KeyValues& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < a.size(); ++i) {
    if (a[i].key() != b[i].key() || a[i].has_value() != b[i].has_value() ||
        (a[i].has_value() && !SameValue(a[i].value(), b[i].value()))) {
      return false;
    }
  }
  return true;
}

}  // namespace

uint64_t HashResource(const opentelemetry::proto::resource::v1::Resource& r) {
  return HashAttributes(Mix(0, r.dropped_attributes_count()), r.attributes());
}

bool SameResource(const opentelemetry::proto::resource::v1::Resource& a,
                  const opentelemetry::proto::resource::v1::Resource& b) {
  return a.dropped_attributes_count() == b.dropped_attributes_count() &&
         SameAttributes(a.attributes(), b.attributes());
}

uint64_t HashScope(const otlp_common::InstrumentationScope& s) {
  uint64_t h = Mix(Mix(Mix(1, s.name()), s.version()), s.dropped_attributes_count());
  return HashAttributes(h, s.attributes());
}

bool SameScope(const otlp_common::InstrumentationScope& a,
               const otlp_common::InstrumentationScope& b) {
  return a.name() == b.name() && a.version() == b.version() &&
         a.dropped_attributes_count() == b.dropped_attributes_count() &&
         SameAttributes(a.attributes(), b.attributes());
}

}  // namespace tempo::block
