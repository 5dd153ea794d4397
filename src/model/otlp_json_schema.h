#pragma once

#include <cstdint>
#include <string_view>

namespace tempo::model::otlp_json {

// The OTLP trace request schema as the JSON decoder sees it: message types, their fields (with
// lowerCamelCase and snake_case names), and accessors that create sub-messages on a protobuf
// message passed as `void*`. Private to the OTLP JSON decoder (otlp_json.cpp); all tables are
// immutable and all functions stateless and thread-safe.

// The message types of an OTLP trace request.
enum class Msg : uint8_t {
  kRequest,
  kResourceSpans,
  kResource,
  kScopeSpans,
  kScope,
  kSpan,
  kEvent,
  kLink,
  kStatus,
  kKeyValue,
  kAnyValue,
  kArrayValue,
  kKeyValueList,
};

// The name of `msg` as used in error messages ("span", "keyValue", ...).
std::string_view MsgName(Msg msg);

// Every field the decoder knows, across all message types.
enum class Field : uint8_t {
  kUnknown,
  kResourceSpans,
  kRsResource,
  kRsScopeSpans,
  kRsSchemaUrl,
  kRsDeprecatedScopeSpans,
  kResAttributes,
  kResDroppedAttributes,
  kSsScope,
  kSsSpans,
  kSsSchemaUrl,
  kScName,
  kScVersion,
  kScAttributes,
  kScDroppedAttributes,
  kSpTraceId,
  kSpSpanId,
  kSpTraceState,
  kSpParentSpanId,
  kSpFlags,
  kSpName,
  kSpKind,
  kSpStart,
  kSpEnd,
  kSpAttributes,
  kSpDroppedAttributes,
  kSpEvents,
  kSpDroppedEvents,
  kSpLinks,
  kSpDroppedLinks,
  kSpStatus,
  kEvTime,
  kEvName,
  kEvAttributes,
  kEvDroppedAttributes,
  kLkTraceId,
  kLkSpanId,
  kLkTraceState,
  kLkAttributes,
  kLkDroppedAttributes,
  kLkFlags,
  kStMessage,
  kStCode,
  kKvKey,
  kKvValue,
  kAvString,
  kAvBool,
  kAvInt,
  kAvDouble,
  kAvArray,
  kAvKvlist,
  kAvBytes,
  kArrValues,
  kKvlValues,
};

// What JSON value a field takes.
enum class Shape : uint8_t { kScalar, kMessage, kRepeated };

// One field of a message type: its JSON names, the value it takes and, for message-valued
// fields, the child message type.
struct FieldSpec {
  std::string_view camel;
  std::string_view snake;  // empty when equal to `camel`
  Field field;
  Shape shape;
  Msg child;  // element/message type for kMessage and kRepeated
};

// Stands for a key the decoder does not know; its value is skipped.
inline constexpr FieldSpec kUnknownField = {"", "", Field::kUnknown, Shape::kScalar, Msg::kRequest};

// The field of message type `msg` named `key` (either spelling), or &kUnknownField.
const FieldSpec* FindField(Msg msg, std::string_view key);

// Adds one element to the repeated message field `field` of `parent` and returns it.
// `parent` is a message of the type owning `field`; returns nullptr for any other field.
void* AddElement(Field field, void* parent);

// Returns the (now present) singular message field `field` of `parent`.
// `parent` is a message of the type owning `field`; returns nullptr for any other field.
void* MutableMessage(Field field, void* parent);

}  // namespace tempo::model::otlp_json
