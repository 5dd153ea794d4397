#include "block/condition_plan.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace tempo::block {
namespace {

using traceql::AttributeScope;
using traceql::BinaryOp;
using traceql::Condition;
using traceql::Intrinsic;
using traceql::Static;
using traceql::ValueType;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

Static StaticOf(ValueKind kind, int64_t v) {
  switch (kind) {
    case ValueKind::kDuration:
      return Static::Duration(v);
    case ValueKind::kStatus:
      return Static::Status(v >= 0 && v <= 2 ? static_cast<traceql::SpanStatusCode>(v)
                                             : traceql::SpanStatusCode::kUnset);
    case ValueKind::kKind:
      return Static::Kind(v >= 0 && v <= 5 ? static_cast<traceql::SpanKind>(v)
                                           : traceql::SpanKind::kUnspecified);
    case ValueKind::kBool:
      return Static::Bool(v != 0);
    default:
      return Static::Int(v);
  }
}

bool Oracle(const Condition& c, ValueKind kind, int64_t v) {
  return traceql::MayMatchValue(c, StaticOf(kind, v));
}

int64_t FromKey(uint64_t k) { return static_cast<int64_t>(k ^ (uint64_t{1} << 63)); }

// Smallest v with f(v) when f is false then true over the range (f(kMax) must hold).
template <typename F>
int64_t FirstTrue(F f) {
  uint64_t lo = 0, hi = ~uint64_t{0};
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    if (f(FromKey(mid))) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return FromKey(lo);
}

// Largest v with f(v) when f is true then false over the range (f(kMin) must hold).
template <typename F>
int64_t LastTrue(F f) {
  uint64_t lo = 0, hi = ~uint64_t{0};
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2 + 1;
    if (f(FromKey(mid))) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return FromKey(lo);
}

bool IsExistence(const Condition& c) { return c.operand.type == ValueType::kNil; }

}  // namespace

ValueTest ValueTest::Make(const Condition& condition, ValueKind kind) {
  ValueTest t;
  t.condition_ = &condition;
  t.kind_ = kind;
  if (!condition.op || IsExistence(condition)) {
    // Existence, or no comparison: every stored value is a present value.
    t.constant_ = true;
    if (kind == ValueKind::kInt || kind == ValueKind::kDuration || kind == ValueKind::kStatus ||
        kind == ValueKind::kKind || kind == ValueKind::kBool) {
      t.use_interval_ = true;
      t.lo_ = kMin;
      t.hi_ = kMax;
    }
    return t;
  }
  if (kind == ValueKind::kComplex) return t;  // constant: an element may match
  if (kind == ValueKind::kOpaque) {
    // Bytes and valueless attributes read as nil, which satisfies no comparison.
    t.constant_ = traceql::MayMatchValue(condition, Static::Nil());
    return t;
  }
  if (kind == ValueKind::kStatus || kind == ValueKind::kKind || kind == ValueKind::kBool) {
    t.use_table_ = true;
    t.table_size_ = kind == ValueKind::kStatus ? 3 : kind == ValueKind::kKind ? 6 : 2;
    for (uint8_t v = 0; v < t.table_size_; ++v) t.table_[v] = Oracle(condition, kind, v);
    return t;
  }
  if (kind != ValueKind::kInt && kind != ValueKind::kDuration) return t;

  // Comparisons of numbers are monotone in the value, so the satisfying integers form an
  // interval (or, for !=, the complement of one). Find it with the engine's own comparison and
  // check it at its edges; anything irregular keeps the per-value path.
  auto f = [&](int64_t v) { return Oracle(condition, kind, v); };
  bool interval = true;
  switch (*condition.op) {
    case BinaryOp::kLt:
    case BinaryOp::kLte:
      if (f(kMin)) {
        t.lo_ = kMin;
        t.hi_ = LastTrue(f);
      } else {
        t.lo_ = 1, t.hi_ = 0;  // empty
      }
      break;
    case BinaryOp::kGt:
    case BinaryOp::kGte:
      if (f(kMax)) {
        t.lo_ = FirstTrue(f);
        t.hi_ = kMax;
      } else {
        t.lo_ = 1, t.hi_ = 0;
      }
      break;
    case BinaryOp::kEq:
    case BinaryOp::kNeq: {
      Condition ge = condition, le = condition;
      ge.op = BinaryOp::kGte;
      le.op = BinaryOp::kLte;
      auto fge = [&](int64_t v) { return Oracle(ge, kind, v); };
      auto fle = [&](int64_t v) { return Oracle(le, kind, v); };
      if (!fge(kMax) || !fle(kMin)) {
        t.lo_ = 1, t.hi_ = 0;
      } else {
        t.lo_ = FirstTrue(fge);
        t.hi_ = LastTrue(fle);
      }
      t.negate_ = *condition.op == BinaryOp::kNeq;
      break;
    }
    default:
      interval = false;  // regexes on numbers: per value
      break;
  }
  if (!interval) return t;
  t.use_interval_ = true;
  int64_t probes[] = {kMin, kMin + 1, kMax, kMax - 1, 0, -1, 1, t.lo_, t.hi_,
                      t.lo_ == kMin ? kMin : t.lo_ - 1, t.hi_ == kMax ? kMax : t.hi_ + 1,
                      condition.operand.int_value};
  for (int64_t p : probes) {
    if (t.Int(p) != f(p)) {
      t.use_interval_ = false;
      break;
    }
  }
  return t;
}

