#include "tempo/block/block_tags.h"

#include <algorithm>
#include <bit>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "block/block_index.h"
#include "block/chunk_reader.h"
#include "block/coding.h"
#include "block/page.h"
#include "block/value_codec.h"

namespace tempo::block {
namespace {

Status CheckContext(const RequestContext& ctx) { return CheckRequest(ctx, "tag query"); }

Status InRowGroup(Status s, uint32_t index) {
  if (s.ok()) return s;
  return Status(s.code(), "row group " + std::to_string(index) + ": " + s.message());
}

constexpr Table kOwnerTables[kAttributeOwnerCount] = {Table::kResource, Table::kSpan, Table::kEvent,
                                                      Table::kLink, Table::kScope};

std::optional<AttributeOwner> OwnerOf(Table t) {
  for (size_t o = 0; o < kAttributeOwnerCount; ++o) {
    if (kOwnerTables[o] == t) return static_cast<AttributeOwner>(o);
  }
  return std::nullopt;
}

// Attribute types whose values a tag-values query lists.
bool Listed(AttrType t) {
  return t == AttrType::kString || t == AttrType::kBool || t == AttrType::kInt ||
         t == AttrType::kDouble;
}

// Reads single columns of one row group: a string chunk's dictionary pages alone, or a whole
// chunk decoded by a ChunkReader. Values handed out are views into buffers it owns. Not
// thread-safe; one per row group and call. `footer`, `row_group` and `read` must outlive it.
class ColumnLoader {
 public:
  ColumnLoader(const Footer& footer, const RowGroupMeta& row_group, const ReadAtFn& read,
               TagReadStats* stats)
      : footer_(footer), read_(read), stats_(stats), reader_(footer, row_group) {}

  // The chunk of catalog column `column`, or nullptr when the row group has none.
  const ChunkMeta* Chunk(uint32_t column) const { return reader_.Chunk(column); }

  // The entries of a dictionary-encoded string chunk (sorted, distinct).
  Status Dictionary(const ChunkMeta& chunk, std::vector<std::string_view>* out) {
    const uint64_t length = chunk.dict_length();
    TEMPO_ASSIGN_OR_RETURN(std::string bytes, ReadBlockRange(read_, chunk.offset, length));
    stats_->bytes_read += length;
    const std::string_view pages = buffers_.emplace_back(std::move(bytes));
    const std::string what = "column '" + footer_.columns[chunk.column].DisplayName() + "'";
    uint64_t offset = 0;
    for (size_t p = 0; p < chunk.dict_pages.size(); ++p) {
      const PageMeta& meta = chunk.dict_pages[p];
      const std::string page_what = what + " dictionary page " + std::to_string(p);
      // Page extents were validated against the chunk when the footer was decoded.
      PageHeader header;
      std::string_view payload;
      TEMPO_RETURN_IF_ERROR(decompressor_.Read(pages.substr(offset, meta.length), page_what,
                                               &header, &buffers_.emplace_back(), &payload));
      if (header.encoding != Encoding::kDictionary || header.num_values != meta.num_values) {
        return CorruptionError(page_what + ": bad dictionary page header");
      }
      block::Dictionary dict;
      TEMPO_RETURN_IF_ERROR(DecodeDictionary(payload, header.num_values, page_what, &dict));
      for (size_t i = 0; i < dict.size(); ++i) out->push_back(dict.at(i));
      offset += meta.length;
    }
    return Status::Ok();
  }

  // Every value of `chunk`, decoded.
  Status Decode(const ChunkMeta& chunk, ColumnValues* out) {
    TEMPO_ASSIGN_OR_RETURN(std::string bytes, ReadBlockRange(read_, chunk.offset, chunk.length));
    stats_->bytes_read += chunk.length;
    reader_.Provide(chunk.column, buffers_.emplace_back(std::move(bytes)));
    return reader_.Read(chunk.column, 0, chunk.num_values, out);
  }

  // The distinct strings of a string chunk: its dictionary, or its values decoded and sorted.
  Status Strings(const ChunkMeta& chunk, std::vector<std::string_view>* out) {
    if (!chunk.dict_pages.empty()) return Dictionary(chunk, out);
    ColumnValues values;
    TEMPO_RETURN_IF_ERROR(Decode(chunk, &values));
    *out = std::move(values.strs);
    std::sort(out->begin(), out->end());
    out->erase(std::unique(out->begin(), out->end()), out->end());
    return Status::Ok();
  }

