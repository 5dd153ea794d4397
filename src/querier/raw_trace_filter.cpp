#include "querier/raw_trace_filter.h"

#include <algorithm>

#include "tempo/model/otlp_wire_walk.h"

namespace tempo::querier {
namespace {

using model::WireAttribute;
using model::WireOwner;
using traceql::AttributeScope;
using traceql::Condition;
using traceql::Intrinsic;
using traceql::Static;
using Mode = RawTraceFilter::Mode;
using Predicate = RawTraceFilter::Predicate;

constexpr uint8_t Bit(WireOwner owner) {
  return static_cast<uint8_t>(1u << static_cast<int>(owner));
}

Predicate Plan(const Condition& c) {
  Predicate p;
  p.condition = &c;
  const traceql::Attribute& a = c.attribute;
  if (!a.is_intrinsic()) {
    if (a.parent) return p;
    switch (a.scope) {
      case AttributeScope::kSpan:
        p.owners = Bit(WireOwner::kSpan);
        break;
      case AttributeScope::kResource:
        p.owners = Bit(WireOwner::kResource);
        break;
      case AttributeScope::kEvent:
        p.owners = Bit(WireOwner::kEvent);
        break;
      case AttributeScope::kLink:
        p.owners = Bit(WireOwner::kLink);
        break;
      case AttributeScope::kInstrumentation:
        p.owners = Bit(WireOwner::kScope);
        break;
      case AttributeScope::kNone:
        p.owners = Bit(WireOwner::kSpan) | Bit(WireOwner::kResource) | Bit(WireOwner::kEvent) |
                   Bit(WireOwner::kLink) | Bit(WireOwner::kScope);
        break;
      default:
        return p;
    }
    // Combining gives resources without attributes service.name = "unknown_service".
    if (a.name == "service.name" && (p.owners & Bit(WireOwner::kResource)) != 0 &&
        traceql::MayMatchString(c, "unknown_service")) {
      return p;
    }
    p.mode = Mode::kAttribute;
    return p;
  }
  switch (a.intrinsic) {
    case Intrinsic::kDuration:
    case Intrinsic::kName:
    case Intrinsic::kStatus:
    case Intrinsic::kStatusMessage:
    case Intrinsic::kKind:
      p.mode = Mode::kSpan;
      break;
    case Intrinsic::kEventName:
      p.mode = Mode::kEventName;
      break;
    case Intrinsic::kInstrumentationName:
      p.mode = Mode::kScopeName;
      break;
    case Intrinsic::kInstrumentationVersion:
      p.mode = Mode::kScopeVersion;
      break;
    default:
      break;
  }
  return p;
}

// A non-empty string intrinsic; an empty one is left undecided (the engine counts empty names
// as absent for existence checks).
bool StringMayHold(const Condition& c, std::string_view v) {
  return v.empty() || traceql::MayMatchString(c, v);
}

bool AttributeMayHold(const Condition& c, const WireAttribute& a) {
  if (c.operand.type == traceql::ValueType::kNil) return true;  // existence: it is present
  switch (a.type) {
    case WireAttribute::Type::kString:
      return traceql::MayMatchString(c, a.string_value);
    case WireAttribute::Type::kBool:
      return traceql::MayMatchValue(c, Static::Bool(a.int_value != 0));
    case WireAttribute::Type::kInt:
      return traceql::MayMatchValue(c, Static::Int(a.int_value));
    case WireAttribute::Type::kDouble:
      return traceql::MayMatchValue(c, Static::Float(a.double_value));
    default:
      return true;  // arrays, kvlists, bytes, no value: not compared here
  }
}

bool SpanMayHold(const Condition& c, const model::WireSpan& s) {
  switch (c.attribute.intrinsic) {
    case Intrinsic::kDuration:
      return traceql::MayMatchValue(
          c, Static::Duration(static_cast<int64_t>(s.end_unix_nano - s.start_unix_nano)));
    case Intrinsic::kName:
      return StringMayHold(c, s.name);
    case Intrinsic::kStatusMessage:
      return StringMayHold(c, s.status_message);
    case Intrinsic::kStatus:
      if (s.status_code < 0 || s.status_code > 2) return true;
      return traceql::MayMatchValue(
          c, Static::Status(static_cast<traceql::SpanStatusCode>(s.status_code)));
    case Intrinsic::kKind:
      if (s.kind < 0 || s.kind > 5) return true;
      return traceql::MayMatchValue(c, Static::Kind(static_cast<traceql::SpanKind>(s.kind)));
    default:
      return true;
  }
}

// Marks the predicates that hold on what the walk reports; Done once every one holds.
class Marker : public model::TraceWireVisitor {
 public:
  Marker(const std::vector<Predicate>& predicates, uint8_t* holds)
      : predicates_(predicates), holds_(holds) {
    for (size_t p = 0; p < predicates_.size(); ++p) {
      if (predicates_[p].mode == Mode::kUndecided) holds_[p] = 1;
      if (holds_[p] == 0) ++open_;
    }
  }

  void Attribute(WireOwner owner, const WireAttribute& a) override {
    ForOpen(Mode::kAttribute, [&](const Predicate& p) {
      return (p.owners & Bit(owner)) != 0 && a.key == p.condition->attribute.name &&
             AttributeMayHold(*p.condition, a);
    });
  }
  void Scope(std::string_view name, std::string_view version) override {
    ForOpen(Mode::kScopeName,
            [&](const Predicate& p) { return StringMayHold(*p.condition, name); });
    ForOpen(Mode::kScopeVersion,
            [&](const Predicate& p) { return StringMayHold(*p.condition, version); });
  }
  void Event(std::string_view name) override {
    ForOpen(Mode::kEventName,
            [&](const Predicate& p) { return StringMayHold(*p.condition, name); });
  }
  void Span(const model::WireSpan& span) override {
    ForOpen(Mode::kSpan, [&](const Predicate& p) { return SpanMayHold(*p.condition, span); });
  }
  bool Done() const override { return open_ == 0; }

 private:
  template <typename Fn>
  void ForOpen(Mode mode, Fn&& holds) {
    if (open_ == 0) return;
    for (size_t p = 0; p < predicates_.size(); ++p) {
      if (holds_[p] == 0 && predicates_[p].mode == mode && holds(predicates_[p])) {
        holds_[p] = 1;
        --open_;
      }
    }
  }

  const std::vector<Predicate>& predicates_;
  uint8_t* holds_;
  size_t open_ = 0;
};

}  // namespace

RawTraceFilter::RawTraceFilter(const traceql::FetchRequest& request) {
  for (const Condition& c : request.conditions) {
    if (c.op) predicates_.push_back(Plan(c));
  }
}

void RawTraceFilter::Evaluate(std::string_view data, uint8_t* holds) const {
  Marker marker(predicates_, holds);
  if (marker.Done()) return;
  if (!model::WalkTraceWire(data, &marker)) std::fill(holds, holds + predicates_.size(), 1);
}

}  // namespace tempo::querier
