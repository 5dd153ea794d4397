// WalkTraceWire: a read-only walk over serialized tempopb.Trace bytes for callers that need a few
// span fields of many traces (the querier rules traces out before decoding them). Field numbers
// are those of src/proto/opentelemetry (trace.proto, common.proto, resource.proto).
#include "tempo/model/otlp_wire_walk.h"

#include <cstring>

#include "tempo/model/wire_format.h"

namespace tempo::model {
namespace {

using wire::Field;
using wire::IsBytes;
using wire::ReadField;
using wire::Reader;

class Walker {
 public:
  explicit Walker(TraceWireVisitor* v) : v_(v) {}

  bool Trace(std::string_view bytes) {
    Reader r(bytes);
    Field f;
    while (!r.done()) {
      if (!ReadField(r, &f)) return false;
      if (f.number == 1 && IsBytes(f)) {
        if (!ResourceSpans(f.bytes)) return false;
        if (stopped_) return true;
      }
    }
    return true;
  }

 private:
  bool ResourceSpans(std::string_view bytes) {
    Reader r(bytes);
    Field f;
    while (!r.done() && !stopped_) {
      if (!ReadField(r, &f)) return false;
      if (!IsBytes(f)) continue;
      if (f.number == 1) {
        if (!AttributesOf(f.bytes, 1, WireOwner::kResource)) return false;
      } else if (f.number == 2 || f.number == 1000) {
        if (!ScopeSpans(f.bytes)) return false;
      }
    }
    return true;
  }

  // A Resource (attributes: field 1) or Link (field 4): only their attributes are reported.
  bool AttributesOf(std::string_view bytes, uint32_t field, WireOwner owner) {
    Reader r(bytes);
    Field f;
    while (!r.done()) {
      if (!ReadField(r, &f)) return false;
      if (f.number == field && IsBytes(f) && !KeyValue(owner, f.bytes)) return false;
    }
    return true;
  }

  bool ScopeSpans(std::string_view bytes) {
    Reader r(bytes);
    Field f;
    while (!r.done() && !stopped_) {
      if (!ReadField(r, &f)) return false;
      if (!IsBytes(f)) continue;
      if (f.number == 1) {
        if (!Scope(f.bytes)) return false;
      } else if (f.number == 2) {
        if (!Span(f.bytes)) return false;
        stopped_ = v_->Done();
      }
    }
    return true;
  }

  bool Scope(std::string_view bytes) {
    Reader r(bytes);
    Field f;
    std::string_view name, version;
    while (!r.done()) {
      if (!ReadField(r, &f)) return false;
      if (!IsBytes(f)) continue;
      if (f.number == 1) {
        name = f.bytes;
      } else if (f.number == 2) {
        version = f.bytes;
      } else if (f.number == 3 && !KeyValue(WireOwner::kScope, f.bytes)) {
        return false;
      }
    }
    v_->Scope(name, version);
    return true;
  }

  bool Span(std::string_view bytes) {
    Reader r(bytes);
    Field f;
    WireSpan span;
    while (!r.done()) {
      if (!ReadField(r, &f)) return false;
      switch (f.number) {
        case 5:
          if (IsBytes(f)) span.name = f.bytes;
          break;
        case 6:
          if (f.type == wire::kVarint) span.kind = static_cast<int64_t>(f.value);
          break;
        case 7:
          if (f.type == wire::kFixed64) span.start_unix_nano = f.value;
          break;
        case 8:
          if (f.type == wire::kFixed64) span.end_unix_nano = f.value;
          break;
        case 9:
          if (IsBytes(f) && !KeyValue(WireOwner::kSpan, f.bytes)) return false;
          break;
        case 11:
          if (IsBytes(f) && !Event(f.bytes)) return false;
          break;
        case 13:
          if (IsBytes(f) && !AttributesOf(f.bytes, 4, WireOwner::kLink)) return false;
          break;
        case 15:
          if (IsBytes(f) && !Status(f.bytes, &span)) return false;
          break;
        default:
          break;
      }
    }
    v_->Span(span);
    return true;
  }

  bool Status(std::string_view bytes, WireSpan* span) {
    Reader r(bytes);
    Field f;
    // A repeated `status` field merges into one message: later fields win.
    while (!r.done()) {
      if (!ReadField(r, &f)) return false;
      if (f.number == 2 && IsBytes(f)) span->status_message = f.bytes;
      if (f.number == 3 && f.type == wire::kVarint) {
        span->status_code = static_cast<int64_t>(f.value);
      }
    }
    return true;
  }

  bool Event(std::string_view bytes) {
    Reader r(bytes);
    Field f;
    std::string_view name;
    while (!r.done()) {
      if (!ReadField(r, &f)) return false;
      if (!IsBytes(f)) continue;
      if (f.number == 2) {
        name = f.bytes;
      } else if (f.number == 3 && !KeyValue(WireOwner::kEvent, f.bytes)) {
        return false;
      }
    }
    v_->Event(name);
    return true;
  }

  bool KeyValue(WireOwner owner, std::string_view bytes) {
    Reader r(bytes);
    Field f;
    WireAttribute a;
    while (!r.done()) {
      if (!ReadField(r, &f)) return false;
      if (f.number == 1 && IsBytes(f)) {
        a.key = f.bytes;
      } else if (f.number == 2 && IsBytes(f)) {
        // A repeated value field merges: the last oneof member set wins.
        if (!AnyValue(f.bytes, &a)) return false;
      }
    }
    v_->Attribute(owner, a);
    return true;
  }

  static bool AnyValue(std::string_view bytes, WireAttribute* a) {
    Reader r(bytes);
    Field f;
    while (!r.done()) {
      if (!ReadField(r, &f)) return false;
      switch (f.number) {
        case 1:
          if (IsBytes(f)) {
            a->type = WireAttribute::Type::kString;
            a->string_value = f.bytes;
          }
          break;
        case 2:
          if (f.type == wire::kVarint) {
            a->type = WireAttribute::Type::kBool;
            a->int_value = f.value != 0 ? 1 : 0;
          }
          break;
        case 3:
          if (f.type == wire::kVarint) {
            a->type = WireAttribute::Type::kInt;
            a->int_value = static_cast<int64_t>(f.value);
          }
          break;
        case 4:
          if (f.type == wire::kFixed64) {
            a->type = WireAttribute::Type::kDouble;
            std::memcpy(&a->double_value, &f.value, sizeof(double));
          }
          break;
        case 5:
          if (IsBytes(f)) a->type = WireAttribute::Type::kArray;
          break;
        case 6:
          if (IsBytes(f)) a->type = WireAttribute::Type::kKvList;
          break;
        case 7:
          if (IsBytes(f)) {
            a->type = WireAttribute::Type::kBytes;
            a->string_value = f.bytes;
          }
          break;
        default:
          break;
      }
    }
    return true;
  }

  TraceWireVisitor* v_;
  bool stopped_ = false;
};

}  // namespace

bool WalkTraceWire(std::string_view trace_bytes, TraceWireVisitor* visitor) {
  return Walker(visitor).Trace(trace_bytes);
}

}  // namespace tempo::model
