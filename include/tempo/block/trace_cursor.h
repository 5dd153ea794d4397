#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tempo/block/block_reader.h"
#include "tempo/common/ids.h"
#include "tempo/common/result.h"

namespace tempo::block {

struct Footer;
struct RowGroupMeta;
struct TraceRows;
class TraceAssembler;

// Tuning of a TraceCursor.
struct CursorOptions {
  // Traces are decoded in batches of about this many spans (a batch is at least one trace and
  // never crosses a row group), which bounds the decoded column memory of one cursor.
  uint64_t spans_per_batch = 16'384;
};

// Pull-style iteration over every trace of one block (data.tcb) in ascending trace-ID order: the
// merge side of compaction keeps one cursor per input and advances the smallest. Open reads the
// footer; Next reads one row group at a time, with its slice of the trace-ID directory, and
// decodes its columns in batches of traces, laying out one trace at a time as rows (views into
// the decoded columns, no protobuf objects), so memory is one row group's bytes and IDs plus one
// batch of decoded columns, whatever the block size. The directory's checksum is complete only
// with the last row group's slice: a corrupt directory fails Next before it returns false, so
// consume a block to the end before committing anything made from it (a zstd-compressed
// directory, which the writer no longer produces, is read and checked whole at Open).
// Not thread-safe; one cursor per consumer. The read function must stay valid while it lives.
class TraceCursor {
 public:
  // `size` is the size of data.tcb. Errors:
  // kCorruption (bad magic or version, checksum mismatch, truncated file); errors of `read`.
  static Result<std::unique_ptr<TraceCursor>> Open(ReadAtFn read, uint64_t size,
                                                   CursorOptions options = {});
  ~TraceCursor();
  TraceCursor(const TraceCursor&) = delete;
  TraceCursor& operator=(const TraceCursor&) = delete;

  // Moves to the next trace (the first one on the first call). Returns false once every trace
  // has been handed out. Errors: kCorruption, errors of the read function; after an error the
  // cursor stays failed and returns the same error.
  Result<bool> Next();

  // The current trace (after Next returned true) and its ID, as rows for BlockWriter::Append;
  // valid until the next call of Next.
  const TraceId& id() const { return id_; }
  const TraceRows& rows() const { return *rows_; }
  // Appends the current trace as a serialized tempopb.Trace to `out`. kCorruption where a
  // complex attribute value does not decode.
  Status AppendSerialized(std::string* out) const;

  uint64_t traces() const;
  uint64_t spans() const;
  uint32_t row_groups() const;
  // Bytes of data.tcb read so far (tail included).
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  TraceCursor(ReadAtFn read, CursorOptions options);
  Status OpenDirectory(uint64_t footer_offset);
  Status LoadDirectorySlice(const RowGroupMeta& rg);
  Status LoadRowGroup();
  Status DecodeBatch();

  ReadAtFn read_;
  CursorOptions options_;
  std::unique_ptr<Footer> footer_;
  // Trace IDs from directory_base_ on, 16 bytes each: the loaded row group's slice, or the
  // whole directory if it is compressed (directory_whole_).
  std::string directory_;
  uint64_t directory_base_ = 0;
  bool directory_whole_ = false;
  uint64_t directory_payload_ = 0;  // file offset of the raw directory payload
  uint32_t directory_crc_ = 0;      // running page checksum over the slices read so far
  uint32_t directory_expected_crc_ = 0;
  char last_id_[16] = {};           // last ID of the slices read so far
  uint64_t bytes_read_ = 0;

  size_t row_group_ = 0;       // index of the loaded row group (== count when none is left)
  bool loaded_ = false;        // row_group_'s bytes are in rg_bytes_
  std::string rg_bytes_;       // bytes of the loaded row group
  uint64_t rg_next_row_ = 0;   // next trace row of the loaded row group to decode
  // The decoded batch: its columns, held by the assembler, and the current trace's rows.
  std::unique_ptr<TraceAssembler> assembler_;
  std::unique_ptr<TraceRows> rows_;
  size_t batch_size_ = 0;      // traces in the batch
  size_t batch_pos_ = 0;       // index in the batch of the current trace + 1
  uint64_t batch_first_ = 0;   // global trace index of the batch's first trace
  TraceId id_;
  Status failed_;
};

}  // namespace tempo::block
