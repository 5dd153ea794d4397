#include "querier/raw_trace_filter.h"

#include <string.h>

namespace tempo::querier {
namespace {

constexpr std::string_view kServiceName = "service.name";
constexpr std::string_view kUnknownService = "unknown_service";

// The byte strings that must occur in a serialized trace for `c` (which has an operator) to hold.
std::vector<std::string> NeedlesOf(const traceql::Condition& c) {
  std::vector<std::string> needles;
  const traceql::Attribute& a = c.attribute;
  const bool string_eq =
      *c.op == traceql::BinaryOp::kEq && c.operand.type == traceql::ValueType::kString;
  if (!a.is_intrinsic()) {
    if (a.parent || a.name == kServiceName) return needles;  // combining may add service.name
    if (!a.name.empty()) needles.push_back(a.name);
    if (string_eq && !c.operand.string_value.empty()) needles.push_back(c.operand.string_value);
    return needles;
  }
  switch (a.intrinsic) {
    case traceql::Intrinsic::kName:
    case traceql::Intrinsic::kStatusMessage:
    case traceql::Intrinsic::kEventName:
      if (string_eq && !c.operand.string_value.empty()) needles.push_back(c.operand.string_value);
      break;
    case traceql::Intrinsic::kStatus:
      // Status.code is field 3 (varint): tag byte 0x18, then the code. Unset (0) is never written.
      // Protobuf encoders write minimal varints, the only form this looks for; the bytes are as
      // the client sent them (the receivers split requests without re-encoding spans).
      if (*c.op == traceql::BinaryOp::kEq && c.operand.type == traceql::ValueType::kStatus &&
          c.operand.status != traceql::SpanStatusCode::kUnset) {
        needles.push_back({'\x18', static_cast<char>(c.operand.status)});
      }
      break;
    case traceql::Intrinsic::kKind:
      // Span.kind is field 6 (varint): tag byte 0x30, then the kind. Unspecified (0) is never
      // written.
      if (*c.op == traceql::BinaryOp::kEq && c.operand.type == traceql::ValueType::kKind &&
          c.operand.kind != traceql::SpanKind::kUnspecified) {
        needles.push_back({'\x30', static_cast<char>(c.operand.kind)});
      }
      break;
    default:
      break;
  }
  return needles;
}

}  // namespace

RawTraceFilter::RawTraceFilter(const traceql::FetchRequest& request) {
  for (const traceql::Condition& c : request.conditions) {
    if (c.op) needles_.push_back(NeedlesOf(c));
  }
}

bool RawTraceFilter::MayHold(size_t p, std::string_view data) const {
  for (const std::string& needle : needles_[p]) {
    if (needle == kUnknownService) continue;  // may be added by combining
    if (memmem(data.data(), data.size(), needle.data(), needle.size()) == nullptr) return false;
  }
  return true;
}

}  // namespace tempo::querier
