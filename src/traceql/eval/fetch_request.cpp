// What a query needs from storage: the fields it reads, the comparisons that may prune traces,
// and the fields returned on each span of a search result.
#include <re2/re2.h>

#include <algorithm>

#include "traceql/eval/id_text.h"
#include "traceql/eval/plan.h"

namespace tempo::traceql::internal {
namespace {

// ---- Fields a query reads, in order of first appearance. ----

void AddUnique(const Attribute& a, std::vector<Attribute>* out) {
  if (std::find(out->begin(), out->end(), a) == out->end()) out->push_back(a);
}

void CollectField(const FieldExpr& e, std::vector<Attribute>* out) {
  if (e.kind == FieldExprKind::kAttribute) AddUnique(e.attribute, out);
  if (e.lhs) CollectField(*e.lhs, out);
  if (e.rhs) CollectField(*e.rhs, out);
}

void CollectPipeline(const Pipeline& p, std::vector<Attribute>* out);

void CollectSpanset(const SpansetExpr& e, std::vector<Attribute>* out) {
  if (e.filter) CollectField(*e.filter, out);
  if (e.lhs) CollectSpanset(*e.lhs, out);
  if (e.rhs) CollectSpanset(*e.rhs, out);
  if (e.pipeline) CollectPipeline(*e.pipeline, out);
}

void CollectScalar(const ScalarExpr& e, std::vector<Attribute>* out) {
  if (e.pipeline) CollectPipeline(*e.pipeline, out);
  if (e.aggregate.arg) CollectField(*e.aggregate.arg, out);
  if (e.lhs) CollectScalar(*e.lhs, out);
  if (e.rhs) CollectScalar(*e.rhs, out);
}

void CollectPipeline(const Pipeline& p, std::vector<Attribute>* out) {
  for (const Stage& s : p.stages) {
    if (s.spanset) CollectSpanset(*s.spanset, out);
    if (s.scalar_filter) {
      CollectScalar(*s.scalar_filter->lhs, out);
      CollectScalar(*s.scalar_filter->rhs, out);
    }
    if (s.group_by) CollectField(*s.group_by, out);
    for (const Attribute& a : s.select) AddUnique(a, out);
  }
}

bool UsesStructure(const Pipeline& p);

bool UsesStructure(const SpansetExpr& e) {
  if (e.kind == SpansetExprKind::kBinary && e.op != SpansetOp::kAnd && e.op != SpansetOp::kOr) {
    return true;
  }
  return (e.lhs && UsesStructure(*e.lhs)) || (e.rhs && UsesStructure(*e.rhs)) ||
         (e.pipeline && UsesStructure(*e.pipeline));
}

bool UsesStructure(const Pipeline& p) {
  for (const Stage& s : p.stages) {
    if (s.spanset && UsesStructure(*s.spanset)) return true;
  }
  return false;
}

// ---- Pruning predicates: conditions every (or at least one) of which a matching trace has. ----

struct Need {
  enum class Kind { kNone, kAll, kAny };
  Kind kind = Kind::kNone;
  std::vector<Condition> conditions;

