#include "tempo/common/shared_bytes.h"

#include <algorithm>
#include <atomic>

namespace tempo {

std::string& SharedBytes::Writable(size_t extra) {
  if (!buffer_) {
    buffer_ = std::make_shared<std::string>();
  } else if (buffer_.use_count() > 1) {
    auto copy = std::make_shared<std::string>();
    copy->reserve(buffer_->size() + extra);
    copy->append(*buffer_);
    buffer_ = std::move(copy);
  } else {
    // The last reference may have been dropped on another thread just now: order its reads of
    // the bytes before the writes that follow.
    std::atomic_thread_fence(std::memory_order_acquire);
  }
  return *buffer_;
}

void SharedBytes::Append(std::string_view bytes) {
  if (bytes.empty()) return;
  Writable(bytes.size()).append(bytes);
}

void SharedBytes::Truncate(size_t n) {
  if (n >= size()) return;
  Writable(0).resize(n);
}

void SharedBytes::EraseFront(size_t n) {
  if (n == 0) return;
  // Always a new buffer of the exact size: the old one's capacity is given back.
  buffer_ = std::make_shared<std::string>(view().substr(std::min(n, size())));
}

}  // namespace tempo
