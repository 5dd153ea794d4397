#pragma once

#include <mutex>
#include <vector>

#include "tempo/model/sink.h"

namespace tempo::testing {

// A TraceSink that records what it is given and answers every push with `answer` (ok by
// default), synchronously. Thread-safe.
class RecordingSink : public model::TraceSink {
 public:
  struct Push {
    std::string tenant;
    std::vector<model::TraceFragment> fragments;
  };

  void Push(const RequestContext& ctx, std::vector<model::TraceFragment>&& fragments,
            model::PushCallback done) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      pushes_.push_back({ctx.tenant, std::move(fragments)});
    }
    done(answer_);
  }

  void set_answer(Status s) { answer_ = std::move(s); }
  std::vector<struct Push> pushes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return pushes_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<struct Push> pushes_;
  Status answer_;
};

}  // namespace tempo::testing
