#include "cli/commands.h"

#include <cstdio>
#include <iostream>

#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/block_reader.h"
#include "tempo/common/ids.h"
#include "tempo/common/metrics.h"
#include "tempo/model/combine.h"
#include "tempo/model/tempo_json.h"
#include "tempo/store/store.h"
#include "tempopb/tempo.pb.h"

namespace tempo::cli {
namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  tempo [flags] list tenants\n"
    "  tempo [flags] list blocks <tenant>\n"
    "  tempo [flags] view block <tenant> <block-id>\n"
    "  tempo [flags] query blocks <trace-id> <tenant>\n"
    "The backend is the one of the configuration (-config.file, -storage.trace.local.path).\n";

int Fail(const Status& status) {
  std::cerr << "tempo: " << status.message() << "\n";
  return 1;
}

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char out[32];
  std::snprintf(out, sizeof(out), u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return out;
}

int ListTenants(const backend::Backend& backend) {
  Result<std::vector<std::string>> tenants = backend.ListTenants();
  if (!tenants.ok()) return Fail(tenants.status());
  for (const std::string& t : *tenants) std::cout << t << "\n";
  return 0;
}

int ListBlocks(const store::Store& store, const std::string& tenant) {
  std::vector<block::BlockMeta> blocks = store.Blocks(tenant);
  std::printf("%-36s  %-30s  %-30s  %10s  %12s  %10s  %5s\n", "BLOCK", "START", "END", "TRACES",
              "SPANS", "SIZE", "LEVEL");
  uint64_t traces = 0, spans = 0, bytes = 0;
  for (const block::BlockMeta& m : blocks) {
    std::printf("%-36s  %-30s  %-30s  %10llu  %12llu  %10s  %5u\n", m.block_id.c_str(),
                block::FormatRfc3339Nano(m.start_unix_nano).c_str(),
                block::FormatRfc3339Nano(m.end_unix_nano).c_str(),
                static_cast<unsigned long long>(m.total_traces),
                static_cast<unsigned long long>(m.total_spans), HumanBytes(m.size_bytes).c_str(),
                m.compaction_level);
    traces += m.total_traces;
    spans += m.total_spans;
    bytes += m.size_bytes;
  }
  std::printf("%zu blocks, %llu traces, %llu spans, %s", blocks.size(),
              static_cast<unsigned long long>(traces), static_cast<unsigned long long>(spans),
              HumanBytes(bytes).c_str());
  if (spans > 0) std::printf(", %.1f bytes/span", static_cast<double>(bytes) / spans);
  std::printf("\n");
  return 0;
}

Result<std::unique_ptr<block::BlockReader>> OpenReader(const backend::Backend& backend,
                                                       const block::BlockMeta& meta) {
  std::string tenant = meta.tenant_id, id = meta.block_id;
  return block::BlockReader::Open(
      [&backend, tenant, id](uint64_t offset, uint64_t length) {
        return backend.ReadRange(tenant, id, backend::kDataName, offset, length);
      },
      meta.size_bytes, meta.footer_size);
}

int ViewBlock(const backend::Backend& backend, const std::string& tenant,
              const std::string& block_id) {
  Result<std::string> json = backend.Read(tenant, block_id, backend::kMetaName);
  if (!json.ok()) return Fail(json.status());
  Result<block::BlockMeta> meta = block::MetaFromJson(*json);
  if (!meta.ok()) return Fail(meta.status());
  std::cout << *json << "\n";
  Result<std::unique_ptr<block::BlockReader>> reader = OpenReader(backend, *meta);
  if (!reader.ok()) return Fail(reader.status());
  std::printf("\n%-40s  %14s  %14s  %12s\n", "COLUMN", "COMPRESSED", "UNCOMPRESSED", "VALUES");
  for (const auto& c : (*reader)->ColumnSizes()) {
    std::printf("%-40s  %14llu  %14llu  %12llu\n", c.name.c_str(),
                static_cast<unsigned long long>(c.compressed_bytes),
                static_cast<unsigned long long>(c.uncompressed_bytes),
                static_cast<unsigned long long>(c.values));
  }
  return 0;
}

int QueryBlocks(const store::Store& store, const std::string& id_text,
                const std::string& tenant) {
  Result<TraceId> id = ParseTraceIdHex(id_text);
  if (!id.ok()) return Fail(id.status());
  RequestContext ctx;
  ctx.tenant = tenant;
  std::vector<std::string> fragments;
  uint64_t inspected = 0;
  if (Status s = store.FindTrace(ctx, *id, std::nullopt, std::nullopt, &fragments, &inspected);
      !s.ok()) {
    return Fail(s);
  }
  if (fragments.empty()) {
    std::cerr << "tempo: trace " << id->ToHex() << " not found in the blocks of " << tenant << "\n";
    return 1;
  }
  std::vector<std::string_view> views(fragments.begin(), fragments.end());
  tempopb::Trace trace;
  if (Status s = model::CombineFragments(views, &trace, nullptr); !s.ok()) return Fail(s);
  std::cout << model::TraceToJsonV1(trace) << "\n";
  return 0;
}

}  // namespace

int RunCommand(const std::vector<std::string>& words, const config::AppConfig& config) {
  auto is = [&](std::initializer_list<const char*> expected) {
    if (words.size() < expected.size()) return false;
    size_t i = 0;
    for (const char* w : expected) {
      if (words[i++] != w) return false;
    }
    return true;
  };
  Result<std::unique_ptr<backend::Backend>> backend =
      backend::OpenLocalBackend(config.storage.local_path);
  if (!backend.ok()) return Fail(backend.status());
  metrics::Registry registry;
  store::Store store(config.storage.store, **backend, registry);
  auto load = [&]() { return store.Poll(); };

  if (is({"list", "tenants"}) && words.size() == 2) return ListTenants(**backend);
  if (is({"list", "blocks"}) && words.size() == 3) {
    if (Status s = load(); !s.ok()) return Fail(s);
    return ListBlocks(store, words[2]);
  }
  if (is({"view", "block"}) && words.size() == 4) return ViewBlock(**backend, words[2], words[3]);
  if (is({"query", "blocks"}) && words.size() == 4) {
    if (Status s = load(); !s.ok()) return Fail(s);
    return QueryBlocks(store, words[2], words[3]);
  }
  std::cerr << kUsage;
  return 2;
}

}  // namespace tempo::cli