 private:
  const Footer& footer_;
  const ReadAtFn& read_;
  TagReadStats* stats_;
  ChunkReader reader_;
  PageDecompressor decompressor_;
  std::deque<std::string> buffers_;  // deque: views into its strings stay valid
};

// The distinct ints of an int chunk, sorted: from the page statistics when every page holds at
// most two distinct values (min and max are values of the page), else decoded.
Status DistinctInts(ColumnLoader& loader, const ChunkMeta& chunk, std::vector<int64_t>* out) {
  bool from_stats = true;
  for (const PageMeta& page : chunk.pages) {
    from_stats = from_stats && page.has_stats &&
                 static_cast<uint64_t>(page.max) - static_cast<uint64_t>(page.min) <= 1;
  }
  if (from_stats) {
    for (const PageMeta& page : chunk.pages) {
      out->push_back(page.min);
      out->push_back(page.max);
    }
  } else {
    ColumnValues values;
    TEMPO_RETURN_IF_ERROR(loader.Decode(chunk, &values));
    *out = std::move(values.ints);
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
  return Status::Ok();
}

// Hands the distinct values of catalog column `column` in one row group to `fn`; sets *stop when
// `fn` returns false.
Status EmitColumn(ColumnLoader& loader, const Footer& footer, const RowGroupMeta& rg,
                  uint32_t column, const std::function<bool(const TagValueRef&)>& fn, bool* stop) {
  const ColumnDesc& desc = footer.columns[column];
  const ChunkMeta* chunk = loader.Chunk(column);
  TagValueRef value;
  if (desc.role == ColumnRole::kIntrinsic) {
    // A fixed string column: one value per row of its table; no chunk means all are "".
    if (rg.rows[static_cast<size_t>(desc.table)] == 0) return Status::Ok();
    if (chunk == nullptr) {
      *stop = !fn(value);
      return Status::Ok();
    }
  }
  if (chunk == nullptr) return Status::Ok();  // no owner has the attribute in this row group
  if (desc.type == PhysicalType::kString) {
    std::vector<std::string_view> strings;
    TEMPO_RETURN_IF_ERROR(loader.Strings(*chunk, &strings));
    for (std::string_view s : strings) {
      value.str = s;
      if (!fn(value)) {
        *stop = true;
        return Status::Ok();
      }
    }
  } else if (desc.attr_type == AttrType::kInt || desc.attr_type == AttrType::kBool) {
    std::vector<int64_t> ints;
    TEMPO_RETURN_IF_ERROR(DistinctInts(loader, *chunk, &ints));
    value.type =
        desc.attr_type == AttrType::kInt ? TagValueRef::Type::kInt : TagValueRef::Type::kBool;
    for (int64_t v : ints) {
      value.int_value = v;
      if (!fn(value)) {
        *stop = true;
        return Status::Ok();
      }
    }
  } else if (desc.attr_type == AttrType::kDouble) {
    ColumnValues values;
    TEMPO_RETURN_IF_ERROR(loader.Decode(*chunk, &values));
    // Distinct by bit pattern (-0.0 and 0.0 print differently).
    std::vector<uint64_t> bits;
    bits.reserve(values.doubles.size());
    for (double d : values.doubles) bits.push_back(std::bit_cast<uint64_t>(d));
    std::sort(bits.begin(), bits.end());
    bits.erase(std::unique(bits.begin(), bits.end()), bits.end());
    value.type = TagValueRef::Type::kDouble;
    for (uint64_t b : bits) {
      value.double_value = std::bit_cast<double>(b);
      if (!fn(value)) {
        *stop = true;
        return Status::Ok();
      }
    }
  }
  return Status::Ok();
}

// Marks the attribute columns named by the attribute shapes of table `t` in one row group:
// every attribute an owner row has, whatever its type (also those without a value column).
Status MarkShapeColumns(ColumnLoader& loader, const Footer& footer, const RowGroupMeta& rg, Table t,
                        std::vector<uint8_t>* used) {
  if (rg.rows[static_cast<size_t>(t)] == 0) return Status::Ok();
  const ChunkMeta* chunk = loader.Chunk(static_cast<uint32_t>(ShapeColumn(t)));
  if (chunk == nullptr) return Status::Ok();  // every shape is empty
  std::vector<std::string_view> shapes;
  TEMPO_RETURN_IF_ERROR(loader.Strings(*chunk, &shapes));
  std::vector<uint32_t> columns;
  for (std::string_view shape : shapes) {
    columns.clear();
    TEMPO_RETURN_IF_ERROR(ParseAttributeShape(footer, t, shape, &columns));
    for (uint32_t c : columns) (*used)[c] = 1;
  }
  return Status::Ok();
}

}  // namespace

BlockTags::BlockTags(std::shared_ptr<const BlockReader> reader) : reader_(std::move(reader)) {}

std::vector<uint32_t> BlockTags::RowGroups(uint64_t start, uint64_t end) const {
  const Footer& footer = reader_->index_->footer;
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < footer.row_groups.size(); ++i) {
    const RowGroupMeta& rg = footer.row_groups[i];
    if (rg.rows[static_cast<size_t>(Table::kTrace)] == 0) continue;
    if (rg.max_end < start || rg.min_start > end) continue;
    out.push_back(i);
  }
  std::stable_sort(out.begin(), out.end(), [&](uint32_t a, uint32_t b) {
    return footer.row_groups[a].max_end > footer.row_groups[b].max_end;
  });
  return out;
}

Status BlockTags::AttributeKeys(const RequestContext& ctx, uint64_t start, uint64_t end,
                                std::array<std::vector<std::string>, kAttributeOwnerCount>* out,
                                TagReadStats* stats) const {
  const Footer& footer = reader_->index_->footer;
  const std::vector<uint32_t> groups = RowGroups(start, end);
  std::vector<uint8_t> used(footer.columns.size(), 0);
  uint64_t with_traces = 0;
  for (const RowGroupMeta& rg : footer.row_groups) {
    with_traces += rg.rows[static_cast<size_t>(Table::kTrace)] > 0;
  }
  // Attributes without a value column (unset or empty values) have no chunks: only the shapes
  // of a row group tell whether its owners use them.
  bool valueless = false;
  for (const ColumnDesc& c : footer.columns) {
    PhysicalType type;
    valueless =
        valueless || (c.role == ColumnRole::kAttribute && !AttrValueType(c.attr_type, &type));
  }
  for (uint32_t g : groups) {
    const RowGroupMeta& rg = footer.row_groups[g];
    ++stats->row_groups;
    stats->spans += rg.rows[static_cast<size_t>(Table::kSpan)];
  }
  if (groups.size() == with_traces) {
    // The whole block: the catalog holds exactly the attribute columns some owner of the block
    // has (the writer adds an entry when it first meets one), so nothing is read.
    for (size_t c = 0; c < footer.columns.size(); ++c) {
      used[c] = footer.columns[c].role == ColumnRole::kAttribute;
    }
  } else {
    for (uint32_t g : groups) {
      TEMPO_RETURN_IF_ERROR(CheckContext(ctx));
      const RowGroupMeta& rg = footer.row_groups[g];
      for (const ChunkMeta& chunk : rg.chunks) {
        if (footer.columns[chunk.column].role == ColumnRole::kAttribute) used[chunk.column] = 1;
      }
      if (!valueless) continue;
      ColumnLoader loader(footer, rg, reader_->read_, stats);
      for (Table t : kOwnerTables) {
        TEMPO_RETURN_IF_ERROR(InRowGroup(MarkShapeColumns(loader, footer, rg, t, &used), g));
      }
    }
  }
  for (size_t c = 0; c < footer.columns.size(); ++c) {
    if (!used[c]) continue;
    std::optional<AttributeOwner> owner = OwnerOf(footer.columns[c].table);
    if (owner) (*out)[static_cast<size_t>(*owner)].push_back(footer.columns[c].name);
  }
  for (std::vector<std::string>& keys : *out) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }
  return Status::Ok();
}

