#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "tempo/common/status.h"

namespace tempo {

// What every slow operation is handed first, as Tempo passes `ctx`: the tenant, an optional
// deadline and a cancel flag shared with whoever may cancel (a client that went away). A value
// type; copies share the cancel flag, which is thread-safe.
struct RequestContext {
  std::string tenant;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::shared_ptr<std::atomic_bool> cancelled = std::make_shared<std::atomic_bool>(false);

  bool IsCancelled() const { return cancelled->load(std::memory_order_relaxed); }
  void Cancel() const { cancelled->store(true, std::memory_order_relaxed); }
  bool Expired() const { return std::chrono::steady_clock::now() >= deadline; }
};

// kCancelled "<what> cancelled" or kDeadlineExceeded "<what> deadline exceeded" when `ctx` is
// cancelled or past its deadline, else Ok. `what` names the operation ("search").
inline Status CheckRequest(const RequestContext& ctx, std::string_view what) {
  if (ctx.IsCancelled()) return CancelledError(std::string(what) + " cancelled");
  if (ctx.Expired()) return DeadlineExceededError(std::string(what) + " deadline exceeded");
  return Status::Ok();
}

}  // namespace tempo
