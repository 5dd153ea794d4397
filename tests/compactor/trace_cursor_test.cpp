// The pull-style block cursor and the streaming block writer that compaction is built on.
#include "tempo/block/trace_cursor.h"

#include <catch2/catch.hpp>

#include "compactor/compactor_test_util.h"
#include "support/temp_dir.h"
#include "tempo/block/block_reader.h"

namespace tempo::compactor {
namespace {

using testing::MakeTrace;
using testing::Tid;

std::map<TraceId, tempopb::Trace> SomeTraces(uint64_t n) {
  std::map<TraceId, tempopb::Trace> out;
  for (uint64_t i = 1; i <= n; ++i) {
    std::vector<uint64_t> spans;
    for (uint64_t s = 1; s <= 1 + i % 7; ++s) spans.push_back(s);
    out[Tid(i * 3)] = MakeTrace(i * 3, spans, "svc-" + std::to_string(i % 5));
  }
  return out;
}

block::ReadAtFn ReadFrom(const std::string& data) {
  return [&data](uint64_t offset, uint64_t length) -> Result<std::string> {
    if (offset > data.size() || length > data.size() - offset) return IOError("past the end");
    return data.substr(offset, length);
  };
}

TEST_CASE("The streaming block writer produces the same bytes as the in-memory one",
          "[compactor][block]") {
  auto traces = SomeTraces(500);
  block::WriterOptions options;
  options.spans_per_row_group = 97;  // many row groups
  block::BlockWriter memory(options);
  std::string streamed;
  size_t pieces = 0;
  block::BlockWriter streaming(options, [&](std::string_view bytes) {
    streamed.append(bytes);
    ++pieces;
    return Status::Ok();
  });
  for (const auto& [id, t] : traces) {
    REQUIRE(memory.Append(id, t).ok());
    REQUIRE(streaming.Append(id, t).ok());
  }
  block::BlockMeta m1, m2;
  std::string whole = memory.Finish(&m1).value();
  Result<std::string> rest = streaming.Finish(&m2);
  REQUIRE(rest.ok());
  CHECK(rest->empty());
  CHECK(streamed == whole);
  CHECK(m1 == m2);
  CHECK(pieces > 5);  // the row groups went out one by one
  CHECK(streaming.bytes_written() == m2.size_bytes);
}

TEST_CASE("A failing sink stops the streaming writer", "[compactor][block]") {
  block::WriterOptions options;
  options.spans_per_row_group = 10;
  block::BlockWriter writer(options, [](std::string_view) { return IOError("disk full"); });
  Status st;
  for (const auto& [id, t] : SomeTraces(50)) {
    st = writer.Append(id, t);
    if (!st.ok()) break;
  }
  CHECK(st.code() == StatusCode::kIOError);
  block::BlockMeta meta;
  CHECK(writer.Finish(&meta).status().code() == StatusCode::kIOError);
}

TEST_CASE("The trace cursor hands out every trace in order, batch by batch", "[compactor][block]") {
  auto traces = SomeTraces(700);
  block::WriterOptions options;
  options.spans_per_row_group = 200;
  block::BlockWriter writer(options);
  for (const auto& [id, t] : traces) REQUIRE(writer.Append(id, t).ok());
  block::BlockMeta meta;
  std::string data = writer.Finish(&meta).value();

  const uint64_t batch = GENERATE(1, 7, 50, 100'000);
  block::CursorOptions co;
  co.spans_per_batch = batch;
  auto cursor = block::TraceCursor::Open(ReadFrom(data), data.size(), co);
  REQUIRE(cursor.ok());
  CHECK((*cursor)->traces() == traces.size());
  CHECK((*cursor)->row_groups() == meta.row_groups);
  auto want = traces.begin();
  size_t n = 0;
  for (;;) {
    Result<bool> has = (*cursor)->Next();
    REQUIRE(has.ok());
    if (!*has) break;
    REQUIRE(want != traces.end());
    CHECK((*cursor)->id() == want->first);
    std::string bytes;
    REQUIRE((*cursor)->AppendSerialized(&bytes).ok());
    tempopb::Trace got;
    REQUIRE(got.ParseFromString(bytes));
    CHECK(testing::SpanIds(got) == testing::SpanIds(want->second));
    ++want;
    ++n;
  }
  CHECK(n == traces.size());
  CHECK((*cursor)->bytes_read() >= data.size() - 8);
  // After the end it stays at the end.
  CHECK_FALSE((*cursor)->Next().value());
}

TEST_CASE("The trace cursor reports corruption instead of crashing", "[compactor][block]") {
  auto traces = SomeTraces(100);
  block::BlockWriter writer;
  for (const auto& [id, t] : traces) REQUIRE(writer.Append(id, t).ok());
  block::BlockMeta meta;
  std::string data = writer.Finish(&meta).value();
  SECTION("a flipped byte in a row group") {
    data[20] ^= 0x5A;
    auto cursor = block::TraceCursor::Open(ReadFrom(data), data.size());
    REQUIRE(cursor.ok());
    Result<bool> has = (*cursor)->Next();
    CHECK(has.status().code() == StatusCode::kCorruption);
    // The failure is sticky.
    CHECK((*cursor)->Next().status().code() == StatusCode::kCorruption);
  }
  SECTION("a truncated file") {
    data.resize(data.size() - 3);
    CHECK(block::TraceCursor::Open(ReadFrom(data), data.size()).status().code() ==
          StatusCode::kCorruption);
  }
}

TEST_CASE("The local backend streams an object and commits it atomically", "[compactor][backend]") {
  tempo::testing::TempDir dir;
  auto backend = backend::OpenLocalBackend(dir.Sub("blocks")).value();
  {
    auto w = backend->OpenObjectWriter("t", "b1", "data.tcb").value();
    REQUIRE(w->Append("hello ").ok());
    REQUIRE(w->Append("world").ok());
    CHECK(w->size() == 11);
    // Not visible before the commit.
    CHECK(backend->Read("t", "b1", "data.tcb").status().code() == StatusCode::kNotFound);
    REQUIRE(w->Commit().ok());
    CHECK(w->Commit().code() == StatusCode::kInvalidArgument);
  }
  CHECK(backend->Read("t", "b1", "data.tcb").value() == "hello world");
  {
    auto w = backend->OpenObjectWriter("t", "b1", "other").value();
    REQUIRE(w->Append("abandoned").ok());
  }  // dropped without commit: no object, no temp file left
  CHECK(backend->ListObjects("t", "b1").value() == std::vector<std::string>{"data.tcb"});
}

}  // namespace
}  // namespace tempo::compactor
