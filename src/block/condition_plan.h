#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "block/footer.h"
#include "tempo/traceql/fetcher.h"

namespace tempo::block {

// How the stored values of one column read as TraceQL values (traceql.md §6): the physical
// column is int64, double or string; intrinsics give the int a meaning.
enum class ValueKind : uint8_t {
  kInt,       // int attribute
  kDuration,  // nanoseconds: span/trace duration, event time since span start
  kStatus,    // OTLP status code
  kKind,      // OTLP span kind
  kBool,      // bool attribute stored as 0/1
  kDouble,    // double attribute
  kString,    // string attribute or string intrinsic
  kOpaque,    // bytes and valueless attributes (read as nil): never read, `constant` decides
  kComplex,   // arrays and kvlists: not decoded; any of them may satisfy the condition
};

// Answers "could a value satisfy the condition?" exactly as the engine compares, but fast:
// integer comparisons become an interval test derived once from the engine's own comparison
// (MayMatchValue), small enums a lookup table; strings, doubles and anything irregular ask the
// engine's helpers per value. Immutable after Make; `condition` must outlive it.
class ValueTest {
 public:
  static ValueTest Make(const traceql::Condition& condition, ValueKind kind);

  ValueKind kind() const { return kind_; }
  bool Int(int64_t v) const {
    if (use_interval_) return (v >= lo_ && v <= hi_) != negate_;
    if (use_table_) return table_[v >= 0 && v < static_cast<int64_t>(table_size_) ? v : 0] != 0;
    return SlowInt(v);
  }
  bool Double(double v) const;
  bool String(std::string_view v) const;
  // kOpaque, kComplex: whether an owner that has the attribute may satisfy the condition.
  bool constant() const { return constant_; }
  // Whether some value in [min, max] may satisfy it (page statistics; doubles as bit patterns).
  bool IntRange(int64_t min, int64_t max) const;
  bool DoubleRange(double min, double max) const;

 private:
  bool SlowInt(int64_t v) const;

  const traceql::Condition* condition_ = nullptr;
  ValueKind kind_ = ValueKind::kOpaque;
  bool constant_ = true;
  bool use_interval_ = false;
  int64_t lo_ = 0, hi_ = 0;
  bool negate_ = false;
  bool use_table_ = false;
  std::array<uint8_t, 6> table_{};
  uint8_t table_size_ = 0;
};

// One column whose values decide a condition: fixed columns of the owner table, or attribute
// columns whose values follow the owner rows' attribute shapes.
struct ColumnSource {
  Table owner = Table::kSpan;  // kTrace, kSpan, kEvent, kLink, kResource or kScope
  uint32_t column = 0;         // catalog index
  bool attribute = false;
  bool has_values = true;  // false for attribute types without a value column
  ValueTest test;
};

// A condition with an operator compiled against one block's column catalog. `unknown`: the
// condition cannot be decided on columns (IDs, nested sets, parent attributes, ...), so it holds
// on every trace; otherwise it holds on a trace iff some source has a satisfying value in a row
// that belongs to the trace. An empty source list means it holds nowhere in the block.
struct ConditionPlan {
  const traceql::Condition* condition = nullptr;
  bool unknown = false;
  std::vector<ColumnSource> sources;
};

// Plans the conditions with an operator of `request` (in order) for a block with `footer`'s
// catalog. `request` must outlive the plans.
std::vector<ConditionPlan> PlanConditions(const Footer& footer,
                                          const traceql::FetchRequest& request);

// Whether statistics and string bounds of `row_group` leave some chance for `plan` to hold there.
bool MayHoldInRowGroup(const ConditionPlan& plan, const RowGroupMeta& row_group,
                       const std::vector<int32_t>& chunk_of);

}  // namespace tempo::block
