#include "tempo/block/block_writer.h"

#include <algorithm>

#include "block/bloom.h"
#include "block/coding.h"
#include "block/crc32c.h"
#include "block/footer.h"
#include "block/page.h"
#include "block/row_group_builder.h"
#include "tempopb/tempo.pb.h"

namespace tempo::block {

struct BlockWriter::State {
  explicit State(const WriterOptions& o) : compressor(o.zstd_level), row_group(catalog) {
    out.append(kMagic, 4);
    PutFixed32(&out, kFileVersion);
  }
  PageCompressor compressor;
  Catalog catalog;  // before row_group, which refers to it
  RowGroupBuilder row_group;
  Footer footer;
  std::string out;        // the file so far: header and finished row groups
  std::string directory;  // 16 bytes per trace, ascending
  TraceId last;
  uint64_t min_start = UINT64_MAX, max_end = 0;
  Status failed;  // sticky: a failed flush leaves the file unusable
};

BlockWriter::BlockWriter(WriterOptions options)
    : options_(options), state_(std::make_unique<State>(options)) {}
BlockWriter::BlockWriter(WriterOptions options, BlockSinkFn sink)
    : options_(options), state_(std::make_unique<State>(options)), sink_(std::move(sink)) {}
BlockWriter::~BlockWriter() = default;

uint64_t BlockWriter::bytes_written() const {
  return drained_ + (state_ ? state_->out.size() : 0);
}

Status BlockWriter::Drain() {
  State& s = *state_;
  if (!sink_ || s.out.empty()) return Status::Ok();
  Status st = sink_(s.out);
  if (!st.ok()) {
    s.failed = st;
    return st;
  }
  drained_ += s.out.size();
  s.out.clear();
  return Status::Ok();
}

Status BlockWriter::FlushRowGroup() {
  State& s = *state_;
  if (s.row_group.rows(Table::kTrace) == 0) return Status::Ok();
  PageLimits limits{options_.values_per_page, options_.page_bytes,
                    options_.dict_page_entries, options_.dict_page_bytes};
  RowGroupMeta meta;
  Status st = s.row_group.Encode(limits, s.compressor, drained_ + s.out.size(), &s.out, &meta);
  if (!st.ok()) {
    s.failed = st;
    return st;
  }
  s.footer.row_groups.push_back(std::move(meta));
  s.row_group.Clear();
  return Drain();
}

Status BlockWriter::Append(const TraceId& id, const tempopb::Trace& trace) {
  if (finished_) return InvalidArgumentError("block writer: Append after Finish");
  State& s = *state_;
  TEMPO_RETURN_IF_ERROR(s.failed);
  if (traces_ > 0 && !(s.last < id)) {
    return InvalidArgumentError("block writer: trace " + id.ToHex() +
                                " is not greater than the previous trace " + s.last.ToHex() +
                                " (traces must be appended in ascending ID order)");
  }
  std::array<uint64_t, kTableCount> rows = RowGroupBuilder::CountRows(trace);
  if (!s.row_group.Fits(rows)) {
    TEMPO_RETURN_IF_ERROR(FlushRowGroup());
    if (!s.row_group.Fits(rows)) {
      return ResourceExhaustedError("block writer: trace " + id.ToHex() +
                                    " has too many spans, events or links for one row group");
    }
  }
  uint64_t start = 0, end = 0;
  s.row_group.AddTrace(id, trace, &start, &end);
  if (s.directory.empty() && options_.expected_traces > 0) {
    s.directory.reserve(static_cast<size_t>(options_.expected_traces) * 16);
  }
  s.directory.append(id.view());
  s.last = id;
  ++traces_;
  uint64_t spans = rows[static_cast<size_t>(Table::kSpan)];
  spans_ += spans;
  if (spans > 0) {
    s.min_start = std::min(s.min_start, start);
    s.max_end = std::max(s.max_end, end);
  }
  if (s.row_group.rows(Table::kSpan) >= options_.spans_per_row_group) {
    TEMPO_RETURN_IF_ERROR(FlushRowGroup());
  }
  return Status::Ok();
}

Result<std::string> BlockWriter::Finish(BlockMeta* meta) {
  if (finished_) return InvalidArgumentError("block writer: Finish called twice");
  State& s = *state_;
  TEMPO_RETURN_IF_ERROR(s.failed);
  finished_ = true;
  TEMPO_RETURN_IF_ERROR(FlushRowGroup());
  const uint64_t tail_start = drained_ + s.out.size();

  BloomFilter bloom(traces_, options_.bloom_false_positive);
  for (size_t i = 0; i < traces_; ++i) {
    bloom.Add(TraceId::FromBytes(std::string_view(s.directory).substr(i * 16, 16)));
  }
  const std::string min_trace_id =
      traces_ > 0 ? HexEncode(std::string_view(s.directory).substr(0, 16)) : std::string();

  size_t before = s.out.size();
  TEMPO_RETURN_IF_ERROR(s.compressor.Append(Encoding::kDirectory, static_cast<uint32_t>(traces_),
                                            s.directory, &s.out));
  s.footer.directory_length = s.out.size() - before;
  // The directory (16 bytes per trace) is the one part of the writer that grows with the block:
  // stream its page out and free both copies before the rest of the tail is built.
  std::string().swap(s.directory);
  if (sink_) {
    TEMPO_RETURN_IF_ERROR(Drain());
    std::string().swap(s.out);
  }
  before = s.out.size();
  TEMPO_RETURN_IF_ERROR(s.compressor.Append(Encoding::kBloom, static_cast<uint32_t>(bloom.blocks()),
                                            bloom.ToBytes(), &s.out));
  s.footer.bloom_length = s.out.size() - before;

  s.footer.columns = s.catalog.columns();
  before = s.out.size();
  TEMPO_RETURN_IF_ERROR(s.compressor.Append(Encoding::kFooter,
                                            static_cast<uint32_t>(s.footer.row_groups.size()),
                                            EncodeFooter(s.footer), &s.out));
  uint64_t footer_length = s.out.size() - before;
  if (footer_length > UINT32_MAX) return ResourceExhaustedError("block footer too large");

  // Trailer: u32 footer length | u32 version | u32 crc32c of those 8 bytes | magic.
  size_t trailer = s.out.size();
  PutFixed32(&s.out, static_cast<uint32_t>(footer_length));
  PutFixed32(&s.out, kFileVersion);
  PutFixed32(&s.out, Crc32c(s.out.data() + trailer, 8));
  s.out.append(kMagic, 4);

  meta->version = std::string(kFormatVersion);
  meta->start_unix_nano = spans_ > 0 ? static_cast<int64_t>(s.min_start) : 0;
  meta->end_unix_nano = spans_ > 0 ? static_cast<int64_t>(s.max_end) : 0;
  meta->total_traces = traces_;
  meta->total_spans = spans_;
  const uint64_t file_size = drained_ + s.out.size();
  meta->size_bytes = file_size;
  meta->footer_size = file_size - tail_start;
  meta->row_groups = static_cast<uint32_t>(s.footer.row_groups.size());
  if (traces_ > 0) {
    meta->min_trace_id = min_trace_id;
    meta->max_trace_id = s.last.ToHex();
  } else {
    meta->min_trace_id.clear();
    meta->max_trace_id.clear();
  }
  TEMPO_RETURN_IF_ERROR(Drain());
  std::string file = std::move(s.out);
  state_.reset();  // frees the column buffers; Append and Finish check finished_ first
  return file;
}

}  // namespace tempo::block
