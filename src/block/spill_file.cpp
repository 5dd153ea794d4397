#include "block/spill_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace tempo::block {
namespace {

Status Errno(std::string_view what, const std::string& dir) {
  return InternalError(std::string(what) + " scratch file in " + dir + ": " +
                       std::strerror(errno));
}

}  // namespace

Result<SpillFile> SpillFile::Create(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    // No O_TMPFILE on this file system: a named file, unlinked before anything is written.
    std::string path = dir + "/.spill-XXXXXX";
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(path.c_str());
  }
  if (fd < 0) return Errno("cannot create a", dir);
  return SpillFile(fd, dir);
}

SpillFile::SpillFile(SpillFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), dir_(std::move(other.dir_)),
      size_(std::exchange(other.size_, 0)) {}

SpillFile& SpillFile::operator=(SpillFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    dir_ = std::move(other.dir_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SpillFile::~SpillFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status SpillFile::Append(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(size_));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write the", dir_);
    }
    size_ += static_cast<uint64_t>(n);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status SpillFile::ReadAt(uint64_t offset, uint64_t length, std::string* out) const {
  if (offset + length > size_) {
    return InternalError("read past the end of a scratch file in " + dir_);
  }
  out->resize(static_cast<size_t>(length));
  size_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd_, out->data() + done, out->size() - done,
                        static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot read the", dir_);
    if (n == 0) return InternalError("scratch file in " + dir_ + " is shorter than written");
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace tempo::block
