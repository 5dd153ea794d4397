#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "block/trace_rows.h"
#include "opentelemetry/proto/common/v1/common.pb.h"

namespace tempo::block {

// The distinct resources (or scopes) of one row group, each stored once: tells owners apart by
// content — name, version, dropped count and attributes in order with their types and values
// (doubles by bit pattern, so -0.0 and NaNs stay apart; complex values by their block encoding,
// whatever form the rows hold them in) — without serializing them; owners whose origin was
// seen before are found without looking at their content. Not thread-safe; one per table of a
// RowGroupBuilder.
class DistinctOwners {
 public:
  // Row of `owner` in the row group and whether it was added now (the caller then appends its
  // columns). `owner` must be present.
  std::pair<int64_t, bool> Row(const TraceRows& trace, const TraceRows::Owner& owner);
  void Clear();

 private:
  struct Attr {
    std::string key;
    AttrType type;
    std::string bytes;  // string, bytes and complex values
    uint64_t bits;      // int, bool and double values
  };
  struct Owner {
    std::string name, version;
    uint32_t dropped_attributes;
    std::vector<Attr> attrs;
  };
  // The value of `a` as stored: bytes (complex values block-encoded into scratch_) and bits.
  std::string_view BytesOf(const TraceRows::Attr& a);
  bool Same(const Owner& stored, const TraceRows& trace, const TraceRows::Owner& owner);
  std::pair<int64_t, bool> RowByContent(const TraceRows& trace, const TraceRows::Owner& owner);

  std::vector<Owner> rows_;
  std::unordered_multimap<uint64_t, size_t> index_;  // content hash -> row
  std::unordered_map<uint64_t, int64_t> by_origin_;  // TraceRows::Owner::origin -> row
  std::string scratch_;
  opentelemetry::proto::common::v1::AnyValue parsed_;  // scratch of ComplexEncoding
};

}  // namespace tempo::block
