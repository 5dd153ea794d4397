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
#include <cstdio>
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

// The distinct trace IDs of a corpus file (of spans and links; links point at traces of the
// corpus), in order of first appearance, each with the index of the first batch holding it.
struct FirstSeenTrace {
  std::string id;  // 16 bytes
  uint64_t batch = 0;
};
[[nodiscard]] Result<std::vector<FirstSeenTrace>> TracesByFirstBatch(const std::string& path);

// Reads only the header (for a cache check without loading gigabytes).
[[nodiscard]] Result<CorpusHeader> ReadCorpusHeader(const std::string& path);

// Reads a corpus file record by record without holding it in memory (tools that only look at
// the spans: the CSV export, the query benchmark's trace-ID sample). Owns the file; not
// thread-safe.
class CorpusReader {
 public:
  [[nodiscard]] static Result<std::unique_ptr<CorpusReader>> Open(const std::string& path);
  ~CorpusReader();
  CorpusReader(const CorpusReader&) = delete;
  CorpusReader& operator=(const CorpusReader&) = delete;

  const CorpusHeader& header() const { return header_; }
  // Reads the next record into `payload` and `spans`; false after the last one, kCorruption on
  // a torn file. With `payload` null the bytes are skipped (a seek).
  [[nodiscard]] Result<bool> Next(std::string* payload, uint32_t* spans);

 private:
  CorpusReader(std::FILE* file, std::string path) : file_(file), path_(std::move(path)) {}
  std::FILE* file_;
  std::string path_;
  CorpusHeader header_;
  uint64_t read_ = 0;
};

// Writes every span of the first batches of the corpus at `corpus_path` (whole batches, until
// `max_spans` spans, as tempo_load --max-spans sends them; 0 = all) as one CSV row each to
// `out_path`, with the columns the DuckDB reference of the query benchmark needs (header row
// first; the list is kSpanCsvColumns in corpus_export.cpp): batch index, trace ID as two
// big-endian u64 halves, span and parent IDs as big-endian u64 (0 = root), name, service.name,
// start/end/duration in corpus time (not shifted), status code, kind, and the span attributes
// http.status_code, http.response.status_code, http.method, http.request.method, db.system
// (empty = absent). Also writes `out_path`.json: spans, batches, first_start_ns, last_end_ns and
// the pass step tempo_load uses when it loops (so a reader can replicate later passes).
[[nodiscard]] Status ExportSpansCsv(const std::string& corpus_path, const std::string& out_path,
                                    uint64_t max_spans, std::ostream* progress);

// The shift tempo_load adds to the timestamps of replay pass k (k × this) and the XOR it applies
// to the first 4 bytes of every trace ID (byte i ^= pass >> 8i).
inline int64_t PassTimeStepNs(const CorpusHeader& h) {
  return static_cast<int64_t>(h.last_end_ns - h.first_start_ns) + 1'000'000'000;
}

// Copies `batch.payload` into `out` and patches it for replay pass `pass` (>= 1): XORs the pass
// into the first 4 bytes of every trace ID and adds `time_shift_ns` to every timestamp.
void PatchBatchForPass(const CorpusBatch& batch, uint32_t pass, int64_t time_shift_ns,
                       std::string* out);

// Patches `payload` in place: every timestamp moves by `time_shift_ns`, and with `pass` != 0 the
// trace IDs change as in PatchBatchForPass.
void PatchInPlace(const CorpusBatch& batch, uint32_t pass, int64_t time_shift_ns,
                  std::string* payload);

}  // namespace tempo::bench
