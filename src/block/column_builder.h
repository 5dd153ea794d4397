#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "block/footer.h"
#include "block/page.h"
#include "block/schema.h"
#include "tempo/common/result.h"

namespace tempo::block {

// Page cuts of one chunk (WriterOptions documents each).
struct PageLimits {
  uint32_t values_per_page = 2048;
  uint32_t page_bytes = 64 * 1024;
  uint32_t dict_page_entries = 512;
  uint32_t dict_page_bytes = 16 * 1024;
};

// Copies of strings with stable addresses, in 64 KiB blocks. Not thread-safe.
class StringArena {
 public:
  std::string_view Copy(std::string_view s);
  void Clear();

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0, capacity_ = 0;
};

// Collects the values of one column of one row group and encodes them as a column chunk
// (docs/block-format.md, "Column chunks"). Strings are dictionary-encoded with a sorted dictionary
// unless most values are distinct, then stored plain. Not thread-safe.
class ColumnBuilder {
 public:
  explicit ColumnBuilder(PhysicalType type) : type_(type) {}

  void AddInt(int64_t v) { ints_.push_back(v); }
  void AddDouble(double v) { doubles_.push_back(v); }
  void AddBytes(std::string_view v) {
    bytes_.append(v);
    ends_.push_back(bytes_.size());
  }
  void AddString(std::string_view v);

  PhysicalType type() const { return type_; }
  size_t size() const;
  // String columns: the code of each value and the distinct values by code (first-seen order).
  const std::vector<uint32_t>& string_codes() const { return codes_; }
  std::string_view distinct_string(uint32_t code) const { return dict_[code]; }
  size_t distinct_strings() const { return dict_.size(); }
  // True if every value is the type's default (0, "", +0.0): such a chunk may be omitted.
  bool AllDefault() const;

  // Page boundaries (exclusive end indexes) that respect `limits`, estimating payload sizes.
  std::vector<uint32_t> PageCuts(const PageLimits& limits) const;

  // Appends the chunk (dictionary page, then one data page per cut) to `out` and describes it in
  // `meta` (all but `column` and `offset`). kResourceExhausted if a page is too large.
  // Dictionary pages are cut by `limits`.
  Status Encode(std::span<const uint32_t> cuts, const PageLimits& limits,
                PageCompressor& compressor, std::string* out, ChunkMeta* meta);

  // Forgets the values, keeping capacity.
  void Clear();

 private:
  bool UseDictionary() const;
  std::string_view BytesAt(size_t i) const {
    size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(bytes_).substr(begin, ends_[i] - begin);
  }

  PhysicalType type_;
  std::vector<int64_t> ints_;
  std::vector<double> doubles_;
  // Bytes values, and plain strings: concatenated, with end offsets.
  std::string bytes_;
  std::vector<size_t> ends_;
  // Strings: codes into dict_ in first-seen order (remapped to sorted order when encoding); the
  // distinct values live in arena_ and are found through slots_, an open-addressing table of
  // code + 1 (0 = empty) with linear probing. Consecutive equal values skip the lookup.
  // Unique values (IDs, UUIDs): once the first kUniqueProbe values are nearly all distinct the
  // column will not use a dictionary, and later values are appended without the lookup
  // (`unique_`: dict_ may then hold repeats; codes still index it).
  static constexpr size_t kUniqueProbe = 1024;
  void Grow();
  bool unique_ = false;
  std::vector<uint32_t> codes_;
  std::vector<std::string_view> dict_;
  std::vector<uint64_t> dict_hashes_;
  std::vector<uint32_t> slots_;
  StringArena arena_;
  std::string_view last_;
  uint32_t last_code_ = UINT32_MAX;
};

}  // namespace tempo::block
