#include <catch2/catch.hpp>

#include "support/recording_sink.h"
#include "support/trace_builder.h"
#include "tempo/distributor/distributor.h"

using tempo::FakeClock;
using tempo::RequestContext;
using tempo::Status;
using tempo::StatusCode;
using tempo::distributor::Distributor;
using tempo::distributor::DistributorConfig;
using tempo::testing::RecordingSink;
using tempo::testing::TraceBuilder;

namespace {

struct Fixture {
  explicit Fixture(tempo::overrides::TenantLimits limits = {}, bool multitenancy = false)
      : overrides(tempo::overrides::OverridesConfig{limits, {}, ""}),
        distributor(DistributorConfig{multitenancy, std::chrono::seconds(5)}, sink, overrides,
                    registry, clock) {}

  Status Push(tempo::testing::OtlpRequest request, const std::string& tenant = "single-tenant") {
    Status result = tempo::InternalError("callback not called");
    RequestContext ctx;
    ctx.tenant = tenant;
    distributor.Push(ctx, std::move(request), [&](Status s) { result = std::move(s); });
    return result;
  }

  // The value of counter `name` with `labels` (registering an existing name returns it).
  double Counter(const std::string& name, const std::vector<std::string>& labels) {
    std::vector<std::string> names = labels.size() == 1
                                         ? std::vector<std::string>{"tenant"}
                                         : std::vector<std::string>{"tenant", "reason"};
    return registry.AddCounter(name, "", names).WithLabels(labels).value();
  }

  RecordingSink sink;
  tempo::metrics::Registry registry;
  FakeClock clock;
  tempo::overrides::Overrides overrides;
  Distributor distributor;
};

}  // namespace

TEST_CASE("Tenant resolution follows multitenancy_enabled", "[distributor]") {
  SECTION("off: always single-tenant, headers ignored") {
    Fixture f;
    CHECK(f.distributor.ResolveTenant({}).value() == "single-tenant");
    CHECK(f.distributor.ResolveTenant({"a", "b"}).value() == "single-tenant");
  }
  SECTION("on: exactly one valid org id") {
    Fixture f({}, true);
    CHECK(f.distributor.ResolveTenant({"team-a"}).value() == "team-a");
    CHECK(f.distributor.ResolveTenant({}).status().message() == "no org id");
    CHECK(f.distributor.ResolveTenant({}).status().code() == StatusCode::kUnavailable);
    CHECK(f.distributor.ResolveTenant({"a", "b"}).status().message() == "no org id");
    CHECK(f.distributor.ResolveTenant({"bad/tenant"}).status().message() ==
          "tenant ID 'bad/tenant' contains unsupported character '/'");
    CHECK(f.distributor.ResolveTenant({".."}).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("A valid push reaches the sink regrouped per trace and is counted", "[distributor]") {
  Fixture f;
  TraceBuilder b;
  b.AddSpan("svc", 1, 1);
  b.AddSpan("svc", 2, 2);
  REQUIRE(f.Push(b.Build()).ok());
  auto pushes = f.sink.pushes();
  REQUIRE(pushes.size() == 1);
  CHECK(pushes[0].tenant == "single-tenant");
  CHECK(pushes[0].fragments.size() == 2);
  CHECK(f.Counter("tempo_distributor_spans_received_total", {"single-tenant"}) == 2);
}

TEST_CASE("An empty push succeeds without reaching the sink", "[distributor]") {
  Fixture f;
  REQUIRE(f.Push({}).ok());
  CHECK(f.sink.pushes().empty());
}

TEST_CASE("Bad IDs reject the whole request and store nothing", "[distributor]") {
  Fixture f;
  TraceBuilder b;
  b.AddSpan("svc", 1, 1);
  b.AddSpan("svc", 1, 2).set_span_id("xy");
  Status s = f.Push(b.Build());
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(f.sink.pushes().empty());
  CHECK(f.Counter("tempo_discarded_spans_total", {"single-tenant", "invalid_span_id"}) == 2);
  CHECK(f.Counter("tempo_distributor_spans_received_total", {"single-tenant"}) == 0);
}

TEST_CASE("The rate limit answers RESOURCE_EXHAUSTED with a retry delay", "[distributor]") {
  tempo::overrides::TenantLimits limits;
  limits.ingestion_rate_limit_bytes = 100;
  limits.ingestion_burst_size_bytes = 300;
  Fixture f(limits);
  TraceBuilder b;
  b.AddSpan("svc", 1, 1);
  auto request = b.Build();
  size_t size = request.ByteSizeLong();
  REQUIRE(size < 300);

  int accepted = 0;
  Status refused;
  for (int i = 0; i < 10 && refused.ok(); ++i) {
    Status s = f.Push(request);
    if (s.ok()) ++accepted; else refused = s;
  }
  CHECK(accepted == static_cast<int>(300 / size));
  CHECK(refused.code() == StatusCode::kResourceExhausted);
  CHECK(refused.message().rfind("RATE_LIMITED: ", 0) == 0);
  CHECK(refused.retry_after_seconds() == 5);

  SECTION("tokens refill with time") {
    f.clock.Advance(std::chrono::seconds(10));
    CHECK(f.Push(request).ok());
  }
  SECTION("a batch larger than the burst has its own wording") {
    TraceBuilder big;
    for (int i = 1; i <= 20; ++i) big.AddSpan("svc", 1, i);
    Status s = f.Push(big.Build());
    CHECK(s.message().find("batch size") != std::string::npos);
  }
}

TEST_CASE("Sink errors are returned, ResourceExhausted ones with a retry delay", "[distributor]") {
  Fixture f;
  TraceBuilder b;
  b.AddSpan("svc", 1, 1);
  f.sink.set_answer(tempo::ResourceExhaustedError("TRACE_TOO_LARGE: ..."));
  Status s = f.Push(b.Build());
  CHECK(s.code() == StatusCode::kResourceExhausted);
  CHECK(s.retry_after_seconds() == 5);

  tempo::overrides::TenantLimits no_retry;
  no_retry.retry_info_enabled = false;
  Fixture g(no_retry);
  g.sink.set_answer(tempo::ResourceExhaustedError("full"));
  CHECK(g.Push(b.Build()).retry_after_seconds() == 0);
}

TEST_CASE("Attributes over max_attribute_bytes are truncated before the sink", "[distributor]") {
  tempo::overrides::TenantLimits limits;
  limits.max_attribute_bytes = 3;
  Fixture f(limits);
  TraceBuilder b;
  auto* kv = b.AddSpan("svc", 1, 1).add_attributes();
  kv->set_key("long-key");
  kv->mutable_value()->set_string_value("long value");
  REQUIRE(f.Push(b.Build()).ok());
  CHECK(f.Counter("tempo_distributor_attributes_truncated_total", {"single-tenant"}) == 3);
}
