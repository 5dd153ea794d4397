#pragma once

#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "receivers/jaeger/jaeger_model.h"
#include "tempo/common/status.h"
#include "tempo/model/batch.h"

namespace jaeger::api_v2 {
class Batch;
}

namespace tempo::receivers::jaeger {

// Decoders for every Jaeger wire format (spec/ingest-protocols.md §7), and the one-call forms that
// also translate to OTLP. Pure functions of their input; thread-safe. Malformed input of any kind
// gives kInvalidArgument naming the problem, never a crash.

enum class ThriftProtocol { kBinary, kCompact };

// A bare thrift `Batch` struct (the thrift_http body). `data` must outlive `out`.
Status DecodeThriftBatch(std::string_view data, ThriftProtocol protocol, Batch* out);

// One agent datagram (UDP 6831/6832): a thrift message `emitBatch` (oneway or call) whose argument
// struct holds the Batch as field 1. Errors: kUnimplemented "unsupported method ..." for
// `emitZipkinBatch` and any other method; kInvalidArgument for malformed input.
Status DecodeAgentMessage(std::string_view data, ThriftProtocol protocol, Batch* out);

// A parsed protobuf Batch (gRPC PostSpans). Checks id lengths (trace id 0, 8 or 16 bytes; span ids
// 0 or 8), which grpc-go's codec enforces for Jaeger. `message` must outlive `out`.
Status DecodeProtoBatch(const ::jaeger::api_v2::Batch& message, Batch* out);

// Which translation rules apply (the thrift and protobuf paths differ slightly, §7.5).
enum class Flavor { kThrift, kProto };

// Appends the OTLP form of `batch` to `out` (§7.5): resource per process, spans, links, events,
// status. Never fails.
void TranslateToOtlp(const Batch& batch, Flavor flavor, model::OtlpRequest* out);

// Decode + translate in one call, for the receivers and the benchmarks.
Status ThriftHttpBodyToOtlp(std::string_view body, model::OtlpRequest* out);
Status AgentMessageToOtlp(std::string_view datagram, ThriftProtocol protocol,
                          model::OtlpRequest* out);
// `bytes` is a serialized PostSpansRequest. Errors: kInvalidArgument when it does not parse or an
// id has the wrong length.
Status PostSpansToOtlp(std::string_view bytes, model::OtlpRequest* out);

}  // namespace tempo::receivers::jaeger
