// Key table rows for the top level, `server`, `ingester`, `storage` and `compactor`.
#include "key_table.h"
#include "targets.h"
#include "tempo/common/log.h"
#include "tempo/common/value_codec.h"
#include "yaml_values.h"

namespace tempo::config {
namespace {

using V = const YAML::Node&;
using P = const std::string&;
using S = LoadState*;

constexpr KeyKind kSection = KeyKind::kSection;
constexpr KeyKind kLeaf = KeyKind::kLeaf;
constexpr KeyKind kIgnored = KeyKind::kIgnored;

Status SetTarget(V v, P p, S s) {
  std::string target = s->config->target;
  TEMPO_RETURN_IF_ERROR(ReadString(v, p, &target));
  if (!IsKnownTarget(target)) {
    return ValueError(p, v, "unknown target \"" + target + "\" (valid: " + KnownTargetList() + ")");
  }
  s->config->target = target;
  return Status::Ok();
}

Status SetMultitenancy(V v, P p, S s) {
  TEMPO_RETURN_IF_ERROR(ReadBool(v, p, &s->config->multitenancy_enabled));
  s->config->distributor.multitenancy_enabled = s->config->multitenancy_enabled;
  return Status::Ok();
}

Status SetLogLevel(V v, P p, S s) {
  std::string level = s->config->server.log_level;
  TEMPO_RETURN_IF_ERROR(ReadString(v, p, &level));
  log::Level parsed;
  if (!log::ParseLevel(level, &parsed)) {
    return ValueError(p, v, "unknown log level \"" + level + "\" (debug, info, warn, error)");
  }
  s->config->server.log_level = level;
  return Status::Ok();
}

Status SetWalEncoding(V v, P p, S s) {
  std::string name;
  TEMPO_RETURN_IF_ERROR(ReadString(v, p, &name));
  Result<ValueCodec> codec = ParseValueCodec(name);
  if (!codec.ok()) return ValueError(p, v, codec.status().message());
  s->config->wal.encoding = codec.value();
  return Status::Ok();
}

const KeySpec kCoreKeys[] = {
    // Top level (Tempo 2.x monolithic keys and the 3.x additions).
    {"target", kLeaf, SetTarget},
    {"multitenancy_enabled", kLeaf, SetMultitenancy},
    {"auth_enabled", kLeaf, SetMultitenancy},  // the pre-2.0 name of multitenancy_enabled
    {"server", kSection},
    {"distributor", kSection},
    {"ingester", kSection},
    {"storage", kSection},
    {"overrides", kSection},
    {"compactor", kSection},
    {"http_api_prefix", kIgnored},
    {"internal_server", kIgnored},
    {"ingester_client", kIgnored},
    {"metrics_generator_client", kIgnored},
    {"querier", kIgnored},
    {"query_frontend", kIgnored},
    {"metrics_generator", kIgnored},
    {"memberlist", kIgnored},
    {"usage_report", kIgnored},
    {"cache", kIgnored},
    {"stream_over_http_enabled", kIgnored},
    {"enable_go_runtime_metrics", kIgnored},
    {"autocomplete_filtering_enabled", kIgnored},
    {"use_otel_tracer", kIgnored},
    {"shutdown_delay", kIgnored},
    {"ingest", kIgnored},
    {"block_builder", kIgnored},
    {"live_store", kIgnored},
    {"live_store_client", kIgnored},
    {"backend_scheduler", kIgnored},
    {"backend_scheduler_client", kIgnored},
    {"backend_worker", kIgnored},

    // server (dskit's server config).
    {"server.http_listen_address", kLeaf,
     [](V v, P p, S s) { return ReadString(v, p, &s->config->server.http_listen_address); }},
    {"server.http_listen_port", kLeaf,
     [](V v, P p, S s) { return ReadPort(v, p, &s->config->server.http_listen_port); }},
    {"server.grpc_listen_address", kLeaf,
     [](V v, P p, S s) { return ReadString(v, p, &s->config->server.grpc_listen_address); }},
    {"server.grpc_listen_port", kLeaf,
     [](V v, P p, S s) { return ReadPort(v, p, &s->config->server.grpc_listen_port); }},
    {"server.log_level", kLeaf, SetLogLevel},
    {"server.graceful_shutdown_timeout", kLeaf,
     [](V v, P p, S s) {
       return ReadDuration(v, p, &s->config->server.graceful_shutdown_timeout);
     }},
    {"server.http_server_idle_timeout", kLeaf,
     [](V v, P p, S s) { return ReadDuration(v, p, &s->config->server.http_server_idle_timeout); }},
    {"server.http_listen_network", kIgnored},
    {"server.http_listen_conn_limit", kIgnored},
    {"server.grpc_listen_network", kIgnored},
    {"server.grpc_listen_conn_limit", kIgnored},
    {"server.tls_cipher_suites", kIgnored},
    {"server.tls_min_version", kIgnored},
    {"server.http_tls_config", kIgnored},
    {"server.grpc_tls_config", kIgnored},
    {"server.register_instrumentation", kIgnored},
    {"server.report_grpc_codes_in_instrumentation_label_enabled", kIgnored},
    {"server.http_server_read_timeout", kIgnored},
    {"server.http_server_read_header_timeout", kIgnored},
    {"server.http_server_write_timeout", kIgnored},
    {"server.http_log_closed_connections_without_response_enabled", kIgnored},
    {"server.grpc_server_*", kIgnored},  // grpc_server_max_recv_msg_size, ..._keepalive_time, ...
    {"server.log_format", kIgnored},
    {"server.log_source_ips_enabled", kIgnored},
    {"server.log_source_ips_header", kIgnored},
    {"server.log_source_ips_regex", kIgnored},
    {"server.log_request_headers", kIgnored},
    {"server.log_request_at_info_level_enabled", kIgnored},
    {"server.log_request_exclude_headers_list", kIgnored},
    {"server.http_path_prefix", kIgnored},
    {"server.proxy_protocol_enabled", kIgnored},
    {"server.cluster_validation", kIgnored},

    // ingester (2.x; 3.0 moved these to live_store).
    {"ingester.trace_idle_period", kLeaf,
     [](V v, P p, S s) { return ReadDuration(v, p, &s->config->ingester.trace_idle_period); }},
    {"ingester.max_block_duration", kLeaf,
     [](V v, P p, S s) { return ReadDuration(v, p, &s->config->ingester.max_block_duration); }},
    {"ingester.max_block_bytes", kLeaf,
     [](V v, P p, S s) { return ReadBytes(v, p, &s->config->ingester.max_block_bytes); }},
    {"ingester.flush_check_period", kLeaf,
     [](V v, P p, S s) { return ReadDuration(v, p, &s->config->ingester.flush_check_period); }},
    {"ingester.complete_block_timeout", kLeaf,
     [](V v, P p, S s) { return ReadDuration(v, p, &s->config->ingester.complete_block_timeout); }},
    {"ingester.max_live_traces_bytes", kLeaf,
     [](V v, P p, S s) { return ReadBytes(v, p, &s->config->ingester.max_live_traces_bytes); }},
    {"ingester.compress_live_traces", kLeaf,
     [](V v, P p, S s) { return ReadBool(v, p, &s->config->ingester.compress_live_traces); }},
    // Before fragments were packed on arrival, idle traces were packed after this long: 0 still
    // means "hold them as pushed", any other duration "packed".
    {"ingester.compress_idle_traces_after", kLeaf,
     [](V v, P p, S s) {
       std::chrono::milliseconds after{1};
       TEMPO_RETURN_IF_ERROR(ReadDuration(v, p, &after));
       s->config->ingester.compress_live_traces = after.count() > 0;
       return Status::Ok();
     }},
    {"ingester.lifecycler", kIgnored},
    {"ingester.concurrent_flushes", kLeaf,
     [](V v, P p, S s) { return ReadBytes(v, p, &s->config->ingester.concurrent_flushes); }},
    {"ingester.flush_op_timeout", kIgnored},
    {"ingester.flush_all_on_shutdown", kIgnored},
    {"ingester.flush_object_storage", kIgnored},
    {"ingester.override_ring_key", kIgnored},
    {"ingester.trace_live_period", kIgnored},
    {"ingester.partition_ring", kIgnored},

    // storage.trace
    {"storage.trace", kSection},
    {"storage.trace.backend", kLeaf,
     [](V v, P p, S s) { return ReadString(v, p, &s->config->storage.backend); }},
    {"storage.trace.local", kSection},
    {"storage.trace.local.path", kLeaf,
     [](V v, P p, S s) { return ReadString(v, p, &s->config->storage.local_path); }},
    {"storage.trace.wal", kSection},
    {"storage.trace.wal.path", kLeaf,
     [](V v, P p, S s) { return ReadString(v, p, &s->config->wal.path); }},
    {"storage.trace.wal.sync", kLeaf,  // our extension: fsync before acknowledging
     [](V v, P p, S s) { return ReadBool(v, p, &s->config->wal.sync); }},
    {"storage.trace.wal.v2_encoding", kLeaf, SetWalEncoding},
    {"storage.trace.wal.search_encoding", kIgnored},
    {"storage.trace.wal.ingestion_time_range_slack", kIgnored},
    {"storage.trace.wal.version", kIgnored},
    {"storage.trace.block", kIgnored},
    {"storage.trace.search", kSection},
    {"storage.trace.search.page_cache_size_bytes", kLeaf,  // our extension
     [](V v, P p, S s) {
       return ReadBytes(v, p, &s->config->storage.store.page_cache_bytes);
     }},
    // chunk_size_bytes, prefetch_trace_count, read_buffer_*, cache_control, ...
    {"storage.trace.search.*", kIgnored},
    {"storage.trace.pool", kIgnored},
    {"storage.trace.s3", kIgnored},
    {"storage.trace.gcs", kIgnored},
    {"storage.trace.azure", kIgnored},
    {"storage.trace.cache", kIgnored},
    {"storage.trace.memcached", kIgnored},
    {"storage.trace.redis", kIgnored},
    {"storage.trace.background_cache", kIgnored},
    {"storage.trace.cache_min_compaction_level", kIgnored},
    {"storage.trace.cache_max_block_age", kIgnored},
    {"storage.trace.blocklist_poll", kLeaf,
     [](V v, P p, S s) { return ReadDuration(v, p, &s->config->storage.store.blocklist_poll); }},
    {"storage.trace.blocklist_poll_*", kIgnored},  // _concurrency, _fallback, _jitter_ms, ...
    {"storage.trace.empty_tenant_deletion_enabled", kIgnored},
    {"storage.trace.empty_tenant_deletion_age", kIgnored},

    // compactor (2.x).
    {"compactor.ring", kIgnored},
    {"compactor.compaction", kSection},
    {"compactor.compaction.compaction_window", kLeaf,
     [](V v, P p, S s) { return ReadDuration(v, p, &s->config->compactor.compaction_window); }},
    {"compactor.compaction.max_compaction_objects", kLeaf,
     [](V v, P p, S s) { return ReadBytes(v, p, &s->config->compactor.max_compaction_objects); }},
    {"compactor.compaction.max_block_bytes", kLeaf,
     [](V v, P p, S s) { return ReadBytes(v, p, &s->config->compactor.max_block_bytes); }},
    {"compactor.compaction.block_retention", kLeaf,
     [](V v, P p, S s) { return ReadDuration(v, p, &s->config->compactor.block_retention); }},
    {"compactor.compaction.compacted_block_retention", kLeaf,
     [](V v, P p, S s) {
       return ReadDuration(v, p, &s->config->compactor.compacted_block_retention);
     }},
    {"compactor.compaction.compaction_cycle", kLeaf,
     [](V v, P p, S s) { return ReadDuration(v, p, &s->config->compactor.compaction_cycle); }},
    // chunk_size_bytes, flush_size_bytes, retention_concurrency, max_time_per_tenant, v2_*.
    {"compactor.compaction.*", kIgnored},
    {"compactor.override_ring_key", kIgnored},
    {"compactor.disabled", kIgnored},
};

}  // namespace

std::span<const KeySpec> CoreKeys() { return kCoreKeys; }

}  // namespace tempo::config
