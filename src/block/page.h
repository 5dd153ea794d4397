#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tempo/common/result.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace tempo::block {

// How a page payload is laid out (docs/block-format.md, "Encodings").
enum class Encoding : uint8_t {
  kPlainVarint = 0,     // int64: zigzag varint per value
  kDeltaVarint = 1,     // int64: zigzag varint of v[i] - v[i-1] (v[-1] = 0)
  kForVarint = 2,       // int64: zigzag varint base, then varint of v[i] - base
  kSplitDouble = 3,     // double: 8 byte planes of n bytes (byte j of every value together)
  kLengthPrefixed = 4,  // bytes: varint length + bytes per value
  kFixedWidth = 5,      // bytes: varint width w, then n * w bytes
  kDictionary = 6,      // dictionary page: sorted distinct strings (lengths, then bytes)
  kDecimalDouble = 7,   // double: u8 e, u8 int encoding, the ints v * 10^e (exact decimals)
  kHexText = 8,         // string: hex IDs of one shape (UUIDs) as packed nibbles
  kIpv4Text = 9,        // string: dotted-decimal IPv4 addresses as 4 bytes each
  kBitPacked = 10,      // int64: u8 mode [first], blocks of 128: base, bit width, packed offsets
  kDirectory = 16,      // trace-ID directory section: n * 16 bytes
  kBloom = 17,          // bloom filter section
  kFooter = 18,         // footer section
};

enum class Codec : uint8_t { kNone = 0, kZstd = 1 };

// Every page and section starts with this 20-byte header:
//   u8 encoding | u8 codec | u16 reserved (0) | u32 num_values | u32 raw_len | u32 stored_len |
//   u32 crc32c over header bytes [0, 16) followed by the stored payload.
inline constexpr size_t kPageHeaderSize = 20;
// Largest uncompressed payload a reader accepts (guards allocations against corrupt lengths).
inline constexpr uint32_t kMaxPageBytes = 256u << 20;

struct PageHeader {
  Encoding encoding = Encoding::kPlainVarint;
  Codec codec = Codec::kNone;
  uint32_t num_values = 0;
  uint32_t raw_len = 0;
  uint32_t stored_len = 0;
};

// Frames payloads as pages, compressing with zstd when that makes them smaller. Owns a zstd
// context; not thread-safe.
class PageCompressor {
 public:
  explicit PageCompressor(int zstd_level);
  ~PageCompressor();
  PageCompressor(const PageCompressor&) = delete;
  PageCompressor& operator=(const PageCompressor&) = delete;

  // Appends header + payload to `out`. `allow_zstd` = false stores the payload raw (random data).
  // kResourceExhausted if `raw` exceeds kMaxPageBytes.
  Status Append(Encoding encoding, uint32_t num_values, std::string_view raw, std::string* out,
                bool allow_zstd = true);

 private:
  ZSTD_CCtx_s* ctx_;
  int level_;
  std::string scratch_;
};

// The first 16 bytes of the header of a page stored raw (codec none) with a payload of `length`
// bytes; the page's crc32c (over these bytes, then the payload) follows them. For writers that
// stream a payload too large to hold (the spilled trace-ID directory).
std::string RawPageHeaderPrefix(Encoding encoding, uint32_t num_values, uint32_t length);

// Verifies and decompresses pages, using a zstd context owned by the calling thread. Not
// thread-safe: use it on the thread that created it.
class PageDecompressor {
 public:
  PageDecompressor();
  ~PageDecompressor();
  PageDecompressor(const PageDecompressor&) = delete;
  PageDecompressor& operator=(const PageDecompressor&) = delete;

  // Parses the page at the start of `data`, which must be exactly one page (header + stored
  // payload). Checks the checksum, the lengths and the codec, then sets `payload` to the raw
  // payload: a view into `data` if stored raw, else into `*storage`. `what` names the page in
  // errors (kCorruption).
  Status Read(std::string_view data, std::string_view what, PageHeader* header,
              std::string* storage, std::string_view* payload);

  // Read in two steps, for callers that own the output buffer: Verify makes every check of Read
  // and sets `stored` to the payload as stored; for a zstd page, Decompress then writes its
  // header.raw_len bytes to `dst`.
  Status Verify(std::string_view data, std::string_view what, PageHeader* header,
                std::string_view* stored);
  Status Decompress(std::string_view stored, const PageHeader& header, std::string_view what,
                    char* dst);

 private:
  ZSTD_DCtx_s* ctx_;  // the thread's context; not owned
};

// Parses only the header at the start of `data` (no checksum check). kCorruption if short.
Status ParsePageHeader(std::string_view data, std::string_view what, PageHeader* header);

}  // namespace tempo::block
