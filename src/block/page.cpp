#include "block/page.h"

#include <zstd.h>

#include <memory>

#include "block/coding.h"
#include "block/crc32c.h"

namespace tempo::block {
namespace {

void AppendHeaderPrefix(Encoding encoding, Codec codec, uint32_t num_values, uint32_t raw_len,
                        uint32_t stored_len, std::string* out) {
  out->push_back(static_cast<char>(encoding));
  out->push_back(static_cast<char>(codec));
  out->push_back(0);
  out->push_back(0);
  PutFixed32(out, num_values);
  PutFixed32(out, raw_len);
  PutFixed32(out, stored_len);
}

}  // namespace

std::string RawPageHeaderPrefix(Encoding encoding, uint32_t num_values, uint32_t length) {
  std::string prefix;
  AppendHeaderPrefix(encoding, Codec::kNone, num_values, length, length, &prefix);
  return prefix;
}

PageCompressor::PageCompressor(int zstd_level) : ctx_(ZSTD_createCCtx()), level_(zstd_level) {}
PageCompressor::~PageCompressor() { ZSTD_freeCCtx(ctx_); }

Status PageCompressor::Append(Encoding encoding, uint32_t num_values, std::string_view raw,
                              std::string* out, bool allow_zstd) {
  if (raw.size() > kMaxPageBytes) {
    return ResourceExhaustedError("block page of " + std::to_string(raw.size()) +
                                  " bytes exceeds the limit of " + std::to_string(kMaxPageBytes));
  }
  std::string_view stored = raw;
  Codec codec = Codec::kNone;
  // Tiny payloads do not shrink under zstd (its frame alone is ~10 bytes).
  if (allow_zstd && raw.size() >= 32) {
    scratch_.resize(ZSTD_compressBound(raw.size()));
    ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, level_);
    ZSTD_CCtx_setParameter(ctx_, ZSTD_c_checksumFlag, 0);  // the page crc covers it
    ZSTD_CCtx_setParameter(ctx_, ZSTD_c_contentSizeFlag, 1);
    size_t n = ZSTD_compress2(ctx_, scratch_.data(), scratch_.size(), raw.data(), raw.size());
    if (!ZSTD_isError(n) && n < raw.size()) {
      stored = std::string_view(scratch_.data(), n);
      codec = Codec::kZstd;
    }
  }
  size_t start = out->size();
  AppendHeaderPrefix(encoding, codec, num_values, static_cast<uint32_t>(raw.size()),
                     static_cast<uint32_t>(stored.size()), out);
  uint32_t crc = Crc32c(out->data() + start, 16);
  crc = Crc32cExtend(crc, stored.data(), stored.size());
  PutFixed32(out, crc);
  out->append(stored);
  return Status::Ok();
}

namespace {

// Creating a zstd context costs more than decoding a small page, so each thread keeps one.
// Single-shot decompression resets it on every call, so sharing it between decompressors of the
// same thread is safe.
ZSTD_DCtx* ThreadDecompressionContext() {
  struct Deleter {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
  };
  thread_local std::unique_ptr<ZSTD_DCtx, Deleter> ctx(ZSTD_createDCtx());
  return ctx.get();
}

}  // namespace

PageDecompressor::PageDecompressor() : ctx_(ThreadDecompressionContext()) {}
PageDecompressor::~PageDecompressor() = default;

Status ParsePageHeader(std::string_view data, std::string_view what, PageHeader* header) {
  if (data.size() < kPageHeaderSize) return CorruptionIn(what, "truncated page header");
  header->encoding = static_cast<Encoding>(static_cast<uint8_t>(data[0]));
  header->codec = static_cast<Codec>(static_cast<uint8_t>(data[1]));
  header->num_values = LoadFixed32(data.data() + 4);
  header->raw_len = LoadFixed32(data.data() + 8);
  header->stored_len = LoadFixed32(data.data() + 12);
  return Status::Ok();
}

Status PageDecompressor::Verify(std::string_view data, std::string_view what, PageHeader* header,
                                std::string_view* stored) {
  TEMPO_RETURN_IF_ERROR(ParsePageHeader(data, what, header));
  if (data.size() - kPageHeaderSize != header->stored_len) {
    return CorruptionIn(what, "page length " + std::to_string(header->stored_len) +
                               " does not match its extent of " +
                               std::to_string(data.size() - kPageHeaderSize) + " bytes");
  }
  uint32_t want = LoadFixed32(data.data() + 16);
  uint32_t got = Crc32c(data.data(), 16);
  got = Crc32cExtend(got, data.data() + kPageHeaderSize, header->stored_len);
  if (want != got) return CorruptionIn(what, "checksum mismatch");
  if (data[2] != 0 || data[3] != 0) return CorruptionIn(what, "reserved header bytes are not zero");
  if (header->raw_len > kMaxPageBytes) return CorruptionIn(what, "page too large");
  *stored = data.substr(kPageHeaderSize);
  switch (header->codec) {
    case Codec::kNone:
      if (header->raw_len != header->stored_len) {
        return CorruptionIn(what, "raw page length differs from stored length");
      }
      return Status::Ok();
    case Codec::kZstd: {
      unsigned long long content = ZSTD_getFrameContentSize(stored->data(), stored->size());
      if (content != header->raw_len) return CorruptionIn(what, "zstd frame size mismatch");
      return Status::Ok();
    }
  }
  return CorruptionIn(what, "unknown codec " + std::to_string(static_cast<int>(header->codec)));
}

Status PageDecompressor::Decompress(std::string_view stored, const PageHeader& header,
                                    std::string_view what, char* dst) {
  size_t n = ZSTD_decompressDCtx(ctx_, dst, header.raw_len, stored.data(), stored.size());
  if (ZSTD_isError(n) || n != header.raw_len) {
    return CorruptionIn(what, "zstd decompression failed");
  }
  return Status::Ok();
}

Status PageDecompressor::Read(std::string_view data, std::string_view what, PageHeader* header,
                              std::string* storage, std::string_view* payload) {
  std::string_view stored;
  TEMPO_RETURN_IF_ERROR(Verify(data, what, header, &stored));
  if (header->codec == Codec::kNone) {
    *payload = stored;
    return Status::Ok();
  }
  storage->resize(header->raw_len);
  TEMPO_RETURN_IF_ERROR(Decompress(stored, *header, what, storage->data()));
  *payload = *storage;
  return Status::Ok();
}

}  // namespace tempo::block
