#pragma once

// The replay corpus of the load benchmark: realistic microservice traces, pre-serialized as OTLP
// ExportTraceServiceRequest batches so that replaying them costs the client almost nothing.
//
// File format (little-endian), written once by tempo_corpus and read by tempo_load and
// tempo_decode_ref:
//   header  "TMPOCRP1" | u64 seed | u64 batches | u64 spans | u64 traces | u64 payload_bytes
//           | u64 first_start_ns | u64 last_end_ns
//   record  u32 payload_len | u32 span_count | payload (serialized ExportTraceServiceRequest)
// The header counts are written last (the generator seeks back), so a torn file is detected.

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "tempo/common/result.h"
#include "tempo/common/status.h"

namespace tempo::bench {

// What the generator produces. Deterministic: the same options give the same file, byte for byte.
struct CorpusOptions {
  uint64_t seed = 1;
  // Generation stops starting new traces once this many spans exist; open traces still finish.
  uint64_t target_spans = 1'000'000;
  uint32_t spans_per_batch = 512;
  // Traces of 50,000+ spans; -1 = pick from target_spans (1 per 500k spans, at most 4).
  int huge_traces = -1;
};

struct CorpusHeader {
  uint64_t seed = 0;
  uint64_t batches = 0;
  uint64_t spans = 0;
  uint64_t traces = 0;
  uint64_t payload_bytes = 0;
  uint64_t first_start_ns = 0;
  uint64_t last_end_ns = 0;
};

// One serialized request, plus where its trace IDs and timestamps sit in the bytes, so that the
// load generator can make a replayed pass distinct (new trace IDs, shifted times) by patching a
// copy in place instead of re-encoding.
struct CorpusBatch {
  std::string payload;
  uint32_t spans = 0;
  std::vector<uint32_t> trace_id_offsets;  // each: 16 bytes (span and link trace IDs)
  std::vector<uint32_t> time_offsets;      // each: a fixed64 (span start/end, event time)
};

// A whole corpus in memory. Owns its batches; immutable after Load, so it may be shared by
// threads for reading.
struct Corpus {
  CorpusHeader header;
  std::vector<CorpusBatch> batches;
};

// Generates the corpus described by `options` and writes it to `path` (replaced if present).
// `progress` (may be null) receives a line now and then.
[[nodiscard]] Status GenerateCorpus(const CorpusOptions& options, const std::string& path,
                                    std::ostream* progress);

// Reads a corpus file. With `index_offsets`, also finds the trace-ID and time offsets of every
// batch (kCorruption if a payload is not a valid request). `max_batches` = 0 reads all.
[[nodiscard]] Result<std::unique_ptr<Corpus>> LoadCorpus(const std::string& path,
                                                         bool index_offsets,
                                                         uint64_t max_batches = 0);

// Reads only the header (for a cache check without loading gigabytes).
[[nodiscard]] Result<CorpusHeader> ReadCorpusHeader(const std::string& path);

// Copies `batch.payload` into `out` and patches it for replay pass `pass` (>= 1): XORs the pass
// into the first 4 bytes of every trace ID and adds `time_shift_ns` to every timestamp.
void PatchBatchForPass(const CorpusBatch& batch, uint32_t pass, int64_t time_shift_ns,
                       std::string* out);

// Patches `payload` in place: every timestamp moves by `time_shift_ns`, and with `pass` != 0 the
// trace IDs change as in PatchBatchForPass.
void PatchInPlace(const CorpusBatch& batch, uint32_t pass, int64_t time_shift_ns,
                  std::string* payload);

}  // namespace tempo::bench
