#include "block/column_builder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "block/coding.h"
#include "block/text_codec.h"
#include "block/value_codec.h"

namespace tempo::block {
namespace {

// Strings longer than this are cut in chunk statistics (min stays a lower bound; max is marked
// inexact).
constexpr size_t kMaxStatString = 64;

void SetStringStats(std::string_view lo, std::string_view hi, ChunkMeta* meta) {
  meta->has_string_stats = true;
  meta->min_string = lo.substr(0, kMaxStatString);
  meta->max_string = hi.substr(0, kMaxStatString);
  meta->max_string_exact = hi.size() <= kMaxStatString;
}

}  // namespace

std::string_view StringArena::Copy(std::string_view s) {
  if (s.empty()) return {};
  if (s.size() > capacity_ - used_) {
    size_t size = std::max<size_t>(s.size(), 64 * 1024);
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(size));
    used_ = 0;
    capacity_ = size;
  }
  char* p = blocks_.back().get() + used_;
  std::memcpy(p, s.data(), s.size());
  used_ += s.size();
  return std::string_view(p, s.size());
}

void StringArena::Clear() {
  blocks_.clear();
  used_ = capacity_ = 0;
}

void ColumnBuilder::Grow() {
  std::vector<uint32_t> slots(slots_.empty() ? 64 : slots_.size() * 2, 0);
  const size_t mask = slots.size() - 1;
  for (uint32_t code = 0; code < dict_.size(); ++code) {
    size_t i = static_cast<size_t>(dict_hashes_[code]) & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = code + 1;
  }
  slots_ = std::move(slots);
}

void ColumnBuilder::AddString(std::string_view v) {
  if (last_code_ != UINT32_MAX && v == last_) {
    codes_.push_back(last_code_);
    return;
  }
  if (unique_) {
    last_code_ = static_cast<uint32_t>(dict_.size());
    last_ = dict_.emplace_back(arena_.Copy(v));
    codes_.push_back(last_code_);
    return;
  }
  if (codes_.size() == kUniqueProbe && dict_.size() * 16 >= codes_.size() * 15) {
    // At least 15/16 distinct so far: a dictionary would not pay off (UseDictionary).
    unique_ = true;
    slots_ = {};
    dict_hashes_ = {};
    AddString(v);
    return;
  }
  if ((dict_.size() + 1) * 2 > slots_.size()) Grow();  // load factor <= 1/2
  const uint64_t hash = HashBytes(v);
  const size_t mask = slots_.size() - 1;
  size_t i = static_cast<size_t>(hash) & mask;
  uint32_t code;
  for (;;) {
    uint32_t slot = slots_[i];
    if (slot == 0) {
      code = static_cast<uint32_t>(dict_.size());
      dict_.push_back(arena_.Copy(v));
      dict_hashes_.push_back(hash);
      slots_[i] = code + 1;
      break;
    }
    if (dict_hashes_[slot - 1] == hash && dict_[slot - 1] == v) {
      code = slot - 1;
      break;
    }
    i = (i + 1) & mask;
  }
  last_ = dict_[code];
  last_code_ = code;
  codes_.push_back(code);
}

size_t ColumnBuilder::size() const {
  switch (type_) {
    case PhysicalType::kInt64:
      return ints_.size();
    case PhysicalType::kDouble:
      return doubles_.size();
    case PhysicalType::kBytes:
      return ends_.size();
    case PhysicalType::kString:
      return codes_.size();
  }
  return 0;
}

bool ColumnBuilder::AllDefault() const {
  switch (type_) {
    case PhysicalType::kInt64:
      return std::all_of(ints_.begin(), ints_.end(), [](int64_t v) { return v == 0; });
    case PhysicalType::kDouble:
      return std::all_of(doubles_.begin(), doubles_.end(), [](double v) {
        uint64_t bits;
        std::memcpy(&bits, &v, 8);
        return bits == 0;
      });
    case PhysicalType::kBytes:
      return bytes_.empty();
    case PhysicalType::kString:
      return dict_.empty() || (dict_.size() == 1 && dict_[0].empty());
  }
  return false;
}

bool ColumnBuilder::UseDictionary() const {
  // A dictionary pays off once values repeat; for (nearly) unique values plain is smaller.
  return type_ == PhysicalType::kString && !unique_ && dict_.size() * 4 <= codes_.size() * 3 + 64;
}

std::vector<uint32_t> ColumnBuilder::PageCuts(const PageLimits& limits) const {
  std::vector<uint32_t> cuts;
  const size_t n = size();
  const uint32_t per_page = std::max<uint32_t>(limits.values_per_page, 1);
  size_t page_values = 0, page_bytes = 0;
  const bool plain_strings = type_ == PhysicalType::kString && !UseDictionary();
  for (size_t i = 0; i < n; ++i) {
    size_t est = 2;
    if (type_ == PhysicalType::kBytes) est = BytesAt(i).size() + 1;
    if (plain_strings) est = dict_[codes_[i]].size() + 1;
    if (type_ == PhysicalType::kDouble) est = 8;
    if (page_values > 0 && (page_values >= per_page || page_bytes + est > limits.page_bytes)) {
      cuts.push_back(static_cast<uint32_t>(i));
      page_values = page_bytes = 0;
    }
    ++page_values;
    page_bytes += est;
  }
  if (n > 0) cuts.push_back(static_cast<uint32_t>(n));
  return cuts;
}

