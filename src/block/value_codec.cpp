#include "block/value_codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "block/bit_packed.h"
#include "block/coding.h"

namespace tempo::block {

Encoding EncodeInts(std::span<const int64_t> values, std::string* out) {
  if (values.empty()) return Encoding::kPlainVarint;
  size_t plain = 0, delta = 0, offset = 0;
  int64_t min = values[0];
  uint64_t prev = 0;
  for (int64_t v : values) {
    plain += VarintSize(ZigZag(v));
    delta += VarintSize(ZigZag(static_cast<int64_t>(static_cast<uint64_t>(v) - prev)));
    prev = static_cast<uint64_t>(v);
    min = std::min(min, v);
  }
  offset = VarintSize(ZigZag(min));
  for (int64_t v : values)
    offset += VarintSize(static_cast<uint64_t>(v) - static_cast<uint64_t>(min));
  // The sizes are exact: the varints are written into the space made for them.
  const size_t at = out->size();
  if (delta < plain && delta <= offset) {
    out->resize(at + delta);
    char* p = out->data() + at;
    prev = 0;
    for (int64_t v : values) {
      p = WriteVarint(p, ZigZag(static_cast<int64_t>(static_cast<uint64_t>(v) - prev)));
      prev = static_cast<uint64_t>(v);
    }
    return Encoding::kDeltaVarint;
  }
  if (offset < plain) {
    out->resize(at + offset);
    char* p = WriteVarint(out->data() + at, ZigZag(min));
    for (int64_t v : values) {
      p = WriteVarint(p, static_cast<uint64_t>(v) - static_cast<uint64_t>(min));
    }
    return Encoding::kForVarint;
  }
  out->resize(at + plain);
  char* p = out->data() + at;
  for (int64_t v : values) p = WriteVarint(p, ZigZag(v));
  return Encoding::kPlainVarint;
}

bool IsVarintInts(Encoding encoding) {
  return encoding == Encoding::kPlainVarint || encoding == Encoding::kDeltaVarint ||
         encoding == Encoding::kForVarint;
}

namespace {

// Reads `n` varints from data[*pos, end) and hands each to `emit`, advancing *pos; false on a
// truncated or over-long (> 64 bits) varint. While ten bytes remain (the longest varint) the
// bytes are read without bounds checks.
template <typename Emit>
bool ReadVarints(std::string_view data, size_t* pos, uint32_t n, Emit emit) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(data.data()) + *pos;
  const uint8_t* const end = reinterpret_cast<const uint8_t*>(data.data()) + data.size();
  uint32_t i = 0;
  for (; i < n && end - p >= 10; ++i) {
    uint64_t b = *p++;
    if (b < 0x80) {
      emit(b);
      continue;
    }
    uint64_t v = b & 0x7F;
    int shift = 7;
    for (;; shift += 7) {
      b = *p++;
      v |= (b & 0x7F) << shift;
      if (b < 0x80) break;
      if (shift == 63) return false;  // an eleventh byte
    }
    if (shift == 63 && b > 1) return false;  // more than 64 bits
    emit(v);
  }
  *pos = static_cast<size_t>(p - reinterpret_cast<const uint8_t*>(data.data()));
  if (i == n) return true;
  ByteReader r(data.substr(*pos), "int page");
  for (; i < n; ++i) {
    uint64_t v;
    if (!r.ReadVarint(&v)) return false;
    emit(v);
  }
  *pos += r.position();
  return true;
}

// Advances *pos past `n` varints without decoding them: a varint ends at each byte below 0x80,
// counted eight bytes at a time. False if the data ends first.
bool SkipVarints(std::string_view data, size_t* pos, uint32_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(data.data()) + *pos;
  const auto* const end = reinterpret_cast<const uint8_t*>(data.data()) + data.size();
  while (n > 8 && end - p >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    n -= static_cast<uint32_t>(std::popcount(~word & 0x8080808080808080ull));  // at most 8
    p += 8;
  }
  for (; n > 0; ++p) {
    if (p >= end) return false;
    if (*p < 0x80) --n;
  }
  *pos = static_cast<size_t>(p - reinterpret_cast<const uint8_t*>(data.data()));
  return true;
}

}  // namespace

