#include "tempo/block/block_reader.h"

#include <algorithm>
#include <cstring>

#include "block/block_index.h"
#include "block/bloom.h"
#include "block/coding.h"
#include "block/crc32c.h"
#include "block/footer.h"
#include "block/page.h"
#include "block/trace_assembler.h"
#include "tempo/block/page_cache.h"
#include "tempopb/tempo.pb.h"

namespace tempo::block {
namespace {

// Bytes [offset, offset + length) of the file, from `tail` (which starts at `tail_offset`) when
// it covers them, else read.
Result<std::string> Range(const ReadAtFn& read, const std::string& tail, uint64_t tail_offset,
                          uint64_t offset, uint64_t length) {
  if (offset >= tail_offset) return tail.substr(offset - tail_offset, length);
  return ReadBlockRange(read, offset, length);
}

// The row group holding the trace at directory position `row` (< the footer's trace count).
const RowGroupMeta& RowGroupOf(const Footer& footer, uint64_t row) {
  auto it = std::upper_bound(footer.row_groups.begin(), footer.row_groups.end(), row,
                             [](uint64_t g, const RowGroupMeta& rg) { return g < rg.first_trace; });
  return *(it - 1);
}

}  // namespace

Result<std::string> ReadBlockRange(const ReadAtFn& read, uint64_t offset, uint64_t length) {
  TEMPO_ASSIGN_OR_RETURN(std::string data, read(offset, length));
  if (data.size() != length) {
    return IOError("block read at offset " + std::to_string(offset) + " returned " +
                   std::to_string(data.size()) + " bytes, expected " + std::to_string(length));
  }
  return data;
}

RowGroupAssembly::RowGroupAssembly() = default;
RowGroupAssembly::~RowGroupAssembly() = default;

Status RowGroupAssembly::Open(const Footer& footer, const RowGroupMeta& rg, const ReadAtFn& read,
                              bool by_pages, PageCache* cache, uint64_t cache_key) {
  if (by_pages) {
    counted_ = [this, &read](uint64_t offset, uint64_t length) {
      bytes_read += length;
      return read(offset, length);
    };
    assembler = std::make_unique<TraceAssembler>(footer, rg, counted_);
  } else {
    TEMPO_ASSIGN_OR_RETURN(bytes_, ReadBlockRange(read, rg.offset, rg.length));
    bytes_read += rg.length;
    assembler = std::make_unique<TraceAssembler>(footer, rg, bytes_);
  }
  assembler->UsePageCache(cache, cache_key);
  return Status::Ok();
}

namespace {

Status CheckBlockVersion(uint32_t version) {
  if (version != kFileVersion) {
    return CorruptionError("unsupported block format version " + std::to_string(version));
  }
  return Status::Ok();
}

}  // namespace

Status CheckBlockHeader(std::string_view head) {
  if (head.size() < kHeaderSize || std::memcmp(head.data(), kMagic, 4) != 0) {
    return CorruptionError("not a tcb block: bad magic at the start of the file");
  }
  return CheckBlockVersion(LoadFixed32(head.data() + 4));
}

Status ReadDirectorySection(std::string_view section, uint64_t traces,
                            PageDecompressor* decompressor, std::string* directory) {
  PageHeader header;
  std::string storage;
  std::string_view payload;
  TEMPO_RETURN_IF_ERROR(
      decompressor->Read(section, "block directory", &header, &storage, &payload));
  if (header.encoding != Encoding::kDirectory || header.num_values != traces ||
      payload.size() != traces * 16) {
    return CorruptionError("block directory: does not match the footer's trace count");
  }
  for (size_t i = 16; i < payload.size(); i += 16) {
    if (std::memcmp(payload.data() + i - 16, payload.data() + i, 16) >= 0) {
      return CorruptionError("block directory: trace IDs are not ascending");
    }
  }
  directory->assign(payload);
  return Status::Ok();
}

Result<FooterExtent> ParseTrailer(std::string_view tail, uint64_t size) {
  // Trailer: u32 footer length | u32 version | u32 crc32c of those 8 bytes | magic.
  const char* trailer = tail.data() + tail.size() - kTrailerSize;
  if (std::memcmp(trailer + 12, kMagic, 4) != 0) {
    return CorruptionError("not a tcb block: bad magic at the end of the file");
  }
  TEMPO_RETURN_IF_ERROR(CheckBlockVersion(LoadFixed32(trailer + 4)));
  if (LoadFixed32(trailer + 8) != Crc32c(trailer, 8)) {
    return CorruptionError("block trailer: checksum mismatch");
  }
  const uint64_t footer_length = LoadFixed32(trailer);
  if (footer_length > size - kHeaderSize - kTrailerSize) {
    return CorruptionError("block trailer: footer length " + std::to_string(footer_length) +
                           " exceeds the file");
  }
  return FooterExtent{size - kTrailerSize - footer_length, footer_length};
}

BlockReader::BlockReader(ReadAtFn read, uint64_t size, std::unique_ptr<BlockIndex> index,
                         LookupReads lookup_reads, std::shared_ptr<PageCache> page_cache)
    : read_(std::move(read)),
      lookup_reads_(lookup_reads),
      size_(size),
      index_(std::move(index)),
      page_cache_(std::move(page_cache)),
      cache_key_(PageCache::NewBlockKey()) {}
BlockReader::~BlockReader() = default;

Result<std::unique_ptr<BlockReader>> BlockReader::Open(ReadAtFn read, uint64_t size,
                                                       uint64_t tail_hint,
                                                       LookupReads lookup_reads,
                                                       std::shared_ptr<PageCache> page_cache) {
  if (size < kHeaderSize + kTrailerSize) {
    return CorruptionError("block too small: " + std::to_string(size) + " bytes");
  }
  uint64_t tail_length = std::min(size, kDefaultTailRead);
  if (tail_hint >= kTrailerSize && tail_hint <= size) tail_length = tail_hint;
  const uint64_t tail_offset = size - tail_length;
  TEMPO_ASSIGN_OR_RETURN(std::string tail, ReadBlockRange(read, tail_offset, tail_length));

  TEMPO_ASSIGN_OR_RETURN(const FooterExtent extent, ParseTrailer(tail, size));
  const uint64_t footer_offset = extent.offset, footer_length = extent.length;

  auto index = std::make_unique<BlockIndex>(BlockIndex{{}, {}, BloomFilter(0, 0.5), 0});
  index->footer_length = footer_length;
  PageDecompressor decompressor;
  PageHeader header;
  std::string storage;
  std::string_view payload;
  {
    TEMPO_ASSIGN_OR_RETURN(std::string section,
                           Range(read, tail, tail_offset, footer_offset, footer_length));
    TEMPO_RETURN_IF_ERROR(decompressor.Read(section, "block footer", &header, &storage, &payload));
    if (header.encoding != Encoding::kFooter) return CorruptionError("block footer: bad encoding");
    TEMPO_ASSIGN_OR_RETURN(index->footer, DecodeFooter(payload, size, footer_length));
  }
  const Footer& footer = index->footer;
  const uint64_t bloom_offset = footer_offset - footer.bloom_length;
  const uint64_t directory_offset = bloom_offset - footer.directory_length;
  {
    TEMPO_ASSIGN_OR_RETURN(std::string sections,
                           Range(read, tail, tail_offset, directory_offset,
                                 footer.directory_length + footer.bloom_length));
    std::string_view view(sections);
    TEMPO_RETURN_IF_ERROR(ReadDirectorySection(view.substr(0, footer.directory_length),
                                               footer.total_traces, &decompressor,
                                               &index->directory));
    TEMPO_RETURN_IF_ERROR(decompressor.Read(view.substr(footer.directory_length), "block bloom",
                                            &header, &storage, &payload));
    if (header.encoding != Encoding::kBloom) return CorruptionError("block bloom: bad encoding");
    TEMPO_ASSIGN_OR_RETURN(index->bloom, BloomFilter::FromBytes(payload));
  }
  {
    TEMPO_ASSIGN_OR_RETURN(std::string head, Range(read, tail, tail_offset, 0, kHeaderSize));
    TEMPO_RETURN_IF_ERROR(CheckBlockHeader(head));
  }
  return std::unique_ptr<BlockReader>(
      new BlockReader(std::move(read), size, std::move(index), lookup_reads,
                      std::move(page_cache)));
}

bool BlockReader::MayContain(const TraceId& id) const { return index_->bloom.MayContain(id); }

Result<bool> BlockReader::FindTrace(const TraceId& id, tempopb::Trace* out) const {
  out->Clear();
  const std::optional<uint64_t> row = FindRow(id);
  if (!row) return false;
  TEMPO_RETURN_IF_ERROR(ForRowGroupsOf({*row}, nullptr, nullptr, [out](const RowGroupSelection& g) {
    return g.assembler.RunInto(g.lo, g.hi, g.ids, g.selected, [out](uint64_t) { return out; });
  }));
  return true;
}

Result<bool> BlockReader::FindTraceSerialized(const TraceId& id, std::string* out,
                                              uint32_t* combined_spans) const {
  if (combined_spans) *combined_spans = 0;
  const std::optional<uint64_t> row = FindRow(id);
  if (!row) return false;
  TEMPO_RETURN_IF_ERROR(ForRowGroupsOf({*row}, nullptr, nullptr, [&](const RowGroupSelection& g) {
    return g.assembler.RunRows(g.lo, g.hi, g.ids, g.selected,
                               [&](uint64_t, const TraceRows& rows) {
                                 if (combined_spans && rows.IsCombined()) {
                                   *combined_spans = static_cast<uint32_t>(rows.span_count());
                                 }
                                 return rows.AppendSerialized(out);
                               });
  }));
  return true;
}

Status BlockReader::ForEachTrace(
    const std::function<Status(const TraceId&, tempopb::Trace&&)>& fn) const {
  const std::string_view dir = index_->directory;
  for (const RowGroupMeta& rg : index_->footer.row_groups) {
    TEMPO_ASSIGN_OR_RETURN(std::string bytes, ReadBlockRange(read_, rg.offset, rg.length));
    TraceAssembler assembler(index_->footer, rg, bytes);
    const uint64_t n = rg.rows[static_cast<size_t>(Table::kTrace)];
    TEMPO_RETURN_IF_ERROR(assembler.Run(
        0, n, dir.substr(rg.first_trace * 16, n * 16),
        [&](uint64_t row, tempopb::Trace&& trace) {
          return fn(TraceId::FromBytes(dir.substr((rg.first_trace + row) * 16, 16)),
                    std::move(trace));
        },
        /*use_arena=*/true));
  }
  return Status::Ok();
}

std::vector<BlockReader::ColumnStats> BlockReader::ColumnSizes() const {
  const Footer& footer = index_->footer;
  std::vector<ColumnStats> stats(footer.columns.size());
  std::vector<size_t> first_seen(footer.columns.size(), SIZE_MAX);
  size_t seen = 0;
  for (const RowGroupMeta& rg : footer.row_groups) {
    for (const ChunkMeta& c : rg.chunks) {
      ColumnStats& s = stats[c.column];
      s.compressed_bytes += c.length;
      s.uncompressed_bytes += c.raw_bytes;
      s.values += c.num_values;
      if (first_seen[c.column] == SIZE_MAX) first_seen[c.column] = seen++;
    }
  }
  std::vector<ColumnStats> out(seen);
  for (size_t i = 0; i < footer.columns.size(); ++i) {
    if (first_seen[i] == SIZE_MAX) continue;
    stats[i].name = footer.columns[i].DisplayName();
    out[first_seen[i]] = std::move(stats[i]);
  }
  out.push_back({"section.directory", footer.directory_length, index_->directory.size(),
                 footer.total_traces});
  out.push_back({"section.bloom", footer.bloom_length, footer.bloom_length, 0});
  out.push_back(
      {"section.footer", index_->footer_length + kTrailerSize, 0, footer.row_groups.size()});
  return out;
}

std::optional<uint64_t> BlockReader::FindRow(const TraceId& id) const {
  if (!index_->bloom.MayContain(id)) return std::nullopt;
  const std::string& dir = index_->directory;
  const size_t n = dir.size() / 16;
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (std::memcmp(dir.data() + mid * 16, id.bytes.data(), 16) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == n || std::memcmp(dir.data() + lo * 16, id.bytes.data(), 16) != 0) return std::nullopt;
  return lo;
}

std::string_view BlockReader::trace_ids() const { return index_->directory; }

Status BlockReader::ReadTraces(const std::vector<uint64_t>& rows,
                               const std::function<Status(uint64_t, tempopb::Trace&&)>& fn) const {
  return ForRowGroupsOf(rows, nullptr, nullptr, [&](const RowGroupSelection& g) {
    return g.assembler.Run(
        g.lo, g.hi, g.ids,
        [&](uint64_t row, tempopb::Trace&& trace) {
          return fn(g.first_trace + row, std::move(trace));
        },
        /*use_arena=*/false, &g.selected);
  });
}

Status BlockReader::ReadTracesKeeping(
    const std::vector<uint64_t>& rows, const std::vector<uint8_t>* keep,
    const std::vector<uint8_t>* keep_intrinsics,
    const std::function<Status(uint64_t, std::string_view)>& fn) const {
  return ForRowGroupsOf(rows, keep, keep_intrinsics, [&](const RowGroupSelection& g) {
    return g.assembler.RunSerialized(
        g.lo, g.hi, g.ids, g.selected,
        [&](uint64_t row, std::string_view bytes) { return fn(g.first_trace + row, bytes); });
  });
}

Status BlockReader::ForRowGroupsOf(
    const std::vector<uint64_t>& rows, const std::vector<uint8_t>* keep,
    const std::vector<uint8_t>* keep_intrinsics,
    const std::function<Status(const RowGroupSelection&)>& visit) const {
  const std::string_view dir = index_->directory;
  size_t i = 0;
  while (i < rows.size()) {
    if (rows[i] >= index_->footer.total_traces || (i > 0 && rows[i] <= rows[i - 1])) {
      return InvalidArgumentError("trace rows must be ascending and inside the block");
    }
    const RowGroupMeta& rg = RowGroupOf(index_->footer, rows[i]);
    const uint64_t n = rg.rows[static_cast<size_t>(Table::kTrace)];
    std::vector<uint8_t> selected(n, 0);
    uint64_t lo = rows[i] - rg.first_trace, hi = lo, wanted = 0;
    for (; i < rows.size() && rows[i] < rg.first_trace + n; ++i) {
      if (i > 0 && rows[i] <= rows[i - 1]) {
        return InvalidArgumentError("trace rows must be ascending and inside the block");
      }
      hi = rows[i] - rg.first_trace;
      selected[hi] = 1;
      ++wanted;
    }
    RowGroupAssembly assembly;
    TEMPO_RETURN_IF_ERROR(assembly.Open(index_->footer, rg, read_,
                                        lookup_reads_ == LookupReads::kPages &&
                                            ReadByPages(wanted, n),
                                        page_cache_.get(), cache_key_));
    TraceAssembler& assembler = *assembly.assembler;
    if (keep != nullptr) assembler.KeepAttributes(*keep);
    if (keep_intrinsics != nullptr) assembler.KeepIntrinsics(*keep_intrinsics);
    const RowGroupSelection selection{
        assembler,
        lo,
        hi + 1,
        dir.substr((rg.first_trace + lo) * 16, (hi + 1 - lo) * 16),
        std::vector<uint8_t>(selected.begin() + static_cast<ptrdiff_t>(lo),
                             selected.begin() + static_cast<ptrdiff_t>(hi + 1)),
        rg.first_trace};
    TEMPO_RETURN_IF_ERROR(visit(selection));
  }
  return Status::Ok();
}

namespace {

// The latest trace start of `rg` from the statistics of its trace.start pages (every int page
// has them), or its max_end when the chunk is absent or a page lacks them.
uint64_t MaxTraceStart(const RowGroupMeta& rg) {
  for (const ChunkMeta& c : rg.chunks) {
    if (c.column != static_cast<uint32_t>(Col::kTraceStart)) continue;
    uint64_t latest = 0;
    for (const PageMeta& p : c.pages) {
      if (!p.has_stats || p.max < 0) return rg.max_end;
      latest = std::max(latest, static_cast<uint64_t>(p.max));
    }
    return std::min(latest, rg.max_end);
  }
  return rg.max_end;
}

}  // namespace

std::vector<BlockReader::RowGroupInfo> BlockReader::RowGroupInfos() const {
  std::vector<RowGroupInfo> out;
  for (const RowGroupMeta& rg : index_->footer.row_groups) {
    out.push_back({rg.min_start, rg.max_end, MaxTraceStart(rg),
                   rg.rows[static_cast<size_t>(Table::kTrace)],
                   rg.rows[static_cast<size_t>(Table::kSpan)], rg.length});
  }
  return out;
}

uint32_t BlockReader::row_groups() const {
  return static_cast<uint32_t>(index_->footer.row_groups.size());
}
uint64_t BlockReader::traces() const { return index_->footer.total_traces; }
uint64_t BlockReader::spans() const { return index_->footer.total_spans; }

}  // namespace tempo::block