Status ColumnBuilder::Encode(std::span<const uint32_t> cuts, const PageLimits& limits,
                             PageCompressor& compressor, std::string* out, ChunkMeta* meta) {
  const size_t start = out->size();
  meta->num_values = size();
  meta->raw_bytes = 0;
  meta->pages.clear();
  meta->dict_pages.clear();
  meta->has_string_stats = false;
  std::string payload;

  // Strings: sort the dictionary and translate codes, or fall back to plain bytes.
  std::vector<uint32_t> sorted_codes;
  const bool dictionary = UseDictionary();
  if (type_ == PhysicalType::kString && !dict_.empty() && !dictionary) {
    // Plain strings: only the chunk's bounds are needed.
    std::string_view lo = dict_[0], hi = dict_[0];
    for (std::string_view v : dict_) {
      if (v < lo) lo = v;
      if (hi < v) hi = v;
    }
    SetStringStats(lo, hi, meta);
  } else if (type_ == PhysicalType::kString && !dict_.empty()) {
    // Sorted by each string's first 8 bytes as a big-endian integer (zero-padded), and by the
    // whole strings only where those are equal: the same order as comparing the strings, with
    // most comparisons on integers in one array rather than on strings all over the arena.
    std::vector<std::pair<uint64_t, uint32_t>> keyed(dict_.size());
    for (uint32_t c = 0; c < dict_.size(); ++c) {
      unsigned char b[8] = {};
      std::memcpy(b, dict_[c].data(), std::min<size_t>(8, dict_[c].size()));
      uint64_t prefix = 0;
      for (unsigned char x : b) prefix = (prefix << 8) | x;
      keyed[c] = {prefix, c};
    }
    std::sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      return dict_[a.second] < dict_[b.second];
    });
    std::vector<uint32_t> perm(dict_.size());
    for (size_t r = 0; r < keyed.size(); ++r) perm[r] = keyed[r].second;
    SetStringStats(dict_[perm.front()], dict_[perm.back()], meta);
    std::vector<uint32_t> rank(dict_.size());
    std::vector<std::string_view> sorted(dict_.size());
    for (size_t r = 0; r < perm.size(); ++r) {
      rank[perm[r]] = static_cast<uint32_t>(r);
      sorted[r] = dict_[perm[r]];
    }
    sorted_codes.resize(codes_.size());
    for (size_t i = 0; i < codes_.size(); ++i) sorted_codes[i] = rank[codes_[i]];
    // Dictionary pages of bounded size, so that a reader needing a few entries decompresses
    // little.
    const size_t max_entries = std::max<uint32_t>(limits.dict_page_entries, 1);
    size_t first = 0;
    while (first < sorted.size()) {
      size_t end = first, bytes = 0;
      while (end < sorted.size() && end - first < max_entries &&
             (end == first || bytes + sorted[end].size() <= limits.dict_page_bytes)) {
        bytes += sorted[end].size();
        ++end;
      }
      payload.clear();
      std::span<const std::string_view> entries(sorted.data() + first, end - first);
      EncodeDictionary(entries, &payload);
      size_t before = out->size();
      TEMPO_RETURN_IF_ERROR(compressor.Append(Encoding::kDictionary,
                                              static_cast<uint32_t>(entries.size()), payload, out));
      PageMeta page;
      page.length = static_cast<uint32_t>(out->size() - before);
      page.num_values = static_cast<uint32_t>(entries.size());
      meta->dict_pages.push_back(page);
      meta->raw_bytes += payload.size();
      first = end;
    }
  }

  std::vector<int64_t> ints;
  std::vector<std::string_view> views;
  uint32_t begin = 0;
  for (uint32_t end : cuts) {
    payload.clear();
    PageMeta page;
    page.num_values = end - begin;
    Encoding encoding = Encoding::kPlainVarint;
    switch (type_) {
      case PhysicalType::kInt64:
      case PhysicalType::kString:
        if (type_ == PhysicalType::kString && !dictionary) {
          views.clear();
          for (uint32_t i = begin; i < end; ++i) views.push_back(dict_[codes_[i]]);
          encoding = EncodeStrings(views, &payload);
          break;
        }
        if (type_ == PhysicalType::kInt64) {
          ints.assign(ints_.begin() + begin, ints_.begin() + end);
        } else {
          ints.assign(sorted_codes.begin() + begin, sorted_codes.begin() + end);
        }
        encoding = EncodeInts(ints, &payload);
        page.has_stats = true;
        page.min = *std::min_element(ints.begin(), ints.end());
        page.max = *std::max_element(ints.begin(), ints.end());
        break;
      case PhysicalType::kDouble: {
        std::span<const double> vals(doubles_.data() + begin, end - begin);
        encoding = EncodeDoubles(vals, &payload);
        double lo = INFINITY, hi = -INFINITY;
        for (double v : vals) {
          if (std::isnan(v)) continue;
          lo = std::min(lo, v);
          hi = std::max(hi, v);
          page.has_stats = true;
        }
        if (page.has_stats) {
          std::memcpy(&page.min, &lo, 8);
          std::memcpy(&page.max, &hi, 8);
        }
        break;
      }
      case PhysicalType::kBytes: {
        views.clear();
        for (uint32_t i = begin; i < end; ++i) views.push_back(BytesAt(i));
        encoding = EncodeBytes(views, &payload);
        break;
      }
    }
    size_t before = out->size();
    TEMPO_RETURN_IF_ERROR(compressor.Append(encoding, page.num_values, payload, out));
    page.length = static_cast<uint32_t>(out->size() - before);
    meta->raw_bytes += payload.size();
    meta->pages.push_back(page);
    begin = end;
  }
  meta->length = out->size() - start;
  return Status::Ok();
}

void ColumnBuilder::Clear() {
  ints_.clear();
  doubles_.clear();
  bytes_.clear();
  ends_.clear();
  codes_.clear();
  dict_.clear();
  dict_hashes_.clear();
  slots_.clear();
  arena_.Clear();
  last_ = {};
  last_code_ = UINT32_MAX;
  unique_ = false;
}

}  // namespace tempo::block
