#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tempo/common/result.h"
#include "tempo/traceql/ast.h"
#include "tempo/traceql/trace_view.h"
#include "traceql/eval/value.h"

namespace opentelemetry::proto::trace::v1 {
class Span_Event;
class Span_Link;
}  // namespace opentelemetry::proto::trace::v1

// Field expressions compiled for evaluation on one span at a time (traceql.md §6-§11).
namespace tempo::traceql::eval {

enum class OpCode : uint8_t {
  kConst,
  kAttribute,   // a custom attribute (`span.x`, `.x`, ...)
  kIntrinsic,   // `duration`, `span:id`, `event:name`, ...
  kExists,      // `x != nil`
  kNotExists,   // `x = nil`
  kCompare,     // = != < <= > >=
  kRegex,       // =~ !~ against a literal
  kArithmetic,  // + - * / % ^
  kAnd,
  kOr,
  kNot,
  kNegate,
};

struct Node {
  OpCode code = OpCode::kConst;
  BinaryOp op = BinaryOp::kEq;  // kCompare, kArithmetic; kRegex: kRegex or kNotRegex
  int32_t lhs = -1;             // operands; unary nodes use lhs only
  int32_t rhs = -1;
  Value constant;                                // kConst; strings point into FieldProgram::strings
  AttributeScope scope = AttributeScope::kNone;  // kAttribute
  std::string name;                              // kAttribute
  Intrinsic intrinsic = Intrinsic::kNone;        // kIntrinsic
  int32_t slot = -1;                             // kAttribute of scope kNone: its choice slot
  // Non-empty for a choice point: a boolean node whose unscoped operands are tried in every scope
  // that has them; the node is true if any choice makes it true (§6.3).
  std::vector<int32_t> choice_slots;
  const re2::RE2* regex = nullptr;  // kRegex
  // kRegex: every full match lies in [regex_min, regex_max] when regex_range (a cheap prefilter).
  bool regex_range = false;
  std::string regex_min, regex_max;
  ValueType strict = ValueType::kNil;  // kCompare: numeric type required by the typed-storage rule
};

// A compiled field expression. Immutable after compilation; evaluated through an EvalState.
struct FieldProgram {
  std::vector<Node> nodes;
  int32_t root = -1;
  std::vector<int32_t> slot_nodes;  // slot -> its kAttribute node
  bool uses_events = false;         // reads event.x / event:... (evaluated once per event)
  bool uses_links = false;          // reads link.x / link:... (evaluated once per link)
  std::vector<std::unique_ptr<re2::RE2>> regexes;
  std::vector<std::unique_ptr<std::string>> strings;

  bool is_constant() const { return nodes[root].code == OpCode::kConst; }
};

// A filter `{ expr }`: the root is a predicate (choice points resolved at the top).
// kInvalidArgument for a regex RE2 rejects.
Result<FieldProgram> CompilePredicate(const FieldExpr& expr);
// by(expr), aggregate arguments, output fields: the root yields a value; unscoped attributes
// outside comparisons read the first scope that has them (span, resource, event, link, scope).
Result<FieldProgram> CompileValue(const FieldExpr& expr);
FieldProgram CompileAttribute(const Attribute& attribute);

// Per-thread evaluation state: the span being evaluated and scratch space. Reused across spans
// and traces to avoid allocations; not thread-safe.
struct EvalState {
  const TraceView* trace = nullptr;
  const SpanRef* span = nullptr;
  uint32_t span_index = 0;
  const opentelemetry::proto::trace::v1::Span_Event* event = nullptr;  // bound event, if any
  const opentelemetry::proto::trace::v1::Span_Link* link = nullptr;    // bound link, if any
  std::vector<Value> slot_values;
  std::vector<uint8_t> slot_bound;
  std::vector<std::string> scratch;  // per node: rendered IDs
  Status error;                      // first run-time error (integer division by zero)

  void SetTrace(const TraceView& t) { trace = &t; }
  void SetSpan(uint32_t index) {
    span = &trace->spans()[index];
    span_index = index;
  }
};

// Whether the span in `state` passes the filter (events/links tried one at a time).
bool MatchSpan(const FieldProgram& program, EvalState& state);
// The value of the expression for the span in `state`. The value may point into `state`'s
// scratch space, valid until the next evaluation.
Value EvalValue(const FieldProgram& program, EvalState& state);

}  // namespace tempo::traceql::eval
