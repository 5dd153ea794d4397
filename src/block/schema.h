#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tempo::block {

// The fixed tables of a row group (docs/block-format.md, "Tables"). Rows of every table are
// grouped by trace, in trace order.
enum class Table : uint8_t {
  kTrace = 0,          // one row per trace
  kResourceSpans = 1,  // one row per input ResourceSpans
  kScopeSpans = 2,     // one row per input ScopeSpans
  kResource = 3,       // distinct resources of the row group
  kScope = 4,          // distinct instrumentation scopes of the row group
  kSpan = 5,           // spans, depth-first within a trace
  kEvent = 6,          // span events, by span
  kLink = 7,           // span links, by span
};
inline constexpr size_t kTableCount = 8;
std::string_view TableName(Table t);

enum class PhysicalType : uint8_t { kInt64 = 0, kString = 1, kBytes = 2, kDouble = 3 };

// What a catalog column holds.
enum class ColumnRole : uint8_t {
  kIntrinsic = 0,  // a fixed field of a table (Col)
  kAttribute = 1,  // the values of one attribute key and type of one owner table, in owner order
};

// Type of an attribute value, part of an attribute column's identity: one key with two types is
// two columns. Types without values (kUnset, kEmpty) have a catalog entry (physical type kInt64)
// but never a chunk: the owners' attribute shapes say where they occur.
enum class AttrType : uint8_t {
  kUnset = 0,    // KeyValue without a value (no value column)
  kEmpty = 1,    // AnyValue with no field set (no value column)
  kString = 2,   // string column
  kBool = 3,     // int column, 0/1
  kInt = 4,      // int column
  kDouble = 5,   // double column
  kBytes = 6,    // bytes column
  kComplex = 7,  // bytes column: a serialized AnyValue (arrays, kvlists, other cases)
};
inline constexpr uint8_t kMaxAttrType = 7;
std::string_view AttrTypeName(AttrType t);
// Physical type of an attribute type's value column; false if it has none.
bool AttrValueType(AttrType t, PhysicalType* out);

// The fixed columns, in file order within a row group.
enum class Col : uint8_t {
  kTraceStart,
  kTraceDuration,
  kTraceRootServiceName,
  kTraceRootSpanName,
  kTraceRsBegin,
  kTraceSsBegin,
  kTraceSpanBegin,
  kTraceEventBegin,
  kTraceLinkBegin,
  kRsResource,
  kRsSchemaUrl,
  kRsSsCount,
  kSsScope,
  kSsSchemaUrl,
  kResourceDroppedAttrs,
  kResourceAttrShape,
  kScopeName,
  kScopeVersion,
  kScopeDroppedAttrs,
  kScopeAttrShape,
  kSpanAttrShape,
  kSpanId,
  kSpanTraceId,
  kSpanParentSpanId,
  kSpanParentPos,
  kSpanSubtreeEnd,
  kSpanNestedSetLeft,
  kSpanNestedSetRight,
  kSpanNestedSetParent,
  kSpanDisconnected,
  kSpanScopeSpans,
  kSpanTraceState,
  kSpanName,
  kSpanKind,
  kSpanStart,
  kSpanDuration,
  kSpanFlags,
  kSpanStatusPresent,
  kSpanStatusCode,
  kSpanStatusMessage,
  kSpanDroppedAttrs,
  kSpanDroppedEvents,
  kSpanDroppedLinks,
  kSpanEventCount,
  kSpanLinkCount,
  kEventTimeSinceStart,
  kEventName,
  kEventDroppedAttrs,
  kEventAttrShape,
  kLinkTraceId,
  kLinkSpanId,
  kLinkTraceState,
  kLinkFlags,
  kLinkDroppedAttrs,
  kLinkAttrShape,
  kCount,
};
inline constexpr size_t kIntrinsicCount = static_cast<size_t>(Col::kCount);

struct IntrinsicInfo {
  Col col;
  Table table;
  PhysicalType type;
  std::string_view name;  // "span.name"; the catalog stores it
};
const IntrinsicInfo& Intrinsic(Col c);
const std::array<IntrinsicInfo, kIntrinsicCount>& AllIntrinsics();

// Whether rows of `t` own attributes, and the column holding their attribute shapes (the ordered
// list of attribute columns of each row; docs/block-format.md, "Attributes").
bool OwnsAttributes(Table t);
Col ShapeColumn(Table t);

}  // namespace tempo::block
