#pragma once

#include "tempo/common/status.h"

namespace tempo {

// A long-lived component with a start/stop lifecycle, started by app::App in dependency order and
// stopped in reverse. Start() opens, binds or replays and fails fast; Stop() is idempotent: it
// refuses new work, drains in-flight work, flushes and closes.
class Service {
 public:
  virtual ~Service() = default;
  virtual Status Start() = 0;
  virtual void Stop() = 0;
};

}  // namespace tempo
