// Validate: the checks on a complete configuration.
#include <string>

#include "targets.h"
#include "tempo/common/endpoint.h"
#include "tempo/common/log.h"
#include "tempo/config/loader.h"

namespace tempo::config {
namespace {

Status CheckEndpoint(std::string_view key, const receivers::ProtocolConfig& protocol) {
  if (!protocol.enabled) return Status::Ok();
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(protocol.endpoint, &host, &port)) {
    return InvalidArgumentError(std::string(key) + ": \"" + protocol.endpoint +
                                "\" is not a valid host:port endpoint");
  }
  return Status::Ok();
}

// Each concurrent flush holds a row group of column builders: a bound that no machine needs.
constexpr uint64_t kMaxConcurrentFlushes = 64;

Status CheckPositive(std::string_view key, std::chrono::milliseconds value) {
  if (value.count() <= 0) {
    return InvalidArgumentError(std::string(key) + ": must be greater than 0");
  }
  return Status::Ok();
}

Status CheckNonNegative(std::string_view key, int64_t value) {
  if (value < 0) {
    return InvalidArgumentError(std::string(key) + ": " + std::to_string(value) +
                                " must not be negative");
  }
  return Status::Ok();
}

Status CheckLimits(const std::string& prefix, const overrides::TenantLimits& limits) {
  TEMPO_RETURN_IF_ERROR(
      CheckNonNegative(prefix + "ingestion.rate_limit_bytes", limits.ingestion_rate_limit_bytes));
  TEMPO_RETURN_IF_ERROR(
      CheckNonNegative(prefix + "ingestion.burst_size_bytes", limits.ingestion_burst_size_bytes));
  TEMPO_RETURN_IF_ERROR(
      CheckNonNegative(prefix + "ingestion.max_attribute_bytes", limits.max_attribute_bytes));
  return CheckNonNegative(prefix + "global.max_bytes_per_trace", limits.max_bytes_per_trace);
}

}  // namespace

Status Validate(const AppConfig& config) {
  if (!IsKnownTarget(config.target)) {
    return InvalidArgumentError("target: unknown target \"" + config.target +
                                "\" (valid: " + KnownTargetList() + ")");
  }
  log::Level level;
  if (!log::ParseLevel(config.server.log_level, &level)) {
    return InvalidArgumentError("server.log_level: unknown log level \"" + config.server.log_level +
                                "\" (debug, info, warn, error)");
  }
  if (config.server.io_threads <= 0) {
    return InvalidArgumentError("server io_threads: must be greater than 0");
  }
  TEMPO_RETURN_IF_ERROR(
      CheckPositive("server.graceful_shutdown_timeout", config.server.graceful_shutdown_timeout));
  TEMPO_RETURN_IF_ERROR(
      CheckPositive("server.http_server_idle_timeout", config.server.http_server_idle_timeout));

  const receivers::ReceiversConfig& rx = config.receivers;
  const std::string otlp = "distributor.receivers.otlp.protocols.";
  const std::string jaeger = "distributor.receivers.jaeger.protocols.";
  TEMPO_RETURN_IF_ERROR(CheckEndpoint(otlp + "grpc.endpoint", rx.otlp_grpc));
  TEMPO_RETURN_IF_ERROR(CheckEndpoint(otlp + "http.endpoint", rx.otlp_http));
  TEMPO_RETURN_IF_ERROR(CheckEndpoint("distributor.receivers.zipkin.endpoint", rx.zipkin));
  TEMPO_RETURN_IF_ERROR(CheckEndpoint(jaeger + "grpc.endpoint", rx.jaeger_grpc));
  TEMPO_RETURN_IF_ERROR(CheckEndpoint(jaeger + "thrift_http.endpoint", rx.jaeger_thrift_http));
  TEMPO_RETURN_IF_ERROR(
      CheckEndpoint(jaeger + "thrift_compact.endpoint", rx.jaeger_thrift_compact));
  TEMPO_RETURN_IF_ERROR(CheckEndpoint(jaeger + "thrift_binary.endpoint", rx.jaeger_thrift_binary));
  if (rx.otlp_http_traces_url_path.empty() || rx.otlp_http_traces_url_path.front() != '/') {
    return InvalidArgumentError(otlp + "http.traces_url_path: \"" + rx.otlp_http_traces_url_path +
                                "\" must start with /");
  }
  if (rx.otlp_grpc_max_recv_msg_size_bytes == 0) {
    return InvalidArgumentError(otlp + "grpc.max_recv_msg_size_mib: must be greater than 0");
  }
  if (rx.http_max_request_body_bytes == 0) {
    return InvalidArgumentError(otlp + "http.max_request_body_size: must be greater than 0");
  }

  if (config.distributor.retry_after_on_resource_exhausted.count() < 0) {
    return InvalidArgumentError(
        "distributor.retry_after_on_resource_exhausted: must not be "
        "negative");
  }

  const ingester::IngesterConfig& ing = config.ingester;
  TEMPO_RETURN_IF_ERROR(CheckPositive("ingester.trace_idle_period", ing.trace_idle_period));
  TEMPO_RETURN_IF_ERROR(CheckPositive("ingester.max_block_duration", ing.max_block_duration));
  TEMPO_RETURN_IF_ERROR(CheckPositive("ingester.flush_check_period", ing.flush_check_period));
  if (ing.concurrent_flushes > kMaxConcurrentFlushes) {
    return InvalidArgumentError("ingester.concurrent_flushes: " +
                                std::to_string(ing.concurrent_flushes) + " is out of range (0-" +
                                std::to_string(kMaxConcurrentFlushes) + ")");
  }
  TEMPO_RETURN_IF_ERROR(
      CheckPositive("ingester.complete_block_timeout", ing.complete_block_timeout));
  if (ing.max_block_bytes == 0) {
    return InvalidArgumentError("ingester.max_block_bytes: must be greater than 0");
  }

  if (config.storage.backend != "local") {
    if (config.storage.backend.empty()) {
      return InvalidArgumentError("storage.trace.backend: must be set (local)");
    }
    return InvalidArgumentError("storage.trace.backend: " + config.storage.backend +
                                " is not supported yet");
  }
  if (config.storage.local_path.empty()) {
    return InvalidArgumentError("storage.trace.local.path: must not be empty");
  }
  if (config.wal.path.empty()) {
    return InvalidArgumentError("storage.trace.wal.path: must not be empty");
  }
  if (config.wal.max_pending_bytes == 0 || config.wal.max_batch_bytes == 0) {
    return InvalidArgumentError("storage.trace.wal: queue and batch sizes must be greater than 0");
  }

  const compactor::CompactorConfig& cc = config.compactor;
  const std::string compaction = "compactor.compaction.";
  TEMPO_RETURN_IF_ERROR(CheckPositive(compaction + "compaction_window", cc.compaction_window));
  TEMPO_RETURN_IF_ERROR(CheckPositive(compaction + "block_retention", cc.block_retention));
  TEMPO_RETURN_IF_ERROR(CheckPositive(compaction + "compaction_cycle", cc.compaction_cycle));
  if (cc.max_compaction_objects == 0 || cc.max_block_bytes == 0) {
    return InvalidArgumentError(compaction +
                                "max_compaction_objects and max_block_bytes: must be greater "
                                "than 0");
  }

  TEMPO_RETURN_IF_ERROR(CheckLimits("overrides.defaults.", config.overrides.defaults));
  for (const auto& [tenant, limits] : config.overrides.per_tenant) {
    TEMPO_RETURN_IF_ERROR(CheckLimits("overrides[" + tenant + "].", limits));
  }
  return Status::Ok();
}

}  // namespace tempo::config
