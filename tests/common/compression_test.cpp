#include "tempo/common/compression.h"

#include <array>
#include <cstdint>
#include <random>
#include <string>

#include <catch2/catch.hpp>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

namespace tempo {
namespace {

constexpr size_t kLimit = 20u << 20;

// Compressible but not trivial: repeated words with some pseudo-random noise.
std::string SampleText(size_t size) {
  std::mt19937 rng(42);
  std::string out;
  const char* words[] = {"span ", "trace ", "service.name ", "http.method=GET ", "{\"a\":1} "};
  while (out.size() < size) {
    out += words[rng() % 5];
    if (rng() % 7 == 0) out += static_cast<char>(rng() % 256);
  }
  out.resize(size);
  return out;
}

std::string ZlibCompress(std::string_view data) {
  uLongf size = compressBound(data.size());
  std::string out(size, '\0');
  REQUIRE(compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                    reinterpret_cast<const Bytef*>(data.data()), data.size(), 6) == Z_OK);
  out.resize(size);
  return out;
}

std::string ZstdCompress(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  REQUIRE(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

// A streamed frame that does not declare its content size, as streaming encoders produce.
std::string ZstdCompressStreaming(std::string_view data) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::string out;
  std::array<char, 4096> chunk;
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  // Feeding with ZSTD_e_continue first keeps the encoder from learning the total size.
  while (in.pos < in.size) {
    ZSTD_outBuffer zout{chunk.data(), chunk.size(), 0};
    REQUIRE(!ZSTD_isError(ZSTD_compressStream2(cctx, &zout, &in, ZSTD_e_continue)));
    out.append(chunk.data(), zout.pos);
  }
  ZSTD_inBuffer empty{nullptr, 0, 0};
  size_t remaining = 0;
  do {
    ZSTD_outBuffer zout{chunk.data(), chunk.size(), 0};
    remaining = ZSTD_compressStream2(cctx, &zout, &empty, ZSTD_e_end);
    REQUIRE(!ZSTD_isError(remaining));
    out.append(chunk.data(), zout.pos);
  } while (remaining != 0);
  ZSTD_freeCCtx(cctx);
  REQUIRE(ZSTD_getFrameContentSize(out.data(), out.size()) == ZSTD_CONTENTSIZE_UNKNOWN);
  return out;
}

std::string Lz4Compress(std::string_view data) {
  std::string out(LZ4F_compressFrameBound(data.size(), nullptr), '\0');
  size_t n = LZ4F_compressFrame(out.data(), out.size(), data.data(), data.size(), nullptr);
  REQUIRE(!LZ4F_isError(n));
  out.resize(n);
  return out;
}

std::string SnappyBlock(std::string_view data) {
  std::string out;
  snappy::Compress(data.data(), data.size(), &out);
  return out;
}

uint32_t MaskedCrc32c(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (char c : data) {
    crc ^= static_cast<uint8_t>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ ((crc & 1) ? 0x82F63B78u : 0u);
  }
  crc ^= 0xFFFFFFFFu;
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

std::string FrameChunk(uint8_t type, std::string_view payload) {
  std::string out;
  out += static_cast<char>(type);
  out += static_cast<char>(payload.size() & 0xFF);
  out += static_cast<char>((payload.size() >> 8) & 0xFF);
  out += static_cast<char>((payload.size() >> 16) & 0xFF);
  out += payload;
  return out;
}

std::string Le32(uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}

const std::string kStreamIdentifier("\xff\x06\x00\x00sNaPpY", 10);

// The snappy framing format: 64 KiB pieces, alternately compressed and stored (or all compressed),
// plus padding.
std::string SnappyFramed(std::string_view data, bool alternate = true) {
  std::string out = kStreamIdentifier;
  bool compress = true;
  for (size_t pos = 0; pos < data.size(); pos += 65536) {
    std::string_view piece = data.substr(pos, 65536);
    std::string crc = Le32(MaskedCrc32c(piece));
    if (compress) {
      out += FrameChunk(0x00, crc + SnappyBlock(piece));
    } else {
      out += FrameChunk(0x01, crc + std::string(piece));
    }
    out += FrameChunk(0xfe, "pad");
    if (alternate) compress = !compress;
  }
  return out;
}

std::string Decode(std::string_view encoding, std::string_view body, size_t limit = kLimit) {
  Result<std::string> decoded = DecodeContentEncoding(encoding, body, limit);
  INFO(decoded.status().ToString());
  REQUIRE(decoded.ok());
  return std::move(decoded).value();
}

Status DecodeError(std::string_view encoding, std::string_view body, size_t limit = kLimit) {
  Result<std::string> decoded = DecodeContentEncoding(encoding, body, limit);
  REQUIRE(!decoded.ok());
  return decoded.status();
}

TEST_CASE("Every supported Content-Encoding round-trips", "[common]") {
  std::string text = SampleText(300 * 1024);
  CHECK(Decode("", text) == text);
  CHECK(Decode("identity", text) == text);
  CHECK(Decode("gzip", GzipCompress(text)) == text);
  CHECK(Decode("zlib", ZlibCompress(text)) == text);
  CHECK(Decode("deflate", ZlibCompress(text)) == text);
  CHECK(Decode("zstd", ZstdCompress(text)) == text);
  CHECK(Decode("zstd", ZstdCompressStreaming(text)) == text);
  CHECK(Decode("snappy", SnappyBlock(text)) == text);
  CHECK(Decode("snappy", SnappyFramed(text)) == text);
  CHECK(Decode("x-snappy-framed", SnappyFramed(text)) == text);
  CHECK(Decode("lz4", Lz4Compress(text)) == text);
}

TEST_CASE("Empty bodies decode to empty bodies", "[common]") {
  CHECK(Decode("gzip", GzipCompress("")).empty());
  CHECK(Decode("zstd", ZstdCompress("")).empty());
  CHECK(Decode("snappy", SnappyBlock("")).empty());
  CHECK(Decode("x-snappy-framed", kStreamIdentifier).empty());
  CHECK(Decode("lz4", Lz4Compress("")).empty());
}

TEST_CASE("Encoding names are case-insensitive and trimmed", "[common]") {
  std::string text = SampleText(1000);
  CHECK(Decode(" GZip ", GzipCompress(text)) == text);
  CHECK(Decode("ZSTD", ZstdCompress(text)) == text);
  CHECK(Decode("Identity", text) == text);
}

TEST_CASE("Concatenated gzip members and zstd frames decode as one body", "[common]") {
  CHECK(Decode("gzip", GzipCompress("hello ") + GzipCompress("world")) == "hello world");
  CHECK(Decode("zstd", ZstdCompress("hello ") + ZstdCompressStreaming("world")) == "hello world");
  CHECK(Decode("lz4", Lz4Compress("hello ") + Lz4Compress("world")) == "hello world");
}

TEST_CASE("An unknown Content-Encoding is rejected with the collector's message", "[common]") {
  Status status = DecodeError("br", "abc");
  CHECK(status.code() == StatusCode::kInvalidArgument);
  CHECK(status.message() == "unsupported Content-Encoding: br");
}

TEST_CASE("Corrupt or truncated input is an error naming the encoding", "[common]") {
  std::string text = SampleText(10000);
  struct Case {
    std::string encoding;
    std::string body;
  };
  std::string gzip = GzipCompress(text);
  std::string zstd = ZstdCompress(text);
  std::string lz4 = Lz4Compress(text);
  std::string framed = SnappyFramed(text);
  std::string bad_crc = framed;
  bad_crc[kStreamIdentifier.size() + 4] ^= 0x01;  // first byte of the first chunk's checksum
  std::string gzip_flipped = gzip;
  gzip_flipped[gzip.size() / 2] ^= 0x55;
  std::vector<Case> cases = {
      {"gzip", "not gzip at all"},
      {"gzip", gzip.substr(0, gzip.size() / 2)},
      {"gzip", gzip_flipped},
      {"gzip", gzip + "trailing garbage"},
      {"zlib", "\x78\x9c garbage"},
      {"deflate", ""},
      {"zstd", "not zstd"},
      {"zstd", zstd.substr(0, zstd.size() - 3)},
      {"zstd", ""},
      {"lz4", "not lz4"},
      {"lz4", lz4.substr(0, lz4.size() / 2)},
      {"snappy", "\xff\xff\xff\xff\xff\xff"},
      {"snappy", SnappyBlock(text).substr(0, 100)},
      {"x-snappy-framed", "no identifier"},
      {"x-snappy-framed", framed.substr(0, framed.size() - 2)},
      {"x-snappy-framed", bad_crc},
      {"x-snappy-framed", kStreamIdentifier + FrameChunk(0x02, "reserved")},
      {"x-snappy-framed", kStreamIdentifier + FrameChunk(0x01, "ab")},
      {"x-snappy-framed", kStreamIdentifier + std::string("\x00\x10", 2)},
  };
  for (const Case& c : cases) {
    INFO(c.encoding << " body of " << c.body.size() << " bytes");
    Status status = DecodeError(c.encoding, c.body);
    CHECK(status.code() == StatusCode::kInvalidArgument);
    CHECK(status.message().find(c.encoding) != std::string::npos);
  }
}

TEST_CASE("Skippable snappy chunks are ignored", "[common]") {
  std::string piece = "hello framed snappy";
  std::string body = kStreamIdentifier + FrameChunk(0x80, "skip me") +
                     FrameChunk(0x01, Le32(MaskedCrc32c(piece)) + piece) + kStreamIdentifier;
  CHECK(Decode("x-snappy-framed", body) == piece);
}

TEST_CASE("A decompression bomb stops at the body limit", "[common]") {
  std::string zeros(16u << 20, '\0');
  constexpr size_t kSmallLimit = 1u << 20;
  std::string expected = "request body too large: exceeds 1048576 bytes";
  std::vector<std::pair<std::string, std::string>> bombs = {
      {"gzip", GzipCompress(zeros)},
      {"zlib", ZlibCompress(zeros)},
      {"zstd", ZstdCompress(zeros)},
      {"zstd", ZstdCompressStreaming(zeros)},
      {"lz4", Lz4Compress(zeros)},
      {"snappy", SnappyBlock(zeros)},
      {"snappy", SnappyFramed(zeros, /*alternate=*/false)},
  };
  for (const auto& [encoding, body] : bombs) {
    INFO(encoding);
    CHECK(body.size() < kSmallLimit);
    Status status = DecodeError(encoding, body, kSmallLimit);
    CHECK(status.code() == StatusCode::kInvalidArgument);
    CHECK(status.message() == expected);
  }
  CHECK(DecodeError("identity", std::string(kSmallLimit + 1, 'x'), kSmallLimit).message() ==
        expected);
}

TEST_CASE("A body of exactly the limit is accepted", "[common]") {
  std::string text = SampleText(100000);
  CHECK(Decode("gzip", GzipCompress(text), text.size()) == text);
  CHECK(Decode("zstd", ZstdCompressStreaming(text), text.size()) == text);
  CHECK(Decode("lz4", Lz4Compress(text), text.size()) == text);
  CHECK(Decode("snappy", SnappyFramed(text), text.size()) == text);
  CHECK(Decode("", text, text.size()) == text);
  CHECK(!DecodeContentEncoding("gzip", GzipCompress(text), text.size() - 1).ok());
}

TEST_CASE("GzipCompress output is a standard gzip stream", "[common]") {
  std::string text = SampleText(50000);
  std::string compressed = GzipCompress(text);
  REQUIRE(compressed.size() > 18);
  CHECK(static_cast<uint8_t>(compressed[0]) == 0x1f);
  CHECK(static_cast<uint8_t>(compressed[1]) == 0x8b);
  CHECK(compressed.size() < text.size());
}

}  // namespace
}  // namespace tempo
