#include "tempo/block/block_writer.h"

#include <algorithm>
#include <functional>
#include <optional>

#include "block/bloom.h"
#include "block/coding.h"
#include "block/crc32c.h"
#include "block/footer.h"
#include "block/page.h"
#include "block/row_group_builder.h"
#include "block/spill_file.h"
#include "block/trace_rows.h"
#include "tempo/model/combine.h"
#include "tempopb/tempo.pb.h"

namespace tempo::block {

namespace {
// With a scratch directory, the trace-ID directory is buffered and spilled in pieces of this
// size (65,536 IDs).
constexpr size_t kSpillBytes = 1 << 20;
}  // namespace

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
  std::string directory;  // 16 bytes per trace, ascending (with spill: those not spilled yet)
  std::optional<SpillFile> spill;  // the directory's first spill->size() / 16 IDs
  TraceRows rows;                  // the trace being appended
  TraceId last;
  TraceId min_id;  // the first trace's ID
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
  state_->rows.FromMessage(trace);
  return AppendRows(id, state_->rows);
}

Status BlockWriter::Append(const TraceId& id, const TraceRows& rows) {
  if (finished_) return InvalidArgumentError("block writer: Append after Finish");
  return AppendRows(id, rows);
}

Status BlockWriter::AppendFragments(const TraceId& id, std::string_view fragments,
                                    uint64_t* duplicate_spans) {
  if (finished_) return InvalidArgumentError("block writer: Append after Finish");
  if (state_->rows.FromFragments(fragments)) {
    if (duplicate_spans != nullptr) *duplicate_spans += state_->rows.duplicate_spans;
    return AppendRows(id, state_->rows);
  }
  tempopb::Trace combined;
  model::CombineStats stats;
  TEMPO_RETURN_IF_ERROR(model::CombineFragments({fragments}, &combined, &stats));
  if (duplicate_spans != nullptr) *duplicate_spans += stats.duplicate_spans;
  return Append(id, combined);
}

Status BlockWriter::AppendRows(const TraceId& id, const TraceRows& trace) {
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
  if (traces_ == 0 && sink_ && !options_.scratch_dir.empty()) {
    Result<SpillFile> spill = SpillFile::Create(options_.scratch_dir);
    if (!spill.ok()) {
      s.failed = spill.status();
      return s.failed;
    }
    s.spill.emplace(std::move(spill).value());
    s.directory.reserve(kSpillBytes);
  }
  s.directory.append(id.view());
  if (s.spill && s.directory.size() >= kSpillBytes) TEMPO_RETURN_IF_ERROR(SpillDirectory());
  if (traces_ == 0) s.min_id = id;
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

Status BlockWriter::SpillDirectory() {
  State& s = *state_;
  Status st = s.spill->Append(s.directory);
  if (!st.ok()) {
    s.failed = st;
    return st;
  }
  s.directory.clear();
  return Status::Ok();
}

Status BlockWriter::WriteDirectory(BloomFilter* bloom) {
  State& s = *state_;
  auto add_ids = [bloom](std::string_view ids) {
    for (size_t i = 0; i + 16 <= ids.size(); i += 16) {
      bloom->Add(TraceId::FromBytes(ids.substr(i, 16)));
    }
  };
  if (!s.spill) {
    add_ids(s.directory);
    // Trace IDs are random: the page is stored raw, which lets a reader take slices of it.
    size_t before = s.out.size();
    TEMPO_RETURN_IF_ERROR(s.compressor.Append(Encoding::kDirectory,
                                              static_cast<uint32_t>(traces_), s.directory,
                                              &s.out, /*allow_zstd=*/false));
    s.footer.directory_length = s.out.size() - before;
    // The directory (16 bytes per trace) is the one part of the writer that grows with the
    // block: stream its page out and free both copies before the rest of the tail is built.
    std::string().swap(s.directory);
    if (sink_) {
      TEMPO_RETURN_IF_ERROR(Drain());
      std::string().swap(s.out);
    }
    return Status::Ok();
  }
  // Spilled: the same raw page, its checksum taken in a first pass over the scratch file (which
  // also fills the bloom filter) and its payload copied to the sink in a second.
  TEMPO_RETURN_IF_ERROR(SpillDirectory());
  const uint64_t length = s.spill->size();
  if (length > kMaxPageBytes) {
    return ResourceExhaustedError("block directory of " + std::to_string(length) +
                                  " bytes exceeds the page limit of " +
                                  std::to_string(kMaxPageBytes));
  }
  std::string header = RawPageHeaderPrefix(Encoding::kDirectory, static_cast<uint32_t>(traces_),
                                           static_cast<uint32_t>(length));
  // Reads the scratch file in kSpillBytes pieces into `*into` and calls `fn` after each.
  auto for_each_piece = [&](std::string* into, const std::function<Status()>& fn) -> Status {
    for (uint64_t at = 0; at < length; at += kSpillBytes) {
      const uint64_t n = std::min<uint64_t>(kSpillBytes, length - at);
      TEMPO_RETURN_IF_ERROR(s.spill->ReadAt(at, n, into));
      TEMPO_RETURN_IF_ERROR(fn());
    }
    return Status::Ok();
  };
  uint32_t crc = Crc32c(header);
  std::string piece;
  TEMPO_RETURN_IF_ERROR(for_each_piece(&piece, [&] {
    add_ids(piece);
    crc = Crc32cExtend(crc, piece.data(), piece.size());
    return Status::Ok();
  }));
  PutFixed32(&header, crc);
  s.out.append(header);
  TEMPO_RETURN_IF_ERROR(Drain());
  TEMPO_RETURN_IF_ERROR(for_each_piece(&s.out, [&] { return Drain(); }));
  s.footer.directory_length = header.size() + length;
  s.spill.reset();
  std::string().swap(s.directory);
  std::string().swap(s.out);
  return Status::Ok();
}

Result<std::string> BlockWriter::Finish(BlockMeta* meta) {
  if (finished_) return InvalidArgumentError("block writer: Finish called twice");
  State& s = *state_;
  TEMPO_RETURN_IF_ERROR(s.failed);
  finished_ = true;
  TEMPO_RETURN_IF_ERROR(FlushRowGroup());
  const uint64_t tail_start = drained_ + s.out.size();

  const std::string min_trace_id = s.min_id.ToHex();
  BloomFilter bloom(traces_, options_.bloom_false_positive);
  TEMPO_RETURN_IF_ERROR(WriteDirectory(&bloom));
  size_t before = s.out.size();
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
