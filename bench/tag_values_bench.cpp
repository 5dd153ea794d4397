// Tag names and tag values over blocks at scale (issue #4 item 4): writes `--spans` realistic
// spans (bench/support/realistic_traces.h) as blocks of `--block_spans` spans into a local backend
// (one block per 10-minute window; a directory that already holds them is reused), then times,
// warm, for several tags:
//   * "walk": a span walk as the tag endpoints did before: with `--walk=combine` exactly their
//     path (Querier::ForEachTrace gathers, combines and decodes every trace of the window in
//     memory, then every span is looked at: it needs several GB per million spans), with the
//     default `--walk=stream` its cheapest form (each block decoded trace by trace, spans looked
//     at, nothing kept or combined), a lower bound of the old cost;
//   * "catalog": Querier::TagValues / TagNames (block catalogs, dictionaries, page statistics;
//     with a filter, pushdown fetch and evaluation), with `--threads` query threads.
// Prints p50/p99 latency, the values found and the bytes read.
//
// Run: build-tags/bench/tempo_tag_values_bench --spans=3000000 --dir=/tmp/tempo-tag-bench
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "querier/tag_collect.h"
#include "support/realistic_block.h"
#include "support/realistic_traces.h"
#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/block_writer.h"
#include "tempo/common/clock.h"
#include "tempo/common/metrics.h"
#include "tempo/ingester/ingester.h"
#include "tempo/overrides/overrides.h"
#include "tempo/querier/querier.h"
#include "tempo/store/store.h"
#include "tempo/wal/wal.h"
#include "tempopb/tempo.pb.h"

namespace {

using tempo::block::TagColumn;

struct Flags {
  uint64_t spans = 3'000'000;
  uint64_t block_spans = 1'000'000;
  int iterations = 10;
  int walk_iterations = 2;
  bool walk_combine = false;  // --walk=combine: Querier::ForEachTrace, as the old endpoints
  unsigned threads = 0;
  std::string dir = "/tmp/tempo-tag-bench";
};

constexpr char kTenant[] = "single-tenant";
constexpr uint64_t kWindow = 600'000'000'000ull;  // 10 minutes per block
constexpr uint64_t kBase = 1'714'000'000'000'000'000ull;

[[noreturn]] void Die(const std::string& what, const tempo::Status& status) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

// `--name=value` flags; unknown names are an error.
bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos) return false;
    const std::string name = arg.substr(2, eq - 2), value = arg.substr(eq + 1);
    if (name == "spans") {
      flags->spans = std::strtoull(value.c_str(), nullptr, 10);
    } else if (name == "block_spans") {
      flags->block_spans = std::strtoull(value.c_str(), nullptr, 10);
    } else if (name == "iterations") {
      flags->iterations = std::atoi(value.c_str());
    } else if (name == "walk_iterations") {
      flags->walk_iterations = std::atoi(value.c_str());
    } else if (name == "walk") {
      if (value != "stream" && value != "combine") return false;
      flags->walk_combine = value == "combine";
    } else if (name == "threads") {
      flags->threads = static_cast<unsigned>(std::atoi(value.c_str()));
    } else if (name == "dir") {
      flags->dir = value;
    } else {
      return false;
    }
  }
  return flags->block_spans > 0 && flags->iterations > 0;
}

void BuildBlock(const Flags& flags, uint64_t b, tempo::backend::Backend& backend) {
  tempo::bench::RealisticBlockSpec spec;
  spec.index = b;
  spec.spans = flags.block_spans;
  spec.seed = 3000 + b;
  spec.id_seed = 19 + b;
  spec.base_time_unix_nano = kBase + b * kWindow;
  spec.window_nanos = kWindow;
  tempo::Status s = tempo::bench::WriteRealisticBlock(backend, kTenant, spec);
  if (!s.ok()) Die("write block", s);
}