  bool all_able() const { return kind == Kind::kAll || conditions.size() == 1; }
};

Need And(Need a, Need b) {
  if (a.kind == Need::Kind::kNone) return b;
  if (b.kind == Need::Kind::kNone) return a;
  if (a.all_able() && b.all_able()) {
    a.kind = Need::Kind::kAll;
    a.conditions.insert(a.conditions.end(), b.conditions.begin(), b.conditions.end());
    return a;
  }
  return a.all_able() ? a : b;  // an any-of set alongside: keep one side, both are necessary
}

Need Or(Need a, Need b) {
  if (a.kind == Need::Kind::kNone || b.kind == Need::Kind::kNone) return Need();
  // "all of A" implies "any of A", so either side weakens to an any-of set.
  a.kind = Need::Kind::kAny;
  a.conditions.insert(a.conditions.end(), b.conditions.begin(), b.conditions.end());
  return a;
}

// `attr op literal`, `literal op attr` or `attr != nil`, as a pushable condition.
std::optional<Condition> SimpleCondition(const FieldExpr& e) {
  if (e.kind != FieldExprKind::kBinary || !IsComparison(e.op)) return std::nullopt;
  const bool attr_left = e.lhs->kind == FieldExprKind::kAttribute;
  const FieldExpr& attr = attr_left ? *e.lhs : *e.rhs;
  const FieldExpr& lit = attr_left ? *e.rhs : *e.lhs;
  if (attr.kind != FieldExprKind::kAttribute || lit.kind != FieldExprKind::kStatic) {
    return std::nullopt;
  }
  Condition c;
  c.attribute = attr.attribute;
  if (lit.value.type == ValueType::kNil) {
    if (e.op != BinaryOp::kNeq) return std::nullopt;  // `= nil` holds on absence: not prunable
    c.op = BinaryOp::kNeq;
    return c;
  }
  c.op = attr_left ? e.op : MirrorComparison(e.op);
  c.operand = eval::NormalizeIdLiteral(attr.attribute.intrinsic, lit.value);
  if (e.op == BinaryOp::kRegex || e.op == BinaryOp::kNotRegex) {
    if (!attr_left || lit.value.type != ValueType::kString) return std::nullopt;
    RE2::Options options;
    options.set_dot_nl(true);
    options.set_log_errors(false);
    auto regex = std::make_shared<const RE2>(lit.value.string_value, options);
    if (!regex->ok()) return std::nullopt;
    c.regex = std::move(regex);
  }
  return c;
}

Need FieldNeed(const FieldExpr& e) {
  if (auto c = SimpleCondition(e)) {
    Need n;
    n.kind = Need::Kind::kAll;
    n.conditions.push_back(std::move(*c));
    return n;
  }
  if (e.kind == FieldExprKind::kBinary && e.op == BinaryOp::kAnd) {
    return And(FieldNeed(*e.lhs), FieldNeed(*e.rhs));
  }
  if (e.kind == FieldExprKind::kBinary && e.op == BinaryOp::kOr) {
    return Or(FieldNeed(*e.lhs), FieldNeed(*e.rhs));
  }
  return Need();
}

Need PipelineNeed(const Pipeline& p);

Need SpansetNeed(const SpansetExpr& e) {
  switch (e.kind) {
    case SpansetExprKind::kFilter:
      return e.filter ? FieldNeed(*e.filter) : Need();
    case SpansetExprKind::kPipeline:
      return PipelineNeed(*e.pipeline);
    case SpansetExprKind::kBinary:
      if (e.op == SpansetOp::kOr) return Or(SpansetNeed(*e.lhs), SpansetNeed(*e.rhs));
      if (IsNegatedStructural(e.op)) return SpansetNeed(*e.rhs);  // the left side may be empty
      return And(SpansetNeed(*e.lhs), SpansetNeed(*e.rhs));
  }
  return Need();
}

// Every output span passed every spanset stage, so each stage's needs are necessary.
Need PipelineNeed(const Pipeline& p) {
  Need need;
  for (const Stage& s : p.stages) {
    if (s.kind == StageKind::kSpanset) need = And(std::move(need), SpansetNeed(*s.spanset));
  }
  return need;
}

bool CanMatchExpr(const SpansetExpr& e) {
  switch (e.kind) {
    case SpansetExprKind::kFilter:
      if (e.filter == nullptr || e.filter->kind != FieldExprKind::kStatic) return true;
      return e.filter->value.type == ValueType::kBool && e.filter->value.bool_value;
    case SpansetExprKind::kPipeline:
      return CanMatch(*e.pipeline);
    case SpansetExprKind::kBinary:
      if (e.op == SpansetOp::kOr) return CanMatchExpr(*e.lhs) || CanMatchExpr(*e.rhs);
      if (IsNegatedStructural(e.op)) return CanMatchExpr(*e.rhs);
      return CanMatchExpr(*e.lhs) && CanMatchExpr(*e.rhs);
  }
  return true;
}

// A filter expression whose pushed conditions are all reached through && only: a span passing
// the filter satisfies each of them (an || would make them alternatives).
bool IsConjunction(const FieldExpr& e) {
  if (e.kind != FieldExprKind::kBinary) return true;
  if (e.op == BinaryOp::kOr) return false;
  if (e.op == BinaryOp::kAnd) return IsConjunction(*e.lhs) && IsConjunction(*e.rhs);
  return true;  // a comparison or arithmetic: one pushed condition at most, or none
}

bool HasPipeline(const ScalarExpr& e) {
  return e.pipeline || (e.lhs && HasPipeline(*e.lhs)) || (e.rhs && HasPipeline(*e.rhs));
}

// Whether every span of a result passed one filter that is a conjunction, and the query has no
// other spanset: then the pushed conditions must all hold on one span.
bool SameSpan(const Pipeline& p) {
  const SpansetExpr* filter = nullptr;
  for (const Stage& s : p.stages) {
    if (s.kind == StageKind::kSpanset) {
      if (filter != nullptr || !s.spanset) return false;
      filter = s.spanset.get();
      continue;
    }
    if (s.spanset) return false;
    if (s.scalar_filter && ((s.scalar_filter->lhs && HasPipeline(*s.scalar_filter->lhs)) ||
                            (s.scalar_filter->rhs && HasPipeline(*s.scalar_filter->rhs)))) {
      return false;
    }
  }
  return filter != nullptr && filter->kind == SpansetExprKind::kFilter && filter->filter &&
         !filter->pipeline && IsConjunction(*filter->filter);
}

bool IsNestedSet(Intrinsic i) {
  return i == Intrinsic::kNestedSetLeft || i == Intrinsic::kNestedSetRight ||
         i == Intrinsic::kNestedSetParent || i == Intrinsic::kChildCount;
}

}  // namespace

bool CanMatch(const Pipeline& pipeline) {
  for (const Stage& s : pipeline.stages) {
    if (s.kind == StageKind::kSpanset && !CanMatchExpr(*s.spanset)) return false;
  }
  return true;
}

FetchRequest BuildFetchRequest(const RootExpr& root) {
  FetchRequest request;
  Need need = PipelineNeed(root.pipeline);
  request.all_conditions = need.kind != Need::Kind::kNone && need.all_able();
  request.same_span = request.all_conditions && SameSpan(root.pipeline);
  for (Condition& c : need.conditions) {
    if (std::find(request.conditions.begin(), request.conditions.end(), c) ==
        request.conditions.end()) {
      request.conditions.push_back(std::move(c));
    }
  }
  std::vector<Attribute> fields;
  CollectPipeline(root.pipeline, &fields);
  for (const Attribute& a : fields) {
    if (IsNestedSet(a.intrinsic)) request.needs_structure = true;
    bool covered = std::any_of(request.conditions.begin(), request.conditions.end(),
                               [&a](const Condition& c) { return c.attribute == a; });
    if (covered) continue;
    Condition c;
    c.attribute = a;
    request.conditions.push_back(std::move(c));
  }
  if (UsesStructure(root.pipeline)) request.needs_structure = true;
  return request;
}

void BuildOutputs(const RootExpr& root, CompiledQuery* query) {
  std::vector<Attribute> fields;
  CollectPipeline(root.pipeline, &fields);
  std::vector<Intrinsic> seen;
  for (const Attribute& a : fields) {
    std::string key;
    if (!a.is_intrinsic()) {
      key = a.name;
    } else {
      if (std::find(seen.begin(), seen.end(), a.intrinsic) != seen.end()) continue;
      seen.push_back(a.intrinsic);
      switch (a.intrinsic) {
        case Intrinsic::kName:
          query->output_name = true;
          continue;
        case Intrinsic::kStatus:
          key = "status";
          break;
        case Intrinsic::kKind:
          key = "kind";
          break;
        case Intrinsic::kStatusMessage:
          key = "statusMessage";
          break;
        case Intrinsic::kNestedSetLeft:
          key = "nestedSetLeft";
          break;
        case Intrinsic::kNestedSetRight:
          key = "nestedSetRight";
          break;
        case Intrinsic::kNestedSetParent:
          key = "nestedSetParent";
          break;
        case Intrinsic::kChildCount:
          key = "span:childCount";
          break;
        case Intrinsic::kEventName:
          key = "event:name";
          break;
        case Intrinsic::kEventTimeSinceStart:
          key = "event:timeSinceStart";
          break;
        case Intrinsic::kInstrumentationName:
          key = "instrumentation:name";
          break;
        case Intrinsic::kInstrumentationVersion:
          key = "instrumentation:version";
          break;
        default:
          // duration, trace-level intrinsics and IDs have their own response fields.
          continue;
      }
    }
    query->outputs.push_back(OutputField{std::move(key), eval::CompileAttribute(a)});
  }
}

}  // namespace tempo::traceql::internal
