#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace tempo {

// A read-only reference to the first size() bytes of a buffer shared with its writer
// (SharedBytes): copying one copies a pointer, and the bytes it sees never change while it
// exists. Thread-safe to read from any thread.
class BytesRef {
 public:
  BytesRef() = default;
  BytesRef(std::shared_ptr<const std::string> buffer, size_t size)
      : buffer_(std::move(buffer)), size_(size) {}

  std::string_view view() const {
    return buffer_ ? std::string_view(buffer_->data(), size_) : std::string_view();
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  friend bool operator==(const BytesRef& a, const BytesRef& b) { return a.view() == b.view(); }

 private:
  std::shared_ptr<const std::string> buffer_;
  size_t size_ = 0;
};

// Append-mostly bytes whose snapshots (Ref) cost a pointer copy instead of a copy of the bytes.
// The buffer is changed in place only while no BytesRef holds it; otherwise it is copied first
// (copy on write), so a reference never sees its bytes change or go away. Not thread-safe: the
// owner serializes every call (BytesRef copies may then be read anywhere).
class SharedBytes {
 public:
  size_t size() const { return buffer_ ? buffer_->size() : 0; }
  std::string_view view() const {
    return buffer_ ? std::string_view(*buffer_) : std::string_view();
  }
  BytesRef Ref() const { return BytesRef(buffer_, size()); }

  void Append(std::string_view bytes);
  // Keeps the first `n` bytes (n <= size()).
  void Truncate(size_t n);
  // Drops the first `n` bytes (n <= size()) and gives back the capacity they used.
  void EraseFront(size_t n);

 private:
  // The buffer to change in place: a new one when there is none, a copy (with room for `extra`
  // more bytes) when a reference shares it.
  std::string& Writable(size_t extra);

  std::shared_ptr<std::string> buffer_;
};

}  // namespace tempo
