#pragma once

#include <cstdint>
#include <string_view>

#include "tempo/common/status.h"
#include "tempo/traceql/values.h"

namespace opentelemetry::proto::common::v1 {
class AnyValue;
class ArrayValue;
}  // namespace opentelemetry::proto::common::v1

// Run-time values of the evaluator and the operators on them (traceql.md §8, §10, §11).
namespace tempo::traceql::eval {

// A value read from a span or computed from one. Strings and arrays are views: into the trace
// (which outlives the evaluation of a query on it), into the compiled query, or into per-node
// scratch space of the evaluation state. A plain value type.
struct Value {
  ValueType type = ValueType::kNil;  // for arrays: the element type (kNil for an empty array)
  bool is_array = false;
  bool b = false;
  int64_t i = 0;  // kInt; kDuration in nanoseconds; kStatus / kKind as their enum number
  double f = 0;
  std::string_view s;
  const opentelemetry::proto::common::v1::ArrayValue* array = nullptr;

  static Value Int(int64_t v) { return Scalar(ValueType::kInt, v); }
  static Value Duration(int64_t v) { return Scalar(ValueType::kDuration, v); }
  static Value Status(SpanStatusCode v) { return Scalar(ValueType::kStatus, int64_t(v)); }
  static Value Kind(SpanKind v) { return Scalar(ValueType::kKind, int64_t(v)); }
  static Value Float(double v) {
    Value out;
    out.type = ValueType::kFloat;
    out.f = v;
    return out;
  }
  static Value Bool(bool v) {
    Value out;
    out.type = ValueType::kBool;
    out.b = v;
    return out;
  }
  static Value String(std::string_view v) {
    Value out;
    out.type = ValueType::kString;
    out.s = v;
    return out;
  }

  bool is_nil() const { return type == ValueType::kNil && !is_array; }
  bool is_true() const { return type == ValueType::kBool && !is_array && b; }
  bool is_numeric() const { return !is_array && IsNumeric(type); }
  double AsDouble() const { return type == ValueType::kFloat ? f : static_cast<double>(i); }

 private:
  static Value Scalar(ValueType type, int64_t v) {
    Value out;
    out.type = type;
    out.i = v;
    return out;
  }
};

// An OTLP attribute value: string, bool, int, double, or a homogeneous array of those. Bytes,
// key-value lists and unset values are nil (not queryable, §5.2).
Value FromAnyValue(const opentelemetry::proto::common::v1::AnyValue& any);
// A literal; strings point into `value`.
Value FromStatic(const Static& value);
// An owned copy (arrays become their canonical text `[a, b]` as a string).
Static ToStatic(const Value& value);

// `a op b` for the comparison operators = != < <= > >= (§8.2, §11): false when either side is nil
// or the types do not meet. `strict`, when not kNil, is the numeric type the non-literal side must
// have (the typed-storage rule: a custom attribute compared with an int literal only matches ints).
bool Compare(BinaryOp op, const Value& a, const Value& b, ValueType strict = ValueType::kNil);

// Numeric ordering of two numeric values: -1, 0, 1, or 2 when unordered (NaN).
int CompareNumeric(const Value& a, const Value& b);

// `a op b` for + - * / % ^. Nil when the operands are not both numeric (or are arrays). Integer
// division or modulo by zero sets `*error` (the query fails, §8.2) and returns nil.
Value Arithmetic(BinaryOp op, const Value& a, const Value& b, Status* error);

// Equality used for grouping (`by()` keys): same type and same value.
bool SameValue(const Static& a, const Static& b);

}  // namespace tempo::traceql::eval
