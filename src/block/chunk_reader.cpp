#include "block/chunk_reader.h"

#include <algorithm>
#include <cstring>

#include "block/text_codec.h"

namespace tempo::block {

ChunkReader::ChunkReader(const Footer& footer, const RowGroupMeta& row_group,
                         std::string_view bytes)
    : ChunkReader(footer, row_group) {
  for (size_t i = 0; i < row_group.chunks.size(); ++i) {
    // Offsets were validated against the row group when the footer was decoded.
    const ChunkMeta& c = row_group.chunks[i];
    chunk_bytes_[i] = bytes.substr(c.offset - row_group.offset, c.length);
  }
}

ChunkReader::ChunkReader(const Footer& footer, const RowGroupMeta& row_group)
    : footer_(footer),
      row_group_(row_group),
      chunk_of_(footer.columns.size(), -1),
      chunk_bytes_(row_group.chunks.size()) {
  for (size_t i = 0; i < row_group.chunks.size(); ++i) {
    chunk_of_[row_group.chunks[i].column] = static_cast<int32_t>(i);
  }
}

ChunkReader::ChunkReader(const Footer& footer, const RowGroupMeta& row_group, const ReadAtFn& fetch)
    : ChunkReader(footer, row_group) {
  fetch_ = &fetch;
}

void ChunkReader::Provide(uint32_t column, std::string_view chunk_bytes) {
  if (column >= chunk_of_.size() || chunk_of_[column] < 0) return;
  const size_t i = static_cast<size_t>(chunk_of_[column]);
  if (chunk_bytes.size() == row_group_.chunks[i].length) chunk_bytes_[i] = chunk_bytes;
}

const ChunkMeta* ChunkReader::Chunk(uint32_t column) const {
  if (column >= chunk_of_.size() || chunk_of_[column] < 0) return nullptr;
  return &row_group_.chunks[static_cast<size_t>(chunk_of_[column])];
}

std::string ChunkReader::What(const ChunkMeta& chunk) const {
  return "column '" + footer_.columns[chunk.column].DisplayName() + "' at offset " +
         std::to_string(chunk.offset);
}

Status ChunkReader::ReadPage(const ChunkMeta& chunk, uint64_t page_offset, uint32_t length,
                             std::string_view what, PageHeader* header, std::string_view* payload,
                             bool keep) {
  const size_t chunk_index = static_cast<size_t>(&chunk - row_group_.chunks.data());
  const std::pair<uint64_t, uint64_t> key(chunk_index, page_offset);
  if (keep && cache_pages_) {
    if (auto it = kept_pages_.find(key); it != kept_pages_.end()) {
      *header = it->second.first;
      *payload = it->second.second;
      return Status::Ok();
    }
  }
  const uint64_t file_offset = chunk.offset + page_offset;
  std::string* storage = nullptr;  // the buffer decompressed into, without a page cache
  std::shared_ptr<const CachedPage> cached;
  if (page_cache_ != nullptr) cached = page_cache_->Find(block_key_, file_offset);
  if (cached != nullptr) {
    // Verified when it was decompressed; the stored bytes are not needed (nor fetched).
    header->encoding = static_cast<Encoding>(cached->encoding);
    header->codec = Codec::kZstd;
    header->num_values = cached->num_values;
    header->raw_len = cached->size;
    header->stored_len = 0;
    *payload = cached->payload();
  } else {
    std::string_view data;
    TEMPO_RETURN_IF_ERROR(PageBytes(chunk, chunk_index, page_offset, length, what, &data));
    if (page_cache_ != nullptr) {
      std::string_view stored;
      TEMPO_RETURN_IF_ERROR(decompressor_.Verify(data, what, header, &stored));
      *payload = stored;
      TEMPO_ASSIGN_OR_RETURN(cached, ToCachedPage(stored, *header, what));
      if (cached != nullptr) {
        header->encoding = static_cast<Encoding>(cached->encoding);
        header->raw_len = cached->size;
        *payload = cached->payload();
        page_cache_->Insert(block_key_, file_offset, cached);
      }
    } else {
      storage = keep ? &buffers_.emplace_back() : &scratch_;
      TEMPO_RETURN_IF_ERROR(decompressor_.Read(data, what, header, storage, payload));
    }
  }
  // The payload stays valid while it is used: kept pages for the reader's lifetime, others until
  // the next page is read.
  if (cached != nullptr) {
    if (keep) {
      pinned_.push_back(std::move(cached));
    } else {
      current_ = std::move(cached);
    }
  }
  if (keep && cache_pages_ && IsPackedText(header->encoding)) {
    // Hex IDs and addresses are read as the text they stand for (views point into it), the
    // whole page when it is kept for later reads; else Read expands the values it takes.
    std::string text;
    TEMPO_ASSIGN_OR_RETURN(header->encoding,
                           ExpandText(header->encoding, *payload, header->num_values, what, &text));
    // (Into the decompressed page's own buffer when there is one; cached pages stay as cached.)
    if (storage == nullptr) storage = &buffers_.emplace_back();
    *storage = std::move(text);
    *payload = *storage;
  }
  if (keep && cache_pages_) kept_pages_.emplace(key, std::make_pair(*header, *payload));
  return Status::Ok();
}

Result<std::shared_ptr<const CachedPage>> ChunkReader::ToCachedPage(std::string_view stored,
                                                                    const PageHeader& header,
                                                                    std::string_view what) {
  auto page = std::make_shared<CachedPage>();
  page->num_values = header.num_values;
  if (!IsVarintInts(header.encoding) || !pack_ints_) {
    if (header.codec != Codec::kZstd) {
      return std::shared_ptr<const CachedPage>();  // nothing to save: read in place
    }
    page->encoding = static_cast<uint8_t>(header.encoding);
    page->size = header.raw_len;
    page->bytes.reset(new char[header.raw_len]);  // left uninitialized: fully written below
    TEMPO_RETURN_IF_ERROR(decompressor_.Decompress(stored, header, what, page->bytes.get()));
    return std::shared_ptr<const CachedPage>(std::move(page));
  }
  // Integers (values or dictionary codes) are kept bit-packed: about the size of their varints,
  // and decoded several times faster each time the page is used again.
  std::string_view raw = stored;
  if (header.codec == Codec::kZstd) {
    scratch_.resize(header.raw_len);
    TEMPO_RETURN_IF_ERROR(decompressor_.Decompress(stored, header, what, scratch_.data()));
    raw = scratch_;
  }
  TEMPO_RETURN_IF_ERROR(DecodeInts(header.encoding, raw, header.num_values, what, &codes_));
  std::string packed;
  EncodeBitPacked(codes_, &packed);
  page->encoding = static_cast<uint8_t>(Encoding::kBitPacked);
  page->size = static_cast<uint32_t>(packed.size());
  page->bytes.reset(new char[packed.size()]);
  std::memcpy(page->bytes.get(), packed.data(), packed.size());
  return std::shared_ptr<const CachedPage>(std::move(page));
}

Status ChunkReader::PageBytes(const ChunkMeta& chunk, size_t chunk_index, uint64_t page_offset,
                              uint32_t length, std::string_view what, std::string_view* data) {
  const std::string_view bytes = chunk_bytes_[chunk_index];
  // Page extents were validated against the chunk when the footer was decoded.
  if (bytes.data() != nullptr) {
    *data = bytes.substr(page_offset, length);
    return Status::Ok();
  }
  if (fetch_ == nullptr) return InternalError(What(chunk) + ": chunk was not read");
  // Kept: a page stored raw is decoded in place.
  TEMPO_ASSIGN_OR_RETURN(std::string page, (*fetch_)(chunk.offset + page_offset, length));
  if (page.size() != length) {
    return IOError(std::string(what) + ": read returned " + std::to_string(page.size()) +
                   " bytes, expected " + std::to_string(length));
  }
  *data = fetched_.emplace_back(std::move(page));
  return Status::Ok();
}

size_t PagedDictionary::PageOf(uint64_t code) const {
  return static_cast<size_t>(std::upper_bound(first.begin(), first.end(), code) - first.begin()) -
         1;
}

std::string_view PagedDictionary::at(uint64_t code) const {
  size_t p = PageOf(code);
  return pages[p].at(static_cast<size_t>(code - first[p]));
}

PagedDictionary& ChunkReader::DictionaryOf(const ChunkMeta& chunk) {
  for (auto& [column, d] : dictionaries_) {
    if (column == chunk.column) return d;
  }
  PagedDictionary& d = dictionaries_.emplace_back(chunk.column, PagedDictionary{}).second;
  d.first.push_back(0);
  for (const PageMeta& p : chunk.dict_pages) d.first.push_back(d.first.back() + p.num_values);
  d.pages.resize(chunk.dict_pages.size());
  d.loaded.assign(chunk.dict_pages.size(), 0);
  return d;
}

Status ChunkReader::LoadDictionaryPage(const ChunkMeta& chunk, PagedDictionary& dict, size_t page) {
  if (dict.loaded[page]) return Status::Ok();
  uint64_t offset = 0;
  for (size_t p = 0; p < page; ++p) offset += chunk.dict_pages[p].length;
  std::string what = What(chunk) + " dictionary page " + std::to_string(page);
  PageHeader header;
  std::string_view payload;
  // The dictionary points into the page, so its buffer is kept.
  TEMPO_RETURN_IF_ERROR(
      ReadPage(chunk, offset, chunk.dict_pages[page].length, what, &header, &payload, true));
  if (header.encoding != Encoding::kDictionary ||
      header.num_values != chunk.dict_pages[page].num_values) {
    return CorruptionError(what + ": bad dictionary page header");
  }
  TEMPO_RETURN_IF_ERROR(DecodeDictionary(payload, header.num_values, what, &dict.pages[page]));
  dict.loaded[page] = 1;
  return Status::Ok();
}

Status ChunkReader::Read(uint32_t column, uint64_t lo, uint64_t hi, ColumnValues* out,
                         bool codes_only) {
  const ColumnDesc& desc = footer_.columns[column];
  const ChunkMeta* chunk = Chunk(column);
  out->ints.clear();
  out->doubles.clear();
  out->strs.clear();
  out->codes.clear();
  out->dict = nullptr;
  if (lo > hi) return CorruptionError("column '" + desc.DisplayName() + "': bad value range");
  out->defaulted = chunk == nullptr;
  if (chunk == nullptr) return Status::Ok();
  if (lo > hi || hi > chunk->num_values) {
    return CorruptionError(What(*chunk) + ": value range [" + std::to_string(lo) + ", " +
                           std::to_string(hi) + ") outside the chunk");
  }
  PagedDictionary* dict = nullptr;
  if (!chunk->dict_pages.empty()) {
    dict = &DictionaryOf(*chunk);
    if (codes_only) {
      for (size_t p = 0; p < dict->pages.size(); ++p) {
        TEMPO_RETURN_IF_ERROR(LoadDictionaryPage(*chunk, *dict, p));
      }
      out->dict = dict;
    }
  }
  // Sized once, as the values arrive page by page (capped: the counts come from the file and are
  // checked against the pages only as they are decoded).
  const size_t count = static_cast<size_t>(std::min<uint64_t>(hi - lo, 1u << 20));
  if (dict != nullptr && codes_only) {
    out->codes.reserve(count);
  } else if (dict != nullptr || desc.type == PhysicalType::kString ||
             desc.type == PhysicalType::kBytes) {
    out->strs.reserve(count);
  } else if (desc.type == PhysicalType::kDouble) {
    out->doubles.reserve(count);
  } else {
    out->ints.reserve(count);
  }
  uint64_t first = 0;  // index of the page's first value
  uint64_t offset = chunk->dict_length();
  for (size_t p = 0; p < chunk->pages.size() && first < hi; ++p) {
    const PageMeta& page = chunk->pages[p];
    uint64_t page_end = first + page.num_values;
    if (page_end > lo) {
      // The page's name in errors, built only when needed (cached pages are not read).
      std::string what_storage;
      auto what = [&]() -> const std::string& {
        if (what_storage.empty()) what_storage = What(*chunk) + " page " + std::to_string(p);
        return what_storage;
      };
      const size_t skip = static_cast<size_t>(lo > first ? lo - first : 0);
      const size_t take = static_cast<size_t>(std::min(hi, page_end) - first) - skip;
      const bool int_like = desc.type == PhysicalType::kInt64 || dict != nullptr;
      // With the cache, an integer (or code) page is decompressed and decoded once, whole.
      const bool use_cache = int_like && cache_pages_;
      const uint64_t key = (static_cast<uint64_t>(chunk - row_group_.chunks.data()) << 32) | p;
      const std::vector<int64_t>* cached = nullptr;
      if (use_cache) {
        auto it = int_pages_.find(key);
        if (it != int_pages_.end()) cached = &it->second;
      }
      PageHeader header;
      std::string_view payload;
      if (cached == nullptr) {
        const bool views = desc.type == PhysicalType::kBytes ||
                           (desc.type == PhysicalType::kString && dict == nullptr);
        TEMPO_RETURN_IF_ERROR(
            ReadPage(*chunk, offset, page.length, what(), &header, &payload, views));
        if (header.num_values != page.num_values) {
          return CorruptionError(what() + ": value count differs from the footer");
        }
      }
      if (int_like && dict != nullptr && codes_only && !use_cache) {
        // Codes straight into `out`, checked, without the integer vector.
        TEMPO_RETURN_IF_ERROR(DecodeCodes(header.encoding, payload, header.num_values, what(),
                                          static_cast<uint32_t>(skip), static_cast<uint32_t>(take),
                                          dict->size(), &out->codes));
      } else if (int_like && dict == nullptr && !use_cache) {
        // Values straight into `out`; those after the range are not decoded.
        TEMPO_RETURN_IF_ERROR(DecodeIntsAppend(header.encoding, payload, header.num_values, what(),
                                               static_cast<uint32_t>(skip),
                                               static_cast<uint32_t>(take), &out->ints));
      } else if (int_like) {
        if (use_cache && cached == nullptr) {
          std::vector<int64_t> all;
          TEMPO_RETURN_IF_ERROR(DecodeInts(header.encoding, payload, header.num_values, what(),
                                           &all, header.num_values));
          cached = &int_pages_.emplace(key, std::move(all)).first->second;
        } else if (!use_cache) {
          // Only the range is decoded (values before it stepped over where they can be).
          codes_.clear();
          TEMPO_RETURN_IF_ERROR(DecodeIntsAppend(header.encoding, payload, header.num_values,
                                                 what(), static_cast<uint32_t>(skip),
                                                 static_cast<uint32_t>(take), &codes_));
        }
        // The range's values: [skip, skip + take) of a cached page, all of codes_.
        const std::vector<int64_t>& values = cached != nullptr ? *cached : codes_;
        const size_t from = cached != nullptr ? skip : 0;
        if (dict == nullptr) {
          out->ints.insert(out->ints.end(), values.begin() + from, values.begin() + from + take);
        } else {
          for (size_t i = from; i < from + take; ++i) {
            if (values[i] < 0 || static_cast<uint64_t>(values[i]) >= dict->size()) {
              return CorruptionError(what() + ": dictionary code out of range");
            }
            if (codes_only) {
              out->codes.push_back(static_cast<uint32_t>(values[i]));
            } else {
              const uint64_t code = static_cast<uint64_t>(values[i]);
              const size_t dp = dict->PageOf(code);
              TEMPO_RETURN_IF_ERROR(LoadDictionaryPage(*chunk, *dict, dp));
              out->strs.push_back(dict->pages[dp].at(static_cast<size_t>(code - dict->first[dp])));
            }
          }
        }
      } else if (desc.type == PhysicalType::kDouble) {
        std::vector<double> values;
        TEMPO_RETURN_IF_ERROR(
            DecodeDoubles(header.encoding, payload, header.num_values, what(), &values));
        out->doubles.insert(out->doubles.end(), values.begin() + skip,
                            values.begin() + skip + take);
      } else if (IsPackedText(header.encoding)) {
        // Only the values taken are expanded (views point into the kept text); an empty range
        // still visits the page it falls in.
        if (take > 0) {
          std::string& text = buffers_.emplace_back();
          TEMPO_ASSIGN_OR_RETURN(Encoding expanded,
                                 ExpandText(header.encoding, payload, header.num_values, what(),
                                            &text, static_cast<uint32_t>(skip),
                                            static_cast<uint32_t>(take)));
          views_.clear();
          TEMPO_RETURN_IF_ERROR(
              DecodeBytes(expanded, text, static_cast<uint32_t>(take), what(), &views_));
          out->strs.insert(out->strs.end(), views_.begin(), views_.end());
        }
      } else {
        views_.clear();
        TEMPO_RETURN_IF_ERROR(
            DecodeBytes(header.encoding, payload, header.num_values, what(), &views_));
        out->strs.insert(out->strs.end(), views_.begin() + skip, views_.begin() + skip + take);
      }
    }
    first = page_end;
    offset += page.length;
  }
  return Status::Ok();
}

}  // namespace tempo::block
