// Compaction throughput and memory (issue #8 item 7). Writes --inputs (4) input blocks of realistic
// spans (bench/support/realistic_traces.h) into a local backend: trace n goes to block n % inputs,
// and every 10th trace is split, its resources spread over two blocks, so the merge has fragments to
// combine. Then a fresh process (this binary re-executed, so that the peak RSS is the
// compaction's alone) runs one compaction job (streaming k-way merge, combine, streamed output
// with local-backend append + fsync + rename, meta.json) and prints input MB/s and spans/s per
// CPU-second of the compacting thread, wall time, and the peak RSS (getrusage ru_maxrss).
//
// Run: build-block-bench/bench/tempo_compaction_bench --spans=2000000 --dir=/tmp/tempo-cmp
// Two inputs of about 1 GB each: --inputs=2 --spans=47000000 (~43 bytes per span).
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "compactor/compaction_job.h"
#include "support/realistic_traces.h"
#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/block_writer.h"
#include "tempopb/tempo.pb.h"

namespace {

constexpr char kTenant[] = "bench";

struct Flags {
  uint64_t spans = 2'000'000;
  int inputs = 4;
  std::string dir = "/tmp/tempo-compaction-bench";
  bool compact_only = false;
};

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

[[noreturn]] void Die(const std::string& what, const tempo::Status& s) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

std::string InputId(int i) { return "input-" + std::to_string(i); }

// Writes the inputs with streaming writers, one trace at a time (bounded memory).
void Generate(const Flags& flags, tempo::backend::Backend& backend) {
  tempo::bench::RealisticTraceGenerator gen;
  std::vector<std::string> ids = tempo::bench::SortedRandomTraceIds(flags.spans / 3, 11);
  std::vector<std::unique_ptr<tempo::backend::ObjectWriter>> objects;
  std::vector<std::unique_ptr<tempo::block::BlockWriter>> writers;
  const int inputs = flags.inputs;
  for (int i = 0; i < inputs; ++i) {
    auto object = backend.OpenObjectWriter(kTenant, InputId(i), tempo::backend::kDataName);
    if (!object.ok()) Die("open", object.status());
    objects.push_back(std::move(object).value());
    tempo::backend::ObjectWriter* o = objects.back().get();
    writers.push_back(std::make_unique<tempo::block::BlockWriter>(
        tempo::block::WriterOptions{},
        [o](std::string_view bytes) { return o->Append(bytes); }));
  }
  uint64_t spans = 0;
  for (uint64_t n = 0; spans < flags.spans && n < ids.size(); ++n) {
    uint64_t count = 0;
    tempopb::Trace trace = gen.Make(n, ids[n], &count);
    spans += count;
    const tempo::TraceId id = tempo::TraceId::FromBytes(ids[n]);
    const int first = static_cast<int>(n % inputs);
    if (n % 10 == 0 && trace.resourcespans_size() > 1) {
      tempopb::Trace second;
      const int half = trace.resourcespans_size() / 2;
      for (int r = half; r < trace.resourcespans_size(); ++r) {
        *second.add_resourcespans() = trace.resourcespans(r);
      }
      trace.mutable_resourcespans()->DeleteSubrange(half, trace.resourcespans_size() - half);
      if (auto s = writers[(first + 1) % inputs]->Append(id, second); !s.ok()) Die("append", s);
    }
    if (auto s = writers[first]->Append(id, trace); !s.ok()) Die("append", s);
  }
  for (int i = 0; i < inputs; ++i) {
    tempo::block::BlockMeta meta;
    auto rest = writers[i]->Finish(&meta);
    if (!rest.ok()) Die("finish", rest.status());
    if (auto s = objects[i]->Commit(); !s.ok()) Die("commit", s);
    meta.block_id = InputId(i);
    meta.tenant_id = kTenant;
    if (auto s = backend.Write(kTenant, meta.block_id, tempo::backend::kMetaName,
                               tempo::block::MetaToJson(meta));
        !s.ok()) {
      Die("meta", s);
    }
  }
  std::printf("generated %d blocks, %" PRIu64 " spans, in %s\n", inputs, spans,
              flags.dir.c_str());
}

int Compact(const Flags& flags, tempo::backend::Backend& backend) {
  std::vector<tempo::block::BlockMeta> inputs;
  uint64_t in_bytes = 0, in_spans = 0, in_traces = 0;
  for (int i = 0; i < flags.inputs; ++i) {
    auto json = backend.Read(kTenant, InputId(i), tempo::backend::kMetaName);
    if (!json.ok()) Die("read meta", json.status());
    auto meta = tempo::block::MetaFromJson(*json);
    if (!meta.ok()) Die("parse meta", meta.status());
    in_bytes += meta->size_bytes;
    in_spans += meta->total_spans;
    in_traces += meta->total_traces;
    inputs.push_back(std::move(meta).value());
  }
  if (auto s = backend.DeleteBlock(kTenant, "output"); !s.ok()) Die("clean", s);
  // As in the server, the output's trace-ID directory is spilled to a local scratch file.
  tempo::block::WriterOptions options;
  options.scratch_dir = flags.dir;
  tempo::compactor::CompactionJob job(backend, options, inputs);
  const auto wall0 = std::chrono::steady_clock::now();
  const double cpu0 = ThreadCpuSeconds();
  auto out = job.Run("output", 0, nullptr);
  const double cpu = ThreadCpuSeconds() - cpu0;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  if (!out.ok()) Die("compaction", out.status());
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto& st = job.stats();
  std::printf(
      "inputs: %d blocks, %.1f MB, %" PRIu64 " traces, %" PRIu64 " spans\n"
      "output: %.1f MB, %" PRIu64 " traces (%" PRIu64 " combined), %" PRIu64 " spans, "
      "level %u\n"
      "cpu %.2f s, wall %.2f s\n"
      "input MB/s per core: %.1f\n"
      "spans/s per core: %.0f\n"
      "peak RSS: %.1f MB\n",
      flags.inputs, in_bytes / 1e6, in_traces, in_spans, out->size_bytes / 1e6, st.traces_written,
      st.traces_combined, out->total_spans, out->compaction_level, cpu, wall,
      in_bytes / 1e6 / cpu, in_spans / cpu, usage.ru_maxrss / 1024.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--spans=", 0) == 0) {
      flags.spans = std::strtoull(a.c_str() + 8, nullptr, 10);
    } else if (a.rfind("--dir=", 0) == 0) {
      flags.dir = a.substr(6);
    } else if (a.rfind("--inputs=", 0) == 0) {
      flags.inputs = std::atoi(a.c_str() + 9);
    } else if (a == "--compact_only") {
      flags.compact_only = true;
    } else {
      std::fprintf(stderr, "usage: %s [--spans=N] [--inputs=2..4] [--dir=PATH] [--compact_only]\n",
                   argv[0]);
      return 2;
    }
  }
  if (flags.inputs < 2 || flags.inputs > 4) {
    std::fprintf(stderr, "--inputs must be 2, 3 or 4 (a compaction merges 2-4 blocks)\n");
    return 2;
  }
  auto backend = tempo::backend::OpenLocalBackend(flags.dir);
  if (!backend.ok()) Die("backend", backend.status());
  if (flags.compact_only) return Compact(flags, **backend);
  Generate(flags, **backend);
  // Compact in a fresh process so that ru_maxrss is not the generator's.
  std::vector<std::string> args = {argv[0], "--dir=" + flags.dir,
                                   "--inputs=" + std::to_string(flags.inputs), "--compact_only"};
  std::vector<char*> cargs;
  for (auto& s : args) cargs.push_back(s.data());
  cargs.push_back(nullptr);
  std::fflush(stdout);
  execv("/proc/self/exe", cargs.data());
  std::perror("execv");
  return 1;
}
