#pragma once

#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

namespace tempo::receivers::jaeger {

// The protocol-neutral form of a Jaeger batch that both decoders (thrift and protobuf) produce
// and the translator turns into OTLP. Strings are views into the decoded input (the request
// body or the parsed protobuf message), which must outlive the batch. Plain values; not
// thread-safe.

// The value type a tag selects, shared by thrift's TagType and protobuf's ValueType (whose
// numbering differs; decoders map them).
enum class TagKind : uint8_t { kString, kBool, kInt, kDouble, kBinary, kUnknown };

struct Tag {
  std::string_view key;
  TagKind kind = TagKind::kString;
  std::string_view str;  // kString and kBinary
  bool b = false;
  int64_t i = 0;
  double d = 0;
  int32_t raw_type = 0;  // the type as sent, for the text of kUnknown
};

struct Log {
  uint64_t time_ns = 0;
  std::vector<Tag> fields;
};

inline constexpr int32_t kRefChildOf = 0;
inline constexpr int32_t kRefFollowsFrom = 1;

struct SpanRef {
  uint64_t trace_high = 0;
  uint64_t trace_low = 0;
  uint64_t span_id = 0;
  int32_t type = kRefChildOf;
};

struct Process {
  std::string_view service_name;
  std::vector<Tag> tags;
};

struct Span {
  uint64_t trace_high = 0;
  uint64_t trace_low = 0;
  uint64_t span_id = 0;
  uint64_t parent_span_id = 0;  // thrift only; 0 = none
  std::string_view operation_name;
  std::vector<SpanRef> references;
  uint32_t flags = 0;
  uint64_t start_ns = 0;
  uint64_t end_ns = 0;
  std::vector<Tag> tags;
  std::vector<Log> logs;
  const Process* process = nullptr;  // protobuf per-span process; points into Batch::span_processes
  // True when every field had its default value (such spans are skipped, as upstream does).
  bool blank = false;
};

struct Batch {
  bool has_process = false;
  Process process;
  std::vector<Span> spans;
  std::deque<Process> span_processes;  // storage for Span::process (stable addresses)
};

}  // namespace tempo::receivers::jaeger