struct Timing {
  double p50_ms = 0, p99_ms = 0;
  size_t values = 0;
  uint64_t bytes = 0;
};

// Runs `fn` once to warm up, then `iterations` times; `fn` returns (values, bytes read).
Timing Time(int iterations, const std::function<std::pair<size_t, uint64_t>()>& fn) {
  Timing t;
  std::tie(t.values, t.bytes) = fn();
  std::vector<double> ms;
  for (int i = 0; i < iterations; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  t.p50_ms = ms[ms.size() / 2];
  t.p99_ms =
      ms[std::min(ms.size() - 1, static_cast<size_t>(0.99 * static_cast<double>(ms.size())))];
  return t;
}

struct Case {
  std::string label;
  TagColumn column;  // kind kAttribute with an empty key: tag names
  std::string filter;
};

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: %s [--spans=N] [--block_spans=N] [--iterations=N] "
                 "[--walk_iterations=N] [--walk=stream|combine] [--threads=N] [--dir=PATH]\n",
                 argv[0]);
    return 2;
  }
  if (flags.threads == 0) flags.threads = std::max(1u, std::thread::hardware_concurrency());
  const uint64_t blocks = (flags.spans + flags.block_spans - 1) / flags.block_spans;
  const std::string data_dir = flags.dir + "/blocks";
  const std::string stamp = flags.dir + "/.complete-" + std::to_string(flags.spans) + "-" +
                            std::to_string(flags.block_spans);
  const bool reuse = std::filesystem::exists(stamp);
  if (!reuse) std::filesystem::remove_all(flags.dir);
  std::filesystem::create_directories(data_dir);
  auto backend = tempo::backend::OpenLocalBackend(data_dir);
  if (!backend.ok()) Die("backend", backend.status());
  if (!reuse) {
    for (uint64_t b = 0; b < blocks; ++b) {
      BuildBlock(flags, b, **backend);
      std::fprintf(stderr, "block %" PRIu64 "/%" PRIu64 " written\n", b + 1, blocks);
    }
    if (std::FILE* f = std::fopen(stamp.c_str(), "w")) std::fclose(f);
  }

  tempo::metrics::Registry registry;
  tempo::store::Store store({}, **backend, registry);
  if (tempo::Status s = store.Poll(); !s.ok()) Die("poll", s);
  uint64_t spans = 0, bytes = 0;
  for (const auto& meta : store.Blocks(kTenant)) {
    spans += meta.total_spans;
    bytes += meta.size_bytes;
  }

  // An empty ingester: the querier always has live data to look at.
  std::filesystem::remove_all(flags.dir + "/wal");
  tempo::wal::WalConfig wal_config;
  wal_config.path = flags.dir + "/wal";
  auto wal = tempo::wal::Wal::Open(wal_config, registry);
  if (!wal.ok()) Die("wal", wal.status());
  tempo::FakeClock clock;
  tempo::overrides::Overrides overrides{tempo::overrides::OverridesConfig{}};
  tempo::ingester::Ingester ingester({}, **wal, overrides, registry, clock);
  if (tempo::Status s = ingester.Start(); !s.ok()) Die("ingester", s);
  tempo::querier::Querier querier(ingester, store, {.query_threads = flags.threads});

  tempo::bench::RealisticTraceGenerator names;
  const std::string service = names.ServiceNames()[1];
  auto attr = [](std::string key, uint8_t owners) {
    return TagColumn{TagColumn::Kind::kAttribute, std::move(key), owners};
  };
  using tempo::block::AttributeOwner;
  using tempo::block::OwnerBit;
  const uint8_t span = OwnerBit(AttributeOwner::kSpan);
  const std::vector<Case> cases = {
      {"tag names (all scopes)", attr("", 0), ""},
      {"resource.service.name", attr("service.name", OwnerBit(AttributeOwner::kResource)), ""},
      {"span.http.method", attr("http.method", span), ""},
      {"span.http.status_code (int)", attr("http.status_code", span), ""},
      {"name", {TagColumn::Kind::kSpanName, "", 0}, ""},
      {"span.app.user.id (high cardinality)", attr("app.user.id", span), ""},
      {".http.route (every scope)", attr("http.route", tempo::block::kAllAttributeOwners), ""},
      {"span.http.route q={service}", attr("http.route", span),
       "{ resource.service.name = \"" + service + "\" }"},
  };

  tempo::RequestContext ctx;
  ctx.tenant = kTenant;
  const uint64_t start = kBase, end = kBase + blocks * kWindow;
  std::printf("tag queries over %" PRIu64 " spans in %" PRIu64
              " blocks (%.1f MB), %u threads, walk = %s\n",
              spans, blocks, static_cast<double>(bytes) / 1e6, flags.threads,
              flags.walk_combine ? "combine (the old endpoints' path)" : "stream (lower bound)");
  std::printf("%-40s %-8s %10s %10s %9s %12s\n", "tag", "path", "p50 ms", "p99 ms", "values",
              "bytes");
  for (const Case& c : cases) {
    std::optional<tempo::traceql::SearchQuery> filter;
    if (!c.filter.empty()) {
      auto q = tempo::traceql::SearchQuery::Compile(c.filter);
      if (!q.ok()) Die("compile", q.status());
      filter = *q;
    }
    const bool names_case = c.column.kind == TagColumn::Kind::kAttribute && c.column.key.empty();
    // Before: decode every trace, look at every (selected) span.
    Timing walk = Time(flags.walk_iterations, [&]() -> std::pair<size_t, uint64_t> {
      tempo::querier::DistinctTagValues found;
      auto look = [&](const tempo::traceql::TraceView& view) {
        std::vector<uint32_t> selected = tempo::querier::SelectedSpans(filter, view);
        if (names_case) {
          tempo::querier::CollectTagNames(view, selected, &found);
        } else {
          tempo::querier::CollectTagValues(c.column, view, selected, &found);
        }
      };
      uint64_t read = 0;
      tempo::Status s;
      if (flags.walk_combine) {
        uint32_t read_blocks = 0;
        s = querier.ForEachTrace(
            ctx, start, end,
            [&](tempo::traceql::TraceView&& view) {
              look(view);
              return true;
            },
            &read, &read_blocks);
      } else {
        for (const auto& meta : store.Blocks(kTenant)) {
          read += meta.size_bytes;
          s = store.ForEachTrace(ctx, meta, [&](const tempo::TraceId& id, tempopb::Trace&& t) {
            look(tempo::traceql::TraceView::Build(id, std::move(t)));
            return tempo::Status::Ok();
          });
          if (!s.ok()) break;
        }
      }
      if (!s.ok()) Die("walk", s);
      return {found.values().size(), read};
    });
    // After: catalogs and dictionaries (or pushdown with a filter), per block on the pool.
    Timing fast = Time(flags.iterations, [&]() -> std::pair<size_t, uint64_t> {
      tempo::querier::DistinctTagValues found;
      tempo::querier::TagQueryStats stats;
      tempo::Status s;
      if (names_case) {
        tempo::querier::TagNamesQuery query{start, end, filter};
        s = querier.TagNames(ctx, query, &found, &stats);
      } else {
        tempo::querier::TagValuesQuery query{c.column, start, end, filter};
        s = querier.TagValues(ctx, query, &found, &stats);
      }
      if (!s.ok()) Die("tags", s);
      return {found.values().size(), stats.inspected_bytes};
    });
    for (const auto& [path, t] :
         {std::pair<const char*, Timing>{"walk", walk}, {"catalog", fast}}) {
      std::printf("%-40s %-8s %10.2f %10.2f %9zu %12" PRIu64 "\n", c.label.c_str(), path, t.p50_ms,
                  t.p99_ms, t.values, t.bytes);
    }
  }
  ingester.Stop();
  return 0;
}