Status BlockTags::Values(const RequestContext& ctx, const TagColumn& column, uint64_t start,
                         uint64_t end, const std::function<bool(const TagValueRef&)>& fn,
                         TagReadStats* stats) const {
  const Footer& footer = reader_->index_->footer;
  std::vector<uint32_t> columns;
  switch (column.kind) {
    case TagColumn::Kind::kAttribute:
      for (size_t c = kIntrinsicCount; c < footer.columns.size(); ++c) {
        const ColumnDesc& desc = footer.columns[c];
        std::optional<AttributeOwner> owner = OwnerOf(desc.table);
        if (desc.role == ColumnRole::kAttribute && owner && (column.owners & OwnerBit(*owner)) &&
            Listed(desc.attr_type) && desc.name == column.key) {
          columns.push_back(static_cast<uint32_t>(c));
        }
      }
      break;
    case TagColumn::Kind::kSpanName:
      columns.push_back(static_cast<uint32_t>(Col::kSpanName));
      break;
    case TagColumn::Kind::kSpanStatusMessage:
      columns.push_back(static_cast<uint32_t>(Col::kSpanStatusMessage));
      break;
    case TagColumn::Kind::kRootSpanName:
      columns.push_back(static_cast<uint32_t>(Col::kTraceRootSpanName));
      break;
    case TagColumn::Kind::kRootServiceName:
      columns.push_back(static_cast<uint32_t>(Col::kTraceRootServiceName));
      break;
  }
  for (uint32_t g : RowGroups(start, end)) {
    TEMPO_RETURN_IF_ERROR(CheckContext(ctx));
    const RowGroupMeta& rg = footer.row_groups[g];
    ++stats->row_groups;
    stats->spans += rg.rows[static_cast<size_t>(Table::kSpan)];
    ColumnLoader loader(footer, rg, reader_->read_, stats);
    bool stop = false;
    for (uint32_t c : columns) {
      TEMPO_RETURN_IF_ERROR(InRowGroup(EmitColumn(loader, footer, rg, c, fn, &stop), g));
      if (stop) return Status::Ok();
    }
  }
  return Status::Ok();
}

}  // namespace tempo::block
