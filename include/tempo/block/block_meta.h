#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tempo/common/result.h"

namespace tempo::block {

// The format version string this code writes and reads ("format" in meta.json).
inline constexpr std::string_view kFormatVersion = "tcb1";

// Description of one block, serialized as `meta.json` next to `data.tcb`. meta.json is written
// last: its presence is the commit point of a block. Keys follow Tempo's meta.json where Tempo has
// the field (docs/block-format.md, "meta.json"). A plain value type.
struct BlockMeta {
  std::string version = std::string(kFormatVersion);  // "format"
  std::string block_id;                               // UUID text; "blockID"
  std::string tenant_id;                              // "tenantID"
  // Earliest span start and latest span end in the block, in Unix nanoseconds. Written both as
  // RFC3339Nano strings ("startTime"/"endTime", like Tempo) and exactly ("startUnixNano"/...).
  int64_t start_unix_nano = 0;
  int64_t end_unix_nano = 0;
  uint64_t total_traces = 0;      // "totalObjects"
  uint64_t total_spans = 0;       // "totalSpans"
  uint64_t size_bytes = 0;        // "size": bytes of data.tcb
  uint32_t compaction_level = 0;  // "compactionLevel"
  // Bytes at the end of data.tcb holding the directory, bloom filter, footer and trailer; a reader
  // that knows it can open the block with one ranged read. "footerSize".
  uint64_t footer_size = 0;
  uint32_t row_groups = 0;            // "totalRecords" (Tempo: row groups, used for sharding)
  std::string min_trace_id;           // 32 lower-case hex chars; "minID"
  std::string max_trace_id;           // "maxID"
  std::vector<std::string> replaces;  // block IDs this block replaces (compactor); "replaces"
  int64_t created_at_unix = 0;        // Unix seconds; "createdAt"

  friend bool operator==(const BlockMeta&, const BlockMeta&) = default;
};

// Serializes `meta` as compact JSON.
std::string MetaToJson(const BlockMeta& meta);

// Parses meta.json. Errors (all kCorruption): malformed JSON; "unsupported block format version
// X" when "format" is not "tcb1"; a missing or mistyped field names the field
// ("meta.json: field 'tenantID' ..."). Required: format, blockID, tenantID, startTime or
// startUnixNano, endTime or endUnixNano, totalObjects, size. The exact *UnixNano strings win over
// the RFC3339 ones when both are present.
Result<BlockMeta> MetaFromJson(std::string_view json);

// RFC3339 with nanoseconds and trailing zeros removed, UTC ("2024-05-01T10:00:00.5Z"), as Go's
// time.RFC3339Nano prints; exposed for tests and the backend.
std::string FormatRfc3339Nano(int64_t unix_nano);
// Parses what FormatRfc3339Nano prints, plus numeric offsets ("+02:00"). kInvalidArgument on
// anything else.
Result<int64_t> ParseRfc3339Nano(std::string_view text);

}  // namespace tempo::block
