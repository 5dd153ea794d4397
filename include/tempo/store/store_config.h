#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tempo::store {

struct StoreConfig {
  // storage.trace.blocklist_poll: how often the backend is listed again to notice blocks that
  // other processes (the CLI, another instance, an operator) added or removed.
  std::chrono::milliseconds blocklist_poll{std::chrono::minutes(5)};
  // How many opened block readers (footer, directory and bloom of each) stay cached.
  size_t max_open_readers = 512;
  // storage.trace.search.page_cache_size_bytes (our extension): payload bytes of decompressed block
  // pages kept for searches and trace lookups to reuse (block::PageCache); 0 turns it off.
  uint64_t page_cache_bytes = uint64_t{256} << 20;
};

}  // namespace tempo::store
