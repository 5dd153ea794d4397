#include "block/bit_packed.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "block/coding.h"

namespace tempo::block {
namespace {

int BitWidth(uint64_t v) { return v == 0 ? 0 : 64 - __builtin_clzll(v); }

// Appends `n` values v[i] - base in `width` bits each, little-endian, least significant first.
void PackBits(const int64_t* v, size_t n, uint64_t base, int width, std::string* out) {
  const size_t start = out->size();
  const size_t bytes = (n * static_cast<size_t>(width) + 7) / 8;
  // Fields of up to 56 bits are ORed in as 8-byte words (7 bytes of slack past the end).
  out->resize(start + bytes + 8, 0);
  auto* p = reinterpret_cast<uint8_t*>(out->data() + start);
  size_t bit = 0;
  if (width <= 56) {
    for (size_t i = 0; i < n; ++i, bit += static_cast<size_t>(width)) {
      uint64_t word;
      std::memcpy(&word, p + (bit >> 3), 8);
      word |= (static_cast<uint64_t>(v[i]) - base) << (bit & 7);
      std::memcpy(p + (bit >> 3), &word, 8);
    }
  } else {
    for (size_t i = 0; i < n; ++i, bit += static_cast<size_t>(width)) {
      const uint64_t u = static_cast<uint64_t>(v[i]) - base;
      for (int b = 0; b < width; b += 8 - static_cast<int>((bit + b) & 7)) {
        const size_t at = bit + static_cast<size_t>(b);
        p[at >> 3] |= static_cast<uint8_t>((u >> b) << (at & 7));
      }
    }
  }
  out->resize(start + bytes);
}

// Per block of `x`: its minimum and the bit width of the offsets from it.
template <typename Fn>
void ForEachBlock(std::span<const int64_t> x, Fn fn) {
  for (size_t b = 0; b < x.size(); b += kBitPackBlock) {
    const size_t n = std::min<size_t>(kBitPackBlock, x.size() - b);
    const int64_t base = *std::min_element(x.begin() + b, x.begin() + b + n);
    uint64_t span = 0;
    for (size_t i = 0; i < n; ++i) {
      span |= static_cast<uint64_t>(x[b + i]) - static_cast<uint64_t>(base);
    }
    fn(b, n, base, BitWidth(span));
  }
}

// The bytes EncodeBitPackedMode writes for the blocks of `x`.
size_t BlocksSize(std::span<const int64_t> x) {
  size_t size = 0;
  ForEachBlock(x, [&size](size_t, size_t n, int64_t base, int width) {
    size += VarintSize(ZigZag(base)) + 1 + (n * static_cast<size_t>(width) + 7) / 8;
  });
  return size;
}

// Mode 1 (differences) starts with the first value; the first entry of x, which stands for it,
// is not used (a copy of the second keeps the first block narrow).
void EncodeBitPackedMode(std::span<const int64_t> x, uint8_t mode, int64_t first,
                         std::string* out) {
  out->push_back(static_cast<char>(mode));
  if (mode == 1) PutVarint(out, ZigZag(first));
  ForEachBlock(x, [&](size_t b, size_t n, int64_t base, int width) {
    PutVarint(out, ZigZag(base));
    out->push_back(static_cast<char>(width));
    PackBits(x.data() + b, n, static_cast<uint64_t>(base), width, out);
  });
}

// Writes the `count` values base + (w-bit field i) of a block packed at `p` (readable for 16
// bytes past its last field) to out[0, count).
void UnpackBlock(const uint8_t* p, unsigned width, uint64_t base, uint32_t count,
                 int64_t* __restrict out) {
  if (width == 0) {
    std::fill(out, out + count, static_cast<int64_t>(base));
    return;
  }
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  if (width <= 56) {  // every field lies within the 8 bytes from its first byte
    for (uint32_t i = 0; i < count; ++i) {
      const size_t bit = static_cast<size_t>(i) * width;
      uint64_t word;
      std::memcpy(&word, p + (bit >> 3), 8);
      out[i] = static_cast<int64_t>(base + ((word >> (bit & 7)) & mask));
    }
    return;
  }
  for (uint32_t i = 0; i < count; ++i) {
    const size_t bit = static_cast<size_t>(i) * width;
    const unsigned shift = static_cast<unsigned>(bit & 7);
    uint64_t word;
    std::memcpy(&word, p + (bit >> 3), 8);
    uint64_t u = word >> shift;
    if (shift + width > 64) u |= static_cast<uint64_t>(p[(bit >> 3) + 8]) << (64 - shift);
    out[i] = static_cast<int64_t>(base + (u & mask));
  }
}

}  // namespace

void EncodeBitPacked(std::span<const int64_t> values, std::string* out) {
  std::vector<int64_t> deltas(values.size());
  for (size_t i = 1; i < values.size(); ++i) {
    deltas[i] = static_cast<int64_t>(static_cast<uint64_t>(values[i]) -
                                     static_cast<uint64_t>(values[i - 1]));
  }
  if (values.size() > 1) deltas[0] = deltas[1];
  // Whichever mode is smaller (values on a tie), sized before one of them is written.
  const int64_t first = values.empty() ? 0 : values[0];
  if (VarintSize(ZigZag(first)) + BlocksSize(deltas) < BlocksSize(values)) {
    EncodeBitPackedMode(deltas, 1, first, out);
  } else {
    EncodeBitPackedMode(values, 0, 0, out);
  }
}

bool ReadBitPacked(std::string_view data, size_t* pos, uint32_t n,
                   const BitPackedBlockFn& emit_block) {
  if (*pos >= data.size()) return n == 0;
  const uint8_t mode = static_cast<uint8_t>(data[(*pos)++]);
  if (mode > 1) return false;
  uint64_t acc = 0;
  if (mode == 1) {
    ByteReader r(data.substr(*pos), "bit-packed first value");
    uint64_t first = 0;
    if (!r.ReadVarint(&first)) return false;
    *pos += r.position();
    acc = static_cast<uint64_t>(UnZigZag(first));
  }
  uint8_t pad[kBitPackBlock * 8 + 16];
  int64_t values[kBitPackBlock];
  for (uint32_t done = 0; done < n;) {
    ByteReader r(data.substr(*pos), "bit-packed block");
    uint64_t zbase = 0;
    if (!r.ReadVarint(&zbase) || r.position() >= data.size() - *pos) return false;
    *pos += r.position();
    const unsigned width = static_cast<uint8_t>(data[(*pos)++]);
    if (width > 64) return false;
    const uint32_t count = std::min<uint32_t>(kBitPackBlock, n - done);
    const size_t have = data.size() - *pos;
    const size_t need = (static_cast<size_t>(count) * width + 7) / 8;
    if (have < need) return false;
    const uint8_t* p = reinterpret_cast<const uint8_t*>(data.data() + *pos);
    if (have < need + 16) {  // words read past the last field would pass the end: a padded copy
      std::memcpy(pad, p, need);
      std::memset(pad + need, 0, 16);
      p = pad;
    }
    UnpackBlock(p, width, static_cast<uint64_t>(UnZigZag(zbase)), count, values);
    if (mode == 1) {
      uint32_t i = 0;
      if (done == 0) values[i++] = static_cast<int64_t>(acc);  // its field holds no difference
      for (; i < count; ++i) {
        acc += static_cast<uint64_t>(values[i]);
        values[i] = static_cast<int64_t>(acc);
      }
    }
    emit_block(values, count);
    *pos += need;
    done += count;
  }
  return true;
}

}  // namespace tempo::block
