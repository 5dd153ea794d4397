#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tempo/block/block_reader.h"
#include "tempo/common/ids.h"
#include "tempo/common/result.h"

namespace tempopb {
class Trace;
}
namespace google::protobuf {
class Arena;
}

namespace tempo::block {

struct Footer;

// Tuning of a TraceCursor.
struct CursorOptions {
  // Traces are decoded in batches of about this many spans (a batch is at least one trace and
  // never crosses a row group), which bounds the decoded protobuf memory of one cursor.
  uint64_t spans_per_batch = 16'384;
};

// Pull-style iteration over every trace of one block (data.tcb) in ascending trace-ID order: the
// merge side of compaction keeps one cursor per input and advances the smallest. Open reads the
// tail (footer and trace-ID directory, checksummed); Next reads one row group at a time and
// decodes it in batches of traces, so memory is one row group's bytes plus one batch of decoded
// traces plus the directory (16 bytes per trace), whatever the block size.
// Not thread-safe; one cursor per consumer. The read function must stay valid while it lives.
class TraceCursor {
 public:
  // `size` is the size of data.tcb, `tail_hint` meta.footer_size (0 if unknown). Errors:
  // kCorruption (bad magic or version, checksum mismatch, truncated file); errors of `read`.
  static Result<std::unique_ptr<TraceCursor>> Open(ReadAtFn read, uint64_t size,
                                                   uint64_t tail_hint = 0,
                                                   CursorOptions options = {});
  ~TraceCursor();
  TraceCursor(const TraceCursor&) = delete;
  TraceCursor& operator=(const TraceCursor&) = delete;

  // Moves to the next trace (the first one on the first call). Returns false once every trace
  // has been handed out. Errors: kCorruption, errors of the read function; after an error the
  // cursor stays failed and returns the same error.
  Result<bool> Next();

  // The current trace (after Next returned true) and its ID. The trace may be moved from; it is
  // valid until the next call of Next.
  const TraceId& id() const { return id_; }
  tempopb::Trace& trace();

  uint64_t traces() const;
  uint64_t spans() const;
  uint32_t row_groups() const;
  // Bytes of data.tcb read so far (tail included).
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  TraceCursor(ReadAtFn read, CursorOptions options);
  Status LoadRowGroup();
  Status DecodeBatch();

  ReadAtFn read_;
  CursorOptions options_;
  std::unique_ptr<Footer> footer_;
  std::string directory_;  // 16 bytes per trace, ascending
  uint64_t bytes_read_ = 0;

  size_t row_group_ = 0;       // index of the loaded row group (== count when none is left)
  bool loaded_ = false;        // row_group_'s bytes are in rg_bytes_
  std::string rg_bytes_;       // bytes of the loaded row group
  uint64_t rg_next_row_ = 0;   // next trace row of the loaded row group to decode
  // The decoded batch lives in one protobuf arena, dropped as a whole when the next batch is
  // decoded: far fewer allocations than one heap message per trace.
  std::unique_ptr<google::protobuf::Arena> arena_;
  std::vector<tempopb::Trace*> batch_;
  size_t batch_pos_ = 0;       // index in batch_ of the current trace + 1
  uint64_t batch_first_ = 0;   // global trace index of batch_[0]
  TraceId id_;
  Status failed_;
};

}  // namespace tempo::block
