#include "tempo/common/compression.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

namespace tempo {
namespace {

// Output is produced in chunks of this size, so a decoder never holds more than one chunk beyond
// what the caller allows.
constexpr size_t kChunk = 64 * 1024;

constexpr std::string_view kSnappyFramedMagic("\xff\x06\x00\x00sNaPpY", 10);

Status TooLarge(size_t max_bytes) {
  return InvalidArgumentError("request body too large: exceeds " + std::to_string(max_bytes) +
                              " bytes");
}

Status Corrupt(std::string_view encoding, std::string_view detail) {
  std::string message = "cannot decode ";
  message += encoding;
  message += " body: ";
  message += detail;
  return InvalidArgumentError(std::move(message));
}

// Collects decoded output in fixed-size pieces and joins them once at the end, so that a bomb
// stopped at the limit has allocated at most `max_bytes` plus one piece (growing a single string
// would briefly hold the old and the new buffer, close to twice the limit).
class BoundedOutput {
 public:
  explicit BoundedOutput(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Appends `n` bytes unless the total would exceed the limit (then returns false).
  bool Append(const char* data, size_t n) {
    if (n > max_bytes_ - size_) return false;
    size_ += n;
    while (n > 0) {
      if (pieces_.empty() || pieces_.back().size() == kPiece) {
        pieces_.emplace_back();
        pieces_.back().reserve(std::min(kPiece, max_bytes_));
      }
      std::string& piece = pieces_.back();
      size_t take = std::min(n, kPiece - piece.size());
      piece.append(data, take);
      data += take;
      n -= take;
    }
    return true;
  }
  size_t size() const { return size_; }

  std::string Take() && {
    if (pieces_.size() == 1) return std::move(pieces_.front());
    std::string out;
    out.reserve(size_);
    for (std::string& piece : pieces_) {
      out += piece;
      std::string().swap(piece);  // release as we go
    }
    return out;
  }

 private:
  static constexpr size_t kPiece = 256 * 1024;
  size_t max_bytes_;
  size_t size_ = 0;
  std::vector<std::string> pieces_;
};

std::string Normalize(std::string_view encoding) {
  const char* kSpace = " \t";
  size_t begin = encoding.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  size_t end = encoding.find_last_not_of(kSpace);
  std::string out(encoding.substr(begin, end - begin + 1));
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// gzip (window_bits 16+15, several members allowed) or zlib (15).
Result<std::string> Inflate(std::string_view name, std::string_view body, int window_bits,
                            size_t max_bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) return InternalError("inflateInit2 failed");
  std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&zs, &inflateEnd);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(std::min<size_t>(body.size(), UINT32_MAX));
  size_t fed = zs.avail_in;
  BoundedOutput out(max_bytes);
  auto chunk = std::make_unique<char[]>(kChunk);
  for (;;) {
    if (zs.avail_in == 0 && fed < body.size()) {
      size_t more = std::min<size_t>(body.size() - fed, UINT32_MAX);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data() + fed));
      zs.avail_in = static_cast<uInt>(more);
      fed += more;
    }
    zs.next_out = reinterpret_cast<Bytef*>(chunk.get());
    zs.avail_out = static_cast<uInt>(kChunk);
    int rc = inflate(&zs, Z_NO_FLUSH);
    size_t produced = kChunk - zs.avail_out;
    if (!out.Append(chunk.get(), produced)) return TooLarge(max_bytes);
    if (rc == Z_STREAM_END) {
      bool more_input = zs.avail_in > 0 || fed < body.size();
      // Gzip bodies may hold several members (as Go's reader accepts); trailing bytes after a
      // zlib stream are ignored, as Go's reader stops at the end of the stream.
      if (window_bits > 15 && more_input) {
        if (inflateReset(&zs) != Z_OK) return Corrupt(name, "cannot reset decoder");
        continue;
      }
      return std::move(out).Take();
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && fed == body.size()) {
      return Corrupt(name, "unexpected end of data");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return Corrupt(name, zs.msg != nullptr ? zs.msg : "invalid data");
    }
  }
}

