#include "tempo/traceql/values.h"

#include <utility>

namespace tempo::traceql {

bool IsNumeric(ValueType type) {
  return type == ValueType::kInt || type == ValueType::kFloat || type == ValueType::kDuration;
}

bool IsArithmetic(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
    case BinaryOp::kPow:
      return true;
    default:
      return false;
  }
}

bool IsComparison(BinaryOp op) {
  return !IsArithmetic(op) && op != BinaryOp::kAnd && op != BinaryOp::kOr;
}

bool TypesCompatible(ValueType a, ValueType b) {
  if (a == ValueType::kAttribute || b == ValueType::kAttribute) return true;
  if (a == ValueType::kNil || b == ValueType::kNil) return true;
  return a == b || (IsNumeric(a) && IsNumeric(b));
}

bool OperatorAllowed(ValueType type, BinaryOp op) {
  switch (type) {
    case ValueType::kAttribute:
      return true;
    case ValueType::kBool:
      return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kEq ||
             op == BinaryOp::kNeq;
    case ValueType::kInt:
    case ValueType::kFloat:
    case ValueType::kDuration:
      return IsArithmetic(op) || op == BinaryOp::kEq || op == BinaryOp::kNeq ||
             op == BinaryOp::kLt || op == BinaryOp::kLte || op == BinaryOp::kGt ||
             op == BinaryOp::kGte;
    case ValueType::kString:
      return IsComparison(op);
    case ValueType::kNil:
    case ValueType::kStatus:
    case ValueType::kKind:
      return op == BinaryOp::kEq || op == BinaryOp::kNeq;
  }
  return false;
}

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kNil:
      return "nil";
    case ValueType::kInt:
      return "int";
    case ValueType::kFloat:
      return "float";
    case ValueType::kString:
      return "string";
    case ValueType::kBool:
      return "bool";
    case ValueType::kDuration:
      return "duration";
    case ValueType::kStatus:
      return "status";
    case ValueType::kKind:
      return "kind";
    case ValueType::kAttribute:
      return "attribute";
  }
  return "?";
}

std::string_view BinaryOpText(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
    case BinaryOp::kEq:
      return "=";
    case BinaryOp::kNeq:
      return "!=";
    case BinaryOp::kLt:
      return "<";
    case BinaryOp::kLte:
      return "<=";
    case BinaryOp::kGt:
      return ">";
    case BinaryOp::kGte:
      return ">=";
    case BinaryOp::kRegex:
      return "=~";
    case BinaryOp::kNotRegex:
      return "!~";
    case BinaryOp::kAnd:
      return "&&";
    case BinaryOp::kOr:
      return "||";
  }
  return "?";
}

std::string_view StatusCodeText(SpanStatusCode code) {
  switch (code) {
    case SpanStatusCode::kUnset:
      return "unset";
    case SpanStatusCode::kOk:
      return "ok";
    case SpanStatusCode::kError:
      return "error";
  }
  return "?";
}

std::string_view SpanKindText(SpanKind kind) {
  switch (kind) {
    case SpanKind::kUnspecified:
      return "unspecified";
    case SpanKind::kInternal:
      return "internal";
    case SpanKind::kServer:
      return "server";
    case SpanKind::kClient:
      return "client";
    case SpanKind::kProducer:
      return "producer";
    case SpanKind::kConsumer:
      return "consumer";
  }
  return "?";
}

Static Static::Int(int64_t v) {
  Static s;
  s.type = ValueType::kInt;
  s.int_value = v;
  return s;
}

Static Static::Float(double v) {
  Static s;
  s.type = ValueType::kFloat;
  s.float_value = v;
  return s;
}

Static Static::String(std::string v) {
  Static s;
  s.type = ValueType::kString;
  s.string_value = std::move(v);
  return s;
}

Static Static::Bool(bool v) {
  Static s;
  s.type = ValueType::kBool;
  s.bool_value = v;
  return s;
}

Static Static::Duration(int64_t nanos) {
  Static s;
  s.type = ValueType::kDuration;
  s.int_value = nanos;
  return s;
}

Static Static::Status(SpanStatusCode code) {
  Static s;
  s.type = ValueType::kStatus;
  s.status = code;
  return s;
}

Static Static::Kind(SpanKind kind) {
  Static s;
  s.type = ValueType::kKind;
  s.kind = kind;
  return s;
}

double Static::AsDouble() const {
  switch (type) {
    case ValueType::kInt:
    case ValueType::kDuration:
      return static_cast<double>(int_value);
    case ValueType::kFloat:
      return float_value;
    default:
      return 0;
  }
}

ValueType IntrinsicType(Intrinsic intrinsic) {
  switch (intrinsic) {
    case Intrinsic::kDuration:
    case Intrinsic::kTraceDuration:
    case Intrinsic::kEventTimeSinceStart:
      return ValueType::kDuration;
    case Intrinsic::kName:
    case Intrinsic::kStatusMessage:
    case Intrinsic::kSpanId:
    case Intrinsic::kParentId:
    case Intrinsic::kTraceRootName:
    case Intrinsic::kTraceRootService:
    case Intrinsic::kTraceId:
    case Intrinsic::kEventName:
    case Intrinsic::kLinkTraceId:
    case Intrinsic::kLinkSpanId:
      return ValueType::kString;
    case Intrinsic::kStatus:
      return ValueType::kStatus;
    case Intrinsic::kKind:
      return ValueType::kKind;
    case Intrinsic::kChildCount:
    case Intrinsic::kNestedSetLeft:
    case Intrinsic::kNestedSetRight:
    case Intrinsic::kNestedSetParent:
      return ValueType::kInt;
    case Intrinsic::kNone:
    case Intrinsic::kParent:
    case Intrinsic::kInstrumentationName:
    case Intrinsic::kInstrumentationVersion:
      return ValueType::kAttribute;
  }
  return ValueType::kAttribute;
}

Attribute Attribute::Custom(AttributeScope scope, std::string name, bool parent) {
  Attribute a;
  a.scope = scope;
  a.name = std::move(name);
  a.parent = parent;
  return a;
}

Attribute Attribute::FromIntrinsic(traceql::Intrinsic intrinsic, AttributeScope scope) {
  Attribute a;
  a.intrinsic = intrinsic;
  a.scope = scope;
  return a;
}

}  // namespace tempo::traceql
