// The streaming k-way merge and one compaction job up to its commit point.
#include <catch2/catch.hpp>

#include "compactor/backend_scan.h"
#include "compactor/compaction_job.h"
#include "compactor/compactor_test_util.h"
#include "support/temp_dir.h"
#include "tempo/block/block_reader.h"

namespace tempo::compactor {
namespace {

using testing::MakeTrace;
using testing::SpanIds;
using testing::Tid;
using testing::WriteBlock;

// Three inputs: trace k is in input k % 3, every third trace also has a fragment in the next
// input, and trace 30 holds the same span twice (in inputs 0 and 1).
struct Inputs {
  std::vector<std::map<TraceId, tempopb::Trace>> blocks{3};
  std::map<TraceId, std::set<std::string>> want;  // span IDs per trace
};

Inputs MakeInputs() {
  Inputs in;
  for (uint64_t k = 1; k <= 60; ++k) {
    const size_t b = k % 3;
    auto first = MakeTrace(k, {1, 2, 3}, "svc-a", 1'700'000'000'000'000'000);
    in.blocks[b][Tid(k)] = first;
    for (auto& s : SpanIds(first)) in.want[Tid(k)].insert(s);
    if (k % 3 == 0) {
      std::vector<uint64_t> more = {4, 5};
      if (k == 30) more.push_back(2);  // a duplicate of a span in the first fragment
      auto second = MakeTrace(k, more, "svc-b", 1'700'000'000'000'000'000);
      in.blocks[(b + 1) % 3][Tid(k)] = second;
      for (auto& s : SpanIds(second)) in.want[Tid(k)].insert(s);
    }
  }
  return in;
}

block::ReadAtFn ReadFrom(const std::string& data) {
  return [&data](uint64_t offset, uint64_t length) -> Result<std::string> {
    return data.substr(offset, length);
  };
}

TEST_CASE("The merge combines fragments across inputs, drops duplicate spans, keeps ID order",
          "[compactor]") {
  Inputs in = MakeInputs();
  std::vector<std::string> files;
  for (const auto& traces : in.blocks) {
    block::WriterOptions o;
    o.spans_per_row_group = 16;  // several row groups per input
    block::BlockWriter w(o);
    for (const auto& [id, t] : traces) REQUIRE(w.Append(id, t).ok());
    block::BlockMeta m;
    files.push_back(w.Finish(&m).value());
  }
  std::vector<std::unique_ptr<block::TraceCursor>> cursors;
  std::vector<block::TraceCursor*> raw;
  block::CursorOptions co;
  co.spans_per_batch = 5;
  for (const std::string& f : files) {
    cursors.push_back(block::TraceCursor::Open(ReadFrom(f), f.size(), co).value());
    raw.push_back(cursors.back().get());
  }
  block::BlockWriter out;
  MergeStats stats;
  REQUIRE(MergeCursors(raw, &out, nullptr, &stats).ok());
  block::BlockMeta meta;
  std::string merged = out.Finish(&meta).value();

  CHECK(stats.traces_written == 60);
  CHECK(stats.traces_combined == 20);
  CHECK(stats.traces_read == 80);
  CHECK(stats.duplicate_spans == 1);
  CHECK(meta.total_traces == 60);
  size_t want_spans = 0;
  for (const auto& [id, spans] : in.want) want_spans += spans.size();
  CHECK(meta.total_spans == want_spans);

  auto reader = block::BlockReader::Open(ReadFrom(merged), merged.size()).value();
  auto want = in.want.begin();
  REQUIRE(reader
              ->ForEachTrace([&](const TraceId& id, tempopb::Trace&& t) {
                CHECK(id == want->first);  // ascending, each trace once
                CHECK(SpanIds(t) == want->second);
                CHECK(testing::Spans(t) == want->second.size());
                ++want;
                return Status::Ok();
              })
              .ok());
  CHECK(want == in.want.end());
}

TEST_CASE("The merge combines fragments holding strings that are not UTF-8", "[compactor]") {
  // Receivers other than OTLP may store such strings; a parse of the joined fragments rejects
  // them, the merge must not. (Serializing them makes libprotobuf log an error line.)
  auto first = MakeTrace(7, {1, 2}, "svc-a", 1'700'000'000'000'000'000);
  auto second = MakeTrace(7, {3}, "svc-b", 1'700'000'000'000'000'000);
  second.mutable_resourcespans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(
      "GET /\xff\xfe");
  std::vector<std::string> files;
  for (const tempopb::Trace* t : {&first, &second}) {
    block::BlockWriter w;
    REQUIRE(w.Append(Tid(7), *t).ok());
    block::BlockMeta m;
    files.push_back(w.Finish(&m).value());
  }
  std::vector<std::unique_ptr<block::TraceCursor>> cursors;
  std::vector<block::TraceCursor*> raw;
  for (const std::string& f : files) {
    cursors.push_back(block::TraceCursor::Open(ReadFrom(f), f.size(), {}).value());
    raw.push_back(cursors.back().get());
  }
  block::BlockWriter out;
  MergeStats stats;
  REQUIRE(MergeCursors(raw, &out, nullptr, &stats).ok());
  CHECK(stats.traces_combined == 1);
  block::BlockMeta meta;
  std::string merged = out.Finish(&meta).value();
  CHECK(meta.total_spans == 3);
  auto reader = block::BlockReader::Open(ReadFrom(merged), merged.size()).value();
  tempopb::Trace trace;
  auto found_trace = reader->FindTrace(Tid(7), &trace);
  REQUIRE(found_trace.ok());
  REQUIRE(found_trace.value());
  bool found = false;
  for (const auto& rs : trace.resourcespans()) {
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& span : ss.spans()) found |= span.name() == "GET /\xff\xfe";
    }
  }
  CHECK(found);
}