bool ValueTest::SlowInt(int64_t v) const {
  if (kind_ == ValueKind::kOpaque || kind_ == ValueKind::kComplex) return constant_;
  return Oracle(*condition_, kind_, v);
}

bool ValueTest::Double(double v) const {
  if (!condition_->op || IsExistence(*condition_)) return true;
  return traceql::MayMatchValue(*condition_, Static::Float(v));
}

bool ValueTest::String(std::string_view v) const {
  if (!condition_->op || IsExistence(*condition_)) return true;
  return traceql::MayMatchString(*condition_, v);
}

bool ValueTest::IntRange(int64_t min, int64_t max) const {
  if (use_interval_) {
    if (lo_ > hi_) return negate_;
    if (negate_) return min < lo_ || max > hi_;
    return max >= lo_ && min <= hi_;
  }
  if (use_table_) {
    for (int64_t v = std::max<int64_t>(min, 0); v <= max && v < table_size_; ++v) {
      if (table_[v]) return true;
    }
    return (min < 0 || max >= table_size_) && table_[0];
  }
  if (kind_ == ValueKind::kInt || kind_ == ValueKind::kDuration) {
    return traceql::MayMatchRange(*condition_, min, max);
  }
  return true;
}

bool ValueTest::DoubleRange(double min, double max) const {
  return traceql::MayMatchRange(*condition_, min, max);
}

namespace {

// The fixed column of an intrinsic the block can evaluate, or false.
bool IntrinsicSource(Intrinsic intrinsic, ColumnSource* out) {
  auto set = [&](Table owner, Col col) {
    out->owner = owner;
    out->column = static_cast<uint32_t>(col);
    out->attribute = false;
    return true;
  };
  switch (intrinsic) {
    case Intrinsic::kDuration:
      return set(Table::kSpan, Col::kSpanDuration);
    case Intrinsic::kName:
      return set(Table::kSpan, Col::kSpanName);
    case Intrinsic::kStatus:
      return set(Table::kSpan, Col::kSpanStatusCode);
    case Intrinsic::kStatusMessage:
      return set(Table::kSpan, Col::kSpanStatusMessage);
    case Intrinsic::kKind:
      return set(Table::kSpan, Col::kSpanKind);
    case Intrinsic::kEventName:
      return set(Table::kEvent, Col::kEventName);
    case Intrinsic::kEventTimeSinceStart:
      return set(Table::kEvent, Col::kEventTimeSinceStart);
    case Intrinsic::kInstrumentationName:
      return set(Table::kScope, Col::kScopeName);
    case Intrinsic::kInstrumentationVersion:
      return set(Table::kScope, Col::kScopeVersion);
    case Intrinsic::kTraceDuration:
      return set(Table::kTrace, Col::kTraceDuration);
    case Intrinsic::kTraceRootName:
      return set(Table::kTrace, Col::kTraceRootSpanName);
    case Intrinsic::kTraceRootService:
      return set(Table::kTrace, Col::kTraceRootServiceName);
    default:
      return false;
  }
}

ValueKind IntrinsicKind(Col col) {
  switch (col) {
    case Col::kSpanDuration:
    case Col::kEventTimeSinceStart:
    case Col::kTraceDuration:
      return ValueKind::kDuration;
    case Col::kSpanStatusCode:
      return ValueKind::kStatus;
    case Col::kSpanKind:
      return ValueKind::kKind;
    default:
      return ValueKind::kString;
  }
}

ValueKind AttributeKind(AttrType type) {
  switch (type) {
    case AttrType::kString:
      return ValueKind::kString;
    case AttrType::kBool:
      return ValueKind::kBool;
    case AttrType::kInt:
      return ValueKind::kInt;
    case AttrType::kDouble:
      return ValueKind::kDouble;
    case AttrType::kComplex:
      return ValueKind::kComplex;
    default:
      return ValueKind::kOpaque;
  }
}

}  // namespace

