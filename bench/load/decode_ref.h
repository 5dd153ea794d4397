#pragma once

// Reference (a) of the load benchmark: what decoding the corpus batches with libprotobuf into an
// arena costs on one thread, i.e. the ceiling an ingest path built on libprotobuf cannot pass.

#include <cstdint>

#include "corpus.h"

namespace tempo::bench {

// Rates are per second of the measuring thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that
// other processes competing for the core do not lower them; wall_seconds is kept for reference.
struct DecodeRefResult {
  double spans_per_s = 0;  // per core, single thread
  double bytes_per_s = 0;
  uint64_t spans = 0;  // decoded during the measurement
  double cpu_seconds = 0;
  double wall_seconds = 0;
};

// Parses the batches of `corpus` round-robin, each into a fresh google::protobuf::Arena, on the
// calling thread for at least `min_seconds` of its CPU time (and at least one pass over at most
// `max_batches` batches). kCorruption if a batch does not parse.
[[nodiscard]] Result<DecodeRefResult> MeasureDecode(const Corpus& corpus, double min_seconds,
                                                    uint64_t max_batches = 2000);

}  // namespace tempo::bench
