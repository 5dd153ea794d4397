#include "tempo/block/trace_cursor.h"

#include <algorithm>
#include <cstring>

#include "block/block_index.h"
#include "block/coding.h"
#include "block/crc32c.h"
#include "block/footer.h"
#include "block/page.h"
#include "block/trace_assembler.h"
#include "block/trace_rows.h"

namespace tempo::block {

TraceCursor::TraceCursor(ReadAtFn read, CursorOptions options)
    : read_(std::move(read)),
      options_(options),
      footer_(std::make_unique<Footer>()),
      rows_(std::make_unique<TraceRows>()) {}
TraceCursor::~TraceCursor() = default;

Result<std::unique_ptr<TraceCursor>> TraceCursor::Open(ReadAtFn read, uint64_t size,
                                                       CursorOptions options) {
  if (size < kHeaderSize + kTrailerSize) {
    return CorruptionError("block too small: " + std::to_string(size) + " bytes");
  }
  std::unique_ptr<TraceCursor> cursor(new TraceCursor(std::move(read), options));
  const ReadAtFn& rd = cursor->read_;
  // Only the footer is read here (meta.footer_size would take in the directory too, which is
  // read a row group at a time): the default tail, and whatever of the footer it misses.
  uint64_t tail_length = std::min(size, kDefaultTailRead);
  uint64_t tail_offset = size - tail_length;
  TEMPO_ASSIGN_OR_RETURN(std::string tail, ReadBlockRange(rd, tail_offset, tail_length));
  cursor->bytes_read_ += tail_length;

  TEMPO_ASSIGN_OR_RETURN(const FooterExtent extent, ParseTrailer(tail, size));
  const uint64_t footer_offset = extent.offset, footer_length = extent.length;
  if (footer_offset < tail_offset) {
    TEMPO_ASSIGN_OR_RETURN(std::string more,
                           ReadBlockRange(rd, footer_offset, tail_offset - footer_offset));
    cursor->bytes_read_ += more.size();
    tail = more + tail;
    tail_offset = footer_offset;
  }
  {
    PageDecompressor decompressor;
    PageHeader header;
    std::string storage;
    std::string_view payload;
    std::string_view section =
        std::string_view(tail).substr(footer_offset - tail_offset, footer_length);
    TEMPO_RETURN_IF_ERROR(decompressor.Read(section, "block footer", &header, &storage, &payload));
    if (header.encoding != Encoding::kFooter) return CorruptionError("block footer: bad encoding");
    TEMPO_ASSIGN_OR_RETURN(*cursor->footer_, DecodeFooter(payload, size, footer_length));
  }
  std::string().swap(tail);
  TEMPO_RETURN_IF_ERROR(cursor->OpenDirectory(footer_offset));
  {
    TEMPO_ASSIGN_OR_RETURN(std::string head, ReadBlockRange(rd, 0, kHeaderSize));
    cursor->bytes_read_ += kHeaderSize;
    TEMPO_RETURN_IF_ERROR(CheckBlockHeader(head));
  }
  return cursor;
}

Status TraceCursor::OpenDirectory(uint64_t footer_offset) {
  const Footer& footer = *footer_;
  const uint64_t offset = footer_offset - footer.bloom_length - footer.directory_length;
  if (footer.directory_length < kPageHeaderSize) {
    return CorruptionError("block directory: section shorter than a page header");
  }
  TEMPO_ASSIGN_OR_RETURN(std::string head, ReadBlockRange(read_, offset, kPageHeaderSize));
  bytes_read_ += kPageHeaderSize;
  PageHeader header;
  TEMPO_RETURN_IF_ERROR(ParsePageHeader(head, "block directory", &header));
  if (header.encoding != Encoding::kDirectory || header.num_values != footer.total_traces ||
      header.raw_len != footer.total_traces * 16) {
    return CorruptionError("block directory: does not match the footer's trace count");
  }
  if (header.codec != Codec::kNone) {
    // A compressed directory (valid; blocks written before the writer stored it raw may have
    // one) is read and checked whole.
    TEMPO_ASSIGN_OR_RETURN(std::string section,
                           ReadBlockRange(read_, offset, footer.directory_length));
    bytes_read_ += section.size();
    PageDecompressor decompressor;
    TEMPO_RETURN_IF_ERROR(
        ReadDirectorySection(section, footer.total_traces, &decompressor, &directory_));
    directory_whole_ = true;
    return Status::Ok();
  }
  if (header.stored_len != header.raw_len ||
      footer.directory_length != kPageHeaderSize + header.stored_len) {
    return CorruptionError("block directory: section length does not match its page header");
  }
  // Raw: each row group's slice is read with the row group, and the page checksum is taken over
  // the slices as they come.
  directory_whole_ = false;
  directory_payload_ = offset + kPageHeaderSize;
  directory_crc_ = Crc32c(head.data(), 16);
  directory_expected_crc_ = LoadFixed32(head.data() + 16);
  if (footer.row_groups.empty() && directory_crc_ != directory_expected_crc_) {
    return CorruptionError("block directory: checksum mismatch");
  }
  return Status::Ok();
}

Status TraceCursor::LoadDirectorySlice(const RowGroupMeta& rg) {
  const uint64_t rows = rg.rows[static_cast<size_t>(Table::kTrace)];
  TEMPO_ASSIGN_OR_RETURN(
      directory_, ReadBlockRange(read_, directory_payload_ + rg.first_trace * 16, rows * 16));
  bytes_read_ += directory_.size();
  directory_base_ = rg.first_trace;
  for (size_t i = 0; i < directory_.size(); i += 16) {
    const char* id = directory_.data() + i;
    if ((rg.first_trace > 0 || i > 0) && std::memcmp(last_id_, id, 16) >= 0) {
      return CorruptionError("block directory: trace IDs are not ascending");
    }
    std::memcpy(last_id_, id, 16);
  }
  directory_crc_ = Crc32cExtend(directory_crc_, directory_.data(), directory_.size());
  // The last row group's slice completes the page: a corrupt directory fails here, before the
  // cursor reports the end, so a consumer that commits only then never commits from it.
  if (row_group_ + 1 == footer_->row_groups.size() &&
      directory_crc_ != directory_expected_crc_) {
    return CorruptionError("block directory: checksum mismatch");
  }
  return Status::Ok();
}

Status TraceCursor::AppendSerialized(std::string* out) const {
  return rows_->AppendSerialized(out);
}

uint64_t TraceCursor::traces() const { return footer_->total_traces; }
uint64_t TraceCursor::spans() const { return footer_->total_spans; }
uint32_t TraceCursor::row_groups() const {
  return static_cast<uint32_t>(footer_->row_groups.size());
}

Status TraceCursor::LoadRowGroup() {
  const RowGroupMeta& rg = footer_->row_groups[row_group_];
  rg_bytes_.clear();
  rg_bytes_.shrink_to_fit();  // the previous row group's buffer may be much larger
  TEMPO_ASSIGN_OR_RETURN(rg_bytes_, ReadBlockRange(read_, rg.offset, rg.length));
  bytes_read_ += rg.length;
  if (!directory_whole_) TEMPO_RETURN_IF_ERROR(LoadDirectorySlice(rg));
  rg_next_row_ = 0;
  loaded_ = true;
  return Status::Ok();
}

Status TraceCursor::DecodeBatch() {
  const RowGroupMeta& rg = footer_->row_groups[row_group_];
  const uint64_t rows = rg.rows[static_cast<size_t>(Table::kTrace)];
  const uint64_t spans = rg.rows[static_cast<size_t>(Table::kSpan)];
  // Batch by the row group's average spans per trace: a few large traces make a batch larger
  // than the target, but never larger than the row group.
  uint64_t per_batch = rows;
  if (spans > options_.spans_per_batch) {
    per_batch = std::max<uint64_t>(1, options_.spans_per_batch * rows / spans);
  }
  const uint64_t first = rg_next_row_;
  const uint64_t last = std::min(rows, first + per_batch);
  batch_first_ = rg.first_trace + first;
  batch_size_ = 0;
  batch_pos_ = 0;
  assembler_.reset();  // its column buffers, before the next batch's are decoded
  assembler_ = std::make_unique<TraceAssembler>(*footer_, rg, rg_bytes_);
  TEMPO_RETURN_IF_ERROR(assembler_->Decode(first, last));
  batch_size_ = static_cast<size_t>(last - first);
  rg_next_row_ = last;
  return Status::Ok();
}

Result<bool> TraceCursor::Next() {
  TEMPO_RETURN_IF_ERROR(failed_);
  Status s = [&]() -> Status {
    while (batch_pos_ >= batch_size_) {
      batch_size_ = 0;
      batch_pos_ = 0;
      if (row_group_ >= footer_->row_groups.size()) return Status::Ok();
      if (!loaded_) TEMPO_RETURN_IF_ERROR(LoadRowGroup());
      const RowGroupMeta& rg = footer_->row_groups[row_group_];
      if (rg_next_row_ >= rg.rows[static_cast<size_t>(Table::kTrace)]) {
        ++row_group_;
        loaded_ = false;
        assembler_.reset();  // it refers to the row group's bytes
        rg_bytes_.clear();
        continue;
      }
      TEMPO_RETURN_IF_ERROR(DecodeBatch());
    }
    return Status::Ok();
  }();
  if (!s.ok()) {
    failed_ = s;
    return s;
  }
  if (batch_pos_ >= batch_size_) return false;
  const std::string_view id =
      std::string_view(directory_).substr((batch_first_ - directory_base_ + batch_pos_) * 16, 16);
  if (s = assembler_->Rows(batch_pos_, id, rows_.get()); !s.ok()) {
    failed_ = s;
    return s;
  }
  id_ = TraceId::FromBytes(id);
  ++batch_pos_;
  return true;
}

}  // namespace tempo::block
