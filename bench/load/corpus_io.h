#pragma once

// Writing the corpus file (format in corpus.h). Private to the corpus code.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "corpus.h"

namespace tempo::bench {

// Appends length-prefixed records to a new corpus file and writes the header last. Owns the file;
// not thread-safe. A writer dropped before Finish leaves a file whose header says 0 batches.
class CorpusFileWriter {
 public:
  static Result<std::unique_ptr<CorpusFileWriter>> Create(const std::string& path, uint64_t seed);
  ~CorpusFileWriter();

  [[nodiscard]] Status Append(const std::string& payload, uint32_t spans);
  // Writes the header with the totals and closes the file.
  [[nodiscard]] Status Finish(uint64_t traces, uint64_t first_start_ns, uint64_t last_end_ns);

 private:
  CorpusFileWriter(std::FILE* file, std::string path, uint64_t seed);
  std::FILE* file_;
  std::string path_;
  CorpusHeader header_;
};

// Walks a serialized ExportTraceServiceRequest and records the offsets of every 16-byte trace ID
// (spans and links) and every fixed64 timestamp (span start/end, event time). False if the bytes
// are not a well-formed request.
bool IndexPayload(const std::string& payload, CorpusBatch* batch);

}  // namespace tempo::bench
