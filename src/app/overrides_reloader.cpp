#include "overrides_reloader.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "tempo/common/log.h"
#include "tempo/config/runtime_overrides.h"

namespace tempo::app {
namespace {

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("runtime overrides file " + path + ": cannot be opened");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return IOError("runtime overrides file " + path + ": read failed");
  return text.str();
}

}  // namespace

OverridesReloader::OverridesReloader(overrides::OverridesConfig config,
                                     overrides::Overrides& overrides, metrics::Registry& registry)
    : config_(std::move(config)),
      overrides_(overrides),
      last_reload_ok_(registry
                          .AddGauge("tempo_runtime_config_last_reload_successful",
                                    "Whether the last read of the runtime overrides file succeeded.")
                          .WithLabels({})),
      last_reload_time_(registry
                            .AddGauge("tempo_runtime_config_last_reload_success_timestamp_seconds",
                                      "Unix time of the last successful read of the runtime "
                                      "overrides file.")
                            .WithLabels({})) {}

OverridesReloader::~OverridesReloader() { Stop(); }

Status OverridesReloader::Start() {
  if (config_.per_tenant_override_config.empty()) return Status::Ok();
  TEMPO_RETURN_IF_ERROR(ReloadNow());
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void OverridesReloader::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status OverridesReloader::ReloadNow() {
  const std::string& path = config_.per_tenant_override_config;
  std::lock_guard<std::mutex> lock(reload_mu_);
  Result<std::string> text = ReadWholeFile(path);
  Result<std::map<std::string, overrides::TenantLimits>> parsed =
      text.ok() ? config::ParseRuntimeOverrides(*text, config_.defaults)
                : Result<std::map<std::string, overrides::TenantLimits>>(text.status());
  if (!parsed.ok()) {
    last_reload_ok_.Set(0);
    Status s = parsed.status();
    if (s.code() == StatusCode::kInvalidArgument) {
      s = InvalidArgumentError("runtime overrides file " + path + ": " + s.message());
    }
    return s;
  }
  last_reload_ok_.Set(1);
  last_reload_time_.Set(static_cast<double>(
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count()));
  if (applied_ && *text == last_text_) return Status::Ok();

  overrides::OverridesConfig effective = config_;
  for (auto& [tenant, limits] : *parsed) {
    if (tenant == "*") {
      effective.defaults = limits;
    } else {
      effective.per_tenant[tenant] = limits;
    }
  }
  overrides_.Replace(std::move(effective));
  LOG_INFO << "runtime overrides loaded from " << path << ": " << parsed->size()
           << " tenant entries";
  last_text_ = std::move(text).value();
  applied_ = true;
  return Status::Ok();
}

void OverridesReloader::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, config_.per_tenant_override_period, [this] { return stopping_; })) {
    lock.unlock();
    Status s = ReloadNow();
    if (!s.ok()) {
      LOG_ERROR << "keeping the previous overrides: " << s.ToString();
    }
    lock.lock();
  }
}

}  // namespace tempo::app
