#include "block/footer.h"

#include <set>
#include <tuple>

#include "block/coding.h"
#include "block/page.h"

namespace tempo::block {
namespace {

void EncodeChunk(const ChunkMeta& c, std::string* out) {
  PutVarint(out, c.column);
  PutVarint(out, c.length);
  PutVarint(out, c.num_values);
  PutVarint(out, c.raw_bytes);
  PutVarint(out, c.dict_pages.size());
  for (const PageMeta& p : c.dict_pages) {
    PutVarint(out, p.length);
    PutVarint(out, p.num_values);
  }
  uint8_t flags = (c.has_string_stats ? 1 : 0) | (c.max_string_exact ? 2 : 0);
  out->push_back(static_cast<char>(flags));
  if (c.has_string_stats) {
    PutBytes(out, c.min_string);
    PutBytes(out, c.max_string);
  }
  PutVarint(out, c.pages.size());
  for (const PageMeta& p : c.pages) {
    PutVarint(out, p.length);
    PutVarint(out, p.num_values);
    out->push_back(p.has_stats ? 1 : 0);
    if (p.has_stats) {
      PutSignedVarint(out, p.min);
      PutVarint(out, static_cast<uint64_t>(p.max) - static_cast<uint64_t>(p.min));
    }
  }
  PutVarint(out, c.shape_page_starts.size());
  uint64_t prev = 0;
  for (uint64_t v : c.shape_page_starts) {
    PutVarint(out, v - prev);
    prev = v;
  }
}

// Reads a count that must be backed by at least `min_bytes_each` remaining bytes per element, so
// a corrupt count cannot drive a huge allocation.
bool ReadCount(ByteReader& r, size_t min_bytes_each, uint64_t* n) {
  return r.ReadVarint(n) && *n <= r.remaining() / min_bytes_each;
}

Status DecodeChunk(ByteReader& r, ChunkMeta* c) {
  uint64_t column, n_dict_pages, n_pages;
  uint8_t flags;
  if (!r.ReadVarint(&column) || column > UINT32_MAX || !r.ReadVarint(&c->length) ||
      !r.ReadVarint(&c->num_values) || !r.ReadVarint(&c->raw_bytes) ||
      !ReadCount(r, 2, &n_dict_pages)) {
    return r.Truncated();
  }
  c->column = static_cast<uint32_t>(column);
  c->dict_pages.resize(n_dict_pages);
  for (PageMeta& p : c->dict_pages) {
    uint64_t length, entries;
    if (!r.ReadVarint(&length) || length > UINT32_MAX || !r.ReadVarint(&entries) || entries == 0 ||
        entries > UINT32_MAX) {
      return r.Error("bad dictionary page entry");
    }
    p.length = static_cast<uint32_t>(length);
    p.num_values = static_cast<uint32_t>(entries);
  }
  if (!r.ReadU8(&flags) || flags > 3) return r.Error("bad chunk flags");
  c->has_string_stats = flags & 1;
  c->max_string_exact = flags & 2;
  if (c->has_string_stats) {
    std::string_view lo, hi;
    if (!r.ReadBytes(&lo) || !r.ReadBytes(&hi)) return r.Truncated();
    c->min_string = lo;
    c->max_string = hi;
  }
  if (!ReadCount(r, 3, &n_pages)) return r.Error("bad page count");
  c->pages.resize(n_pages);
  for (PageMeta& p : c->pages) {
    uint64_t length, values, span;
    uint8_t has_stats;
    if (!r.ReadVarint(&length) || length > UINT32_MAX || !r.ReadVarint(&values) ||
        values > UINT32_MAX || !r.ReadU8(&has_stats) || has_stats > 1) {
      return r.Error("bad page entry");
    }
    p.length = static_cast<uint32_t>(length);
    p.num_values = static_cast<uint32_t>(values);
    p.has_stats = has_stats;
    if (p.has_stats) {
      if (!r.ReadSignedVarint(&p.min) || !r.ReadVarint(&span)) return r.Truncated();
      p.max = static_cast<int64_t>(static_cast<uint64_t>(p.min) + span);
    }
  }
  uint64_t n_starts, prev = 0;
  if (!ReadCount(r, 1, &n_starts)) return r.Error("bad shape page count");
  c->shape_page_starts.resize(n_starts);
  for (uint64_t& v : c->shape_page_starts) {
    uint64_t delta;
    if (!r.ReadVarint(&delta) || delta > c->num_values - prev) {
      return r.Error("bad shape page start");
    }
    prev += delta;
    v = prev;
  }
  return Status::Ok();
}

Status ValidateCatalog(const Footer& f) {
  if (f.columns.size() < kIntrinsicCount) {
    return CorruptionError("footer: column catalog lacks the fixed columns");
  }
  for (size_t i = 0; i < kIntrinsicCount; ++i) {
    const IntrinsicInfo& info = AllIntrinsics()[i];
    const ColumnDesc& d = f.columns[i];
    if (d.role != ColumnRole::kIntrinsic || d.table != info.table || d.type != info.type ||
        d.name != info.name) {
      return CorruptionError("footer: column " + std::to_string(i) + " should be '" +
                             std::string(info.name) + "'");
    }
  }
  std::set<std::tuple<Table, AttrType, std::string_view>> seen;
  for (size_t i = kIntrinsicCount; i < f.columns.size(); ++i) {
    const ColumnDesc& d = f.columns[i];
    PhysicalType value_type = PhysicalType::kInt64;
    AttrValueType(d.attr_type, &value_type);
    if (d.role != ColumnRole::kAttribute || !OwnsAttributes(d.table) || d.type != value_type) {
      return CorruptionError("footer: bad catalog entry " + std::to_string(i));
    }
    if (!seen.insert({d.table, d.attr_type, d.name}).second) {
      return CorruptionError("footer: duplicate catalog entry " + std::to_string(i));
    }
  }
  return Status::Ok();
}

// Checks a row group's chunks: tiling, page sums, value counts against the table rows.
Status ValidateRowGroup(const Footer& f, size_t rg_index, RowGroupMeta* rg) {
  std::string where = "footer: row group " + std::to_string(rg_index);
  for (uint64_t rows : rg->rows) {
    if (rows > kMaxTableRows) return CorruptionError(where + ": too many rows");
  }
  std::vector<uint64_t> seen(f.columns.size(), UINT64_MAX);
  uint64_t offset = rg->offset;
  for (ChunkMeta& c : rg->chunks) {
    if (c.column >= f.columns.size() || seen[c.column] != UINT64_MAX) {
      return CorruptionError(where + ": bad or duplicate column " + std::to_string(c.column));
    }
    seen[c.column] = c.num_values;
    const ColumnDesc& d = f.columns[c.column];
    c.offset = offset;
    if (c.length > rg->offset + rg->length - offset) {
      return CorruptionError(where + ": chunk extends past the row group");
    }
    offset += c.length;
    uint64_t sum_len = 0, sum_values = 0;
    for (const PageMeta& p : c.dict_pages) {
      sum_len += p.length;
      if (p.length < kPageHeaderSize) return CorruptionError(where + ": page too short");
    }
    for (const PageMeta& p : c.pages) {
      sum_len += p.length;
      sum_values += p.num_values;
      if (p.length < kPageHeaderSize) return CorruptionError(where + ": page too short");
    }
    if (!c.dict_pages.empty() && d.type != PhysicalType::kString) {
      return CorruptionError(where + ": dictionary on a non-string column");
    }
    if (sum_len != c.length || sum_values != c.num_values || c.num_values == 0) {
      return CorruptionError(where + ": pages do not add up for column '" + d.DisplayName() + "'");
    }
    if (d.role == ColumnRole::kIntrinsic &&
        c.num_values != rg->rows[static_cast<size_t>(d.table)]) {
      return CorruptionError(where + ": column '" + d.DisplayName() + "' has " +
                             std::to_string(c.num_values) + " values for " +
                             std::to_string(rg->rows[static_cast<size_t>(d.table)]) + " rows");
    }
    PhysicalType unused;
    if (d.role == ColumnRole::kAttribute && !AttrValueType(d.attr_type, &unused)) {
      return CorruptionError(where + ": chunk for valueless attribute column '" + d.DisplayName() +
                             "'");
    }
  }
  if (offset != rg->offset + rg->length) {
    return CorruptionError(where + ": chunks do not cover the row group");
  }
  for (const ChunkMeta& c : rg->chunks) {
    const ColumnDesc& d = f.columns[c.column];
    size_t want = 0;
    if (d.role == ColumnRole::kAttribute) {
      const ChunkMeta* shape = nullptr;
      for (const ChunkMeta& s : rg->chunks) {
        if (s.column == static_cast<uint32_t>(ShapeColumn(d.table))) shape = &s;
      }
      if (shape == nullptr) {
        return CorruptionError(where + ": attribute chunk without attribute shapes");
      }
      want = shape->pages.size() - 1;
    }
    if (c.shape_page_starts.size() != want) {
      return CorruptionError(where + ": column '" + d.DisplayName() +
                             "' has a bad shape page index");
    }
  }
  return Status::Ok();
}

}  // namespace

namespace {

Status BadShapeColumn(Table t) {
  return BadBlockData(std::string(TableName(t)) + " attribute shape names a bad column");
}

}  // namespace

Status ParseAttributeShape(const Footer& footer, Table t, std::string_view shape,
                           std::vector<uint32_t>* out) {
  ByteReader reader(shape, "attribute shape");
  while (!reader.empty()) {
    uint64_t c;
    if (!reader.ReadVarint(&c) || c >= footer.columns.size() ||
        footer.columns[c].role != ColumnRole::kAttribute || footer.columns[c].table != t) {
      return BadShapeColumn(t);
    }
    out->push_back(static_cast<uint32_t>(c));
  }
  return Status::Ok();
}

std::vector<uint8_t> AttributeColumnsOf(const Footer& footer, Table t) {
  std::vector<uint8_t> of_table(footer.columns.size(), 0);
  for (size_t c = 0; c < footer.columns.size(); ++c) {
    of_table[c] = footer.columns[c].role == ColumnRole::kAttribute && footer.columns[c].table == t;
  }
  return of_table;
}

Status CountInAttributeShape(Table t, const std::vector<uint8_t>& of_table, std::string_view shape,
                             uint32_t column, uint32_t* count) {
  *count = 0;
  ByteReader reader(shape, "attribute shape");
  while (!reader.empty()) {
    uint64_t c;
    if (!reader.ReadVarint(&c) || c >= of_table.size() || !of_table[c]) return BadShapeColumn(t);
    *count += c == column;
  }
  return Status::Ok();
}

uint64_t ChunkMeta::dict_length() const {
  uint64_t n = 0;
  for (const PageMeta& p : dict_pages) n += p.length;
  return n;
}

uint64_t ChunkMeta::dict_entries() const {
  uint64_t n = 0;
  for (const PageMeta& p : dict_pages) n += p.num_values;
  return n;
}

std::string ColumnDesc::DisplayName() const {
  if (role == ColumnRole::kIntrinsic) return name;
  return std::string(TableName(table)) + ".attr[" + name +
         "]:" + std::string(AttrTypeName(attr_type));
}

std::string EncodeFooter(const Footer& footer) {
  std::string out;
  PutVarint(&out, footer.columns.size());
  for (const ColumnDesc& d : footer.columns) {
    out.push_back(static_cast<char>(d.role));
    out.push_back(static_cast<char>(d.table));
    out.push_back(static_cast<char>(d.type));
    out.push_back(static_cast<char>(d.attr_type));
    PutBytes(&out, d.name);
  }
  PutVarint(&out, footer.row_groups.size());
  for (const RowGroupMeta& rg : footer.row_groups) {
    PutVarint(&out, rg.length);
    for (uint64_t rows : rg.rows) PutVarint(&out, rows);
    PutVarint(&out, rg.min_start);
    PutVarint(&out, rg.max_end);
    PutVarint(&out, rg.chunks.size());
    for (const ChunkMeta& c : rg.chunks) EncodeChunk(c, &out);
  }
  PutVarint(&out, footer.directory_length);
  PutVarint(&out, footer.bloom_length);
  return out;
}

Result<Footer> DecodeFooter(std::string_view payload, uint64_t file_size,
                            uint64_t footer_section_length) {
  Footer f;
  ByteReader r(payload, "footer");
  uint64_t n_columns, n_row_groups;
  if (!ReadCount(r, 5, &n_columns)) return r.Error("bad column count");
  f.columns.resize(n_columns);
  for (ColumnDesc& d : f.columns) {
    uint8_t role, table, type, attr_type;
    std::string_view name;
    if (!r.ReadU8(&role) || !r.ReadU8(&table) || !r.ReadU8(&type) || !r.ReadU8(&attr_type) ||
        !r.ReadBytes(&name)) {
      return r.Truncated();
    }
    if (role > 1 || table >= kTableCount || type > 3 || attr_type > kMaxAttrType) {
      return r.Error("bad column descriptor");
    }
    d.role = static_cast<ColumnRole>(role);
    d.table = static_cast<Table>(table);
    d.type = static_cast<PhysicalType>(type);
    d.attr_type = static_cast<AttrType>(attr_type);
    d.name = name;
  }
  TEMPO_RETURN_IF_ERROR(ValidateCatalog(f));
  if (!ReadCount(r, 12, &n_row_groups)) return r.Error("bad row group count");
  f.row_groups.resize(n_row_groups);
  uint64_t offset = kHeaderSize;
  for (size_t i = 0; i < f.row_groups.size(); ++i) {
    RowGroupMeta& rg = f.row_groups[i];
    uint64_t n_chunks;
    if (!r.ReadVarint(&rg.length)) return r.Truncated();
    for (uint64_t& rows : rg.rows) {
      if (!r.ReadVarint(&rows)) return r.Truncated();
    }
    if (!r.ReadVarint(&rg.min_start) || !r.ReadVarint(&rg.max_end) || !ReadCount(r, 8, &n_chunks)) {
      return r.Truncated();
    }
    rg.chunks.resize(n_chunks);
    for (ChunkMeta& c : rg.chunks) TEMPO_RETURN_IF_ERROR(DecodeChunk(r, &c));
    if (rg.length > file_size - offset) return r.Error("row group extends past the file");
    rg.offset = offset;
    rg.first_trace = f.total_traces;
    offset += rg.length;
    TEMPO_RETURN_IF_ERROR(ValidateRowGroup(f, i, &rg));
    f.total_traces += rg.rows[static_cast<size_t>(Table::kTrace)];
    f.total_spans += rg.rows[static_cast<size_t>(Table::kSpan)];
  }
  if (!r.ReadVarint(&f.directory_length) || !r.ReadVarint(&f.bloom_length)) {
    return r.Truncated();
  }
  if (!r.empty()) return r.Error("trailing bytes");
  // The sections must tile the file exactly: header, row groups, directory, bloom, footer,
  // trailer. Additions are checked one by one so that no sum can overflow.
  uint64_t rest = file_size - offset;
  for (uint64_t part : {f.directory_length, f.bloom_length, footer_section_length,
                        static_cast<uint64_t>(kTrailerSize)}) {
    if (part > rest) return r.Error("sections extend past the end of the file");
    rest -= part;
  }
  if (rest != 0) return r.Error("sections do not cover the file");
  return f;
}

}  // namespace tempo::block
