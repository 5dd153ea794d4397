// Comparison and arithmetic of run-time values (traceql.md §8.2, §11).
#include "traceql/eval/value.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "traceql/int_ops.h"

namespace tempo::traceql::eval {
namespace {

using opentelemetry::proto::common::v1::AnyValue;

// The typed-storage rule of §8.2: under an int literal only ints (and durations) take part, under
// a float literal only floats.
bool PassesStrict(const Value& v, ValueType strict) {
  if (strict == ValueType::kNil || !IsNumeric(v.type)) return true;
  if (strict == ValueType::kFloat) return v.type == ValueType::kFloat;
  return v.type != ValueType::kFloat;
}

bool CompareScalars(BinaryOp op, const Value& a, const Value& b, ValueType strict) {
  if (a.type == ValueType::kNil || b.type == ValueType::kNil) return false;
  if (IsNumeric(a.type) && IsNumeric(b.type)) {
    if (!PassesStrict(a, strict) || !PassesStrict(b, strict)) return false;
    int cmp = CompareNumeric(a, b);
    if (cmp == 2) return op == BinaryOp::kNeq;
    return OrderHolds(op, cmp);
  }
  if (a.type != b.type) return false;
  switch (a.type) {
    case ValueType::kString: {
      int cmp = a.s.compare(b.s);
      return OrderHolds(op, cmp < 0 ? -1 : (cmp > 0 ? 1 : 0));
    }
    case ValueType::kBool:
      if (op == BinaryOp::kEq) return a.b == b.b;
      if (op == BinaryOp::kNeq) return a.b != b.b;
      return false;
    case ValueType::kStatus:
    case ValueType::kKind:
      if (op == BinaryOp::kEq) return a.i == b.i;
      if (op == BinaryOp::kNeq) return a.i != b.i;
      return false;
    default:
      return false;
  }
}

// Array against scalar (§11): `!=` needs every element to differ, the other operators one element
// to satisfy them. `array_left` keeps the scalar on its side of the operator.
bool CompareArray(BinaryOp op, const Value& array, const Value& scalar, bool array_left,
                  ValueType strict) {
  const bool all = op == BinaryOp::kNeq;
  if (array.array == nullptr) return all;
  for (const AnyValue& element : array.array->values()) {
    Value e = FromAnyValue(element);
    if (e.is_array) return false;  // nested arrays are not queryable
    bool holds =
        array_left ? CompareScalars(op, e, scalar, strict) : CompareScalars(op, scalar, e, strict);
    if (all && !holds) return false;
    if (!all && holds) return true;
  }
  return all;
}

void AppendText(const Value& v, std::string* out) {
  switch (v.type) {
    case ValueType::kString:
      out->append(v.s);
      return;
    case ValueType::kBool:
      out->append(v.b ? "true" : "false");
      return;
    case ValueType::kFloat: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%g", v.f);
      out->append(buf);
      return;
    }
    case ValueType::kNil:
      out->append("nil");
      return;
    default:
      out->append(std::to_string(v.i));
      return;
  }
}

}  // namespace

Value FromAnyValue(const AnyValue& any) {
  switch (any.value_case()) {
    case AnyValue::kStringValue:
      return Value::String(any.string_value());
    case AnyValue::kBoolValue:
      return Value::Bool(any.bool_value());
    case AnyValue::kIntValue:
      return Value::Int(any.int_value());
    case AnyValue::kDoubleValue:
      return Value::Float(any.double_value());
    case AnyValue::kArrayValue: {
      Value out;
      out.is_array = true;
      out.array = &any.array_value();
      for (const AnyValue& element : any.array_value().values()) {
        Value e = FromAnyValue(element);
        if (!e.is_array && e.type != ValueType::kNil) {
          out.type = e.type;
          break;
        }
      }
      return out;
    }
    default:
      return Value();
  }
}

Value FromStatic(const Static& v) {
  switch (v.type) {
    case ValueType::kInt:
      return Value::Int(v.int_value);
    case ValueType::kDuration:
      return Value::Duration(v.int_value);
    case ValueType::kFloat:
      return Value::Float(v.float_value);
    case ValueType::kString:
      return Value::String(v.string_value);
    case ValueType::kBool:
      return Value::Bool(v.bool_value);
    case ValueType::kStatus:
      return Value::Status(v.status);
    case ValueType::kKind:
      return Value::Kind(v.kind);
    default:
      return Value();
  }
}

Static ToStatic(const Value& v) {
  if (v.is_array) {
    std::string text = "[";
    if (v.array != nullptr) {
      bool first = true;
      for (const AnyValue& element : v.array->values()) {
        if (!first) text.append(", ");
        first = false;
        AppendText(FromAnyValue(element), &text);
      }
    }
    text.push_back(']');
    return Static::String(std::move(text));
  }
  switch (v.type) {
    case ValueType::kInt:
      return Static::Int(v.i);
    case ValueType::kDuration:
      return Static::Duration(v.i);
    case ValueType::kFloat:
      return Static::Float(v.f);
    case ValueType::kString:
      return Static::String(std::string(v.s));
    case ValueType::kBool:
      return Static::Bool(v.b);
    case ValueType::kStatus:
      return Static::Status(static_cast<SpanStatusCode>(v.i));
    case ValueType::kKind:
      return Static::Kind(static_cast<SpanKind>(v.i));
    default:
      return Static::Nil();
  }
}

int CompareNumeric(const Value& a, const Value& b) {
  if (a.type != ValueType::kFloat && b.type != ValueType::kFloat) {
    return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  }
  double x = a.AsDouble(), y = b.AsDouble();
  if (std::isnan(x) || std::isnan(y)) return 2;
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool Compare(BinaryOp op, const Value& a, const Value& b, ValueType strict) {
  if (a.is_array) {
    if (b.is_array || b.is_nil()) return false;
    return CompareArray(op, a, b, /*array_left=*/true, strict);
  }
  if (b.is_array) {
    if (a.is_nil()) return false;
    return CompareArray(op, b, a, /*array_left=*/false, strict);
  }
  return CompareScalars(op, a, b, strict);
}

Value Arithmetic(BinaryOp op, const Value& a, const Value& b, Status* error) {
  if (!a.is_numeric() || !b.is_numeric()) return Value();
  if (a.type == ValueType::kInt && b.type == ValueType::kInt) {
    if (b.i == 0 && (op == BinaryOp::kDiv || op == BinaryOp::kMod)) {
      if (error->ok()) *error = InvalidArgumentError("integer divide by zero");
      return Value();
    }
    std::optional<int64_t> v = IntArithmetic(op, a.i, b.i);
    return v ? Value::Int(*v) : Value();
  }
  double x = a.AsDouble(), y = b.AsDouble();
  switch (op) {
    case BinaryOp::kAdd:
      return Value::Float(x + y);
    case BinaryOp::kSub:
      return Value::Float(x - y);
    case BinaryOp::kMul:
      return Value::Float(x * y);
    case BinaryOp::kDiv:
      return Value::Float(x / y);
    case BinaryOp::kMod:
      return Value::Float(std::fmod(x, y));
    case BinaryOp::kPow:
      return Value::Float(std::pow(x, y));
    default:
      return Value();
  }
}

bool SameValue(const Static& a, const Static& b) { return a == b; }

}  // namespace tempo::traceql::eval
