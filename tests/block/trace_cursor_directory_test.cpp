// The trace-ID directory as the streaming paths use it: the writer's scratch-file spill and the
// cursor's per-row-group slices with a checksum taken across them.
#include <catch2/catch.hpp>

#include <filesystem>

#include "block/bloom.h"
#include "block_internals.h"
#include "block_test_util.h"
#include "support/temp_dir.h"
#include "support/trace_builder.h"
#include "tempo/block/trace_cursor.h"

namespace tempo::block {
namespace {

using testing::ReadFrom;

// A one-span trace for ID `n` (IDs ascend with n).
tempopb::Trace OneSpan(uint64_t n) {
  tempopb::Trace t;
  auto* rs = t.add_resourcespans();
  auto* span = rs->add_scope_spans()->add_spans();
  span->set_trace_id(tempo::testing::TraceIdBytes(n));
  span->set_span_id(tempo::testing::SpanIdBytes(n));
  span->set_name("op");
  span->set_start_time_unix_nano(1'000'000'000 + n);
  span->set_end_time_unix_nano(1'000'000'100 + n);
  return t;
}

TraceId Id(uint64_t n) { return TraceId::FromBytes(tempo::testing::TraceIdBytes(n)); }

// Writes traces 1..n, in memory or streamed with the directory spilled to `scratch`.
std::string WriteBlock(uint64_t n, const std::string& scratch, BlockMeta* meta) {
  WriterOptions options;
  options.spans_per_row_group = 5'000;
  options.scratch_dir = scratch;
  std::string streamed;
  auto writer = scratch.empty() ? std::make_unique<BlockWriter>(options)
                                : std::make_unique<BlockWriter>(options, [&](std::string_view b) {
                                    streamed.append(b);
                                    return Status::Ok();
                                  });
  for (uint64_t i = 1; i <= n; ++i) {
    Status s = writer->Append(Id(i * 7), OneSpan(i * 7));
    if (!s.ok()) FAIL(s.message());
  }
  std::string rest = writer->Finish(meta).value();
  return scratch.empty() ? rest : streamed;
}

// Reads every ID through a cursor; the first error ends the list and is returned too.
Status CursorIds(const std::string& data, std::vector<TraceId>* ids) {
  TEMPO_ASSIGN_OR_RETURN(auto cursor, TraceCursor::Open(ReadFrom(data), data.size()));
  for (;;) {
    TEMPO_ASSIGN_OR_RETURN(bool has, cursor->Next());
    if (!has) return Status::Ok();
    ids->push_back(cursor->id());
  }
}

// Offset of the directory section of `file`.
uint64_t DirectoryOffset(const std::string& file, const Footer& footer) {
  const char* trailer = file.data() + file.size() - kTrailerSize;
  uint64_t footer_len = LoadFixed32(trailer);
  return file.size() - kTrailerSize - footer_len - footer.bloom_length - footer.directory_length;
}

TEST_CASE("A spilled directory gives the same file as one kept in memory",
          "[block][directory]") {
  tempo::testing::TempDir dir;
  // 140,000 IDs: the spill is written in three 1 MiB pieces.
  const uint64_t n = 140'000;
  BlockMeta m1, m2;
  std::string memory = WriteBlock(n, "", &m1);
  std::string spilled = WriteBlock(n, dir.path().string(), &m2);
  CHECK(spilled == memory);
  CHECK(m1 == m2);
  // The scratch file was never visible and is gone.
  CHECK(std::filesystem::is_empty(dir.path()));

  std::vector<TraceId> ids;
  REQUIRE(CursorIds(spilled, &ids).ok());
  REQUIRE(ids.size() == n);
  for (uint64_t i = 1; i <= n; i += 997) CHECK(ids[i - 1] == Id(i * 7));
  // The bloom filter built from the spill holds every ID.
  auto reader = testing::OpenString(spilled).value();
  for (uint64_t i = 1; i <= n; i += 4'999) CHECK(reader->MayContain(Id(i * 7)));
}

TEST_CASE("A writer whose scratch directory is missing reports it", "[block][directory]") {
  tempo::testing::TempDir dir;
  WriterOptions options;
  options.scratch_dir = dir.Sub("missing");
  BlockWriter writer(options, [](std::string_view) { return Status::Ok(); });
  Status s = writer.Append(Id(1), OneSpan(1));
  CHECK(s.code() == StatusCode::kInternal);
  CHECK_THAT(s.message(), Catch::Contains("missing"));
}

TEST_CASE("The cursor checks the directory slice by slice", "[block][directory]") {
  BlockMeta meta;
  std::string data = WriteBlock(20'000, "", &meta);
  Footer footer = testing::FooterOf(data).value();
  REQUIRE(footer.row_groups.size() == 4);
  const uint64_t payload = DirectoryOffset(data, footer) + kPageHeaderSize;

  SECTION("intact: every ID, reading only a slice per row group") {
    std::vector<TraceId> ids;
    REQUIRE(CursorIds(data, &ids).ok());
    CHECK(ids.size() == 20'000);
    CHECK(ids.back() == Id(20'000 * 7));
  }
  SECTION("a flipped bit in the first row group's IDs fails before the end") {
    // The lowest bit of trace 100's ID: still ascending, so only the checksum can tell.
    data[payload + 99 * 16 + 15] ^= 0x01;
    std::vector<TraceId> ids;
    Status s = CursorIds(data, &ids);
    CHECK(s.code() == StatusCode::kCorruption);
    CHECK_THAT(s.message(), Catch::Contains("directory: checksum"));
    // Traces of the earlier row groups were handed out; the end never was.
    CHECK(ids.size() == 15'000);
  }
  SECTION("IDs out of order across row groups") {
    // The first ID of row group 2 made smaller than the last of row group 1.
    std::memset(&data[payload + 5'000 * 16], 0, 16);
    std::vector<TraceId> ids;
    Status s = CursorIds(data, &ids);
    CHECK(s.code() == StatusCode::kCorruption);
    CHECK_THAT(s.message(), Catch::Contains("not ascending"));
    CHECK(ids.size() == 5'000);
  }
}

TEST_CASE("The cursor reads a compressed directory whole", "[block][directory]") {
  BlockMeta meta;
  const std::string raw = WriteBlock(3'000, "", &meta);
  Footer footer = testing::FooterOf(raw).value();
  const uint64_t offset = DirectoryOffset(raw, footer);
  // Re-frame the directory with zstd (the IDs 7, 14, ... compress well), as older writers did.
  std::string file = raw.substr(0, offset);
  PageCompressor compressor(3);
  std::string_view ids(raw.data() + offset + kPageHeaderSize,
                       footer.directory_length - kPageHeaderSize);
  REQUIRE(compressor.Append(Encoding::kDirectory, 3'000, ids, &file).ok());
  const uint64_t directory_length = file.size() - offset;
  REQUIRE(directory_length < footer.directory_length);
  file.append(raw, offset + footer.directory_length, footer.bloom_length);
  file.append(raw.substr(offset + footer.directory_length + footer.bloom_length));
  footer.directory_length = directory_length;
  file = testing::WithFooter(file, footer);

  std::vector<TraceId> got;
  REQUIRE(CursorIds(file, &got).ok());
  REQUIRE(got.size() == 3'000);
  CHECK(got.front() == Id(7));
  CHECK(got.back() == Id(21'000));
}

}  // namespace
}  // namespace tempo::block
