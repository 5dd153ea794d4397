#pragma once

// Test access to a block's internals (footer and column values) through the private headers.
#include <cstdlib>
#include <cstring>
#include <string>

#include "block/chunk_reader.h"
#include "block/coding.h"
#include "block/crc32c.h"
#include "block/footer.h"
#include "block/page.h"

namespace tempo::block::testing {

// Decodes the footer of a whole file held in memory.
inline Result<Footer> FooterOf(const std::string& file) {
  const char* trailer = file.data() + file.size() - kTrailerSize;
  uint64_t footer_len = LoadFixed32(trailer);
  std::string_view section(file.data() + file.size() - kTrailerSize - footer_len, footer_len);
  PageDecompressor d;
  PageHeader h;
  std::string storage;
  std::string_view payload;
  TEMPO_RETURN_IF_ERROR(d.Read(section, "footer", &h, &storage, &payload));
  return DecodeFooter(payload, file.size(), footer_len);
}

// The decompressed footer payload of `file`.
inline std::string FooterPayloadOf(const std::string& file) {
  const char* trailer = file.data() + file.size() - kTrailerSize;
  uint64_t footer_len = LoadFixed32(trailer);
  std::string_view section(file.data() + file.size() - kTrailerSize - footer_len, footer_len);
  PageDecompressor d;
  PageHeader h;
  std::string storage;
  std::string_view payload;
  if (!d.Read(section, "footer", &h, &storage, &payload).ok()) std::abort();
  return std::string(payload);
}

// Replaces the footer payload of `file` with `payload` (re-framed, trailer recomputed).
inline std::string WithFooterPayload(const std::string& file, const std::string& payload) {
  const char* trailer = file.data() + file.size() - kTrailerSize;
  uint64_t footer_len = LoadFixed32(trailer);
  std::string out = file.substr(0, file.size() - kTrailerSize - footer_len);
  PageCompressor c(3);
  size_t before = out.size();
  if (!c.Append(Encoding::kFooter, 0, payload, &out).ok()) std::abort();
  size_t t = out.size();
  PutFixed32(&out, static_cast<uint32_t>(t - before));
  PutFixed32(&out, kFileVersion);
  PutFixed32(&out, Crc32c(out.data() + t, 8));
  out.append(kMagic, 4);
  return out;
}

// Replaces the footer of `file` with `footer` (re-framed, trailer recomputed).
inline std::string WithFooter(const std::string& file, const Footer& footer) {
  const char* trailer = file.data() + file.size() - kTrailerSize;
  uint64_t footer_len = LoadFixed32(trailer);
  std::string out = file.substr(0, file.size() - kTrailerSize - footer_len);
  PageCompressor c(3);
  size_t before = out.size();
  Status s = c.Append(Encoding::kFooter, static_cast<uint32_t>(footer.row_groups.size()),
                      EncodeFooter(footer), &out);
  (void)s;
  size_t t = out.size();
  PutFixed32(&out, static_cast<uint32_t>(t - before));
  PutFixed32(&out, kFileVersion);
  PutFixed32(&out, Crc32c(out.data() + t, 8));
  out.append(kMagic, 4);
  return out;
}

// Rebuilds `file` page by page, passing the decompressed payload of page number `target` (in file
// order: each chunk's dictionary pages, then its data pages; row groups only) to `mutate` before
// framing it again; lengths in the footer follow. Checksums of the result are all valid, so a
// reader must catch the damage by validating content.
template <typename Mutate>
std::string RebuildWithPage(const std::string& file, Footer footer, size_t target, Mutate mutate) {
  std::string out = file.substr(0, kHeaderSize);
  PageCompressor compressor(3);
  PageDecompressor decompressor;
  size_t k = 0;
  uint64_t sections = kHeaderSize;
  for (RowGroupMeta& rg : footer.row_groups) {
    const size_t rg_start = out.size();
    sections += rg.length;
    for (ChunkMeta& chunk : rg.chunks) {
      const size_t chunk_start = out.size();
      uint64_t offset = chunk.offset;
      auto copy = [&](PageMeta& page) {
        std::string_view bytes(file.data() + offset, page.length);
        offset += page.length;
        if (k++ != target) {
          out.append(bytes);
          return;
        }
        PageHeader header;
        std::string storage;
        std::string_view payload;
        if (!decompressor.Read(bytes, "page", &header, &storage, &payload).ok()) std::abort();
        std::string changed(payload);
        uint32_t num_values = header.num_values;
        mutate(&changed, &num_values);
        const size_t before = out.size();
        if (!compressor.Append(header.encoding, num_values, changed, &out).ok()) std::abort();
        page.length = static_cast<uint32_t>(out.size() - before);
      };
      for (PageMeta& page : chunk.dict_pages) copy(page);
      for (PageMeta& page : chunk.pages) copy(page);
      chunk.length = out.size() - chunk_start;
    }
    rg.length = out.size() - rg_start;
  }
  out.append(file, sections, std::string::npos);  // directory, bloom, old footer, trailer
  return WithFooter(out, footer);
}

// All values of fixed column `col` in row group `rg`.
inline Result<ColumnValues> ColumnOf(const std::string& file, const Footer& footer, size_t rg,
                                     Col col) {
  const RowGroupMeta& meta = footer.row_groups[rg];
  ChunkReader reader(footer, meta, std::string_view(file).substr(meta.offset, meta.length));
  ColumnValues v;
  uint64_t rows = meta.rows[static_cast<size_t>(Intrinsic(col).table)];
  TEMPO_RETURN_IF_ERROR(reader.Read(static_cast<uint32_t>(col), 0, rows, &v));
  if (v.defaulted) {  // materialize the defaults of an omitted column
    if (Intrinsic(col).type == PhysicalType::kInt64) v.ints.assign(rows, 0);
    if (Intrinsic(col).type == PhysicalType::kDouble) v.doubles.assign(rows, 0);
    if (Intrinsic(col).type == PhysicalType::kString ||
        Intrinsic(col).type == PhysicalType::kBytes) {
      v.strs.assign(rows, {});
    }
  }
  return v;
}

}  // namespace tempo::block::testing
