#include "block/schema.h"

namespace tempo::block {
namespace {

using P = PhysicalType;
using T = Table;

constexpr std::array<IntrinsicInfo, kIntrinsicCount> kIntrinsics = {{
    {Col::kTraceStart, T::kTrace, P::kInt64, "trace.start"},
    {Col::kTraceDuration, T::kTrace, P::kInt64, "trace.duration"},
    {Col::kTraceRootServiceName, T::kTrace, P::kString, "trace.root_service_name"},
    {Col::kTraceRootSpanName, T::kTrace, P::kString, "trace.root_span_name"},
    {Col::kTraceRsBegin, T::kTrace, P::kInt64, "trace.resource_spans_begin"},
    {Col::kTraceSsBegin, T::kTrace, P::kInt64, "trace.scope_spans_begin"},
    {Col::kTraceSpanBegin, T::kTrace, P::kInt64, "trace.span_begin"},
    {Col::kTraceEventBegin, T::kTrace, P::kInt64, "trace.event_begin"},
    {Col::kTraceLinkBegin, T::kTrace, P::kInt64, "trace.link_begin"},
    {Col::kRsResource, T::kResourceSpans, P::kInt64, "resource_spans.resource"},
    {Col::kRsSchemaUrl, T::kResourceSpans, P::kString, "resource_spans.schema_url"},
    {Col::kRsSsCount, T::kResourceSpans, P::kInt64, "resource_spans.scope_spans_count"},
    {Col::kSsScope, T::kScopeSpans, P::kInt64, "scope_spans.scope"},
    {Col::kSsSchemaUrl, T::kScopeSpans, P::kString, "scope_spans.schema_url"},
    {Col::kResourceDroppedAttrs, T::kResource, P::kInt64, "resource.dropped_attributes_count"},
    {Col::kResourceAttrShape, T::kResource, P::kString, "resource.attr_shape"},
    {Col::kScopeName, T::kScope, P::kString, "scope.name"},
    {Col::kScopeVersion, T::kScope, P::kString, "scope.version"},
    {Col::kScopeDroppedAttrs, T::kScope, P::kInt64, "scope.dropped_attributes_count"},
    {Col::kScopeAttrShape, T::kScope, P::kString, "scope.attr_shape"},
    {Col::kSpanAttrShape, T::kSpan, P::kString, "span.attr_shape"},
    {Col::kSpanId, T::kSpan, P::kBytes, "span.id"},
    {Col::kSpanTraceId, T::kSpan, P::kBytes, "span.trace_id"},
    {Col::kSpanParentSpanId, T::kSpan, P::kBytes, "span.parent_span_id"},
    {Col::kSpanParentPos, T::kSpan, P::kInt64, "span.parent_pos"},
    {Col::kSpanSubtreeEnd, T::kSpan, P::kInt64, "span.subtree_end"},
    {Col::kSpanNestedSetLeft, T::kSpan, P::kInt64, "span.nested_set_left"},
    {Col::kSpanNestedSetRight, T::kSpan, P::kInt64, "span.nested_set_right"},
    {Col::kSpanNestedSetParent, T::kSpan, P::kInt64, "span.nested_set_parent"},
    {Col::kSpanDisconnected, T::kSpan, P::kInt64, "span.disconnected"},
    {Col::kSpanScopeSpans, T::kSpan, P::kInt64, "span.scope_spans"},
    {Col::kSpanTraceState, T::kSpan, P::kString, "span.trace_state"},
    {Col::kSpanName, T::kSpan, P::kString, "span.name"},
    {Col::kSpanKind, T::kSpan, P::kInt64, "span.kind"},
    {Col::kSpanStart, T::kSpan, P::kInt64, "span.start"},
    {Col::kSpanDuration, T::kSpan, P::kInt64, "span.duration"},
    {Col::kSpanFlags, T::kSpan, P::kInt64, "span.flags"},
    {Col::kSpanStatusPresent, T::kSpan, P::kInt64, "span.status_present"},
    {Col::kSpanStatusCode, T::kSpan, P::kInt64, "span.status_code"},
    {Col::kSpanStatusMessage, T::kSpan, P::kString, "span.status_message"},
    {Col::kSpanDroppedAttrs, T::kSpan, P::kInt64, "span.dropped_attributes_count"},
    {Col::kSpanDroppedEvents, T::kSpan, P::kInt64, "span.dropped_events_count"},
    {Col::kSpanDroppedLinks, T::kSpan, P::kInt64, "span.dropped_links_count"},
    {Col::kSpanEventCount, T::kSpan, P::kInt64, "span.event_count"},
    {Col::kSpanLinkCount, T::kSpan, P::kInt64, "span.link_count"},
    {Col::kEventTimeSinceStart, T::kEvent, P::kInt64, "event.time_since_start"},
    {Col::kEventName, T::kEvent, P::kString, "event.name"},
    {Col::kEventDroppedAttrs, T::kEvent, P::kInt64, "event.dropped_attributes_count"},
    {Col::kEventAttrShape, T::kEvent, P::kString, "event.attr_shape"},
    {Col::kLinkTraceId, T::kLink, P::kBytes, "link.trace_id"},
    {Col::kLinkSpanId, T::kLink, P::kBytes, "link.span_id"},
    {Col::kLinkTraceState, T::kLink, P::kString, "link.trace_state"},
    {Col::kLinkFlags, T::kLink, P::kInt64, "link.flags"},
    {Col::kLinkDroppedAttrs, T::kLink, P::kInt64, "link.dropped_attributes_count"},
    {Col::kLinkAttrShape, T::kLink, P::kString, "link.attr_shape"},
}};

constexpr bool InOrder() {
  for (size_t i = 0; i < kIntrinsics.size(); ++i) {
    if (static_cast<size_t>(kIntrinsics[i].col) != i) return false;
  }
  return true;
}
static_assert(InOrder(), "kIntrinsics must list the columns in Col order");
static_assert(kIntrinsicCount == 55, "docs/block-format.md section 9 lists the fixed columns");

}  // namespace

std::string_view TableName(Table t) {
  static constexpr std::string_view kNames[kTableCount] = {
      "trace", "resource_spans", "scope_spans", "resource", "scope", "span", "event", "link"};
  size_t i = static_cast<size_t>(t);
  return i < kTableCount ? kNames[i] : "?";
}

std::string_view AttrTypeName(AttrType t) {
  static constexpr std::string_view kNames[] = {"unset", "empty",  "string", "bool",
                                                "int",   "double", "bytes",  "complex"};
  size_t i = static_cast<size_t>(t);
  return i <= kMaxAttrType ? kNames[i] : "?";
}

bool AttrValueType(AttrType t, PhysicalType* out) {
  switch (t) {
    case AttrType::kString:
      *out = PhysicalType::kString;
      return true;
    case AttrType::kBool:
    case AttrType::kInt:
      *out = PhysicalType::kInt64;
      return true;
    case AttrType::kDouble:
      *out = PhysicalType::kDouble;
      return true;
    case AttrType::kBytes:
    case AttrType::kComplex:
      *out = PhysicalType::kBytes;
      return true;
    default:
      return false;
  }
}

const IntrinsicInfo& Intrinsic(Col c) { return kIntrinsics[static_cast<size_t>(c)]; }

bool OwnsAttributes(Table t) {
  return t == Table::kResource || t == Table::kScope || t == Table::kSpan || t == Table::kEvent ||
         t == Table::kLink;
}

Col ShapeColumn(Table t) {
  switch (t) {
    case Table::kResource:
      return Col::kResourceAttrShape;
    case Table::kScope:
      return Col::kScopeAttrShape;
    case Table::kEvent:
      return Col::kEventAttrShape;
    case Table::kLink:
      return Col::kLinkAttrShape;
    default:
      return Col::kSpanAttrShape;
  }
}
const std::array<IntrinsicInfo, kIntrinsicCount>& AllIntrinsics() { return kIntrinsics; }

}  // namespace tempo::block
