// Evaluating compiled field expressions on one span (traceql.md §6, §8-§11).
#include <re2/re2.h>

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "traceql/eval/id_text.h"
#include "traceql/eval/program.h"

namespace tempo::traceql::eval {
namespace {

using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;
using KeyValues = google::protobuf::RepeatedPtrField<KeyValue>;

const KeyValue* Find(const KeyValues& attributes, std::string_view key) {
  for (const KeyValue& kv : attributes) {
    if (kv.key().size() == key.size() && kv.key() == key) return &kv;
  }
  return nullptr;
}

const opentelemetry::proto::common::v1::AnyValue* FindSpanAttribute(const EvalState& state,
                                                                    std::string_view key) {
  for (const AttributeRef& a : state.trace->span_attributes(state.span_index)) {
    if (a.key.size() == key.size() && a.key == key) return a.value;
  }
  return nullptr;
}

// Calls `fn(value)` for the attribute `key` of every scope that has it, in the order span,
// resource, events, links, instrumentation scope (§6.3), until `fn` returns true. Returns whether
// it did.
template <typename Fn>
bool ForEachUnscoped(const EvalState& state, std::string_view key, Fn&& fn) {
  auto visit = [&](const KeyValues& attributes) {
    const KeyValue* kv = Find(attributes, key);
    return kv != nullptr && fn(FromAnyValue(kv->value()));
  };
  const Span& span = *state.span->span;
  if (const auto* v = FindSpanAttribute(state, key); v != nullptr && fn(FromAnyValue(*v))) {
    return true;
  }
  if (visit(state.span->resource->attributes())) return true;
  if (state.event != nullptr) {
    if (visit(state.event->attributes())) return true;
  } else {
    for (const auto& event : span.events()) {
      if (visit(event.attributes())) return true;
    }
  }
  if (state.link != nullptr) {
    if (visit(state.link->attributes())) return true;
  } else {
    for (const auto& link : span.links()) {
      if (visit(link.attributes())) return true;
    }
  }
  return visit(state.span->scope->attributes());
}

Value ReadAttribute(const Node& n, const EvalState& state) {
  const Span& span = *state.span->span;
  const KeyValue* kv = nullptr;
  switch (n.scope) {
    case AttributeScope::kSpan: {
      const auto* v = FindSpanAttribute(state, n.name);
      return v != nullptr ? FromAnyValue(*v) : Value();
    }
    case AttributeScope::kResource:
      kv = Find(state.span->resource->attributes(), n.name);
      break;
    case AttributeScope::kInstrumentation:
      kv = Find(state.span->scope->attributes(), n.name);
      break;
    case AttributeScope::kEvent:
      if (state.event != nullptr) {
        kv = Find(state.event->attributes(), n.name);
      } else {
        for (const auto& event : span.events()) {
          if ((kv = Find(event.attributes(), n.name)) != nullptr) break;
        }
      }
      break;
    case AttributeScope::kLink:
      if (state.link != nullptr) {
        kv = Find(state.link->attributes(), n.name);
      } else {
        for (const auto& link : span.links()) {
          if ((kv = Find(link.attributes(), n.name)) != nullptr) break;
        }
      }
      break;
    default: {  // unscoped: the chosen scope, else the first scope that has it
      if (state.slot_bound[n.slot]) return state.slot_values[n.slot];
      Value out;
      ForEachUnscoped(state, n.name, [&out](const Value& v) {
        out = v;
        return true;
      });
      return out;
    }
  }
  return kv != nullptr ? FromAnyValue(kv->value()) : Value();
}

const Span::Event* CurrentEvent(const EvalState& state) {
  if (state.event != nullptr) return state.event;
  const Span& span = *state.span->span;
  return span.events_size() > 0 ? &span.events(0) : nullptr;
}

const Span::Link* CurrentLink(const EvalState& state) {
  if (state.link != nullptr) return state.link;
  const Span& span = *state.span->span;
  return span.links_size() > 0 ? &span.links(0) : nullptr;
}

Value ReadIntrinsic(const Node& n, int32_t index, EvalState& state) {
  const SpanRef& ref = *state.span;
  const Span& span = *ref.span;
  std::string& scratch = state.scratch[index];
  switch (n.intrinsic) {
    case Intrinsic::kDuration:
      return Value::Duration(
          static_cast<int64_t>(span.end_time_unix_nano() - span.start_time_unix_nano()));
    case Intrinsic::kName:
      return Value::String(span.name());
    case Intrinsic::kStatus: {
      int code = span.status().code();
      return Value::Status(code >= 0 && code <= 2 ? static_cast<SpanStatusCode>(code)
                                                  : SpanStatusCode::kUnset);
    }
    case Intrinsic::kStatusMessage:
      return Value::String(span.status().message());
    case Intrinsic::kKind: {
      int kind = span.kind();
      return Value::Kind(kind >= 0 && kind <= 5 ? static_cast<SpanKind>(kind)
                                                : SpanKind::kUnspecified);
    }
    case Intrinsic::kChildCount:
      return Value::Int(ref.child_count);
    case Intrinsic::kSpanId:
      SpanIdText(span.span_id(), &scratch);
      return Value::String(scratch);
    case Intrinsic::kParentId:
      SpanIdText(span.parent_span_id(), &scratch);
      return Value::String(scratch);
    case Intrinsic::kTraceDuration:
      return Value::Duration(static_cast<int64_t>(state.trace->duration_nanos()));
    case Intrinsic::kTraceRootName:
      return Value::String(state.trace->root_span_name());
    case Intrinsic::kTraceRootService:
      return Value::String(state.trace->root_service_name());
    case Intrinsic::kTraceId:
      return Value::String(state.trace->id_text());
    case Intrinsic::kEventName: {
      const Span::Event* event = CurrentEvent(state);
      return event != nullptr ? Value::String(event->name()) : Value();
    }
    case Intrinsic::kEventTimeSinceStart: {
      const Span::Event* event = CurrentEvent(state);
      if (event == nullptr) return Value();
      return Value::Duration(
          static_cast<int64_t>(event->time_unix_nano() - span.start_time_unix_nano()));
    }
    case Intrinsic::kLinkTraceId: {
      const Span::Link* link = CurrentLink(state);
      if (link == nullptr) return Value();
      TraceIdText(link->trace_id(), &scratch);
      return Value::String(scratch);
    }
    case Intrinsic::kLinkSpanId: {
      const Span::Link* link = CurrentLink(state);
      if (link == nullptr) return Value();
      SpanIdText(link->span_id(), &scratch);
      return Value::String(scratch);
    }
    case Intrinsic::kInstrumentationName:
      return Value::String(ref.scope->name());
    case Intrinsic::kInstrumentationVersion:
      return Value::String(ref.scope->version());
    case Intrinsic::kNestedSetLeft:
      return Value::Int(ref.nested_set_left);
    case Intrinsic::kNestedSetRight:
      return Value::Int(ref.nested_set_right);
    case Intrinsic::kNestedSetParent:
      return Value::Int(ref.nested_set_parent);
    default:
      return Value();
  }
}

// String intrinsics count as absent when empty for `!= nil` / `= nil` (a span without a name has
// no `name`, as in the reference's existence results).
bool Present(const Node& operand, const Value& v) {
  if (v.is_nil()) return false;
  if (operand.code != OpCode::kIntrinsic) return true;
  switch (operand.intrinsic) {
    case Intrinsic::kName:
    case Intrinsic::kStatusMessage:
    case Intrinsic::kTraceRootName:
    case Intrinsic::kTraceRootService:
    case Intrinsic::kEventName:
    case Intrinsic::kInstrumentationName:
    case Intrinsic::kInstrumentationVersion:
      return !v.s.empty();
    default:
      return true;
  }
}

bool FullMatch(const Node& n, std::string_view s) {
  if (n.regex_range && (s < n.regex_min || s > n.regex_max)) return false;
  return RE2::FullMatch(s, *n.regex);
}

// `v =~ re` / `v !~ re` (§10, §11): false for non-strings and nil.
bool MatchRegex(const Node& n, const Value& v) {
  const bool negate = n.op == BinaryOp::kNotRegex;
  if (v.is_array) {
    // =~: some element matches; !~: no element matches (§11).
    if (v.array == nullptr) return negate;
    for (const auto& element : v.array->values()) {
      Value e = FromAnyValue(element);
      if (e.type != ValueType::kString) return false;
      bool match = FullMatch(n, e.s);
      if (match) return !negate;
    }
    return negate;
  }
  if (v.type != ValueType::kString) return false;
  return FullMatch(n, v.s) != negate;
}

Value Negate(const Value& v) {
  if (v.is_array) return Value();
  switch (v.type) {
    case ValueType::kInt:
      return Value::Int(static_cast<int64_t>(0ull - static_cast<uint64_t>(v.i)));
    case ValueType::kDuration:
      return Value::Duration(static_cast<int64_t>(0ull - static_cast<uint64_t>(v.i)));
    case ValueType::kFloat:
      return Value::Float(-v.f);
    default:
      return Value();  // Tempo fails the query here; we only fail the span (§8.3)
  }
}

Value Eval(const FieldProgram& p, int32_t index, EvalState& state);

Value EvalPlain(const FieldProgram& p, int32_t index, EvalState& state) {
  const Node& n = p.nodes[index];
  switch (n.code) {
    case OpCode::kConst:
      return n.constant;
    case OpCode::kAttribute:
      return ReadAttribute(n, state);
    case OpCode::kIntrinsic:
      return ReadIntrinsic(n, index, state);
    case OpCode::kExists:
      return Value::Bool(Present(p.nodes[n.lhs], Eval(p, n.lhs, state)));
    case OpCode::kNotExists:
      return Value::Bool(!Present(p.nodes[n.lhs], Eval(p, n.lhs, state)));
    case OpCode::kCompare: {
      Value a = Eval(p, n.lhs, state);
      if (a.is_nil()) return Value::Bool(false);
      Value b = Eval(p, n.rhs, state);
      return Value::Bool(Compare(n.op, a, b, n.strict));
    }
    case OpCode::kRegex:
      return Value::Bool(MatchRegex(n, Eval(p, n.lhs, state)));
    case OpCode::kArithmetic: {
      Value a = Eval(p, n.lhs, state);
      Value b = Eval(p, n.rhs, state);
      return Arithmetic(n.op, a, b, &state.error);
    }
    case OpCode::kAnd:
      if (!Eval(p, n.lhs, state).is_true()) return Value::Bool(false);
      return Value::Bool(Eval(p, n.rhs, state).is_true());
    case OpCode::kOr:
      if (Eval(p, n.lhs, state).is_true()) return Value::Bool(true);
      return Value::Bool(Eval(p, n.rhs, state).is_true());
    case OpCode::kNot: {
      Value v = Eval(p, n.lhs, state);
      if (v.type != ValueType::kBool || v.is_array) return Value();
      return Value::Bool(!v.b);
    }
    case OpCode::kNegate:
      return Negate(Eval(p, n.lhs, state));
  }
  return Value();
}

// A choice point: true if some assignment of scopes to its unscoped attributes makes it true. An
// attribute present in no scope is tried once as nil (so `.x = nil` holds only when absent
// everywhere).
Value EvalChoice(const FieldProgram& p, int32_t index, EvalState& state) {
  const Node& n = p.nodes[index];
  if (n.choice_slots.size() == 1) {
    const int32_t slot = n.choice_slots[0];
    bool any = false, found = false;
    ForEachUnscoped(state, p.nodes[p.slot_nodes[slot]].name, [&](const Value& v) {
      any = true;
      state.slot_values[slot] = v;
      state.slot_bound[slot] = 1;
      found = EvalPlain(p, index, state).is_true();
      return found;
    });
    if (!any) {
      state.slot_values[slot] = Value();
      state.slot_bound[slot] = 1;
      found = EvalPlain(p, index, state).is_true();
    }
    state.slot_bound[slot] = 0;
    return Value::Bool(found);
  }
  // Several unscoped attributes in one comparison (`.a = .b`): try every combination.
  std::vector<std::vector<Value>> candidates(n.choice_slots.size());
  for (size_t k = 0; k < n.choice_slots.size(); ++k) {
    ForEachUnscoped(state, p.nodes[p.slot_nodes[n.choice_slots[k]]].name, [&](const Value& v) {
      candidates[k].push_back(v);
      return false;
    });
    if (candidates[k].empty()) candidates[k].push_back(Value());
  }
  std::vector<size_t> pos(candidates.size(), 0);
  bool found = false;
  while (!found) {
    for (size_t k = 0; k < pos.size(); ++k) {
      state.slot_values[n.choice_slots[k]] = candidates[k][pos[k]];
      state.slot_bound[n.choice_slots[k]] = 1;
    }
    found = EvalPlain(p, index, state).is_true();
    size_t k = 0;
    while (k < pos.size() && ++pos[k] == candidates[k].size()) pos[k++] = 0;
    if (k == pos.size()) break;
  }
  for (int32_t slot : n.choice_slots) state.slot_bound[slot] = 0;
  return Value::Bool(found);
}

Value Eval(const FieldProgram& p, int32_t index, EvalState& state) {
  if (!p.nodes[index].choice_slots.empty()) return EvalChoice(p, index, state);
  return EvalPlain(p, index, state);
}

void Prepare(const FieldProgram& p, EvalState& state) {
  if (state.scratch.size() < p.nodes.size()) state.scratch.resize(p.nodes.size());
  if (state.slot_bound.size() < p.slot_nodes.size()) {
    state.slot_bound.resize(p.slot_nodes.size(), 0);
    state.slot_values.resize(p.slot_nodes.size());
  }
}

bool MatchLinks(const FieldProgram& p, EvalState& state) {
  if (p.uses_links && state.span->span->links_size() > 0) {
    for (const auto& link : state.span->span->links()) {
      state.link = &link;
      if (Eval(p, p.root, state).is_true()) {
        state.link = nullptr;
        return true;
      }
    }
    state.link = nullptr;
    return false;
  }
  return Eval(p, p.root, state).is_true();
}

}  // namespace

bool MatchSpan(const FieldProgram& p, EvalState& state) {
  Prepare(p, state);
  if (p.uses_events && state.span->span->events_size() > 0) {
    for (const auto& event : state.span->span->events()) {
      state.event = &event;
      if (MatchLinks(p, state)) {
        state.event = nullptr;
        return true;
      }
    }
    state.event = nullptr;
    return false;
  }
  return MatchLinks(p, state);
}

Value EvalValue(const FieldProgram& p, EvalState& state) {
  Prepare(p, state);
  return Eval(p, p.root, state);
}

}  // namespace tempo::traceql::eval
