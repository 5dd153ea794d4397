#pragma once

#include <cstdint>
#include <string_view>

namespace tempo::model {

// One attribute (OTLP KeyValue) read off the wire without decoding it. The views point into the
// walked bytes.
struct WireAttribute {
  enum class Type : uint8_t { kNone, kString, kBool, kInt, kDouble, kArray, kKvList, kBytes };
  std::string_view key;
  Type type = Type::kNone;
  std::string_view string_value;  // kString and kBytes
  int64_t int_value = 0;          // kInt; kBool as 0 or 1
  double double_value = 0;        // kDouble
};

// The scalar fields of one span read off the wire (absent fields read as protobuf defaults).
struct WireSpan {
  std::string_view name;
  int64_t kind = 0;
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = 0;
  int64_t status_code = 0;
  std::string_view status_message;
};

// Whose attribute an attribute is.
enum class WireOwner : uint8_t { kResource, kScope, kSpan, kEvent, kLink };

// Receives what WalkTraceWire reads, in wire order: attributes as they are met (those of events
// and links belong to the span being walked), Scope when an instrumentation scope's fields are
// read, Event after an event's fields, Span after all of a span's fields.
class TraceWireVisitor {
 public:
  virtual ~TraceWireVisitor() = default;
  virtual void Attribute(WireOwner owner, const WireAttribute& attribute) = 0;
  virtual void Scope(std::string_view /*name*/, std::string_view /*version*/) {}
  virtual void Event(std::string_view /*name*/) {}
  virtual void Span(const WireSpan& /*span*/) {}
  // Asked after every span: true ends the walk early.
  virtual bool Done() const { return false; }
};

// Walks serialized tempopb.Trace bytes (or any concatenation of them, which is one Trace with the
// resources of all) without building messages: resources, scopes (the deprecated field-1000
// instrumentation-library spans as well), spans, events and links. Unknown fields are skipped.
// Returns false on bytes that do not parse as a Trace; the visitor may have seen a part by then.
// A pure function; thread-safe.
bool WalkTraceWire(std::string_view trace_bytes, TraceWireVisitor* visitor);

}  // namespace tempo::model
