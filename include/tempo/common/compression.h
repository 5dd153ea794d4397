#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tempo/common/result.h"

namespace tempo {

// Decodes an HTTP request body according to its Content-Encoding, as the OTel collector's HTTP
// server does (spec/ingest-protocols.md §1): "" and "identity" (unchanged), "gzip", "zstd",
// "zlib" and "deflate" (both zlib-wrapped, RFC 1950), "snappy" (block format, or the framed
// format when the body starts with the framing magic), "x-snappy-framed", "lz4" (frame format).
// The decoded body may not exceed `max_bytes`.
// Errors: kInvalidArgument "unsupported Content-Encoding: <value>" for an unknown encoding;
// kInvalidArgument naming the encoding for corrupt input; kInvalidArgument "request body too
// large: exceeds <max_bytes> bytes" when the decoded body is larger than allowed.
// Thread-safe (no shared state).
Result<std::string> DecodeContentEncoding(std::string_view encoding, std::string_view body,
                                          size_t max_bytes);

// Gzip-compresses `data` (used for HTTP responses of 1 KiB or more when the client accepts gzip).
std::string GzipCompress(std::string_view data);

}  // namespace tempo
