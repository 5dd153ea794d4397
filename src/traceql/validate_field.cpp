// Type checking of field expressions (traceql.md §7, §9, §10).
#include <string>

#include "tempo/traceql/validate.h"
#include "traceql/regex_syntax.h"
#include "traceql/validate_internal.h"

namespace tempo::traceql {
namespace internal {
namespace {

bool IsNil(const FieldExpr& e) {
  return e.kind == FieldExprKind::kStatic && e.value.type == ValueType::kNil;
}

Status TypeError(const FieldExpr& e, std::string_view what) {
  return InvalidArgumentError(std::string(what) + " in `" + ToString(e) + "`");
}

// `x = nil` / `nil = x`: existence tests. Non-existence is meaningless for intrinsics and for
// resource.service.name, which every span has (§9).
Result<ValueType> CheckNilComparison(const FieldExpr& e) {
  const FieldExpr& other = IsNil(*e.lhs) ? *e.rhs : *e.lhs;
  TEMPO_ASSIGN_OR_RETURN(ValueType type, CheckFieldExpr(other));
  (void)type;
  if (e.op == BinaryOp::kEq && other.kind == FieldExprKind::kAttribute) {
    const Attribute& a = other.attribute;
    if (a.is_intrinsic()) return TypeError(e, "intrinsics cannot be nil");
    if (!a.parent && a.scope == AttributeScope::kResource && a.name == "service.name") {
      return TypeError(e, "resource.service.name cannot be nil");
    }
  }
  return ValueType::kBool;
}

Result<ValueType> CheckBinary(const FieldExpr& e) {
  if (IsNil(*e.lhs) || IsNil(*e.rhs)) return CheckNilComparison(e);
  TEMPO_ASSIGN_OR_RETURN(ValueType lt, CheckFieldExpr(*e.lhs));
  TEMPO_ASSIGN_OR_RETURN(ValueType rt, CheckFieldExpr(*e.rhs));
  std::string op(BinaryOpText(e.op));
  if (e.op == BinaryOp::kRegex || e.op == BinaryOp::kNotRegex) {
    if (e.rhs->kind != FieldExprKind::kStatic || e.rhs->value.type != ValueType::kString) {
      return TypeError(e, "the right-hand side of " + op + " must be a string literal");
    }
    if (!OperatorAllowed(lt, e.op)) {
      return TypeError(e, op + " cannot be applied to " + std::string(ValueTypeName(lt)));
    }
    TEMPO_RETURN_IF_ERROR(CheckRegexSyntax(e.rhs->value.string_value));
    return ValueType::kBool;
  }
  if (!TypesCompatible(lt, rt) || !OperatorAllowed(lt, e.op) || !OperatorAllowed(rt, e.op)) {
    return TypeError(e, "invalid operation: " + std::string(ValueTypeName(lt)) + " " + op + " " +
                            std::string(ValueTypeName(rt)));
  }
  if (IsArithmetic(e.op)) return lt != ValueType::kAttribute ? lt : rt;
  return ValueType::kBool;
}

}  // namespace

Status Unsupported(std::string_view construct) {
  return UnimplementedError(std::string(construct) + " not yet supported");
}

Status CheckAttributeSupported(const Attribute& a) {
  if (a.parent) return Unsupported("parent scope (" + ToString(a) + ")");
  if (a.intrinsic == Intrinsic::kParent) return Unsupported("the parent intrinsic");
  return Status::Ok();
}

bool ReferencesSpan(const FieldExpr& e) {
  switch (e.kind) {
    case FieldExprKind::kAttribute:
      return true;
    case FieldExprKind::kStatic:
      return false;
    case FieldExprKind::kUnary:
      return ReferencesSpan(*e.lhs);
    case FieldExprKind::kBinary:
      return ReferencesSpan(*e.lhs) || ReferencesSpan(*e.rhs);
  }
  return false;
}

Result<ValueType> CheckFieldExpr(const FieldExpr& e) {
  switch (e.kind) {
    case FieldExprKind::kStatic:
      return e.value.type;
    case FieldExprKind::kAttribute:
      TEMPO_RETURN_IF_ERROR(CheckAttributeSupported(e.attribute));
      return e.attribute.is_intrinsic() ? IntrinsicType(e.attribute.intrinsic)
                                        : ValueType::kAttribute;
    case FieldExprKind::kUnary: {
      TEMPO_ASSIGN_OR_RETURN(ValueType t, CheckFieldExpr(*e.lhs));
      if (e.unary_op == UnaryOp::kNeg) {
        if (!IsNumeric(t) && t != ValueType::kAttribute) {
          return TypeError(e, "unary - requires a number, got " + std::string(ValueTypeName(t)));
        }
        return t;
      }
      if (t != ValueType::kBool && t != ValueType::kAttribute) {
        return TypeError(e, "unary ! requires a boolean, got " + std::string(ValueTypeName(t)));
      }
      return ValueType::kBool;
    }
    case FieldExprKind::kBinary:
      return CheckBinary(e);
  }
  return ValueType::kAttribute;
}

}  // namespace internal

Status ValidateFilter(const FieldExpr& expr) {
  TEMPO_ASSIGN_OR_RETURN(ValueType t, internal::CheckFieldExpr(expr));
  if (t != ValueType::kBool && t != ValueType::kAttribute) {
    return InvalidArgumentError("spanset filter must evaluate to a boolean, got " +
                                std::string(ValueTypeName(t)) + " in `{ " + ToString(expr) + " }`");
  }
  return Status::Ok();
}

}  // namespace tempo::traceql
