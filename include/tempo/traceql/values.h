#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tempo/traceql/token.h"

namespace tempo::traceql {

// Span status and kind as spelled in queries (`status = error`, `kind = server`). The numbering
// follows OTLP; compare them by name, never with Tempo's internal numbers.
enum class SpanStatusCode : uint8_t { kUnset = 0, kOk = 1, kError = 2 };
enum class SpanKind : uint8_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};

// Types of TraceQL values (traceql.md §5). `kAttribute` is the compile-time pseudo-type of a
// custom attribute ("unknown until run time"); no Static has it. Array types exist only at run
// time and are the evaluator's business.
enum class ValueType : uint8_t {
  kNil,
  kInt,
  kFloat,
  kString,
  kBool,
  kDuration,
  kStatus,
  kKind,
  kAttribute,
};

// Binary operators of field expressions; the arithmetic and comparison ones are reused by scalar
// filters, metrics arithmetic and second-stage filters.
enum class BinaryOp : uint8_t {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEq,
  kNeq,
  kLt,
  kLte,
  kGt,
  kGte,
  kRegex,
  kNotRegex,
  kAnd,
  kOr,
};
enum class UnaryOp : uint8_t { kNeg, kNot };

bool IsNumeric(ValueType type);
bool IsArithmetic(BinaryOp op);  // + - * / % ^
bool IsComparison(BinaryOp op);  // = != < <= > >= =~ !~
// Two operand types may meet in one binary operation (§7): equal, both numeric, or either is
// nil/attribute.
bool TypesCompatible(ValueType a, ValueType b);
// `type` supports `op` (the table of §7; kAttribute allows everything).
bool OperatorAllowed(ValueType type, BinaryOp op);
std::string_view ValueTypeName(ValueType type);
std::string_view BinaryOpText(BinaryOp op);
std::string_view StatusCodeText(SpanStatusCode code);  // "ok", "error", "unset"
std::string_view SpanKindText(SpanKind kind);          // "server", "client", ...

// A typed literal: `"str"`, `3`, `1.5`, `1h2m`, `true`, `nil`, `error`, `server`.
// A plain value type; only the field matching `type` is meaningful.
struct Static {
  ValueType type = ValueType::kNil;
  int64_t int_value = 0;  // kInt; kDuration in nanoseconds
  double float_value = 0;
  bool bool_value = false;
  SpanStatusCode status = SpanStatusCode::kUnset;
  SpanKind kind = SpanKind::kUnspecified;
  std::string string_value;

  static Static Nil() { return Static(); }
  static Static Int(int64_t v);
  static Static Float(double v);
  static Static String(std::string v);
  static Static Bool(bool v);
  static Static Duration(int64_t nanos);
  static Static Status(SpanStatusCode code);
  static Static Kind(SpanKind kind);

  bool is_numeric() const { return IsNumeric(type); }
  // The numeric value as a double (durations in nanoseconds); 0 for non-numeric types.
  double AsDouble() const;

  friend bool operator==(const Static& a, const Static& b) = default;
};

// Intrinsic fields (traceql.md §6.2). One value per concept: `name` and `span:name` are both
// kName; the spelling used is kept in Attribute::scope.
enum class Intrinsic : uint8_t {
  kNone,  // a custom attribute
  kDuration,
  kName,
  kStatus,
  kStatusMessage,
  kKind,
  kChildCount,
  kSpanId,
  kParentId,
  kParent,  // the bare `parent` intrinsic: parses, "not yet supported"
  kTraceDuration,
  kTraceRootName,
  kTraceRootService,
  kTraceId,
  kEventName,
  kEventTimeSinceStart,
  kLinkTraceId,
  kLinkSpanId,
  kInstrumentationName,
  kInstrumentationVersion,
  kNestedSetLeft,
  kNestedSetRight,
  kNestedSetParent,
};

// Compile-time type of an intrinsic (`instrumentation:name/version` are kAttribute, §7).
ValueType IntrinsicType(Intrinsic intrinsic);

// A reference to a custom attribute (`span.http.route`, `.foo`, `parent.resource.x`) or to an
// intrinsic (`duration`, `span:id`, `trace:rootService`). For intrinsics, `scope` is kNone for the
// bare spelling and the colon scope otherwise.
struct Attribute {
  AttributeScope scope = AttributeScope::kNone;
  bool parent = false;  // `parent.` prefix (custom attributes only)
  Intrinsic intrinsic = Intrinsic::kNone;
  std::string name;  // custom attributes only

  static Attribute Custom(AttributeScope scope, std::string name, bool parent = false);
  static Attribute FromIntrinsic(Intrinsic intrinsic, AttributeScope scope = AttributeScope::kNone);

  bool is_intrinsic() const { return intrinsic != Intrinsic::kNone; }
  friend bool operator==(const Attribute& a, const Attribute& b) = default;
};

// Canonical query text of values and references: `"a\"b"`, `1.5`, `1h30m0s`, `error`,
// `span."foo bar"`, `trace:rootService`. Parsing the text gives the same value back.
std::string ToString(const Static& value);
std::string ToString(const Attribute& attribute);
// A duration the way Go prints it: "1h2m3.5s", "250ms", "1.5µs", "0s".
std::string FormatDuration(int64_t nanos);

}  // namespace tempo::traceql
