// Maps a parsed jaeger.api_v2 protobuf batch (gRPC PostSpans, spec/ingest-protocols.md §7.4) onto
// the protocol-neutral Batch. Parsing itself is protobuf's; this checks what Jaeger's custom id
// types check in grpc-go's codec.

#include <string>

#include "jaeger/collector.pb.h"
#include "receivers/jaeger/jaeger_decoder.h"

namespace tempo::receivers::jaeger {
namespace {

namespace pb = ::jaeger::api_v2;

uint64_t BigEndian64(std::string_view bytes) {
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

// Trace ids are 16 bytes (high half first) or 8 bytes (low half); empty means zero.
Status ParseTraceId(const std::string& bytes, uint64_t* high, uint64_t* low) {
  if (bytes.size() == 16) {
    *high = BigEndian64(std::string_view(bytes).substr(0, 8));
    *low = BigEndian64(std::string_view(bytes).substr(8));
    return Status::Ok();
  }
  if (bytes.size() == 8 || bytes.empty()) {
    *high = 0;
    *low = BigEndian64(bytes);
    return Status::Ok();
  }
  return InvalidArgumentError("trace id must be 16 or 8 bytes, got " +
                              std::to_string(bytes.size()));
}

Status ParseSpanId(const std::string& bytes, uint64_t* id) {
  if (bytes.size() != 8 && !bytes.empty()) {
    return InvalidArgumentError("span id must be 8 bytes, got " + std::to_string(bytes.size()));
  }
  *id = BigEndian64(bytes);
  return Status::Ok();
}

uint64_t TimestampNanos(const google::protobuf::Timestamp& t) {
  return static_cast<uint64_t>(t.seconds()) * 1000000000ull + static_cast<uint64_t>(t.nanos());
}

uint64_t DurationNanos(const google::protobuf::Duration& d) {
  return static_cast<uint64_t>(d.seconds()) * 1000000000ull + static_cast<uint64_t>(d.nanos());
}

void MapTags(const google::protobuf::RepeatedPtrField<pb::KeyValue>& in, std::vector<Tag>* out) {
  out->reserve(static_cast<size_t>(in.size()));
  for (const pb::KeyValue& kv : in) {
    Tag& tag = out->emplace_back();
    tag.key = kv.key();
    tag.raw_type = kv.v_type();
    switch (kv.v_type()) {
      case pb::STRING:
        tag.kind = TagKind::kString;
        tag.str = kv.v_str();
        break;
      case pb::BOOL:
        tag.kind = TagKind::kBool;
        tag.b = kv.v_bool();
        break;
      case pb::INT64:
        tag.kind = TagKind::kInt;
        tag.i = kv.v_int64();
        break;
      case pb::FLOAT64:
        tag.kind = TagKind::kDouble;
        tag.d = kv.v_float64();
        break;
      case pb::BINARY:
        tag.kind = TagKind::kBinary;
        tag.str = kv.v_binary();
        break;
      default:
        tag.kind = TagKind::kUnknown;
        break;
    }
  }
}

void MapProcess(const pb::Process& in, Process* out) {
  out->service_name = in.service_name();
  MapTags(in.tags(), &out->tags);
}

}  // namespace

Status DecodeProtoBatch(const pb::Batch& message, Batch* out) {
  if (message.has_process()) {
    out->has_process = true;
    MapProcess(message.process(), &out->process);
  }
  out->spans.reserve(static_cast<size_t>(message.spans_size()));
  for (const pb::Span& in : message.spans()) {
    Span& span = out->spans.emplace_back();
    if (Status s = ParseTraceId(in.trace_id(), &span.trace_high, &span.trace_low); !s.ok()) {
      return s;
    }
    if (Status s = ParseSpanId(in.span_id(), &span.span_id); !s.ok()) return s;
    span.operation_name = in.operation_name();
    span.references.reserve(static_cast<size_t>(in.references_size()));
    for (const pb::SpanRef& ref_in : in.references()) {
      SpanRef& ref = span.references.emplace_back();
      if (Status s = ParseTraceId(ref_in.trace_id(), &ref.trace_high, &ref.trace_low); !s.ok()) {
        return s;
      }
      if (Status s = ParseSpanId(ref_in.span_id(), &ref.span_id); !s.ok()) return s;
      ref.type = ref_in.ref_type();
    }
    span.flags = in.flags();
    span.start_ns = in.has_start_time() ? TimestampNanos(in.start_time()) : 0;
    span.end_ns = span.start_ns + (in.has_duration() ? DurationNanos(in.duration()) : 0);
    MapTags(in.tags(), &span.tags);
    span.logs.reserve(static_cast<size_t>(in.logs_size()));
    for (const pb::Log& log_in : in.logs()) {
      Log& log = span.logs.emplace_back();
      log.time_ns = log_in.has_timestamp() ? TimestampNanos(log_in.timestamp()) : 0;
      MapTags(log_in.fields(), &log.fields);
    }
    if (in.has_process()) {
      MapProcess(in.process(), &out->span_processes.emplace_back());
      span.process = &out->span_processes.back();
    }
    span.blank = in.trace_id().empty() && in.span_id().empty() && in.operation_name().empty() &&
                 in.references_size() == 0 && in.flags() == 0 && !in.has_start_time() &&
                 !in.has_duration() && in.tags_size() == 0 && in.logs_size() == 0 &&
                 !in.has_process() && in.process_id().empty() && in.warnings_size() == 0;
  }
  return Status::Ok();
}

Status PostSpansToOtlp(std::string_view bytes, model::OtlpRequest* out) {
  pb::PostSpansRequest request;
  if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
      !request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return InvalidArgumentError("proto: cannot parse invalid wire-format data");
  }
  Batch batch;
  if (Status s = DecodeProtoBatch(request.batch(), &batch); !s.ok()) return s;
  TranslateToOtlp(batch, Flavor::kProto, out);
  return Status::Ok();
}

}  // namespace tempo::receivers::jaeger
