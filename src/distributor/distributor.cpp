#include "tempo/distributor/distributor.h"

#include <algorithm>
#include <cmath>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/common/log.h"
#include "tempo/common/tenant.h"

namespace tempo::distributor {
Distributor::Distributor(DistributorConfig config, model::TraceSink& sink,
                         const overrides::Overrides& overrides, metrics::Registry& registry,
                         Clock& clock)
    : config_(config),
      sink_(sink),
      overrides_(overrides),
      clock_(clock),
      spans_received_(registry.AddCounter("tempo_distributor_spans_received_total",
                                          "Spans received, per tenant.", {"tenant"})),
      bytes_received_(registry.AddCounter("tempo_distributor_bytes_received_total",
                                          "Protobuf bytes of spans received, per tenant.",
                                          {"tenant"})),
      discarded_spans_(registry.AddCounter("tempo_discarded_spans_total",
                                           "Spans discarded, by tenant and reason.",
                                           {"tenant", "reason"})),
      attributes_truncated_(registry.AddCounter(
          "tempo_distributor_attributes_truncated_total",
          "Attribute keys and values cut to max_attribute_bytes, per tenant.", {"tenant"})) {}

Result<std::string> Distributor::ResolveTenant(const std::vector<std::string_view>& org_ids) const {
  if (!config_.multitenancy_enabled) return std::string(kSingleTenant);
  if (org_ids.size() != 1 || org_ids.front().empty()) return UnavailableError("no org id");
  std::string_view tenant = org_ids.front();
  TEMPO_RETURN_IF_ERROR(ValidateTenantId(tenant));
  return std::string(tenant);
}

Status Distributor::CheckRateLimit(const std::string& tenant,
                                   const overrides::TenantLimits& limits, uint64_t bytes) {
  if (limits.ingestion_rate_limit_bytes <= 0) return Status::Ok();
  const double rate = static_cast<double>(limits.ingestion_rate_limit_bytes);
  const double burst = static_cast<double>(std::max(limits.ingestion_burst_size_bytes,
                                                    limits.ingestion_rate_limit_bytes));
  auto now = clock_.Monotonic();
  std::lock_guard<std::mutex> lock(buckets_mu_);
  Bucket& b = buckets_[tenant];
  if (!b.initialized) {
    b.tokens = burst;
    b.last = now;
    b.initialized = true;
  }
  double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(burst, b.tokens + std::max(0.0, elapsed) * rate);
  b.last = now;
  const double need = static_cast<double>(bytes);
  if (need > burst) {
    return ResourceExhaustedError(
        "RATE_LIMITED: batch size (" + std::to_string(bytes) +
        " bytes) exceeds ingestion limit (local: " + std::to_string(limits.ingestion_rate_limit_bytes) +
        " bytes/s, burst: " + std::to_string(limits.ingestion_burst_size_bytes) +
        " bytes) for tenant " + tenant + ", consider sending smaller batches");
  }
  if (need > b.tokens) {
    return ResourceExhaustedError(
        "RATE_LIMITED: ingestion rate limit (local: " +
        std::to_string(limits.ingestion_rate_limit_bytes) + " bytes/s, burst: " +
        std::to_string(limits.ingestion_burst_size_bytes) + " bytes) exceeded while adding " +
        std::to_string(bytes) + " bytes for tenant " + tenant);
  }
  b.tokens -= need;
  return Status::Ok();
}

Status Distributor::Decorate(Status status, const overrides::TenantLimits& limits) const {
  if (status.code() != StatusCode::kResourceExhausted || !limits.retry_info_enabled) return status;
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                  config_.retry_after_on_resource_exhausted)
                  .count();
  if (secs <= 0) return status;
  return status.WithRetryAfter(static_cast<int>(secs));
}

void Distributor::Push(const RequestContext& ctx, model::OtlpRequest&& request,
                       model::PushCallback done) {
  // One serialization replaces the per-trace message copies and re-serializations of the split.
  const std::string bytes = request.SerializeAsString();
  model::OtlpWireRequest wire;
  // Our own serialization: UTF-8 is not checked again (libprotobuf only logs it when writing).
  if (Status s = wire.Parse(bytes, /*check_utf8=*/false); !s.ok()) {
    done(InternalError("a decoded request does not serialize to a valid one: " + s.message()));
    return;
  }
  Push(ctx, std::move(wire), std::move(done));
}

void Distributor::Push(const RequestContext& ctx, model::OtlpWireRequest&& request,
                       model::PushCallback done) {
  const size_t spans = request.span_count();
  if (spans == 0) {
    done(Status::Ok());
    return;
  }
  const std::string& tenant = ctx.tenant;
  auto limits = overrides_.For(tenant);
  const uint64_t bytes = request.byte_size();

  if (Status s = CheckRateLimit(tenant, *limits, bytes); !s.ok()) {
    discarded_spans_.WithLabels({tenant, "rate_limited"}).Inc(static_cast<double>(spans));
    done(Decorate(std::move(s), *limits));
    return;
  }
  if (Status s = request.ValidateIds(); !s.ok()) {
    discarded_spans_.WithLabels({tenant, "invalid_span_id"}).Inc(static_cast<double>(spans));
    done(std::move(s));
    return;
  }
  // Counted once the request passed the limit and the checks, as Tempo does.
  spans_received_.WithLabels({tenant}).Inc(static_cast<double>(spans));
  bytes_received_.WithLabels({tenant}).Inc(static_cast<double>(bytes));
  if (limits->max_attribute_bytes > 0) {
    if (size_t cut = request.TruncateAttributes(static_cast<size_t>(limits->max_attribute_bytes));
        cut > 0) {
      attributes_truncated_.WithLabels({tenant}).Inc(static_cast<double>(cut));
    }
  }
  std::vector<model::TraceFragment> fragments = request.SplitByTrace();
  sink_.Push(ctx, std::move(fragments),
             [this, limits, done = std::move(done)](Status s) { done(Decorate(std::move(s), *limits)); });
}

void Distributor::RecordDiscarded(const std::string& tenant, std::string_view reason,
                                  uint64_t spans) {
  discarded_spans_.WithLabels({tenant, std::string(reason)}).Inc(static_cast<double>(spans));
}

}  // namespace tempo::distributor