namespace {

// Whether `n` values can fit in the payload (which bounds what decoders allocate): every varint
// takes a byte, every bit-packed block of kBitPackBlock values at least two.
bool FitsPayload(Encoding encoding, std::string_view payload, uint32_t n) {
  const uint64_t per_byte = encoding == Encoding::kBitPacked ? kBitPackBlock / 2 : 1;
  return n <= payload.size() * per_byte;
}

// Decodes the first `n` values of an integer page, handing each to emit(value) in order;
// `full`: the page has exactly n values (no bytes may follow them).
template <typename Emit>
Status DecodeIntsWith(Encoding encoding, std::string_view payload, uint32_t n, bool full,
                      std::string_view what, Emit emit) {
  size_t pos = 0;
  bool ok = true;
  switch (encoding) {
    case Encoding::kPlainVarint:
      ok = ReadVarints(payload, &pos, n, [&emit](uint64_t u) { emit(UnZigZag(u)); });
      break;
    case Encoding::kDeltaVarint: {
      uint64_t acc = 0;
      ok = ReadVarints(payload, &pos, n, [&emit, &acc](uint64_t u) {
        acc += static_cast<uint64_t>(UnZigZag(u));
        emit(static_cast<int64_t>(acc));
      });
      break;
    }
    case Encoding::kForVarint: {
      uint64_t base = 0;
      if (!ReadVarints(payload, &pos, 1,
                       [&base](uint64_t u) { base = static_cast<uint64_t>(UnZigZag(u)); })) {
        return CorruptionIn(what, "truncated base");
      }
      ok = ReadVarints(payload, &pos, n,
                       [&emit, base](uint64_t u) { emit(static_cast<int64_t>(base + u)); });
      break;
    }
    case Encoding::kBitPacked:
      ok = ReadBitPacked(payload, &pos, n, [&emit](const int64_t* v, uint32_t count) {
        for (uint32_t i = 0; i < count; ++i) emit(v[i]);
      });
      if (!ok) return CorruptionIn(what, "truncated or malformed bit-packed block");
      break;
    default:
      return CorruptionIn(what, "unexpected encoding " + std::to_string(static_cast<int>(encoding)) +
                                  " for an integer page");
  }
  if (!ok) return CorruptionIn(what, "truncated varint");
  if (full && pos != payload.size()) return CorruptionIn(what, "trailing bytes after the values");
  return Status::Ok();
}

// DecodeIntsWith storing the values at dst[0, n); bit-packed blocks are copied whole.
Status DecodeIntsTo(Encoding encoding, std::string_view payload, uint32_t n, bool full,
                    std::string_view what, int64_t* dst) {
  if (encoding != Encoding::kBitPacked) {
    return DecodeIntsWith(encoding, payload, n, full, what, [&dst](int64_t v) { *dst++ = v; });
  }
  size_t pos = 0;
  if (!ReadBitPacked(payload, &pos, n, [&dst](const int64_t* v, uint32_t count) {
        std::memcpy(dst, v, count * sizeof(int64_t));
        dst += count;
      })) {
    return CorruptionIn(what, "truncated or malformed bit-packed block");
  }
  if (full && pos != payload.size()) return CorruptionIn(what, "trailing bytes after the values");
  return Status::Ok();
}

}  // namespace

Status DecodeInts(Encoding encoding, std::string_view payload, uint32_t n, std::string_view what,
                  std::vector<int64_t>* out, uint32_t limit) {
  // FitsPayload bounds the allocation below.
  if (!FitsPayload(encoding, payload, n)) {
    return CorruptionIn(what, "more values than payload bytes");
  }
  const bool full = limit >= n;
  n = std::min(n, limit);
  out->resize(n);
  return DecodeIntsTo(encoding, payload, n, full, what, out->data());
}

Status DecodeIntsAppend(Encoding encoding, std::string_view payload, uint32_t n,
                        std::string_view what, uint32_t skip, uint32_t take,
                        std::vector<int64_t>* out) {
  if (!FitsPayload(encoding, payload, n)) {
    return CorruptionIn(what, "more values than payload bytes");
  }
  if (skip > n || take > n - skip) return CorruptionIn(what, "value range outside the page");
  const size_t first = out->size();
  out->resize(first + take);
  int64_t* dst = out->data() + first;
  Status s;
  if (skip == 0) {
    s = DecodeIntsTo(encoding, payload, take, take == n, what, dst);
  } else if (encoding == Encoding::kPlainVarint || encoding == Encoding::kForVarint) {
    // Values stand alone (no running sum): the skipped ones are stepped over, not decoded.
    size_t pos = 0;
    uint64_t base = 0;
    bool ok = encoding == Encoding::kPlainVarint ||
              ReadVarints(payload, &pos, 1, [&base](uint64_t u) {
                base = static_cast<uint64_t>(UnZigZag(u));
              });
    ok = ok && SkipVarints(payload, &pos, skip);
    ok = ok && ReadVarints(payload, &pos, take, [&](uint64_t u) {
           *dst++ = encoding == Encoding::kPlainVarint ? UnZigZag(u)
                                                      : static_cast<int64_t>(base + u);
         });
    if (!ok) {
      s = CorruptionIn(what, "truncated varint");
    } else if (skip + take == n && pos != payload.size()) {
      s = CorruptionIn(what, "trailing bytes after the values");
    }
  } else {
    uint32_t i = 0;
    s = DecodeIntsWith(encoding, payload, skip + take, skip + take == n, what, [&](int64_t v) {
      if (i++ >= skip) *dst++ = v;
    });
  }
  if (!s.ok()) out->resize(first);
  return s;
}

