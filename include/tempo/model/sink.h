#pragma once

#include <functional>
#include <vector>

#include "tempo/common/request_context.h"
#include "tempo/common/status.h"
#include "tempo/model/fragment.h"

namespace tempo::model {

// Called exactly once per push with the outcome: ok only once every fragment is durable.
// May run on any thread; must not block.
using PushCallback = std::function<void(Status)>;

// Where validated spans go (implemented by the ingester and, later, the metrics generator).
// Producers (the distributor) depend on this interface, not on the consumers.
class TraceSink {
 public:
  virtual ~TraceSink() = default;

  // Takes the fragments of one request for `ctx.tenant`. Never waits on disk: the outcome arrives
  // through `done`. Either every fragment is stored (and durable when `done` gets ok) or none is.
  // Errors: kResourceExhausted when a limit is hit (queue full, trace too large), kUnavailable
  // when stopping. Thread-safe.
  virtual void Push(const RequestContext& ctx, std::vector<TraceFragment>&& fragments,
                    PushCallback done) = 0;
};

}  // namespace tempo::model
