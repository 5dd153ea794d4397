#pragma once

#include <chrono>
#include <cstddef>

namespace tempo::store {

struct StoreConfig {
  // storage.trace.blocklist_poll: how often the backend is listed again to notice blocks that
  // other processes (the CLI, another instance, an operator) added or removed.
  std::chrono::milliseconds blocklist_poll{std::chrono::minutes(5)};
  // How many opened block readers (footer, directory and bloom of each) stay cached.
  size_t max_open_readers = 512;
};

}  // namespace tempo::store
