// Structural operators (traceql.md §14) on nested-set numbers, each O(spans) per evaluation:
// relations are precomputed from one side into arrays indexed by nested-set numbers, then tested
// span by span on the other side. Spans without nested-set numbers never take part.
#include <algorithm>

#include "traceql/eval/plan.h"

namespace tempo::traceql::internal {
namespace {

enum class Relation : uint8_t {
  kHasParentIn,    // x's parent is in the set
  kIsParentOf,     // x is the parent of a span in the set
  kHasAncestorIn,  // some ancestor of x is in the set
  kIsAncestorOf,   // x is an ancestor of a span in the set
  kHasSiblingIn,   // a different span with x's parent is in the set
};

// A relation to a fixed set of spans, answering Test(x) in O(1).
class RelationTo {
 public:
  RelationTo(Relation relation, const std::vector<uint32_t>& set, const TraceView& trace)
      : relation_(relation), spans_(trace.spans()) {
    // Nested-set numbers run from 1 to 2 * spans; parents from -1.
    const size_t size = 2 * spans_.size() + 2;
    counts_.assign(size + 1, 0);
    for (uint32_t i : set) {
      const SpanRef& s = spans_[i];
      if (!s.connected()) continue;
      switch (relation_) {
        case Relation::kHasParentIn:
          counts_[s.nested_set_left] = 1;
          break;
        case Relation::kIsParentOf:
          if (s.nested_set_parent > 0) counts_[s.nested_set_parent] = 1;
          break;
        case Relation::kHasAncestorIn:
          // Coverage of the open interval (left, right): the positions of descendants.
          ++counts_[s.nested_set_left + 1];
          --counts_[s.nested_set_right];
          break;
        case Relation::kIsAncestorOf:
          counts_[s.nested_set_left] = 1;
          break;
        case Relation::kHasSiblingIn:
          ++counts_[s.nested_set_parent + 1];
          members_.push_back(i);
          break;
      }
    }
    if (relation_ == Relation::kHasAncestorIn || relation_ == Relation::kIsAncestorOf) {
      for (size_t k = 1; k < counts_.size(); ++k) counts_[k] += counts_[k - 1];
    }
    if (relation_ == Relation::kHasSiblingIn) std::sort(members_.begin(), members_.end());
  }

  bool Test(uint32_t x) const {
    const SpanRef& s = spans_[x];
    if (!s.connected()) return false;
    switch (relation_) {
      case Relation::kHasParentIn:
        return s.nested_set_parent > 0 && counts_[s.nested_set_parent] != 0;
      case Relation::kIsParentOf:
        return counts_[s.nested_set_left] != 0;
      case Relation::kHasAncestorIn:
        return counts_[s.nested_set_left] > 0;
      case Relation::kIsAncestorOf:
        // Marks strictly inside (left, right).
        return counts_[s.nested_set_right - 1] - counts_[s.nested_set_left] > 0;
      case Relation::kHasSiblingIn: {
        int32_t same_parent = counts_[s.nested_set_parent + 1];
        if (std::binary_search(members_.begin(), members_.end(), x)) --same_parent;
        return same_parent > 0;
      }
    }
    return false;
  }

 private:
  Relation relation_;
  std::span<const SpanRef> spans_;
  std::vector<int32_t> counts_;
  std::vector<uint32_t> members_;
};

void Select(const std::vector<uint32_t>& from, const RelationTo& relation, bool negate,
            const TraceView& trace, std::vector<uint32_t>* out) {
  for (uint32_t x : from) {
    if (!trace.spans()[x].connected()) continue;  // disconnected spans never take part
    if (relation.Test(x) != negate) out->push_back(x);
  }
}

// The right-hand relation of `op` (R-spans related to L) and, for union forms, the mirrored one.
Relation RightRelation(SpansetOp op) {
  switch (op) {
    case SpansetOp::kChild:
    case SpansetOp::kNotChild:
    case SpansetOp::kUnionChild:
      return Relation::kHasParentIn;
    case SpansetOp::kParent:
    case SpansetOp::kNotParent:
    case SpansetOp::kUnionParent:
      return Relation::kIsParentOf;
    case SpansetOp::kDescendant:
    case SpansetOp::kNotDescendant:
    case SpansetOp::kUnionDescendant:
      return Relation::kHasAncestorIn;
    case SpansetOp::kAncestor:
    case SpansetOp::kNotAncestor:
    case SpansetOp::kUnionAncestor:
      return Relation::kIsAncestorOf;
    default:
      return Relation::kHasSiblingIn;
  }
}

Relation Converse(Relation r) {
  switch (r) {
    case Relation::kHasParentIn:
      return Relation::kIsParentOf;
    case Relation::kIsParentOf:
      return Relation::kHasParentIn;
    case Relation::kHasAncestorIn:
      return Relation::kIsAncestorOf;
    case Relation::kIsAncestorOf:
      return Relation::kHasAncestorIn;
    case Relation::kHasSiblingIn:
      return Relation::kHasSiblingIn;
  }
  return r;
}

bool IsUnion(SpansetOp op) {
  return op == SpansetOp::kUnionChild || op == SpansetOp::kUnionParent ||
         op == SpansetOp::kUnionDescendant || op == SpansetOp::kUnionAncestor ||
         op == SpansetOp::kUnionSibling;
}

}  // namespace

std::vector<uint32_t> RunStructural(SpansetOp op, const std::vector<uint32_t>& lhs,
                                    const std::vector<uint32_t>& rhs, const TraceView& trace) {
  std::vector<uint32_t> out;
  if (rhs.empty()) return out;
  if (lhs.empty() && !IsNegatedStructural(op)) return out;
  const Relation relation = RightRelation(op);
  Select(rhs, RelationTo(relation, lhs, trace), IsNegatedStructural(op), trace, &out);
  if (IsUnion(op) && !out.empty()) {
    // Every L-span that takes part in at least one pair: related the other way to R.
    Select(lhs, RelationTo(Converse(relation), rhs, trace), /*negate=*/false, trace, &out);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  return out;
}

}  // namespace tempo::traceql::internal
