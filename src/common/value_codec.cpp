#include "tempo/common/value_codec.h"

#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <limits>

namespace tempo {
namespace {

Status Undecodable(ValueCodec codec, std::string_view detail) {
  std::string message = "stored value does not decode with ";
  message += ValueCodecName(codec);
  message += ": ";
  message += detail;
  return CorruptionError(std::move(message));
}

}  // namespace

Result<ValueCodec> ParseValueCodec(std::string_view name) {
  if (name == "none") return ValueCodec::kNone;
  if (name == "lz4" || name == "lz4-64k" || name == "lz4-256k" || name == "lz4-1M") {
    return ValueCodec::kLz4;
  }
  if (name == "snappy" || name == "s2") return ValueCodec::kSnappy;
  if (name == "zstd") return ValueCodec::kZstd;
  if (name == "gzip") return ValueCodec::kGzip;
  return InvalidArgumentError("unknown encoding '" + std::string(name) +
                              "' (accepted: none, lz4, lz4-64k, lz4-256k, lz4-1M, snappy, s2, "
                              "zstd, gzip)");
}

std::string_view ValueCodecName(ValueCodec codec) {
  switch (codec) {
    case ValueCodec::kNone:
      return "none";
    case ValueCodec::kLz4:
      return "lz4";
    case ValueCodec::kSnappy:
      return "snappy";
    case ValueCodec::kZstd:
      return "zstd";
    case ValueCodec::kGzip:
      return "gzip";
  }
  return "unknown";
}

bool IsValueCodec(uint8_t byte) { return byte <= static_cast<uint8_t>(ValueCodec::kGzip); }

bool CompressValue(ValueCodec codec, std::string_view input, std::string* out) {
  const size_t at = out->size();
  switch (codec) {
    case ValueCodec::kNone:
      out->append(input);
      return true;
    case ValueCodec::kLz4: {
      if (input.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) return false;
      const int bound = LZ4_compressBound(static_cast<int>(input.size()));
      out->resize(at + static_cast<size_t>(bound));
      const int n = LZ4_compress_default(input.data(), out->data() + at,
                                         static_cast<int>(input.size()), bound);
      if (n <= 0) {
        out->resize(at);
        return false;
      }
      out->resize(at + static_cast<size_t>(n));
      return true;
    }
    case ValueCodec::kSnappy: {
      if (input.size() > std::numeric_limits<uint32_t>::max()) return false;
      out->resize(at + snappy::MaxCompressedLength(input.size()));
      size_t n = 0;
      snappy::RawCompress(input.data(), input.size(), out->data() + at, &n);
      out->resize(at + n);
      return true;
    }
    case ValueCodec::kZstd: {
      const size_t bound = ZSTD_compressBound(input.size());
      if (ZSTD_isError(bound)) return false;
      out->resize(at + bound);
      const size_t n = ZSTD_compress(out->data() + at, bound, input.data(), input.size(), 1);
      if (ZSTD_isError(n)) {
        out->resize(at);
        return false;
      }
      out->resize(at + n);
      return true;
    }
    case ValueCodec::kGzip: {
      if (input.size() > std::numeric_limits<uLong>::max()) return false;
      uLongf n = compressBound(static_cast<uLong>(input.size()));
      out->resize(at + n);
      if (compress2(reinterpret_cast<Bytef*>(out->data() + at), &n,
                    reinterpret_cast<const Bytef*>(input.data()),
                    static_cast<uLong>(input.size()), 1) != Z_OK) {
        out->resize(at);
        return false;
      }
      out->resize(at + n);
      return true;
    }
  }
  return false;
}

Status DecompressValue(ValueCodec codec, std::string_view input, size_t raw_size,
                       std::string* out) {
  out->clear();
  switch (codec) {
    case ValueCodec::kNone:
      if (input.size() != raw_size) return Undecodable(codec, "size differs from the recorded one");
      out->assign(input);
      return Status::Ok();
    case ValueCodec::kLz4: {
      if (raw_size > static_cast<size_t>(LZ4_MAX_INPUT_SIZE) ||
          input.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
        return Undecodable(codec, "recorded size too large");
      }
      out->resize(raw_size);
      const int n = LZ4_decompress_safe(input.data(), out->data(), static_cast<int>(input.size()),
                                        static_cast<int>(raw_size));
      if (n != static_cast<int>(raw_size)) {
        out->clear();
        return Undecodable(codec, n < 0 ? "malformed block" : "shorter than the recorded size");
      }
      return Status::Ok();
    }
    case ValueCodec::kSnappy: {
      size_t length = 0;
      if (!snappy::GetUncompressedLength(input.data(), input.size(), &length) ||
          length != raw_size) {
        return Undecodable(codec, "size differs from the recorded one");
      }
      out->resize(raw_size);
      if (!snappy::RawUncompress(input.data(), input.size(), out->data())) {
        out->clear();
        return Undecodable(codec, "malformed block");
      }
      return Status::Ok();
    }
    case ValueCodec::kZstd: {
      out->resize(raw_size);
      const size_t n = ZSTD_decompress(out->data(), raw_size, input.data(), input.size());
      if (ZSTD_isError(n) || n != raw_size) {
        out->clear();
        return Undecodable(codec, ZSTD_isError(n) ? ZSTD_getErrorName(n)
                                                  : "shorter than the recorded size");
      }
      return Status::Ok();
    }
    case ValueCodec::kGzip: {
      if (raw_size > std::numeric_limits<uLong>::max()) {
        return Undecodable(codec, "recorded size too large");
      }
      out->resize(raw_size);
      uLongf n = static_cast<uLong>(raw_size);
      const int rc = uncompress(reinterpret_cast<Bytef*>(out->data()), &n,
                                reinterpret_cast<const Bytef*>(input.data()),
                                static_cast<uLong>(input.size()));
      if (rc != Z_OK || n != raw_size) {
        out->clear();
        return Undecodable(codec, rc != Z_OK ? "malformed stream" : "shorter than the recorded size");
      }
      return Status::Ok();
    }
  }
  return Undecodable(codec, "unknown codec");
}

}  // namespace tempo