TEST_CASE("The merge stops when cancelled", "[compactor]") {
  Inputs in = MakeInputs();
  std::vector<std::string> files;
  for (const auto& traces : in.blocks) {
    block::BlockWriter w;
    for (const auto& [id, t] : traces) REQUIRE(w.Append(id, t).ok());
    block::BlockMeta m;
    files.push_back(w.Finish(&m).value());
  }
  std::vector<std::unique_ptr<block::TraceCursor>> cursors;
  std::vector<block::TraceCursor*> raw;
  for (const std::string& f : files) {
    cursors.push_back(block::TraceCursor::Open(ReadFrom(f), f.size()).value());
    raw.push_back(cursors.back().get());
  }
  block::BlockWriter out;
  MergeStats stats;
  int polls = 0;
  Status s = MergeCursors(raw, &out, [&] { return ++polls > 10; }, &stats);
  CHECK(s.code() == StatusCode::kCancelled);
  CHECK(stats.traces_written == 10);
}

TEST_CASE("A compaction job streams its output and commits meta.json listing the inputs",
          "[compactor]") {
  tempo::testing::TempDir dir;
  auto backend = backend::OpenLocalBackend(dir.Sub("blocks")).value();
  Inputs in = MakeInputs();
  std::vector<block::BlockMeta> metas;
  for (size_t i = 0; i < 3; ++i) {
    metas.push_back(
        WriteBlock(*backend, "t1", "in-" + std::to_string(i), in.blocks[i], i == 2 ? 3 : 1, 20));
  }
  CompactionJob job(*backend, {}, metas);
  block::BlockMeta out = job.Run("out", 1234, nullptr).value();
  CHECK(out.compaction_level == 4);
  CHECK(out.replaces == std::vector<std::string>{"in-0", "in-1", "in-2"});
  CHECK(out.created_at_unix == 1234);
  CHECK(out.total_traces == 60);
  CHECK(job.stats().traces_combined == 20);
  CHECK(job.stats().bytes_read > 0);
  // meta.json on disk is the one returned, and the data matches it.
  CHECK(block::MetaFromJson(backend->Read("t1", "out", backend::kMetaName).value()).value() ==
        out);
  CHECK(backend->Size("t1", "out", backend::kDataName).value() == out.size_bytes);
  // No temporary file is left next to the output.
  CHECK(backend->ListObjects("t1", "out").value() ==
        std::vector<std::string>{backend::kDataName, backend::kMetaName});
}

TEST_CASE("A failed compaction job leaves no output behind", "[compactor]") {
  tempo::testing::TempDir dir;
  auto backend = backend::OpenLocalBackend(dir.Sub("blocks")).value();
  Inputs in = MakeInputs();
  auto a = WriteBlock(*backend, "t1", "a", in.blocks[0]);
  auto b = WriteBlock(*backend, "t1", "b", in.blocks[1]);
  // Corrupt the second input in its first row group.
  std::string data = backend->Read("t1", "b", backend::kDataName).value();
  data[30] ^= 0x77;
  REQUIRE(backend->Write("t1", "b", backend::kDataName, data).ok());
  CompactionJob job(*backend, {}, {a, b});
  CHECK(job.Run("out", 1, nullptr).status().code() == StatusCode::kCorruption);
  CHECK(backend->ListBlocks("t1").value() == std::vector<std::string>{"a", "b"});
}

TEST_CASE("meta.compacted.json keeps the meta and records when the block was compacted",
          "[compactor]") {
  block::BlockMeta meta;
  meta.block_id = "b";
  meta.tenant_id = "t";
  std::string json = CompactedMetaToJson(meta, 1'700'000'000'123'456'789);
  CHECK(CompactedTimeFromJson(json).value() == 1'700'000'000'123'456'789);
  CHECK(block::MetaFromJson(json).value() == meta);
  CHECK(json.find("\"compactedTime\":\"2023-11-14T22:13:20.123456789Z\"") != std::string::npos);
  CHECK(CompactedTimeFromJson(R"({"compactedTime":"2024-05-01T10:00:00.5Z"})").value() ==
        1'714'557'600'500'000'000);
  CHECK(CompactedTimeFromJson("{}").status().code() == StatusCode::kCorruption);
  CHECK(CompactedTimeFromJson("not json").status().code() == StatusCode::kCorruption);
}

}  // namespace
}  // namespace tempo::compactor