Status DecodeCodes(Encoding encoding, std::string_view payload, uint32_t n, std::string_view what,
                   uint32_t skip, uint32_t take, uint64_t dict_size, std::vector<uint32_t>* out) {
  if (!FitsPayload(encoding, payload, n)) {
    return CorruptionIn(what, "more values than payload bytes");
  }
  if (skip > n || take > n - skip) return CorruptionIn(what, "code range outside the page");
  const size_t first = out->size();
  out->resize(first + take);
  uint32_t* dst = out->data() + first;
  uint32_t i = 0;
  bool in_range = true;
  Status s = DecodeIntsWith(encoding, payload, skip + take, skip + take == n, what, [&](int64_t v) {
    in_range &= static_cast<uint64_t>(v) < dict_size;  // negative codes wrap above it
    if (i++ >= skip) *dst++ = static_cast<uint32_t>(v);
  });
  if (!s.ok()) {
    out->resize(first);
    return s;
  }
  if (!in_range) {
    out->resize(first);
    return CorruptionIn(what, "dictionary code out of range");
  }
  return Status::Ok();
}

namespace {

// Powers of ten exactly representable as doubles (all up to 10^22 are).
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                             1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
constexpr int kMaxDecimalExponent = 18;
// Scaled values must convert to and from double exactly.
constexpr double kMaxExactInt = 9007199254740992.0;  // 2^53

// The decoder's formula: the one value a scaled integer stands for.
double FromDecimal(int64_t scaled, int e) { return static_cast<double>(scaled) / kPow10[e]; }

// Whether every value is `scaled / 10^e` for an integer `scaled` of at most 53 bits, bit for bit
// (so -0.0, NaN and infinities never are); fills `scaled`.
bool ScaleExactly(std::span<const double> values, int e, std::vector<int64_t>* scaled) {
  scaled->resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    const double x = v * kPow10[e];
    if (!(std::fabs(x) < kMaxExactInt)) return false;  // also NaN and infinities
    const int64_t n = std::llround(x);
    const double back = FromDecimal(n, e);
    if (std::memcmp(&back, &v, 8) != 0) return false;
    (*scaled)[i] = n;
  }
  return true;
}

void EncodeSplitDoubles(std::span<const double> values, std::string* out) {
  // Byte planes: the sign/exponent bytes of similar values repeat, which zstd then removes.
  size_t n = values.size();
  size_t start = out->size();
  out->resize(start + 8 * n);
  char* dst = out->data() + start;
  for (size_t i = 0; i < n; ++i) {
    uint64_t bits;
    std::memcpy(&bits, &values[i], 8);
    for (size_t b = 0; b < 8; ++b) dst[b * n + i] = static_cast<char>(bits >> (8 * b));
  }
}

}  // namespace

Encoding EncodeDoubles(std::span<const double> values, std::string* out) {
  // Prices, ratios and counts written as doubles are short decimals: as integers scaled by the
  // smallest power of ten that makes all of them exact, they take 1-4 varint bytes instead of 8.
  std::vector<int64_t> scaled;
  for (int e = 0; e <= kMaxDecimalExponent && !values.empty(); ++e) {
    if (!ScaleExactly(values, e, &scaled)) continue;
    std::string ints;
    const Encoding int_encoding = EncodeInts(scaled, &ints);
    if (ints.size() + 2 >= values.size() * 8) break;  // no smaller than the byte planes
    out->push_back(static_cast<char>(e));
    out->push_back(static_cast<char>(int_encoding));
    out->append(ints);
    return Encoding::kDecimalDouble;
  }
  EncodeSplitDoubles(values, out);
  return Encoding::kSplitDouble;
}

