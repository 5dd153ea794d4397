#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "tempo/backend/backend.h"

namespace tempo::backend {
namespace {

namespace fs = std::filesystem;

Status ErrnoError(const std::string& what, const fs::path& path) {
  int err = errno;
  std::string message = what + " " + path.string() + ": " + std::strerror(err);
  if (err == ENOENT) return NotFoundError(message);
  return IOError(message);
}

// Rejects names that would escape the backend root or collide with temp files.
Status CheckName(const std::string& part, const char* what) {
  if (part.empty() || part == "." || part == ".." || part.find('/') != std::string::npos ||
      part.find('\0') != std::string::npos) {
    return InvalidArgumentError(std::string("invalid ") + what + " name '" + part + "'");
  }
  return Status::Ok();
}

Status FsyncPath(const fs::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open", path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoError("cannot fsync", path);
  return Status::Ok();
}

// A temporary file next to the object: Append writes to it, Commit fsyncs it, renames it into
// place and fsyncs the directory (and its parent when the block directory is new). An uncommitted
// writer removes its temporary file. Not thread-safe.
class LocalObjectWriter : public ObjectWriter {
 public:
  LocalObjectWriter(int fd, fs::path tmp, fs::path path, bool created_dir)
      : fd_(fd), tmp_(std::move(tmp)), path_(std::move(path)), created_dir_(created_dir) {}

  ~LocalObjectWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_.c_str());
  }

  Status Append(std::string_view data) override {
    TEMPO_RETURN_IF_ERROR(failed_);
    if (committed_) return InvalidArgumentError("object writer: Append after Commit");
    size_t written = 0;
    while (written < data.size()) {
      ssize_t n = ::write(fd_, data.data() + written, data.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        failed_ = ErrnoError("cannot write", tmp_);
        return failed_;
      }
      written += static_cast<size_t>(n);
    }
    size_ += data.size();
    return Status::Ok();
  }

  Status Commit() override {
    TEMPO_RETURN_IF_ERROR(failed_);
    if (committed_) return InvalidArgumentError("object writer: Commit called twice");
    if (::fsync(fd_) != 0) {
      failed_ = ErrnoError("cannot fsync", tmp_);
      return failed_;
    }
    ::close(fd_);
    fd_ = -1;
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
      failed_ = ErrnoError("cannot rename into", path_);
      return failed_;
    }
    committed_ = true;
    // Make the rename (and a new block directory) durable.
    fs::path dir = path_.parent_path();
    TEMPO_RETURN_IF_ERROR(FsyncPath(dir, O_RDONLY | O_DIRECTORY));
    if (created_dir_) TEMPO_RETURN_IF_ERROR(FsyncPath(dir.parent_path(), O_RDONLY | O_DIRECTORY));
    return Status::Ok();
  }

  uint64_t size() const override { return size_; }

 private:
  int fd_;
  fs::path tmp_, path_;
  bool created_dir_;
  bool committed_ = false;
  uint64_t size_ = 0;
  Status failed_;
};

// Local directory tree <root>/<tenant>/<block>/<name>. Stateless besides the root; thread-safe.
// Reads `length` bytes at `offset` of the open file `fd` (of `size` bytes, named `path` in
// errors).
Result<std::string> PreadExact(int fd, const fs::path& path, uint64_t size, uint64_t offset,
                               uint64_t length) {
  if (offset > size || length > size - offset) {
    return CorruptionError("read of " + std::to_string(length) + " bytes at " +
                           std::to_string(offset) + " is past the end of " + path.string() + " (" +
                           std::to_string(size) + " bytes)");
  }
  std::string out(length, '\0');
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, out.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot read", path);
    if (n == 0) return CorruptionError("unexpected end of " + path.string());
    done += static_cast<uint64_t>(n);
  }
  return out;
}

// One object file kept open: reads are single preads. Objects are immutable once committed (a
// rewrite renames a new file over the name), so the open file stays consistent; a deleted block
// stays readable until the reader is closed. Thread-safe (pread has no shared offset).
class LocalRangeReader : public RangeReader {
 public:
  LocalRangeReader(int fd, fs::path path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  ~LocalRangeReader() override { ::close(fd_); }
  LocalRangeReader(const LocalRangeReader&) = delete;
  LocalRangeReader& operator=(const LocalRangeReader&) = delete;

  Result<std::string> ReadAt(uint64_t offset, uint64_t length) const override {
    return PreadExact(fd_, path_, size_, offset, length);
  }
  bool small_reads_cheap() const override { return true; }

 private:
  int fd_;
  fs::path path_;
  uint64_t size_;
};

class LocalBackend : public Backend {
 public:
  explicit LocalBackend(fs::path root) : root_(std::move(root)) {}

  Result<std::vector<std::string>> ListTenants() const override { return ListDirs(root_); }

  Result<std::vector<std::string>> ListBlocks(const std::string& tenant) const override {
    TEMPO_RETURN_IF_ERROR(CheckName(tenant, "tenant"));
    return ListDirs(root_ / tenant);
  }

