#include "tempo/model/otlp_json.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "model/otlp_json_schema.h"
#include "model/otlp_json_setters.h"
#include "model/otlp_json_values.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/model/tempo_json.h"

namespace tempo::model {
namespace {

namespace collectorpb = opentelemetry::proto::collector::trace::v1;

using otlp_json::AddElement;
using otlp_json::Describe;
using otlp_json::FieldPath;
using otlp_json::FieldSpec;
using otlp_json::FindField;
using otlp_json::kUnknownField;
using otlp_json::Msg;
using otlp_json::MutableMessage;
using otlp_json::Scalar;
using otlp_json::ScalarWant;
using otlp_json::SetScalar;
using otlp_json::Shape;

// Deepest JSON nesting accepted. Valid OTLP needs about 10 levels plus 3 per nested AnyValue; the
// cap also keeps the decoded message well under protobuf's parse limit of 100 nested messages.
constexpr size_t kMaxDepth = 64;

// nlohmann SAX handler that builds the request directly, without a DOM. It keeps an explicit
// stack of open objects/arrays (no recursion), skips unknown keys' values and stops at the first
// error, which it keeps in `status()`.
class RequestBuilder {
 public:
  explicit RequestBuilder(collectorpb::ExportTraceServiceRequest* out) : root_(out) {
    stack_.reserve(16);
  }

  const Status& status() const { return error_; }

  bool null() { return OnScalar(Scalar{}); }
  bool boolean(bool value) {
    Scalar v;
    v.kind = Scalar::Kind::kBool;
    v.b = value;
    return OnScalar(v);
  }
  bool number_integer(int64_t value) {
    Scalar v;
    v.kind = Scalar::Kind::kInt;
    v.i = value;
    return OnScalar(v);
  }
  bool number_unsigned(uint64_t value) {
    Scalar v;
    v.kind = Scalar::Kind::kUint;
    v.u = value;
    return OnScalar(v);
  }
  bool number_float(double value, const std::string& /*text*/) {
    Scalar v;
    v.kind = Scalar::Kind::kFloat;
    v.d = value;
    return OnScalar(v);
  }
  bool string(std::string& value) {
    Scalar v;
    v.kind = Scalar::Kind::kString;
    v.s = &value;
    return OnScalar(v);
  }
  bool binary(nlohmann::json::binary_t& /*value*/) {
    return Fail(InvalidArgumentError("unexpected binary value in JSON"));
  }

  bool start_object(std::size_t /*elements*/) {
    if (!Enter()) return false;
    if (skip_depth_ > 0) {
      ++skip_depth_;
      return true;
    }
    if (stack_.empty()) {
      stack_.push_back(Frame{Msg::kRequest, false, root_, nullptr});
      return true;
    }
    const Frame top = stack_.back();
    if (top.is_array) {
      stack_.push_back(
          Frame{top.field->child, false, AddElement(top.field->field, top.target), nullptr});
      return true;
    }
    if (top.field == &kUnknownField) {
      skip_depth_ = 1;
      return true;
    }
    if (top.field->shape != Shape::kMessage) {
      return Fail(WrongType(top, "an object"));
    }
    stack_.push_back(
        Frame{top.field->child, false, MutableMessage(top.field->field, top.target), nullptr});
    return true;
  }

  bool key(std::string& key) {
    if (skip_depth_ > 0) return true;
    Frame& top = stack_.back();
    top.field = FindField(top.msg, key);
    return true;
  }

  bool end_object() { return Leave(); }

  bool start_array(std::size_t /*elements*/) {
    if (!Enter()) return false;
    if (skip_depth_ > 0) {
      ++skip_depth_;
      return true;
    }
    if (stack_.empty()) {
      return Fail(InvalidArgumentError("OTLP JSON body must be an object, got an array"));
    }
    const Frame top = stack_.back();
    if (top.is_array) {
      return Fail(InvalidArgumentError("invalid value in " + FieldPath(ParentMsg(), *top.field) +
                                       ": expected objects, got an array"));
    }
    if (top.field == &kUnknownField) {
      skip_depth_ = 1;
      return true;
    }
    if (top.field->shape != Shape::kRepeated) {
      return Fail(WrongType(top, "an array"));
    }
    stack_.push_back(Frame{top.field->child, true, top.target, top.field});
    return true;
  }

