#include "block/distinct_owners.h"

#include <cstring>
#include <functional>

#include "tempopb/tempo.pb.h"

namespace tempo::block {
namespace {

uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h;
}

uint64_t HashBytes(std::string_view s) { return std::hash<std::string_view>{}(s); }

uint64_t BitsOf(const TraceRows::Attr& a) {
  if (a.type == AttrType::kDouble) {
    uint64_t bits;
    std::memcpy(&bits, &a.double_value, sizeof bits);
    return bits;
  }
  return static_cast<uint64_t>(a.int_value);
}

}  // namespace

std::string_view DistinctOwners::BytesOf(const TraceRows::Attr& a) {
  if (a.type == AttrType::kComplex && a.complex != nullptr) {
    scratch_.clear();
    a.complex->SerializeToString(&scratch_);
    return scratch_;
  }
  return a.bytes;
}

bool DistinctOwners::Same(const Owner& stored, const TraceRows& trace,
                          const TraceRows::Owner& owner) {
  if (stored.name != owner.name || stored.version != owner.version ||
      stored.dropped_attributes != owner.dropped_attributes ||
      stored.attrs.size() != owner.attrs.size()) {
    return false;
  }
  for (uint32_t i = 0; i < owner.attrs.size(); ++i) {
    const Attr& s = stored.attrs[i];
    const TraceRows::Attr& a = trace.attrs[owner.attrs.begin + i];
    if (s.type != a.type || s.key != a.key || s.bits != BitsOf(a) || s.bytes != BytesOf(a)) {
      return false;
    }
  }
  return true;
}

std::pair<int64_t, bool> DistinctOwners::Row(const TraceRows& trace,
                                             const TraceRows::Owner& owner) {
  uint64_t hash = Mix(HashBytes(owner.name), HashBytes(owner.version));
  hash = Mix(hash, owner.dropped_attributes);
  for (uint32_t k = owner.attrs.begin; k < owner.attrs.end; ++k) {
    const TraceRows::Attr& a = trace.attrs[k];
    hash = Mix(hash, HashBytes(a.key));
    hash = Mix(hash, static_cast<uint64_t>(a.type));
    hash = Mix(hash, BitsOf(a));
    hash = Mix(hash, HashBytes(BytesOf(a)));
  }
  auto [lo, hi] = index_.equal_range(hash);
  for (auto it = lo; it != hi; ++it) {
    if (Same(rows_[it->second], trace, owner)) return {static_cast<int64_t>(it->second), false};
  }
  Owner& stored = rows_.emplace_back();
  stored.name = owner.name;
  stored.version = owner.version;
  stored.dropped_attributes = owner.dropped_attributes;
  for (uint32_t k = owner.attrs.begin; k < owner.attrs.end; ++k) {
    const TraceRows::Attr& a = trace.attrs[k];
    stored.attrs.push_back({std::string(a.key), a.type, std::string(BytesOf(a)), BitsOf(a)});
  }
  index_.emplace(hash, rows_.size() - 1);
  return {static_cast<int64_t>(rows_.size() - 1), true};
}

void DistinctOwners::Clear() {
  rows_.clear();
  index_.clear();
}

}  // namespace tempo::block