// Log2 of the largest zstd window we accept: enough for the body limit, at least the 8 MiB that
// common encoders use by default, at most zstd's own default limit.
int ZstdWindowLogMax(size_t max_bytes) {
  int log = 0;
  while (log < 62 && (size_t{1} << log) < max_bytes) ++log;
  return std::clamp(log, 23, 27);  // 27 = ZSTD_WINDOWLOG_LIMIT_DEFAULT
}

Result<std::string> DecodeZstd(std::string_view body, size_t max_bytes) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  if (!dctx) return InternalError("ZSTD_createDCtx failed");
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, ZstdWindowLogMax(max_bytes));
  if (body.empty()) return Corrupt("zstd", "empty input");
  ZSTD_inBuffer in{body.data(), body.size(), 0};
  BoundedOutput out(max_bytes);
  auto chunk = std::make_unique<char[]>(kChunk);
  size_t last = 1;
  // Consume every byte; frames of unknown size and concatenated frames are handled alike.
  while (in.pos < in.size || last != 0) {
    ZSTD_outBuffer zout{chunk.get(), kChunk, 0};
    last = ZSTD_decompressStream(dctx.get(), &zout, &in);
    if (ZSTD_isError(last)) return Corrupt("zstd", ZSTD_getErrorName(last));
    if (!out.Append(chunk.get(), zout.pos)) return TooLarge(max_bytes);
    // All input consumed, output flushed, and the frame still incomplete: it was cut short.
    if (last != 0 && in.pos == in.size && zout.pos < zout.size) {
      return Corrupt("zstd", "unexpected end of data");
    }
  }
  return std::move(out).Take();
}

Result<std::string> DecodeSnappyBlock(std::string_view body, size_t max_bytes) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(body.data(), body.size(), &length)) {
    return Corrupt("snappy", "invalid block header");
  }
  if (length > max_bytes) return TooLarge(max_bytes);
  std::string out;
  if (!snappy::Uncompress(body.data(), body.size(), &out)) {
    return Corrupt("snappy", "invalid block data");
  }
  return out;
}

// CRC-32C (Castagnoli), reflected, as the snappy framing format uses.
uint32_t Crc32c(std::string_view data) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> table{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t crc = i;
      for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ ((crc & 1) ? 0x82F63B78u : 0u);
      table[i] = crc;
    }
    return table;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (char c : data) crc = kTable[(crc ^ static_cast<uint8_t>(c)) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

uint32_t MaskedCrc32c(std::string_view data) {
  uint32_t crc = Crc32c(data);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

uint32_t LoadLe32(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0])) |
         static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[3])) << 24;
}

// The snappy framing format: a stream identifier chunk, then compressed (0x00), uncompressed
// (0x01), padding/skippable (0x80-0xfe) chunks; 0x02-0x7f are reserved and fatal.
Result<std::string> DecodeSnappyFramed(std::string_view name, std::string_view body,
                                       size_t max_bytes) {
  constexpr size_t kMaxChunkData = 65536;
  BoundedOutput out(max_bytes);
  std::string block;
  bool seen_identifier = false;
  size_t pos = 0;
  while (pos < body.size()) {
    if (body.size() - pos < 4) return Corrupt(name, "truncated chunk header");
    auto type = static_cast<uint8_t>(body[pos]);
    size_t length = static_cast<uint8_t>(body[pos + 1]) |
                    static_cast<size_t>(static_cast<uint8_t>(body[pos + 2])) << 8 |
                    static_cast<size_t>(static_cast<uint8_t>(body[pos + 3])) << 16;
    pos += 4;
    if (body.size() - pos < length) return Corrupt(name, "truncated chunk");
    std::string_view data = body.substr(pos, length);
    pos += length;
    if (type == 0xff) {
      if (data != kSnappyFramedMagic.substr(4)) return Corrupt(name, "invalid stream identifier");
      seen_identifier = true;
      continue;
    }
    if (!seen_identifier) return Corrupt(name, "missing stream identifier");
    if (type >= 0x80) continue;  // skippable, including padding (0xfe)
    if (type >= 0x02) return Corrupt(name, "reserved unskippable chunk type");
    if (data.size() < 4) return Corrupt(name, "chunk too short for its checksum");
    uint32_t expected_crc = LoadLe32(data.data());
    data.remove_prefix(4);
    std::string_view plain;
    if (type == 0x00) {
      size_t length_out = 0;
      if (!snappy::GetUncompressedLength(data.data(), data.size(), &length_out) ||
          length_out > kMaxChunkData) {
        return Corrupt(name, "invalid compressed chunk");
      }
      if (length_out > max_bytes - out.size()) return TooLarge(max_bytes);
      if (!snappy::Uncompress(data.data(), data.size(), &block)) {
        return Corrupt(name, "invalid compressed chunk");
      }
      plain = block;
    } else {
      if (data.size() > kMaxChunkData) return Corrupt(name, "uncompressed chunk too large");
      plain = data;
    }
    if (MaskedCrc32c(plain) != expected_crc) return Corrupt(name, "checksum mismatch");
    if (!out.Append(plain.data(), plain.size())) return TooLarge(max_bytes);
  }
  if (!seen_identifier) return Corrupt(name, "missing stream identifier");
  return std::move(out).Take();
}

