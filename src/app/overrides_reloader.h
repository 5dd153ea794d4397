#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "tempo/common/metrics.h"
#include "tempo/common/service.h"
#include "tempo/common/status.h"
#include "tempo/overrides/overrides.h"

namespace tempo::app {

// Keeps overrides::Overrides in step with the runtime overrides file
// (`overrides.per_tenant_override_config`): reads it at Start (a bad file fails the start, as in
// Tempo), then re-reads it every `per_tenant_override_period`. A changed file that parses
// replaces the effective configuration at once: tempo.yaml's defaults and per-tenant entries, then
// the file's tenants on top (a `"*"` entry becomes the defaults of every tenant without an entry).
// A file that fails to read or parse is logged and counted, and the last good configuration stays
// in force. Does nothing when no file is configured. `overrides` and `registry` must outlive it.
// Thread-safe; one background thread.
class OverridesReloader : public Service {
 public:
  OverridesReloader(overrides::OverridesConfig config, overrides::Overrides& overrides,
                    metrics::Registry& registry);
  ~OverridesReloader() override;

  Status Start() override;
  void Stop() override;

  // Reads and applies the file now (what the background thread does each period). Errors name
  // the file: kNotFound / kIOError when it cannot be read, kInvalidArgument when it does not
  // parse; the previous configuration then stays in force.
  Status ReloadNow();

 private:
  void Loop();

  const overrides::OverridesConfig config_;
  overrides::Overrides& overrides_;
  metrics::Gauge& last_reload_ok_;
  metrics::Gauge& last_reload_time_;

  std::mutex reload_mu_;     // serializes ReloadNow
  std::string last_text_;    // guarded by reload_mu_: the file as last applied
  bool applied_ = false;     // guarded by reload_mu_

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace tempo::app
