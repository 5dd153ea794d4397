#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "tempo/common/status.h"

namespace tempo::querier {

// A fixed set of threads that run query jobs (block row-group scans, live-data evaluation) for
// every search of one Querier, which owns it. Tasks must not wait for other tasks of the pool.
// Thread-safe. The destructor stops the threads after the tasks they are running; queued tasks
// that have not started are dropped (their owners must not depend on them running).
class QueryPool {
 public:
  explicit QueryPool(size_t threads);
  ~QueryPool();
  QueryPool(const QueryPool&) = delete;
  QueryPool& operator=(const QueryPool&) = delete;

  void Submit(std::function<void()> task);
  // Runs fn(0), ..., fn(n - 1) on the pool's threads and the calling thread, which must not be
  // one of them, and returns when all are done: the first error, else Ok. `fn` is called only
  // before RunAll returns.
  Status RunAll(size_t n, std::function<Status(size_t)> fn);
  size_t size() const { return threads_.size(); }

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace tempo::querier
