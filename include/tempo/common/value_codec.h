#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tempo/common/result.h"
#include "tempo/common/status.h"

namespace tempo {

// Whole-value compression for bytes this process stores and reads back itself (the WAL's
// entries): one call compresses a value, one call restores it given its size. The codecs are the
// ones Tempo's `storage.trace.wal.v2_encoding` names. The numbering is stored on disk: never
// renumber.
enum class ValueCodec : uint8_t {
  kNone = 0,
  kLz4 = 1,     // LZ4 block format: ~0.5 GB/s per core, ~3x on span data
  kSnappy = 2,  // snappy block format
  kZstd = 3,    // zstd level 1: slower, smaller
  kGzip = 4,    // zlib (RFC 1950), level 1
};

// The codec named by a `v2_encoding` value: "none", "lz4" (and Tempo's "lz4-64k", "lz4-256k",
// "lz4-1M", which differ only in their frame's block size), "snappy", "s2" (written as snappy,
// which S2 decoders read), "zstd", "gzip". Errors: kInvalidArgument listing the accepted names.
Result<ValueCodec> ParseValueCodec(std::string_view name);
std::string_view ValueCodecName(ValueCodec codec);
// Whether `byte` (as stored) is a codec this build reads.
bool IsValueCodec(uint8_t byte);

// Appends `input` compressed with `codec` to `*out` (kNone: appended as is). False, with `*out`
// unchanged, when the codec cannot take an input this large (LZ4: 2 GB). Thread-safe.
bool CompressValue(ValueCodec codec, std::string_view input, std::string* out);

// Replaces `*out` with `input` restored: `raw_size` is the size it had before CompressValue.
// Errors: kCorruption naming the codec when `input` does not decode to exactly `raw_size` bytes.
// Thread-safe.
Status DecompressValue(ValueCodec codec, std::string_view input, size_t raw_size,
                       std::string* out);

}  // namespace tempo
