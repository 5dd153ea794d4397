#pragma once

// Test access to a block's internals (footer and column values) through the private headers.
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

// All values of fixed column `col` in row group `rg`.
inline Result<ColumnValues> ColumnOf(const std::string& file, const Footer& footer, size_t rg,
                                     Col col) {
  const RowGroupMeta& meta = footer.row_groups[rg];
  ChunkReader reader(footer, meta, std::string_view(file).substr(meta.offset, meta.length));
  ColumnValues v;
  uint64_t rows = meta.rows[static_cast<size_t>(Intrinsic(col).table)];
  TEMPO_RETURN_IF_ERROR(reader.Read(static_cast<uint32_t>(col), 0, rows, &v));
  return v;
}

}  // namespace tempo::block::testing
