#include "querier/query_pool.h"

#include <algorithm>
#include <atomic>
#include <memory>

#include "tempo/common/thread_name.h"

namespace tempo::querier {

QueryPool::QueryPool(size_t threads) {
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      SetThreadName("tempo-query");
      Loop();
    });
  }
}

QueryPool::~QueryPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void QueryPool::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

Status QueryPool::RunAll(size_t n, std::function<Status(size_t)> fn) {
  // Shared with the helper tasks: one may start after RunAll returned and then finds no index.
  struct Shared {
    std::function<Status(size_t)> fn;
    size_t n = 0;
    std::atomic<size_t> next{0};
    std::mutex mu;
    std::condition_variable cv;
    size_t done = 0;  // guarded by mu
    Status error;     // guarded by mu
  };
  auto shared = std::make_shared<Shared>();
  shared->fn = std::move(fn);
  shared->n = n;
  auto work = [shared] {
    for (;;) {
      const size_t i = shared->next.fetch_add(1, std::memory_order_relaxed);
      if (i >= shared->n) return;
      Status s = shared->fn(i);
      std::lock_guard<std::mutex> lock(shared->mu);
      if (!s.ok() && shared->error.ok()) shared->error = std::move(s);
      if (++shared->done == shared->n) shared->cv.notify_all();
    }
  };
  const size_t helpers = n == 0 ? 0 : std::min(size(), n - 1);
  for (size_t i = 0; i < helpers; ++i) Submit(work);
  work();
  std::unique_lock<std::mutex> lock(shared->mu);
  shared->cv.wait(lock, [&] { return shared->done == shared->n; });
  return shared->error;
}

void QueryPool::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (stopping_) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace tempo::querier
