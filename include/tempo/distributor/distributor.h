#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/common/clock.h"
#include "tempo/common/metrics.h"
#include "tempo/common/result.h"
#include "tempo/distributor/distributor_config.h"
#include "tempo/model/batch.h"
#include "tempo/model/otlp_wire.h"
#include "tempo/model/sink.h"
#include "tempo/overrides/overrides.h"

namespace tempo::distributor {

// The single path every receiver pushes through: tenant check, rate limit, ID validation,
// attribute truncation, regrouping per trace, then the sink. A request is accepted or rejected as
// a whole; a rejected request stores nothing. `sink`, `overrides`, `registry` and `clock` must
// outlive the Distributor. Thread-safe; never waits on disk.
class Distributor {
 public:
  Distributor(DistributorConfig config, model::TraceSink& sink,
              const overrides::Overrides& overrides, metrics::Registry& registry, Clock& clock);

  // Resolves the tenant from the values of the X-Scope-OrgID header / x-scope-orgid metadata.
  // Multitenancy off: always "single-tenant". On: exactly one non-empty value, checked with
  // ValidateTenantId (common/tenant.h). Errors: kUnavailable "no org id" when missing or repeated (Tempo returns a
  // plain error, which receivers surface as UNAVAILABLE/503), kInvalidArgument for a bad ID.
  Result<std::string> ResolveTenant(const std::vector<std::string_view>& org_ids) const;

  // Pushes one decoded request for `ctx.tenant`; `done` gets the outcome (ok once durable).
  // Errors: kInvalidArgument (bad IDs), kResourceExhausted (rate limit, trace too large, queue
  // full; carries the retry delay), anything the sink returns. Thread-safe.
  // Other receivers' path: the request is serialized once and takes the wire path below.
  void Push(const RequestContext& ctx, model::OtlpRequest&& request, model::PushCallback done);
  // The OTLP receivers' path: a request parsed with OtlpWireRequest::Parse. Its bytes need to stay
  // valid only until Push returns (the fragments handed to the sink own copies). Same checks,
  // errors and outcome as above. Thread-safe.
  void Push(const RequestContext& ctx, model::OtlpWireRequest&& request, model::PushCallback done);

  // Counts spans discarded before they reached the distributor (e.g. undecodable UDP input).
  void RecordDiscarded(const std::string& tenant, std::string_view reason, uint64_t spans);

  bool multitenancy_enabled() const { return config_.multitenancy_enabled; }

 private:
  // Token bucket per tenant over protobuf bytes.
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;
    bool initialized = false;
  };
  Status CheckRateLimit(const std::string& tenant, const overrides::TenantLimits& limits,
                        uint64_t bytes);
  Status Decorate(Status status, const overrides::TenantLimits& limits) const;

  DistributorConfig config_;
  model::TraceSink& sink_;
  const overrides::Overrides& overrides_;
  Clock& clock_;

  std::mutex buckets_mu_;
  std::map<std::string, Bucket> buckets_;  // guarded by buckets_mu_

  metrics::CounterFamily& spans_received_;
  metrics::CounterFamily& bytes_received_;
  metrics::CounterFamily& discarded_spans_;
  metrics::CounterFamily& attributes_truncated_;
};

}  // namespace tempo::distributor
