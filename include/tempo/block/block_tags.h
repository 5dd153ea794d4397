#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/block/block_reader.h"
#include "tempo/common/request_context.h"
#include "tempo/common/status.h"

namespace tempo::block {

// The rows that own attributes, as the tag endpoints name their scopes (resource, span, event,
// link, instrumentation).
enum class AttributeOwner : uint8_t { kResource, kSpan, kEvent, kLink, kScope };
inline constexpr size_t kAttributeOwnerCount = 5;
inline constexpr uint8_t kAllAttributeOwners = (1u << kAttributeOwnerCount) - 1;
inline constexpr uint8_t OwnerBit(AttributeOwner o) { return uint8_t(1u << static_cast<int>(o)); }

// A field whose distinct values a tag-values query lists.
struct TagColumn {
  enum class Kind : uint8_t {
    kAttribute,          // attribute `key` of the owners in `owners`
    kSpanName,           // span.name
    kSpanStatusMessage,  // span.status_message
    kRootSpanName,       // trace.root_span_name ("" for a trace without a root span)
    kRootServiceName,    // trace.root_service_name (same)
  };
  Kind kind = Kind::kAttribute;
  std::string key;                       // kAttribute
  uint8_t owners = kAllAttributeOwners;  // kAttribute: OwnerBit()s
};

// One value handed out by BlockTags::Values. Attribute values of other types (bytes, arrays,
// kvlists, none) are never listed.
struct TagValueRef {
  enum class Type : uint8_t { kString, kInt, kBool, kDouble };
  Type type = Type::kString;
  std::string_view str;     // kString; valid only during the callback
  int64_t int_value = 0;    // kInt; kBool: 0 or 1
  double double_value = 0;  // kDouble
};

// What reading tags cost, summed over calls.
struct TagReadStats {
  uint64_t bytes_read = 0;  // bytes read from the block
  uint32_t row_groups = 0;  // row groups looked at
  uint64_t spans = 0;       // spans of those row groups
};

// Tag names and tag values of one block, served from its metadata instead of its spans
// (docs/block-format.md): attribute keys from the footer's column catalog (whole block) or from
// the row groups' chunks and attribute shapes; values from the sorted string dictionaries of the
// one column asked for, from page statistics (bools, ints whose pages hold at most two values),
// or by decoding that column alone (plain strings, other ints, doubles). Traces are never
// decoded. The time range restricts row groups by their min_start / max_end statistics, so a
// row group that overlaps it contributes every value it holds.
// Thread-safe: methods are const and share nothing mutable; `reader` is held.
class BlockTags {
 public:
  explicit BlockTags(std::shared_ptr<const BlockReader> reader);

  // Row groups with traces overlapping [start, end] (unix ns, inclusive), latest max_end first.
  std::vector<uint32_t> RowGroups(uint64_t start, uint64_t end) const;

  // The attribute keys present in row groups overlapping [start, end], per owner (indexed by
  // AttributeOwner), sorted and unique. Errors: kCorruption, read errors, kCancelled /
  // kDeadlineExceeded from `ctx` (checked per row group).
  Status AttributeKeys(const RequestContext& ctx, uint64_t start, uint64_t end,
                       std::array<std::vector<std::string>, kAttributeOwnerCount>* out,
                       TagReadStats* stats) const;

  // Calls `fn` with the distinct values of `column` in each row group overlapping [start, end],
  // row group by row group in RowGroups() order (a value found in several row groups or owners
  // is handed out once per row group and owner). Stops when `fn` returns false. Errors as for
  // AttributeKeys.
  Status Values(const RequestContext& ctx, const TagColumn& column, uint64_t start, uint64_t end,
                const std::function<bool(const TagValueRef&)>& fn, TagReadStats* stats) const;

 private:
  std::shared_ptr<const BlockReader> reader_;
};

}  // namespace tempo::block
