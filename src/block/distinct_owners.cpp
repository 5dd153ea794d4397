#include "block/distinct_owners.h"

#include <cstring>

#include "block/coding.h"

namespace tempo::block {
namespace {

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
  if (a.type == AttrType::kComplex) return ComplexEncoding(a, &scratch_, &parsed_);
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
  if (owner.origin != 0) {
    auto it = by_origin_.find(owner.origin);
    if (it != by_origin_.end()) return {it->second, false};
  }
  std::pair<int64_t, bool> row = RowByContent(trace, owner);
  if (owner.origin != 0) by_origin_.emplace(owner.origin, row.first);
  return row;
}

std::pair<int64_t, bool> DistinctOwners::RowByContent(const TraceRows& trace,
                                                      const TraceRows::Owner& owner) {
  uint64_t hash = HashMix(HashBytes(owner.name), HashBytes(owner.version));
  hash = HashMix(hash, owner.dropped_attributes);
  for (uint32_t k = owner.attrs.begin; k < owner.attrs.end; ++k) {
    const TraceRows::Attr& a = trace.attrs[k];
    hash = HashMix(hash, HashBytes(a.key));
    hash = HashMix(hash, static_cast<uint64_t>(a.type));
    hash = HashMix(hash, BitsOf(a));
    hash = HashMix(hash, HashBytes(BytesOf(a)));
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
  by_origin_.clear();
}

}  // namespace tempo::block
