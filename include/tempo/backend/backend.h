#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/common/result.h"

namespace tempo::backend {

// Object names inside a block directory, as in Tempo's layout <tenant>/<block-id>/<name>.
inline constexpr char kMetaName[] = "meta.json";
inline constexpr char kCompactedMetaName[] = "meta.compacted.json";
inline constexpr char kDataName[] = "data.tcb";

// Positioned reads of one object, opened once for callers that read it many times in small
// pieces (trace lookups read a few pages of a block). Owned by the caller; thread-safe.
class RangeReader {
 public:
  virtual ~RangeReader() = default;
  // `length` bytes at `offset`; kCorruption when the range is past the end of the object.
  virtual Result<std::string> ReadAt(uint64_t offset, uint64_t length) const = 0;
  // True when a small read costs little more than its bytes (local disk): readers then fetch
  // only the pages they need instead of whole row groups.
  virtual bool small_reads_cheap() const = 0;
};

// Read side of an object store laid out as <tenant>/<block-id>/<object>. Implementations are
// synchronous and thread-safe; call them from a blocking pool, never from an io thread.
class RawReader {
 public:
  virtual ~RawReader() = default;
  // Tenants that have at least one block directory.
  virtual Result<std::vector<std::string>> ListTenants() const = 0;
  // Block IDs (directory names) of `tenant`, whatever objects they hold.
  virtual Result<std::vector<std::string>> ListBlocks(const std::string& tenant) const = 0;
  // Names of the objects inside one block directory.
  virtual Result<std::vector<std::string>> ListObjects(const std::string& tenant,
                                                       const std::string& block) const = 0;
  // A whole object. kNotFound when it does not exist.
  virtual Result<std::string> Read(const std::string& tenant, const std::string& block,
                                   const std::string& name) const = 0;
  // `length` bytes at `offset`. kNotFound when absent, kCorruption when the range is past the end.
  virtual Result<std::string> ReadRange(const std::string& tenant, const std::string& block,
                                        const std::string& name, uint64_t offset,
                                        uint64_t length) const = 0;
  virtual Result<uint64_t> Size(const std::string& tenant, const std::string& block,
                                const std::string& name) const = 0;
  // A RangeReader over one object. The default forwards every read to ReadRange and reports
  // small reads as expensive; the local backend keeps the file open. kNotFound when absent.
  virtual Result<std::unique_ptr<RangeReader>> OpenRangeReader(const std::string& tenant,
                                                               const std::string& block,
                                                               const std::string& name) const;
};

// One object written in pieces (a streamed block file). Nothing is visible under the object's
// name until Commit returns ok; destroying an uncommitted writer discards what was appended.
// Owned by the caller; not thread-safe.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  // Appends `data` to the object. After an error the writer is unusable (Commit fails).
  [[nodiscard]] virtual Status Append(std::string_view data) = 0;
  // Makes the whole object durable and visible atomically (replacing an older one). Once only.
  [[nodiscard]] virtual Status Commit() = 0;
  // Bytes appended so far.
  virtual uint64_t size() const = 0;
};

// Write side. Every Write is atomic: readers see the old object or the whole new one.
class RawWriter {
 public:
  virtual ~RawWriter() = default;
  virtual Status Write(const std::string& tenant, const std::string& block,
                       const std::string& name, std::string_view data) = 0;
  // Starts an object written in pieces, with the same atomicity as Write. The default keeps the
  // pieces in memory and calls Write at Commit; backends that can stream (the local one: temp
  // file, append, fsync, rename) override it so memory stays bounded.
  virtual Result<std::unique_ptr<ObjectWriter>> OpenObjectWriter(const std::string& tenant,
                                                                 const std::string& block,
                                                                 const std::string& name);
  // Deleting an absent object is ok.
  virtual Status Delete(const std::string& tenant, const std::string& block,
                        const std::string& name) = 0;
  // Removes the block directory and everything in it. Absent is ok.
  virtual Status DeleteBlock(const std::string& tenant, const std::string& block) = 0;
};

// Both sides; what app/ hands to modules that read and write blocks.
class Backend : public RawReader, public RawWriter {};

// The local-disk backend rooted at `path` (created if missing): every object is written to a
// temporary file, fsynced, renamed into place, and the directory fsynced.
Result<std::unique_ptr<Backend>> OpenLocalBackend(const std::string& path);

}  // namespace tempo::backend