std::vector<ConditionPlan> PlanConditions(const Footer& footer,
                                          const traceql::FetchRequest& request) {
  std::vector<ConditionPlan> plans;
  for (const Condition& c : request.conditions) {
    if (!c.op) continue;
    ConditionPlan& plan = plans.emplace_back();
    plan.condition = &c;
    if (c.attribute.is_intrinsic()) {
      ColumnSource source;
      if (!IntrinsicSource(c.attribute.intrinsic, &source)) {
        plan.unknown = true;
        continue;
      }
      source.test = ValueTest::Make(c, IntrinsicKind(static_cast<Col>(source.column)));
      plan.sources.push_back(std::move(source));
      continue;
    }
    std::vector<Table> owners;
    switch (c.attribute.scope) {
      case AttributeScope::kSpan:
        owners = {Table::kSpan};
        break;
      case AttributeScope::kResource:
        owners = {Table::kResource};
        break;
      case AttributeScope::kEvent:
        owners = {Table::kEvent};
        break;
      case AttributeScope::kLink:
        owners = {Table::kLink};
        break;
      case AttributeScope::kInstrumentation:
        owners = {Table::kScope};
        break;
      case AttributeScope::kNone:
        owners = {Table::kSpan, Table::kResource, Table::kEvent, Table::kLink, Table::kScope};
        break;
      default:
        break;
    }
    if (c.attribute.parent || owners.empty()) {
      plan.unknown = true;
      continue;
    }
    for (uint32_t i = kIntrinsicCount; i < footer.columns.size(); ++i) {
      const ColumnDesc& d = footer.columns[i];
      if (d.role != ColumnRole::kAttribute || d.name != c.attribute.name) continue;
      if (std::find(owners.begin(), owners.end(), d.table) == owners.end()) continue;
      ColumnSource source;
      source.owner = d.table;
      source.column = i;
      source.attribute = true;
      PhysicalType unused;
      source.has_values = AttrValueType(d.attr_type, &unused);
      source.test = ValueTest::Make(c, AttributeKind(d.attr_type));
      if (source.test.kind() == ValueKind::kOpaque && !source.test.constant()) continue;
      plan.sources.push_back(std::move(source));
    }
  }
  return plans;
}

bool MayHoldInRowGroup(const ConditionPlan& plan, const RowGroupMeta& row_group,
                       const std::vector<int32_t>& chunk_of) {
  if (plan.unknown) return true;
  for (const ColumnSource& s : plan.sources) {
    if (row_group.rows[static_cast<size_t>(s.owner)] == 0) continue;
    const int32_t ci = chunk_of[s.column];
    if (ci < 0) {
      if (s.attribute) {
        if (!s.has_values) return true;  // valueless attributes: only the shapes know
        continue;                        // no owner in the row group has the attribute
      }
      // An omitted fixed column holds its default everywhere.
      const ValueTest& t = s.test;
      if (t.kind() == ValueKind::kString ? t.String("") : t.Int(0)) return true;
      continue;
    }
    const ChunkMeta& chunk = row_group.chunks[static_cast<size_t>(ci)];
    const ValueTest& t = s.test;
    switch (t.kind()) {
      case ValueKind::kOpaque:
      case ValueKind::kComplex:
        if (t.constant()) return true;
        break;
      case ValueKind::kString: {
        const Condition& c = *plan.condition;
        // Strings never equal or order against a literal of another type: the engine compares
        // by type first, so two probes decide for every value.
        if (c.operand.type != ValueType::kString && c.operand.type != ValueType::kNil &&
            *c.op != BinaryOp::kRegex && *c.op != BinaryOp::kNotRegex && !t.String("") &&
            !t.String("0")) {
          break;
        }
        if (chunk.has_string_stats && *c.op == BinaryOp::kEq &&
            c.operand.type == ValueType::kString) {
          std::string_view v = c.operand.string_value;
          if (v < std::string_view(chunk.min_string)) break;
          if (v > std::string_view(chunk.max_string) &&
              (chunk.max_string_exact || !v.starts_with(chunk.max_string))) {
            break;
          }
        }
        return true;
      }
      case ValueKind::kDouble:
        for (const PageMeta& p : chunk.pages) {
          if (!p.has_stats) return true;
          double lo, hi;
          std::memcpy(&lo, &p.min, 8);
          std::memcpy(&hi, &p.max, 8);
          if (t.DoubleRange(lo, hi)) return true;
        }
        break;
      default:
        for (const PageMeta& p : chunk.pages) {
          if (!p.has_stats || t.IntRange(p.min, p.max)) return true;
        }
        break;
    }
  }
  return false;
}

}  // namespace tempo::block
