#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tempo/common/result.h"

namespace tempo::block {

// An unnamed scratch file for data a writer must hold until the end but need not keep in memory
// (the block writer's trace-ID directory). Created with O_TMPFILE where the file system supports
// it, else as a named temp file unlinked at once, so nothing is left behind by a crash and nothing
// appears in the directory. Owns its descriptor. Not thread-safe.
class SpillFile {
 public:
  // Creates the file in `dir`. Errors: kInternal naming the directory and the errno text.
  static Result<SpillFile> Create(const std::string& dir);
  SpillFile(SpillFile&& other) noexcept;
  SpillFile& operator=(SpillFile&& other) noexcept;
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;
  ~SpillFile();

  // Appends `bytes` at the end. Errors: kInternal (write failure, e.g. a full disk).
  Status Append(std::string_view bytes);
  // Reads `length` bytes at `offset` (within size()) into `*out`. Errors: kInternal.
  Status ReadAt(uint64_t offset, uint64_t length, std::string* out) const;
  uint64_t size() const { return size_; }

 private:
  explicit SpillFile(int fd, std::string dir) : fd_(fd), dir_(std::move(dir)) {}
  int fd_ = -1;
  std::string dir_;  // for error messages
  uint64_t size_ = 0;
};

}  // namespace tempo::block
