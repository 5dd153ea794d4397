#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "block/schema.h"
#include "tempo/common/result.h"

namespace tempo::block {

// File-level constants (docs/block-format.md, "File layout").
inline constexpr char kMagic[4] = {'T', 'C', 'B', 'F'};
inline constexpr uint32_t kFileVersion = 1;
inline constexpr size_t kHeaderSize = 8;    // magic + u32 version
inline constexpr size_t kTrailerSize = 16;  // u32 footer_len, u32 version, u32 crc, magic
// Most rows one table may have in one row group; bounds what a reader allocates.
inline constexpr uint64_t kMaxTableRows = uint64_t{1} << 22;

// One entry of the column catalog.
struct ColumnDesc {
  ColumnRole role = ColumnRole::kIntrinsic;
  Table table = Table::kTrace;
  PhysicalType type = PhysicalType::kInt64;
  AttrType attr_type = AttrType::kUnset;  // attribute columns only
  std::string name;                       // intrinsic name, or the attribute key
  // "span.name", "span.attr[http.method]:string".
  std::string DisplayName() const;
};

// Statistics and size of one data page; `min`/`max` hold int values, dictionary codes, or the
// bit patterns of doubles (compare as doubles) depending on the column type.
struct PageMeta {
  uint32_t length = 0;  // header + stored payload
  uint32_t num_values = 0;
  bool has_stats = false;
  int64_t min = 0;
  int64_t max = 0;
};

struct ChunkMeta {
  uint32_t column = 0;  // catalog index
  uint64_t offset = 0;  // absolute file offset (derived: chunks tile their row group)
  uint64_t length = 0;  // all pages, dictionary page included
  uint64_t num_values = 0;
  uint64_t raw_bytes = 0;  // uncompressed payload bytes of all pages
  // Dictionary pages (string columns), which come first: each holds the next `num_values`
  // entries of the sorted dictionary. Empty: the strings are stored plain.
  std::vector<PageMeta> dict_pages;
  bool has_string_stats = false;  // string columns: min/max value of the chunk
  bool max_string_exact = true;   // false: max_string is a prefix of the real maximum
  std::string min_string, max_string;
  std::vector<PageMeta> pages;
  // Attribute chunks: for each page of the owner table's shape chunk after the first, how many
  // values of this column belong to rows before that page. Lets a reader find the values of a
  // row range by decoding only the shape pages that cover it.
  std::vector<uint64_t> shape_page_starts;

  uint64_t dict_length() const;   // bytes of all dictionary pages
  uint64_t dict_entries() const;  // entries of all dictionary pages
};

struct RowGroupMeta {
  uint64_t offset = 0;  // derived: row groups tile [kHeaderSize, directory)
  uint64_t length = 0;
  std::array<uint64_t, kTableCount> rows{};
  uint64_t min_start = 0;  // earliest span start / latest span end, Unix ns
  uint64_t max_end = 0;
  uint64_t first_trace = 0;  // derived: global index of its first trace
  std::vector<ChunkMeta> chunks;
};

struct Footer {
  std::vector<ColumnDesc> columns;  // the first kIntrinsicCount are the intrinsics in Col order
  std::vector<RowGroupMeta> row_groups;
  uint64_t directory_length = 0;  // section lengths, header included
  uint64_t bloom_length = 0;
  // Derived when decoding.
  uint64_t total_traces = 0, total_spans = 0;
};

// Footer payload (before page framing).
std::string EncodeFooter(const Footer& footer);
// Decodes and validates a footer payload of a file of `file_size` bytes whose footer section is
// `footer_section_length` bytes long: catalog, tiling of row groups and chunks, page sums, row
// counts. kCorruption naming the problem.
Result<Footer> DecodeFooter(std::string_view payload, uint64_t file_size,
                            uint64_t footer_section_length);

// Appends the catalog columns of one attribute shape (a row's attribute columns in order, as
// varints; docs/block-format.md, "Attributes") of table `t` to `out`. kCorruption when it is
// malformed or names a column that is not an attribute column of `t`.
Status ParseAttributeShape(const Footer& footer, Table t, std::string_view shape,
                           std::vector<uint32_t>* out);

// Per catalog column of `footer`: 1 for the attribute columns of table `t` (the columns an
// attribute shape of `t` may name), else 0.
std::vector<uint8_t> AttributeColumnsOf(const Footer& footer, Table t);

// How many times the attribute shape `shape` of table `t` names `column`, its columns checked
// against `of_table` (AttributeColumnsOf(footer, t)); kCorruption as ParseAttributeShape.
Status CountInAttributeShape(Table t, const std::vector<uint8_t>& of_table, std::string_view shape,
                             uint32_t column, uint32_t* count);

}  // namespace tempo::block
