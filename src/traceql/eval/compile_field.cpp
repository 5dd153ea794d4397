// Compiling field expressions into FieldPrograms: literal normalisation, regexes, the typed-storage
// rule and the choice points of unscoped attributes.
#include <re2/re2.h>

#include <algorithm>

#include "traceql/eval/id_text.h"
#include "traceql/eval/program.h"

namespace tempo::traceql::eval {
namespace {

bool IsNilStatic(const FieldExpr& e) {
  return e.kind == FieldExprKind::kStatic && e.value.type == ValueType::kNil;
}

bool IsCustomAttribute(const FieldExpr& e) {
  return e.kind == FieldExprKind::kAttribute && !e.attribute.is_intrinsic();
}

class Compiler {
 public:
  explicit Compiler(FieldProgram* program) : p_(*program) {}

  Result<int32_t> Compile(const FieldExpr& e) {
    switch (e.kind) {
      case FieldExprKind::kStatic:
        return AddConst(e.value);
      case FieldExprKind::kAttribute:
        return AddAttribute(e.attribute);
      case FieldExprKind::kUnary: {
        TEMPO_ASSIGN_OR_RETURN(int32_t operand, Compile(*e.lhs));
        Node n;
        n.code = e.unary_op == UnaryOp::kNot ? OpCode::kNot : OpCode::kNegate;
        n.lhs = operand;
        return Add(std::move(n));
      }
      case FieldExprKind::kBinary:
        return CompileBinary(e);
    }
    return InternalError("unknown field expression");
  }

  int32_t AddAttribute(const Attribute& a) {
    Node n;
    if (a.is_intrinsic()) {
      n.code = OpCode::kIntrinsic;
      n.intrinsic = a.intrinsic;
      if (a.intrinsic == Intrinsic::kEventName || a.intrinsic == Intrinsic::kEventTimeSinceStart) {
        p_.uses_events = true;
      }
      if (a.intrinsic == Intrinsic::kLinkTraceId || a.intrinsic == Intrinsic::kLinkSpanId) {
        p_.uses_links = true;
      }
      return Add(std::move(n));
    }
    n.code = OpCode::kAttribute;
    n.scope = a.scope;
    n.name = a.name;
    if (a.scope == AttributeScope::kEvent) p_.uses_events = true;
    if (a.scope == AttributeScope::kLink) p_.uses_links = true;
    if (a.scope == AttributeScope::kNone) n.slot = static_cast<int32_t>(p_.slot_nodes.size());
    int32_t index = Add(std::move(n));
    if (p_.nodes[index].slot >= 0) p_.slot_nodes.push_back(index);
    return index;
  }

  // Marks choice points bottom-up and returns the unscoped slots still unresolved below `index`.
  std::vector<int32_t> Resolve(int32_t index) {
    Node& n = p_.nodes[index];
    switch (n.code) {
      case OpCode::kAttribute:
        return n.slot >= 0 ? std::vector<int32_t>{n.slot} : std::vector<int32_t>{};
      case OpCode::kConst:
      case OpCode::kIntrinsic:
        return {};
      case OpCode::kArithmetic:
      case OpCode::kNegate:
        return Union(index);
      case OpCode::kAnd:
      case OpCode::kOr:
        MakeChoicePoint(p_.nodes[index].lhs);
        MakeChoicePoint(p_.nodes[index].rhs);
        return {};
      default: {  // comparisons, existence, regex, `!`: boolean results
        std::vector<int32_t> slots = Union(index);
        p_.nodes[index].choice_slots = std::move(slots);
        return {};
      }
    }
  }

  void MakeChoicePoint(int32_t index) {
    std::vector<int32_t> slots = Resolve(index);
    if (!slots.empty()) p_.nodes[index].choice_slots = std::move(slots);
  }

 private:
  int32_t Add(Node n) {
    p_.nodes.push_back(std::move(n));
    return static_cast<int32_t>(p_.nodes.size() - 1);
  }

  int32_t AddConst(const Static& value) {
    Node n;
    n.code = OpCode::kConst;
    if (value.type == ValueType::kString) {
      p_.strings.push_back(std::make_unique<std::string>(value.string_value));
      n.constant = Value::String(*p_.strings.back());
    } else {
      n.constant = FromStatic(value);
    }
    return Add(std::move(n));
  }

  std::vector<int32_t> Union(int32_t index) {
    int32_t lhs = p_.nodes[index].lhs, rhs = p_.nodes[index].rhs;
    std::vector<int32_t> out = lhs >= 0 ? Resolve(lhs) : std::vector<int32_t>{};
    if (rhs >= 0) {
      for (int32_t s : Resolve(rhs)) {
        if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
      }
    }
    return out;
  }