  Result<std::vector<std::string>> ListObjects(const std::string& tenant,
                                               const std::string& block) const override {
    TEMPO_RETURN_IF_ERROR(CheckName(tenant, "tenant"));
    TEMPO_RETURN_IF_ERROR(CheckName(block, "block"));
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(root_ / tenant / block, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->is_regular_file()) out.push_back(it->path().filename().string());
    }
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return IOError("cannot list " + (root_ / tenant / block).string() + ": " + ec.message());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  Result<std::string> Read(const std::string& tenant, const std::string& block,
                           const std::string& name) const override {
    TEMPO_ASSIGN_OR_RETURN(fs::path path, ObjectPath(tenant, block, name));
    TEMPO_ASSIGN_OR_RETURN(uint64_t size, Size(tenant, block, name));
    return ReadAt(path, 0, size);
  }

  Result<std::string> ReadRange(const std::string& tenant, const std::string& block,
                                const std::string& name, uint64_t offset,
                                uint64_t length) const override {
    TEMPO_ASSIGN_OR_RETURN(fs::path path, ObjectPath(tenant, block, name));
    return ReadAt(path, offset, length);
  }

  Result<std::unique_ptr<RangeReader>> OpenRangeReader(const std::string& tenant,
                                                       const std::string& block,
                                                       const std::string& name) const override {
    TEMPO_ASSIGN_OR_RETURN(fs::path path, ObjectPath(tenant, block, name));
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("cannot open", path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      Status s = ErrnoError("cannot stat", path);
      ::close(fd);
      return s;
    }
    return std::unique_ptr<RangeReader>(
        std::make_unique<LocalRangeReader>(fd, std::move(path), static_cast<uint64_t>(st.st_size)));
  }

  Result<uint64_t> Size(const std::string& tenant, const std::string& block,
                        const std::string& name) const override {
    TEMPO_ASSIGN_OR_RETURN(fs::path path, ObjectPath(tenant, block, name));
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return ErrnoError("cannot stat", path);
    return static_cast<uint64_t>(st.st_size);
  }

  Status Write(const std::string& tenant, const std::string& block, const std::string& name,
               std::string_view data) override {
    TEMPO_ASSIGN_OR_RETURN(std::unique_ptr<ObjectWriter> writer,
                           OpenObjectWriter(tenant, block, name));
    TEMPO_RETURN_IF_ERROR(writer->Append(data));
    return writer->Commit();
  }

  Result<std::unique_ptr<ObjectWriter>> OpenObjectWriter(const std::string& tenant,
                                                         const std::string& block,
                                                         const std::string& name) override {
    TEMPO_ASSIGN_OR_RETURN(fs::path path, ObjectPath(tenant, block, name));
    fs::path dir = path.parent_path();
    std::error_code ec;
    bool created = !fs::exists(dir, ec);
    fs::create_directories(dir, ec);
    if (ec) return IOError("cannot create " + dir.string() + ": " + ec.message());
    fs::path tmp = dir / ("." + name + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(counter_.fetch_add(1)));
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoError("cannot create", tmp);
    return std::unique_ptr<ObjectWriter>(
        std::make_unique<LocalObjectWriter>(fd, std::move(tmp), std::move(path), created));
  }

  Status Delete(const std::string& tenant, const std::string& block,
                const std::string& name) override {
    TEMPO_ASSIGN_OR_RETURN(fs::path path, ObjectPath(tenant, block, name));
    if (::unlink(path.c_str()) != 0) {
      if (errno == ENOENT) return Status::Ok();
      return ErrnoError("cannot delete", path);
    }
    return FsyncPath(path.parent_path(), O_RDONLY | O_DIRECTORY);
  }

  Status DeleteBlock(const std::string& tenant, const std::string& block) override {
    TEMPO_RETURN_IF_ERROR(CheckName(tenant, "tenant"));
    TEMPO_RETURN_IF_ERROR(CheckName(block, "block"));
    std::error_code ec;
    fs::remove_all(root_ / tenant / block, ec);
    if (ec) return IOError("cannot delete block " + block + ": " + ec.message());
    return Status::Ok();
  }

 private:
  Result<fs::path> ObjectPath(const std::string& tenant, const std::string& block,
                              const std::string& name) const {
    TEMPO_RETURN_IF_ERROR(CheckName(tenant, "tenant"));
    TEMPO_RETURN_IF_ERROR(CheckName(block, "block"));
    TEMPO_RETURN_IF_ERROR(CheckName(name, "object"));
    return root_ / tenant / block / name;
  }

  static Result<std::vector<std::string>> ListDirs(const fs::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (it->is_directory() && !name.empty() && name[0] != '.') out.push_back(name);
    }
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return IOError("cannot list " + dir.string() + ": " + ec.message());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  static Result<std::string> ReadAt(const fs::path& path, uint64_t offset, uint64_t length) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("cannot open", path);
    struct stat st {};
    Result<std::string> out = ::fstat(fd, &st) != 0
                                  ? Result<std::string>(ErrnoError("cannot stat", path))
                                  : PreadExact(fd, path, static_cast<uint64_t>(st.st_size),
                                               offset, length);
    ::close(fd);
    return out;
  }

  fs::path root_;
  mutable std::atomic<uint64_t> counter_{0};
};

}  // namespace

Result<std::unique_ptr<Backend>> OpenLocalBackend(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return IOError("cannot create backend directory " + path + ": " + ec.message());
  return std::unique_ptr<Backend>(std::make_unique<LocalBackend>(path));
}

}  // namespace tempo::backend
