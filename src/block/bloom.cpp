#include "block/bloom.h"

#include <algorithm>
#include <cmath>

#include "block/coding.h"
#include "block/page.h"

namespace tempo::block {
namespace {

// Odd multipliers, one per word of a block; each maps the low hash half to a bit index.
constexpr uint32_t kSalts[8] = {0x9E3779B1u, 0x85EBCA77u, 0xC2B2AE3Du, 0x27D4EB2Fu,
                                0x165667B1u, 0xD3A2646Du, 0xFD7046C5u, 0xB55A4F09u};

uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

// Expected false-positive rate with `bits_per_key`: the number of keys j in a block is Poisson
// with mean 256 / bits_per_key, and a probe fails when all 8 probed bits are set.
double EstimateFpp(double bits_per_key) {
  double lambda = 256.0 / bits_per_key;
  double p = std::exp(-lambda), fpp = 0;
  for (int j = 0; j < static_cast<int>(lambda * 4 + 50); ++j) {
    if (j > 0) p *= lambda / j;
    fpp += p * std::pow(1.0 - std::pow(1.0 - 1.0 / 32.0, j), 8);
  }
  return fpp;
}

size_t BlockOf(uint64_t hash, size_t blocks) {
  return static_cast<size_t>(((hash >> 32) * static_cast<uint64_t>(blocks)) >> 32);
}

}  // namespace

BloomFilter::BloomFilter(uint64_t keys, double fpp) {
  if (!(fpp > 0 && fpp < 1)) fpp = 0.01;
  double bits_per_key = 4;
  while (bits_per_key < 64 && EstimateFpp(bits_per_key) > fpp) bits_per_key += 0.5;
  double blocks = std::ceil(static_cast<double>(keys) * bits_per_key / 256.0);
  // Keep the block index computable in 32 bits and the section under the page limit.
  blocks = std::clamp(blocks, 1.0, static_cast<double>(kMaxPageBytes / 32));
  words_.assign(static_cast<size_t>(blocks) * 8, 0);
}

Result<BloomFilter> BloomFilter::FromBytes(std::string_view bytes) {
  if (bytes.empty() || bytes.size() % 32 != 0) {
    return CorruptionError("bloom: size " + std::to_string(bytes.size()) +
                           " is not a non-zero multiple of 32");
  }
  BloomFilter f;
  f.words_.resize(bytes.size() / 4);
  for (size_t i = 0; i < f.words_.size(); ++i) f.words_[i] = LoadFixed32(bytes.data() + 4 * i);
  return f;
}

uint64_t BloomFilter::Hash(const TraceId& id) {
  uint64_t hi = LoadFixed64(reinterpret_cast<const char*>(id.bytes.data()));
  uint64_t lo = LoadFixed64(reinterpret_cast<const char*>(id.bytes.data()) + 8);
  // Mixing both halves keeps zero-padded 64-bit IDs well spread.
  return Mix64(lo ^ Mix64(hi + 0x9E3779B97F4A7C15ull));
}

void BloomFilter::Add(const TraceId& id) {
  uint64_t h = Hash(id);
  uint32_t* block = &words_[BlockOf(h, blocks()) * 8];
  for (int i = 0; i < 8; ++i) block[i] |= 1u << ((static_cast<uint32_t>(h) * kSalts[i]) >> 27);
}

bool BloomFilter::MayContain(const TraceId& id) const {
  uint64_t h = Hash(id);
  const uint32_t* block = &words_[BlockOf(h, blocks()) * 8];
  for (int i = 0; i < 8; ++i) {
    if ((block[i] & (1u << ((static_cast<uint32_t>(h) * kSalts[i]) >> 27))) == 0) return false;
  }
  return true;
}

std::string BloomFilter::ToBytes() const {
  std::string out;
  out.reserve(words_.size() * 4);
  for (uint32_t w : words_) PutFixed32(&out, w);
  return out;
}

}  // namespace tempo::block
