// Key table rows for `distributor.*`, including the receivers, and the receivers' rules.
#include "key_table.h"
#include "yaml_values.h"

namespace tempo::config {
namespace {

using V = const YAML::Node&;
using P = const std::string&;
using S = LoadState*;

constexpr KeyKind kSection = KeyKind::kSection;
constexpr KeyKind kLeaf = KeyKind::kLeaf;
constexpr KeyKind kIgnored = KeyKind::kIgnored;

receivers::ReceiversConfig& Rx(S s) { return s->config->receivers; }

Status Unsupported(V, P p, S s) {
  std::string name = p.substr(p.rfind('.') + 1);
  return InvalidArgumentError(p + ": receiver " + name + " is not supported" +
                              (name == "opencensus" ? " (removed from Tempo)" : "") + " at line " +
                              std::to_string(s->key_line));
}

Status SetMaxRecvMsgSizeMib(V v, P p, S s) {
  uint64_t mib = Rx(s).otlp_grpc_max_recv_msg_size_bytes >> 20;
  TEMPO_RETURN_IF_ERROR(ReadBytes(v, p, &mib));
  if (mib > (uint64_t{1} << 20)) return ValueError(p, v, std::to_string(mib) + " MiB is too large");
  Rx(s).otlp_grpc_max_recv_msg_size_bytes = mib << 20;
  return Status::Ok();
}

Status SetTracesUrlPath(V v, P p, S s) {
  std::string path = Rx(s).otlp_http_traces_url_path;
  TEMPO_RETURN_IF_ERROR(ReadString(v, p, &path));
  if (path.empty()) return ValueError(p, v, "must not be empty");
  // The collector accepts "v1/traces" as "/v1/traces".
  Rx(s).otlp_http_traces_url_path = path.front() == '/' ? path : "/" + path;
  return Status::Ok();
}

const KeySpec kReceiverKeys[] = {
    {"distributor.receivers", kSection},
    {"distributor.retry_after_on_resource_exhausted", kLeaf,
     [](V v, P p, S s) {
       return ReadDuration(v, p, &s->config->distributor.retry_after_on_resource_exhausted);
     }},
    {"distributor.ring", kIgnored},
    {"distributor.override_ring_key", kIgnored},
    {"distributor.forwarders", kIgnored},
    {"distributor.extend_writes", kIgnored},
    {"distributor.log_received_spans", kIgnored},
    {"distributor.log_discarded_spans", kIgnored},
    {"distributor.metric_received_spans", kIgnored},
    {"distributor.usage", kIgnored},
    {"distributor.max_span_attr_byte", kIgnored},
    {"distributor.ingester_write_path_enabled", kIgnored},
    {"distributor.kafka_write_path_enabled", kIgnored},

    // OTLP (the collector's otlpreceiver).
    {"distributor.receivers.otlp", kSection,
     [](V, P, S s) {
       s->any_receiver = s->otlp_present = true;
       return Status::Ok();
     }},
    {"distributor.receivers.otlp.protocols", kSection},
    {"distributor.receivers.otlp.protocols.grpc", kSection,
     [](V, P, S s) {
       Rx(s).otlp_grpc.enabled = true;
       return Status::Ok();
     }},
    {"distributor.receivers.otlp.protocols.grpc.endpoint", kLeaf,
     [](V v, P p, S s) { return ReadString(v, p, &Rx(s).otlp_grpc.endpoint); }},
    {"distributor.receivers.otlp.protocols.grpc.max_recv_msg_size_mib", kLeaf,
     SetMaxRecvMsgSizeMib},
    {"distributor.receivers.otlp.protocols.grpc.transport", kIgnored},
    {"distributor.receivers.otlp.protocols.grpc.max_concurrent_streams", kIgnored},
    {"distributor.receivers.otlp.protocols.grpc.read_buffer_size", kIgnored},
    {"distributor.receivers.otlp.protocols.grpc.write_buffer_size", kIgnored},
    {"distributor.receivers.otlp.protocols.grpc.keepalive", kIgnored},
    {"distributor.receivers.otlp.protocols.grpc.tls", kIgnored},
    {"distributor.receivers.otlp.protocols.grpc.auth", kIgnored},
    {"distributor.receivers.otlp.protocols.grpc.include_metadata", kIgnored},
    {"distributor.receivers.otlp.protocols.http", kSection,
     [](V, P, S s) {
       Rx(s).otlp_http.enabled = true;
       return Status::Ok();
     }},
    {"distributor.receivers.otlp.protocols.http.endpoint", kLeaf,
     [](V v, P p, S s) { return ReadString(v, p, &Rx(s).otlp_http.endpoint); }},
    {"distributor.receivers.otlp.protocols.http.traces_url_path", kLeaf, SetTracesUrlPath},
    {"distributor.receivers.otlp.protocols.http.max_request_body_size", kLeaf,
     [](V v, P p, S s) { return ReadBytes(v, p, &Rx(s).http_max_request_body_bytes); }},
    {"distributor.receivers.otlp.protocols.http.metrics_url_path", kIgnored},
    {"distributor.receivers.otlp.protocols.http.logs_url_path", kIgnored},
    {"distributor.receivers.otlp.protocols.http.cors", kIgnored},
    {"distributor.receivers.otlp.protocols.http.tls", kIgnored},
    {"distributor.receivers.otlp.protocols.http.auth", kIgnored},
    {"distributor.receivers.otlp.protocols.http.include_metadata", kIgnored},
    {"distributor.receivers.otlp.protocols.http.response_headers", kIgnored},

    // Zipkin.
    {"distributor.receivers.zipkin", kSection,
     [](V, P, S s) {
       s->any_receiver = Rx(s).zipkin.enabled = true;
       return Status::Ok();
     }},
    {"distributor.receivers.zipkin.endpoint", kLeaf,
     [](V v, P p, S s) { return ReadString(v, p, &Rx(s).zipkin.endpoint); }},
    {"distributor.receivers.zipkin.parse_string_tags", kIgnored},
    {"distributor.receivers.zipkin.cors", kIgnored},
    {"distributor.receivers.zipkin.tls", kIgnored},
    {"distributor.receivers.zipkin.auth", kIgnored},
    {"distributor.receivers.zipkin.include_metadata", kIgnored},
    {"distributor.receivers.zipkin.response_headers", kIgnored},
    {"distributor.receivers.zipkin.max_request_body_size", kIgnored},

    // Jaeger.
    {"distributor.receivers.jaeger", kSection,
     [](V, P, S s) {
       s->any_receiver = s->jaeger_present = true;
       return Status::Ok();
     }},
    {"distributor.receivers.jaeger.protocols", kSection},
    {"distributor.receivers.jaeger.remote_sampling", kIgnored},
    {"distributor.receivers.jaeger.protocols.grpc", kSection,
     [](V, P, S s) {
       Rx(s).jaeger_grpc.enabled = true;
       return Status::Ok();
     }},
    {"distributor.receivers.jaeger.protocols.grpc.endpoint", kLeaf,
     [](V v, P p, S s) { return ReadString(v, p, &Rx(s).jaeger_grpc.endpoint); }},
    {"distributor.receivers.jaeger.protocols.grpc.transport", kIgnored},
    {"distributor.receivers.jaeger.protocols.grpc.max_recv_msg_size_mib", kIgnored},
    {"distributor.receivers.jaeger.protocols.grpc.max_concurrent_streams", kIgnored},
    {"distributor.receivers.jaeger.protocols.grpc.read_buffer_size", kIgnored},
    {"distributor.receivers.jaeger.protocols.grpc.write_buffer_size", kIgnored},
    {"distributor.receivers.jaeger.protocols.grpc.keepalive", kIgnored},
    {"distributor.receivers.jaeger.protocols.grpc.tls", kIgnored},
    {"distributor.receivers.jaeger.protocols.grpc.auth", kIgnored},
    {"distributor.receivers.jaeger.protocols.grpc.include_metadata", kIgnored},
    {"distributor.receivers.jaeger.protocols.thrift_http", kSection,
     [](V, P, S s) {
       Rx(s).jaeger_thrift_http.enabled = true;
       return Status::Ok();
     }},
    {"distributor.receivers.jaeger.protocols.thrift_http.endpoint", kLeaf,
     [](V v, P p, S s) { return ReadString(v, p, &Rx(s).jaeger_thrift_http.endpoint); }},
    {"distributor.receivers.jaeger.protocols.thrift_http.cors", kIgnored},
    {"distributor.receivers.jaeger.protocols.thrift_http.tls", kIgnored},
    {"distributor.receivers.jaeger.protocols.thrift_http.auth", kIgnored},
    {"distributor.receivers.jaeger.protocols.thrift_http.include_metadata", kIgnored},
    {"distributor.receivers.jaeger.protocols.thrift_http.response_headers", kIgnored},
    {"distributor.receivers.jaeger.protocols.thrift_http.max_request_body_size", kIgnored},
    {"distributor.receivers.jaeger.protocols.thrift_compact", kSection,
     [](V, P, S s) {
       Rx(s).jaeger_thrift_compact.enabled = true;
       return Status::Ok();
     }},
    {"distributor.receivers.jaeger.protocols.thrift_compact.endpoint", kLeaf,
     [](V v, P p, S s) { return ReadString(v, p, &Rx(s).jaeger_thrift_compact.endpoint); }},
    {"distributor.receivers.jaeger.protocols.thrift_compact.queue_size", kIgnored},
    {"distributor.receivers.jaeger.protocols.thrift_compact.max_packet_size", kIgnored},
    {"distributor.receivers.jaeger.protocols.thrift_compact.workers", kIgnored},
    {"distributor.receivers.jaeger.protocols.thrift_compact.socket_buffer_size", kIgnored},
    {"distributor.receivers.jaeger.protocols.thrift_binary", kSection,
     [](V, P, S s) {
       Rx(s).jaeger_thrift_binary.enabled = true;
       return Status::Ok();
     }},
    {"distributor.receivers.jaeger.protocols.thrift_binary.endpoint", kLeaf,
     [](V v, P p, S s) { return ReadString(v, p, &Rx(s).jaeger_thrift_binary.endpoint); }},
    {"distributor.receivers.jaeger.protocols.thrift_binary.queue_size", kIgnored},
    {"distributor.receivers.jaeger.protocols.thrift_binary.max_packet_size", kIgnored},
    {"distributor.receivers.jaeger.protocols.thrift_binary.workers", kIgnored},
    {"distributor.receivers.jaeger.protocols.thrift_binary.socket_buffer_size", kIgnored},

    // Receivers Tempo knows (or knew) that we do not implement: an error, never silently ignored,
    // because spans sent to them would be lost.
    {"distributor.receivers.opencensus", kLeaf, Unsupported},
    {"distributor.receivers.kafka", kLeaf, Unsupported},
};

}  // namespace

std::span<const KeySpec> ReceiverKeys() { return kReceiverKeys; }

void EnableDefaultReceivers(receivers::ReceiversConfig* receivers) {
  receivers->otlp_grpc.enabled = true;
  receivers->jaeger_grpc.enabled = true;
  receivers->jaeger_thrift_http.enabled = true;
}

Status FinishReceivers(const LoadState& state, receivers::ReceiversConfig* receivers) {
  if (!state.any_receiver) {
    EnableDefaultReceivers(receivers);
    return Status::Ok();
  }
  if (state.otlp_present && !receivers->otlp_grpc.enabled && !receivers->otlp_http.enabled) {
    return InvalidArgumentError(
        "distributor.receivers.otlp: at least one protocol (grpc, http) must be configured");
  }
  if (state.jaeger_present && !receivers->jaeger_grpc.enabled &&
      !receivers->jaeger_thrift_http.enabled && !receivers->jaeger_thrift_compact.enabled &&
      !receivers->jaeger_thrift_binary.enabled) {
    return InvalidArgumentError(
        "distributor.receivers.jaeger: at least one protocol (grpc, thrift_http, thrift_compact, "
        "thrift_binary) must be configured");
  }
  return Status::Ok();
}

}  // namespace tempo::config
