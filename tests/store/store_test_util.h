#pragma once

// Helpers of the store tests: trace IDs and small committed blocks written straight into a backend.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "support/trace_builder.h"
#include "tempo/backend/backend.h"
#include "tempo/block/block_meta.h"
#include "tempo/block/block_writer.h"
#include "tempo/common/ids.h"
#include "tempopb/tempo.pb.h"

namespace tempo::store::testing {

inline TraceId Tid(uint64_t n) { return TraceId::FromBytes(tempo::testing::TraceIdBytes(n)); }

// Trace `n` with `spans` spans of service "svc" (span IDs n*100+i).
inline tempopb::Trace SmallTrace(uint64_t n, int spans = 1) {
  tempo::testing::TraceBuilder b;
  for (int i = 0; i < spans; ++i) {
    auto& span = b.AddSpan("svc", n, n * 100 + static_cast<uint64_t>(i));
    span.set_start_time_unix_nano(1'700'000'000'000'000'000ull + n * 1000);
    span.set_end_time_unix_nano(1'700'000'000'000'000'000ull + n * 1000 + 500);
  }
  tempopb::Trace t;
  for (auto& rs : *b.request().mutable_resource_spans()) *t.add_resourcespans() = rs;
  return t;
}

// Writes a committed block (data.tcb, then meta.json) holding traces `traces` (ascending).
inline block::BlockMeta BlockWithTraces(backend::Backend& backend, const std::string& tenant,
                                        const std::string& id,
                                        const std::vector<uint64_t>& traces) {
  block::BlockWriter writer;
  for (uint64_t n : traces) REQUIRE(writer.Append(Tid(n), SmallTrace(n)).ok());
  block::BlockMeta meta;
  std::string data = writer.Finish(&meta).value();
  meta.block_id = id;
  meta.tenant_id = tenant;
  REQUIRE(backend.Write(tenant, id, backend::kDataName, data).ok());
  REQUIRE(backend.Write(tenant, id, backend::kMetaName, block::MetaToJson(meta)).ok());
  return meta;
}

}  // namespace tempo::store::testing