Status DecodeDoubles(Encoding encoding, std::string_view payload, uint32_t n, std::string_view what,
                     std::vector<double>* out) {
  if (encoding == Encoding::kDecimalDouble) {
    if (payload.size() < 2) return CorruptionIn(what, "truncated decimal double page");
    const int e = static_cast<uint8_t>(payload[0]);
    const auto int_encoding = static_cast<Encoding>(static_cast<uint8_t>(payload[1]));
    if (e > kMaxDecimalExponent) return CorruptionIn(what, "decimal exponent out of range");
    if (int_encoding != Encoding::kPlainVarint && int_encoding != Encoding::kDeltaVarint &&
        int_encoding != Encoding::kForVarint) {
      return CorruptionIn(what, "bad integer encoding of a decimal double page");
    }
    std::vector<int64_t> scaled;
    TEMPO_RETURN_IF_ERROR(DecodeInts(int_encoding, payload.substr(2), n, what, &scaled));
    out->resize(n);
    for (uint32_t i = 0; i < n; ++i) (*out)[i] = FromDecimal(scaled[i], e);
    return Status::Ok();
  }
  if (encoding != Encoding::kSplitDouble) return CorruptionIn(what, "unexpected double encoding");
  if (payload.size() != static_cast<uint64_t>(n) * 8) {
    return CorruptionIn(what, "double page size mismatch");
  }
  out->resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t bits = 0;
    for (size_t b = 0; b < 8; ++b) {
      bits |= static_cast<uint64_t>(static_cast<uint8_t>(payload[b * n + i])) << (8 * b);
    }
    std::memcpy(&(*out)[i], &bits, 8);
  }
  return Status::Ok();
}

Encoding EncodeBytes(std::span<const std::string_view> values, std::string* out) {
  bool fixed = !values.empty() && !values[0].empty();
  for (std::string_view v : values) fixed = fixed && v.size() == values[0].size();
  if (fixed) {
    PutVarint(out, values[0].size());
    for (std::string_view v : values) out->append(v);
    return Encoding::kFixedWidth;
  }
  for (std::string_view v : values) PutBytes(out, v);
  return Encoding::kLengthPrefixed;
}

Status DecodeBytes(Encoding encoding, std::string_view payload, uint32_t n, std::string_view what,
                   std::vector<std::string_view>* out) {
  ByteReader r(payload, "bytes page");
  if (encoding == Encoding::kFixedWidth) {
    uint64_t width = 0;
    if (!r.ReadVarint(&width) || width == 0 || width > r.remaining() ||
        r.remaining() / width != n || r.remaining() % width != 0) {
      return CorruptionIn(what, "fixed-width page size mismatch");
    }
    out->reserve(out->size() + n);
    for (uint32_t i = 0; i < n; ++i) {
      std::string_view v;
      r.ReadRaw(static_cast<size_t>(width), &v);
      out->push_back(v);
    }
    return Status::Ok();
  }
  if (encoding != Encoding::kLengthPrefixed) return CorruptionIn(what, "unexpected bytes encoding");
  if (n > payload.size()) return CorruptionIn(what, "more values than payload bytes");
  out->reserve(out->size() + n);
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view v;
    if (!r.ReadBytes(&v)) return CorruptionIn(what, "truncated value");
    out->push_back(v);
  }
  if (!r.empty()) return CorruptionIn(what, "trailing bytes after the values");
  return Status::Ok();
}

void EncodeDictionary(std::span<const std::string_view> sorted, std::string* out) {
  for (std::string_view s : sorted) PutVarint(out, s.size());
  for (std::string_view s : sorted) out->append(s);
}

Status DecodeDictionary(std::string_view payload, uint32_t n, std::string_view what,
                        Dictionary* out) {
  // Every entry takes at least one length byte.
  if (n > payload.size()) return CorruptionIn(what, "more dictionary entries than bytes");
  ByteReader r(payload, "dictionary");
  out->offsets.assign(1, 0);
  out->offsets.reserve(static_cast<size_t>(n) + 1);
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t len;
    if (!r.ReadVarint(&len) || len > payload.size() - total) {
      return CorruptionIn(what, "dictionary lengths exceed the page");
    }
    total += len;
    out->offsets.push_back(static_cast<uint32_t>(total));
  }
  if (total != r.remaining()) return CorruptionIn(what, "dictionary lengths do not match the page");
  out->bytes = payload.substr(r.position());
  return Status::Ok();
}

}  // namespace tempo::block
