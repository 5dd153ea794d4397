// Field expressions: the inside of `{ ... }` and the arguments of aggregates and by()
// (traceql.md §3 fieldExpr, §4 precedence, §5.4 constant folding, §6 attributes and intrinsics).
#include <limits>
#include <string>
#include <utility>

#include "traceql/parser_internal.h"
#include "traceql/static_ops.h"

namespace tempo::traceql::internal {
namespace {

// Precedence levels of §4 (higher binds tighter).
constexpr int kLevelOr = 2;
constexpr int kLevelUnaryMinusOperand = 5;  // `-x` binds like binary +/-
constexpr int kLevelNotOperand = 6;         // `!x` binds tighter than comparisons and + -

int FieldBinaryLevel(TokenKind kind) {
  switch (kind) {
    case TokenKind::kAnd:
    case TokenKind::kOr:
      return 2;
    case TokenKind::kEq:
    case TokenKind::kNeq:
    case TokenKind::kLt:
    case TokenKind::kLte:
    case TokenKind::kGt:
    case TokenKind::kGte:
    case TokenKind::kRegex:
    case TokenKind::kNotRegex:
      return 3;
    case TokenKind::kAdd:
    case TokenKind::kSub:
      return 4;
    case TokenKind::kMul:
    case TokenKind::kDiv:
    case TokenKind::kMod:
      return 6;
    case TokenKind::kPow:
      return 7;
    default:
      return 0;
  }
}

// `nil` on its own: only legal as an operand of `=` / `!=`.
bool IsBareNil(const FieldExpr& e) {
  return e.kind == FieldExprKind::kStatic && e.value.type == ValueType::kNil;
}

std::unique_ptr<FieldExpr> FoldOrBuild(BinaryOp op, std::unique_ptr<FieldExpr> lhs,
                                       std::unique_ptr<FieldExpr> rhs) {
  if (lhs->kind == FieldExprKind::kStatic && rhs->kind == FieldExprKind::kStatic) {
    if (auto folded = FoldBinary(op, lhs->value, rhs->value)) {
      return FieldExpr::MakeStatic(std::move(*folded));
    }
  }
  return FieldExpr::MakeBinary(op, std::move(lhs), std::move(rhs));
}

struct ScopedIntrinsic {
  TokenKind scope;
  TokenKind name;
  Intrinsic intrinsic;
};

// The scoped intrinsics of §3 `scopedIntrinsic`; any other combination is a syntax error.
constexpr ScopedIntrinsic kScopedIntrinsics[] = {
    {TokenKind::kTraceColon, TokenKind::kIntrinsicDuration, Intrinsic::kTraceDuration},
    {TokenKind::kTraceColon, TokenKind::kIntrinsicRootName, Intrinsic::kTraceRootName},
    {TokenKind::kTraceColon, TokenKind::kIntrinsicRootService, Intrinsic::kTraceRootService},
    {TokenKind::kTraceColon, TokenKind::kIntrinsicId, Intrinsic::kTraceId},
    {TokenKind::kSpanColon, TokenKind::kIntrinsicDuration, Intrinsic::kDuration},
    {TokenKind::kSpanColon, TokenKind::kIntrinsicName, Intrinsic::kName},
    {TokenKind::kSpanColon, TokenKind::kIntrinsicKind, Intrinsic::kKind},
    {TokenKind::kSpanColon, TokenKind::kIntrinsicStatus, Intrinsic::kStatus},
    {TokenKind::kSpanColon, TokenKind::kIntrinsicStatusMessage, Intrinsic::kStatusMessage},
    {TokenKind::kSpanColon, TokenKind::kIntrinsicId, Intrinsic::kSpanId},
    {TokenKind::kSpanColon, TokenKind::kIntrinsicParentId, Intrinsic::kParentId},
    {TokenKind::kSpanColon, TokenKind::kIntrinsicChildCount, Intrinsic::kChildCount},
    {TokenKind::kEventColon, TokenKind::kIntrinsicName, Intrinsic::kEventName},
    {TokenKind::kEventColon, TokenKind::kIntrinsicTimeSinceStart, Intrinsic::kEventTimeSinceStart},
    {TokenKind::kLinkColon, TokenKind::kIntrinsicTraceId, Intrinsic::kLinkTraceId},
    {TokenKind::kLinkColon, TokenKind::kIntrinsicSpanId, Intrinsic::kLinkSpanId},
    {TokenKind::kInstrumentationColon, TokenKind::kIntrinsicName, Intrinsic::kInstrumentationName},
    {TokenKind::kInstrumentationColon, TokenKind::kIntrinsicVersion,
     Intrinsic::kInstrumentationVersion},
};

AttributeScope ScopeOfColon(TokenKind kind) {
  switch (kind) {
    case TokenKind::kTraceColon:
      return AttributeScope::kTrace;
    case TokenKind::kEventColon:
      return AttributeScope::kEvent;
    case TokenKind::kLinkColon:
      return AttributeScope::kLink;
    case TokenKind::kInstrumentationColon:
      return AttributeScope::kInstrumentation;
    default:
      return AttributeScope::kSpan;
  }
}

// The unscoped intrinsic spelled by `kind`, or kNone.
Intrinsic BareIntrinsic(TokenKind kind) {
  switch (kind) {
    case TokenKind::kIntrinsicDuration:
      return Intrinsic::kDuration;
    case TokenKind::kIntrinsicName:
      return Intrinsic::kName;
    case TokenKind::kIntrinsicStatus:
      return Intrinsic::kStatus;
    case TokenKind::kIntrinsicStatusMessage:
      return Intrinsic::kStatusMessage;
    case TokenKind::kIntrinsicKind:
      return Intrinsic::kKind;
    case TokenKind::kIntrinsicParent:
      return Intrinsic::kParent;
    case TokenKind::kIntrinsicRootName:
      return Intrinsic::kTraceRootName;
    case TokenKind::kIntrinsicRootServiceName:
      return Intrinsic::kTraceRootService;
    case TokenKind::kIntrinsicTraceDuration:
      return Intrinsic::kTraceDuration;
    case TokenKind::kIntrinsicNestedSetLeft:
      return Intrinsic::kNestedSetLeft;
    case TokenKind::kIntrinsicNestedSetRight:
      return Intrinsic::kNestedSetRight;
    case TokenKind::kIntrinsicNestedSetParent:
      return Intrinsic::kNestedSetParent;
    default:
      return Intrinsic::kNone;
  }
}

bool IsScopeColon(TokenKind kind) {
  return kind == TokenKind::kTraceColon || kind == TokenKind::kSpanColon ||
         kind == TokenKind::kEventColon || kind == TokenKind::kLinkColon ||
         kind == TokenKind::kInstrumentationColon;
}

}  // namespace

Result<std::unique_ptr<FieldExpr>> Parser::ParseFieldExpression() {
  TEMPO_ASSIGN_OR_RETURN(std::unique_ptr<FieldExpr> e, ParseField(kLevelOr));
  if (IsBareNil(*e)) return Unexpected(pos_);
  return e;
}

Result<std::unique_ptr<FieldExpr>> Parser::ParseField(int min_level) {
  TEMPO_RETURN_IF_ERROR(EnterNesting());
  DepthGuard guard(*this);
  TEMPO_ASSIGN_OR_RETURN(std::unique_ptr<FieldExpr> lhs, ParseFieldUnary());
  for (;;) {
    TokenKind k = kind();
    int level = FieldBinaryLevel(k);
    if (level == 0 || level < min_level) break;
    BinaryOp op = ToBinaryOp(k);
    bool nil_op = op == BinaryOp::kEq || op == BinaryOp::kNeq;
    if (IsBareNil(*lhs) && !nil_op) return Unexpected(pos_);
    Advance();
    size_t rhs_index = pos_;
    // `^` is right-associative, everything else left-associative.
    TEMPO_ASSIGN_OR_RETURN(std::unique_ptr<FieldExpr> rhs,
                           ParseField(k == TokenKind::kPow ? level : level + 1));
    if (IsBareNil(*rhs)) {
      if (!nil_op) return Unexpected(rhs_index);
      if (IsBareNil(*lhs)) {
        lhs = FieldExpr::MakeStatic(Static::Bool(false));  // nil = nil, nil != nil (§9)
      } else {
        lhs = FieldExpr::MakeBinary(op, std::move(lhs), std::move(rhs));
      }
      continue;
    }
    if (IsBareNil(*lhs)) {
      lhs = FieldExpr::MakeBinary(op, std::move(lhs), std::move(rhs));
      continue;
    }
    lhs = FoldOrBuild(op, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

Result<std::unique_ptr<FieldExpr>> Parser::ParseFieldUnary() {
  if (kind() != TokenKind::kSub && kind() != TokenKind::kNot) return ParseFieldPrimary();
  UnaryOp op = kind() == TokenKind::kSub ? UnaryOp::kNeg : UnaryOp::kNot;
  Advance();
  TEMPO_ASSIGN_OR_RETURN(
      std::unique_ptr<FieldExpr> operand,
      ParseField(op == UnaryOp::kNeg ? kLevelUnaryMinusOperand : kLevelNotOperand));
  if (IsBareNil(*operand)) return Unexpected(pos_);
  if (operand->kind == FieldExprKind::kStatic) {
    if (auto folded = FoldUnary(op, operand->value)) return FieldExpr::MakeStatic(*folded);
  }
  return FieldExpr::MakeUnary(op, std::move(operand));
}

Result<std::unique_ptr<FieldExpr>> Parser::ParseFieldPrimary() {
  const Token& t = Peek();
  if (t.kind == TokenKind::kOpenParen) {
    Advance();
    TEMPO_ASSIGN_OR_RETURN(std::unique_ptr<FieldExpr> inner, ParseField(kLevelOr));
    if (IsBareNil(*inner)) return Unexpected(pos_);
    TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
    return inner;
  }
  if (t.kind == TokenKind::kNil) {
    Advance();
    return FieldExpr::MakeStatic(Static::Nil());
  }
  if (t.kind == TokenKind::kAttribute) {
    Attribute a = Attribute::Custom(t.scope, t.text, t.parent);
    Advance();
    return FieldExpr::MakeAttribute(std::move(a));
  }
  if (BareIntrinsic(t.kind) != Intrinsic::kNone || IsScopeColon(t.kind)) {
    TEMPO_ASSIGN_OR_RETURN(Attribute a, ParseAttributeRef());
    return FieldExpr::MakeAttribute(std::move(a));
  }
  TEMPO_ASSIGN_OR_RETURN(Static value, ParseStaticLiteral());
  return FieldExpr::MakeStatic(std::move(value));
}

Result<Static> Parser::ParseStaticLiteral() {
  const Token& t = Peek();
  Static value;
  switch (t.kind) {
    case TokenKind::kString:
      value = Static::String(t.text);
      break;
    case TokenKind::kInteger:
      value = Static::Int(t.int_value);
      break;
    case TokenKind::kFloat:
      value = Static::Float(t.float_value);
      break;
    case TokenKind::kDuration:
      value = Static::Duration(t.int_value);
      break;
    case TokenKind::kTrue:
      value = Static::Bool(true);
      break;
    case TokenKind::kFalse:
      value = Static::Bool(false);
      break;
    case TokenKind::kStatusOk:
      value = Static::Status(SpanStatusCode::kOk);
      break;
    case TokenKind::kStatusError:
      value = Static::Status(SpanStatusCode::kError);
      break;
    case TokenKind::kStatusUnset:
      value = Static::Status(SpanStatusCode::kUnset);
      break;
    case TokenKind::kKindUnspecified:
      value = Static::Kind(SpanKind::kUnspecified);
      break;
    case TokenKind::kKindInternal:
      value = Static::Kind(SpanKind::kInternal);
      break;
    case TokenKind::kKindServer:
      value = Static::Kind(SpanKind::kServer);
      break;
    case TokenKind::kKindClient:
      value = Static::Kind(SpanKind::kClient);
      break;
    case TokenKind::kKindProducer:
      value = Static::Kind(SpanKind::kProducer);
      break;
    case TokenKind::kKindConsumer:
      value = Static::Kind(SpanKind::kConsumer);
      break;
    case TokenKind::kIdentifier:
      if (t.text == "minInt") {
        value = Static::Int(std::numeric_limits<int64_t>::min());
      } else if (t.text == "maxInt") {
        value = Static::Int(std::numeric_limits<int64_t>::max());
      } else {
        return Unexpected(pos_);
      }
      break;
    default:
      return Unexpected(pos_);
  }
  Advance();
  return value;
}

Result<Attribute> Parser::ParseScopedIntrinsic() {
  TokenKind scope = kind();
  Advance();
  std::string expecting;
  for (const ScopedIntrinsic& s : kScopedIntrinsics) {
    if (s.scope != scope) continue;
    if (s.name == kind()) {
      Advance();
      return Attribute::FromIntrinsic(s.intrinsic, ScopeOfColon(scope));
    }
    expecting += (expecting.empty() ? "" : " or ") + TokenKindName(s.name);
  }
  return Unexpected(pos_, expecting);
}

Result<Attribute> Parser::ParseAttributeRef() {
  const Token& t = Peek();
  if (t.kind == TokenKind::kAttribute) {
    Attribute a = Attribute::Custom(t.scope, t.text, t.parent);
    Advance();
    return a;
  }
  if (IsScopeColon(t.kind)) return ParseScopedIntrinsic();
  Intrinsic intrinsic = BareIntrinsic(t.kind);
  if (intrinsic == Intrinsic::kNone) return Unexpected(pos_);
  Advance();
  return Attribute::FromIntrinsic(intrinsic);
}

Result<std::unique_ptr<FieldExpr>> Parser::ParseSpansetFilter() {
  TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kOpenBrace));
  if (kind() == TokenKind::kCloseBrace) {
    Advance();
    return std::unique_ptr<FieldExpr>();
  }
  TEMPO_ASSIGN_OR_RETURN(std::unique_ptr<FieldExpr> e, ParseFieldExpression());
  TEMPO_RETURN_IF_ERROR(Expect(TokenKind::kCloseBrace));
  return e;
}

}  // namespace tempo::traceql::internal
