#include "support/realistic_block.h"

#include <cinttypes>
#include <cstdio>

#include "support/realistic_traces.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/block_writer.h"
#include "tempopb/tempo.pb.h"

namespace tempo::bench {

Status WriteRealisticBlock(backend::Backend& backend, const std::string& tenant,
                           const RealisticBlockSpec& spec) {
  RealisticTraceOptions options;
  options.seed = spec.seed;
  options.base_time_unix_nano = spec.base_time_unix_nano;
  options.window_nanos = spec.window_nanos;
  RealisticTraceGenerator gen(options);
  std::vector<std::string> ids = SortedRandomTraceIds(spec.spans / 3, spec.id_seed);
  block::BlockWriter writer;
  uint64_t spans = 0;
  for (uint64_t n = 0; spans < spec.spans && n < ids.size(); ++n) {
    uint64_t s = 0;
    tempopb::Trace trace = gen.Make(n, ids[n], &s);
    spans += s;
    TEMPO_RETURN_IF_ERROR(writer.Append(TraceId::FromBytes(ids[n]), trace));
  }
  block::BlockMeta meta;
  TEMPO_ASSIGN_OR_RETURN(std::string data, writer.Finish(&meta));
  char id[40];
  std::snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012" PRIx64, spec.index + 1);
  meta.block_id = id;
  meta.tenant_id = tenant;
  TEMPO_RETURN_IF_ERROR(backend.Write(tenant, meta.block_id, backend::kDataName, data));
  return backend.Write(tenant, meta.block_id, backend::kMetaName, block::MetaToJson(meta));
}

}  // namespace tempo::bench