Result<std::string> DecodeLz4(std::string_view body, size_t max_bytes) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) {
    return InternalError("LZ4F_createDecompressionContext failed");
  }
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> dctx(
      raw, &LZ4F_freeDecompressionContext);
  if (body.empty()) return Corrupt("lz4", "empty input");
  BoundedOutput out(max_bytes);
  auto chunk = std::make_unique<char[]>(kChunk);
  size_t pos = 0;
  size_t hint = 1;
  while (pos < body.size()) {
    size_t out_size = kChunk;
    size_t in_size = body.size() - pos;
    hint =
        LZ4F_decompress(dctx.get(), chunk.get(), &out_size, body.data() + pos, &in_size, nullptr);
    if (LZ4F_isError(hint)) return Corrupt("lz4", LZ4F_getErrorName(hint));
    pos += in_size;
    if (!out.Append(chunk.get(), out_size)) return TooLarge(max_bytes);
    if (in_size == 0 && out_size == 0) return Corrupt("lz4", "decoder made no progress");
  }
  // Buffered output may remain after the last input byte.
  while (hint != 0) {
    size_t out_size = kChunk;
    size_t in_size = 0;
    hint = LZ4F_decompress(dctx.get(), chunk.get(), &out_size, nullptr, &in_size, nullptr);
    if (LZ4F_isError(hint)) return Corrupt("lz4", LZ4F_getErrorName(hint));
    if (!out.Append(chunk.get(), out_size)) return TooLarge(max_bytes);
    if (out_size == 0 && hint != 0) return Corrupt("lz4", "unexpected end of data");
  }
  return std::move(out).Take();
}

}  // namespace

Result<std::string> DecodeContentEncoding(std::string_view encoding, std::string_view body,
                                          size_t max_bytes) {
  std::string name = Normalize(encoding);
  if (name.empty() || name == "identity") {
    if (body.size() > max_bytes) return TooLarge(max_bytes);
    return std::string(body);
  }
  if (name == "gzip") return Inflate(name, body, 16 + MAX_WBITS, max_bytes);
  if (name == "zlib" || name == "deflate") return Inflate(name, body, MAX_WBITS, max_bytes);
  if (name == "zstd") return DecodeZstd(body, max_bytes);
  if (name == "snappy") {
    if (body.substr(0, kSnappyFramedMagic.size()) == kSnappyFramedMagic) {
      return DecodeSnappyFramed(name, body, max_bytes);
    }
    return DecodeSnappyBlock(body, max_bytes);
  }
  if (name == "x-snappy-framed") return DecodeSnappyFramed(name, body, max_bytes);
  if (name == "lz4") return DecodeLz4(body, max_bytes);
  return InvalidArgumentError("unsupported Content-Encoding: " + std::string(encoding));
}

std::string GzipCompress(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::unique_ptr<z_stream, decltype(&deflateEnd)> guard(&zs, &deflateEnd);
  std::string out;
  out.resize(deflateBound(&zs, data.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  if (rc != Z_STREAM_END) return {};
  out.resize(zs.total_out);
  return out;
}

}  // namespace tempo