  Result<int32_t> CompileBinary(const FieldExpr& e) {
    if (IsNilStatic(*e.lhs) || IsNilStatic(*e.rhs)) {
      if (IsNilStatic(*e.lhs) && IsNilStatic(*e.rhs)) return AddConst(Static::Bool(false));
      const FieldExpr& other = IsNilStatic(*e.lhs) ? *e.rhs : *e.lhs;
      TEMPO_ASSIGN_OR_RETURN(int32_t operand, Compile(other));
      if (e.op != BinaryOp::kEq && e.op != BinaryOp::kNeq) return AddConst(Static::Bool(false));
      Node n;
      n.code = e.op == BinaryOp::kNeq ? OpCode::kExists : OpCode::kNotExists;
      n.lhs = operand;
      return Add(std::move(n));
    }
    if (e.op == BinaryOp::kRegex || e.op == BinaryOp::kNotRegex) {
      if (e.rhs->kind != FieldExprKind::kStatic || e.rhs->value.type != ValueType::kString) {
        return InvalidArgumentError("the right-hand side of " + std::string(BinaryOpText(e.op)) +
                                    " must be a string literal");
      }
      TEMPO_ASSIGN_OR_RETURN(int32_t operand, Compile(*e.lhs));
      RE2::Options options;
      options.set_dot_nl(true);
      options.set_log_errors(false);
      auto regex = std::make_unique<RE2>(e.rhs->value.string_value, options);
      if (!regex->ok()) {
        return InvalidArgumentError("error parsing regexp: " + regex->error());
      }
      Node n;
      n.code = OpCode::kRegex;
      n.op = e.op;
      n.lhs = operand;
      n.regex = regex.get();
      n.regex_range = regex->PossibleMatchRange(&n.regex_min, &n.regex_max, 16);
      p_.regexes.push_back(std::move(regex));
      return Add(std::move(n));
    }
    Node n;
    n.op = e.op;
    if (IsArithmetic(e.op)) {
      n.code = OpCode::kArithmetic;
    } else if (e.op == BinaryOp::kAnd) {
      n.code = OpCode::kAnd;
    } else if (e.op == BinaryOp::kOr) {
      n.code = OpCode::kOr;
    } else {
      n.code = OpCode::kCompare;
    }
    if (n.code == OpCode::kCompare &&
        (e.lhs->kind == FieldExprKind::kStatic) != (e.rhs->kind == FieldExprKind::kStatic)) {
      const FieldExpr& attr = e.lhs->kind == FieldExprKind::kStatic ? *e.rhs : *e.lhs;
      const FieldExpr& lit = e.lhs->kind == FieldExprKind::kStatic ? *e.lhs : *e.rhs;
      if (IsCustomAttribute(attr) && lit.value.is_numeric()) {
        n.strict = lit.value.type == ValueType::kFloat ? ValueType::kFloat : ValueType::kInt;
      }
      // IDs written in a query compare in their rendered form (§6.5).
      Static normalized = attr.kind == FieldExprKind::kAttribute
                              ? NormalizeIdLiteral(attr.attribute.intrinsic, lit.value)
                              : lit.value;
      int32_t attr_index = 0, lit_index = 0;
      TEMPO_ASSIGN_OR_RETURN(attr_index, Compile(attr));
      lit_index = AddConst(normalized);
      bool literal_left = e.lhs->kind == FieldExprKind::kStatic;
      n.lhs = literal_left ? lit_index : attr_index;
      n.rhs = literal_left ? attr_index : lit_index;
      return Add(std::move(n));
    }
    TEMPO_ASSIGN_OR_RETURN(n.lhs, Compile(*e.lhs));
    TEMPO_ASSIGN_OR_RETURN(n.rhs, Compile(*e.rhs));
    return Add(std::move(n));
  }

  FieldProgram& p_;
};

}  // namespace

Result<FieldProgram> CompilePredicate(const FieldExpr& expr) {
  FieldProgram program;
  Compiler compiler(&program);
  TEMPO_ASSIGN_OR_RETURN(program.root, compiler.Compile(expr));
  compiler.MakeChoicePoint(program.root);
  return program;
}

Result<FieldProgram> CompileValue(const FieldExpr& expr) {
  FieldProgram program;
  Compiler compiler(&program);
  TEMPO_ASSIGN_OR_RETURN(program.root, compiler.Compile(expr));
  compiler.Resolve(program.root);
  return program;
}

FieldProgram CompileAttribute(const Attribute& attribute) {
  FieldProgram program;
  Compiler compiler(&program);
  program.root = compiler.AddAttribute(attribute);
  return program;
}

}  // namespace tempo::traceql::eval