  bool end_array() { return Leave(); }

  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) {
    std::string what = ex.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix; keep "parse error at line..".
    if (!what.empty() && what[0] == '[') {
      const size_t close = what.find("] ");
      if (close != std::string::npos) what.erase(0, close + 2);
    }
    // The parser quotes the token it stopped at, which may be long or end mid-character.
    constexpr size_t kMaxMessage = 300;
    if (what.size() > kMaxMessage) {
      what.resize(kMaxMessage);
      what.append("...");
    }
    return Fail(InvalidArgumentError("invalid JSON at byte " + std::to_string(position) + ": " +
                                     ToValidUtf8(what)));
  }

 private:
  // An open JSON object (a message being filled) or array (a repeated message field).
  struct Frame {
    Msg msg;  // object: its type; array: the element type
    bool is_array;
    void* target;            // object: the message; array: the message owning the field
    const FieldSpec* field;  // object: the field of the latest key; array: the repeated field
  };

  bool Enter() {
    if (++depth_ > kMaxDepth) {
      return Fail(InvalidArgumentError("JSON nesting deeper than " + std::to_string(kMaxDepth) +
                                       " levels"));
    }
    return true;
  }

  bool Leave() {
    --depth_;
    if (skip_depth_ > 0) {
      --skip_depth_;
    } else if (!stack_.empty()) {
      stack_.pop_back();
    }
    return true;
  }

  // The type of the message owning the array on top of the stack.
  Msg ParentMsg() const {
    return stack_.size() >= 2 ? stack_[stack_.size() - 2].msg : Msg::kRequest;
  }

  Status WrongType(const Frame& top, std::string_view got) const {
    const std::string_view want = top.field->shape == Shape::kRepeated ? "an array"
                                  : top.field->shape == Shape::kMessage
                                      ? "an object"
                                      : ScalarWant(top.field->field);
    return InvalidArgumentError("invalid value for " + FieldPath(top.msg, *top.field) +
                                ": expected " + std::string(want) + ", got " + std::string(got));
  }

  bool OnScalar(Scalar v) {
    if (skip_depth_ > 0) return true;
    if (stack_.empty()) {
      return Fail(InvalidArgumentError("OTLP JSON body must be an object, got " + Describe(v)));
    }
    const Frame& top = stack_.back();
    if (top.is_array) {
      if (v.kind == Scalar::Kind::kNull) return true;  // null element: absent
      return Fail(InvalidArgumentError("invalid value in " + FieldPath(ParentMsg(), *top.field) +
                                       ": expected objects, got " + Describe(v)));
    }
    if (top.field == &kUnknownField || v.kind == Scalar::Kind::kNull) return true;
    if (top.field->shape != Shape::kScalar) {
      return Fail(WrongType(top, Describe(v)));
    }
    Status s = SetScalar(top.msg, top.target, *top.field, v);
    if (!s.ok()) return Fail(std::move(s));
    return true;
  }

  bool Fail(Status status) {
    if (error_.ok()) error_ = std::move(status);
    return false;
  }

  collectorpb::ExportTraceServiceRequest* root_;
  std::vector<Frame> stack_;
  size_t depth_ = 0;       // open objects and arrays, including skipped ones
  size_t skip_depth_ = 0;  // > 0 while inside the value of an unknown key
  Status error_;
};

}  // namespace

Status DecodeOtlpJson(std::string_view body, collectorpb::ExportTraceServiceRequest* out) {
  out->Clear();
  RequestBuilder builder(out);
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(body.begin(), body.end(), &builder);
  } catch (const std::exception& e) {
    // sax_parse reports syntax errors through the handler; this only catches allocation failures.
    return InvalidArgumentError(std::string("cannot decode OTLP JSON: ") + e.what());
  }
  if (!builder.status().ok()) return builder.status();
  if (!ok) return InvalidArgumentError("invalid JSON");
  return Status::Ok();
}

}  // namespace tempo::model
