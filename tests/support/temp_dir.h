#pragma once

#include <filesystem>
#include <string>

namespace tempo::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
// Not thread-safe; one per test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace tempo::testing
