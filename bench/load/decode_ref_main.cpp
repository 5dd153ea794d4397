// tempo_decode_ref: single-thread libprotobuf arena decode of the corpus batches (reference (a)).
//
//   tempo_decode_ref --corpus=corpus.bin [--seconds=5] [--max-batches=2000]
// Prints a line for humans and a JSON line: {"decode_ref_spans_per_s": ..., ...}.
#include <cstdio>
#include <iostream>

#include "corpus.h"
#include "decode_ref.h"
#include "flags.h"

int main(int argc, char** argv) {
  tempo::bench::Flags flags(argc, argv);
  std::string path = flags.Str("corpus", "");
  double seconds = flags.Num("seconds", 5);
  uint64_t max_batches = flags.U64("max-batches", 2000);
  for (const std::string& name : flags.Unknown()) {
    std::cerr << "unknown flag --" << name << "\n";
    return 2;
  }
  if (path.empty()) {
    std::cerr << "usage: tempo_decode_ref --corpus=FILE [--seconds=5] [--max-batches=2000]\n";
    return 2;
  }
  auto corpus = tempo::bench::LoadCorpus(path, /*index_offsets=*/false, max_batches);
  if (!corpus.ok()) {
    std::cerr << corpus.status().ToString() << "\n";
    return 1;
  }
  auto r = tempo::bench::MeasureDecode(**corpus, seconds, max_batches);
  if (!r.ok()) {
    std::cerr << r.status().ToString() << "\n";
    return 1;
  }
  std::printf(
      "libprotobuf arena decode, 1 thread: %.0f spans/s, %.1f MB/s per CPU-second "
      "(%llu spans in %.1f CPU-s, %.1f s wall)\n",
      r->spans_per_s, r->bytes_per_s / 1e6, static_cast<unsigned long long>(r->spans),
      r->cpu_seconds, r->wall_seconds);
  std::printf("{\"decode_ref_spans_per_s\":%.0f,\"decode_ref_mb_per_s\":%.1f}\n", r->spans_per_s,
              r->bytes_per_s / 1e6);
  return 0;
}
