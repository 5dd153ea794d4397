#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "block/trace_rows.h"
#include "block_test_util.h"
#include "random_traces.h"
#include "tempo/block/trace_cursor.h"

namespace tempo::block {
namespace {

using testing::Diff;
using testing::OpenString;
using testing::RandomTraces;

struct Corpus {
  std::map<TraceId, tempopb::Trace> traces;
  size_t spans = 0;
};

Corpus MakeCorpus(uint64_t seed, int count, int max_spans, bool utf8_only = false) {
  RandomTraces gen(seed, utf8_only);
  Corpus c;
  while (static_cast<int>(c.traces.size()) < count) {
    TraceId id = gen.Id();
    int spans = static_cast<int>(gen.Uniform(static_cast<uint64_t>(max_spans) + 1));
    c.spans += static_cast<size_t>(spans);
    c.traces[id] = gen.Trace(id, spans);
  }
  return c;
}

std::string Write(const Corpus& c, WriterOptions options, BlockMeta* meta) {
  BlockWriter writer(options);
  for (const auto& [id, trace] : c.traces) REQUIRE(writer.Append(id, trace).ok());
  auto data = writer.Finish(meta);
  REQUIRE(data.ok());
  return std::move(data).value();
}

TEST_CASE("A block returns every trace exactly as written", "[block]") {
  Corpus corpus = MakeCorpus(7, 200, 30);
  WriterOptions options;
  SECTION("with default options") {}
  SECTION("with small row groups and pages") {
    options.spans_per_row_group = 300;
    options.values_per_page = 37;
    options.page_bytes = 512;
  }
  BlockMeta meta;
  std::string data = Write(corpus, options, &meta);
  CHECK(meta.total_traces == 200);
  CHECK(meta.total_spans == corpus.spans);
  CHECK(meta.size_bytes == data.size());
  CHECK(meta.min_trace_id == corpus.traces.begin()->first.ToHex());
  CHECK(meta.max_trace_id == corpus.traces.rbegin()->first.ToHex());

  const LookupReads lookup_reads = GENERATE(LookupReads::kRowGroup, LookupReads::kPages);
  auto reader = OpenString(data, lookup_reads);
  REQUIRE(reader.ok());
  CHECK((*reader)->traces() == 200);
  CHECK((*reader)->spans() == corpus.spans);
  CHECK((*reader)->row_groups() == meta.row_groups);

  auto it = corpus.traces.begin();
  Status s = (*reader)->ForEachTrace([&](const TraceId& id, tempopb::Trace&& trace) {
    REQUIRE(it != corpus.traces.end());
    CHECK(id == it->first);
    std::string diff = Diff(it->second, trace);
    INFO(diff);
    CHECK(diff.empty());
    ++it;
    return Status::Ok();
  });
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(it == corpus.traces.end());

  for (const auto& [id, want] : corpus.traces) {
    CHECK((*reader)->MayContain(id));
    tempopb::Trace got;
    auto found = (*reader)->FindTrace(id, &got);
    REQUIRE(found.ok());
    REQUIRE(*found);
    std::string diff = Diff(want, got);
    INFO(id.ToHex() << "\n" << diff);
    CHECK(diff.empty());
    // Built on an arena (and over a stale message): the same trace.
    google::protobuf::Arena arena;
    auto* on_arena = google::protobuf::Arena::CreateMessage<tempopb::Trace>(&arena);
    *on_arena->add_resourcespans() = want.resourcespans(0);
    found = (*reader)->FindTrace(id, on_arena);
    REQUIRE(found.ok());
    REQUIRE(*found);
    CHECK(Diff(want, *on_arena).empty());
  }
  RandomTraces other(99);
  for (int i = 0; i < 500; ++i) {
    TraceId id = other.Id();
    if (corpus.traces.count(id)) continue;
    tempopb::Trace got;
    auto found = (*reader)->FindTrace(id, &got);
    REQUIRE(found.ok());
    CHECK_FALSE(*found);
    got.add_resourcespans();
    found = (*reader)->FindTrace(id, &got);
    REQUIRE(found.ok());
    CHECK_FALSE(*found);
    CHECK(got.resourcespans_size() == 0);
  }
}

TEST_CASE("A page-reading lookup reads only the pages of its trace", "[block]") {
  Corpus corpus = MakeCorpus(41, 400, 20);
  WriterOptions options;
  options.values_per_page = 64;
  BlockMeta meta;
  std::string data = Write(corpus, options, &meta);
  REQUIRE(meta.row_groups == 1);
  uint64_t bytes = 0;
  int reads = 0;
  ReadAtFn counting = [&](uint64_t offset, uint64_t length) -> Result<std::string> {
    ++reads;
    bytes += length;
    return data.substr(offset, length);
  };
  auto reader = BlockReader::Open(counting, data.size(), 0, LookupReads::kPages);
  REQUIRE(reader.ok());
  const auto& [id, want] = *std::next(corpus.traces.begin(), 200);
  bytes = 0;
  reads = 0;
  tempopb::Trace got;
  auto found = (*reader)->FindTrace(id, &got);
  REQUIRE(found.ok());
  REQUIRE(*found);
  CHECK(Diff(want, got).empty());
  const uint64_t row_group = (*reader)->RowGroupInfos()[0].bytes;
  INFO(bytes << " bytes in " << reads << " reads; row group " << row_group);
  CHECK(reads > 1);
  CHECK(bytes * 4 < row_group);
}

TEST_CASE("ReadTraces decodes sparse and dense selections exactly", "[block]") {
  Corpus corpus = MakeCorpus(57, 600, 15);
  WriterOptions options;
  options.values_per_page = 48;
  options.spans_per_row_group = 2000;  // a few row groups
  BlockMeta meta;
  std::string data = Write(corpus, options, &meta);
  REQUIRE(meta.row_groups > 1);
  auto reader = OpenString(data);
  REQUIRE(reader.ok());
  std::vector<const tempopb::Trace*> by_row;
  for (const auto& [id, trace] : corpus.traces) by_row.push_back(&trace);
  RandomTraces pick(5);
  // Every n-th row, random rows at several densities, and clusters with long gaps between them.
  std::vector<std::vector<uint64_t>> selections;
  for (uint64_t step : {1, 3, 17, 40, 250}) {
    std::vector<uint64_t>& rows = selections.emplace_back();
    for (uint64_t r = step / 2; r < by_row.size(); r += step) rows.push_back(r);
  }
  for (uint64_t density : {2, 10, 60}) {
    std::vector<uint64_t>& rows = selections.emplace_back();
    for (uint64_t r = 0; r < by_row.size(); ++r) {
      if (pick.Uniform(density) == 0) rows.push_back(r);
    }
  }
  selections.push_back({0, 1, 2, 100, 101, 350, 599});
  for (const std::vector<uint64_t>& rows : selections) {
    std::vector<uint64_t> seen;
    Status s = (*reader)->ReadTraces(rows, [&](uint64_t row, tempopb::Trace&& trace) {
      seen.push_back(row);
      std::string diff = Diff(*by_row[row], trace);
      INFO("row " << row << "\n" << diff);
      CHECK(diff.empty());
      return Status::Ok();
    });
    INFO(s.ToString());
    REQUIRE(s.ok());
    CHECK(seen == rows);
  }
}

TEST_CASE("Traces moved out of ForEachTrace stay valid after it returns", "[block]") {
  Corpus corpus = MakeCorpus(23, 80, 12);
  WriterOptions options;
  options.spans_per_row_group = 100;
  BlockMeta meta;
  std::string data = Write(corpus, options, &meta);
  auto reader = OpenString(data);
  REQUIRE(reader.ok());
  std::vector<std::pair<TraceId, tempopb::Trace>> kept;
  REQUIRE((*reader)
              ->ForEachTrace([&](const TraceId& id, tempopb::Trace&& t) {
                kept.emplace_back(id, std::move(t));
                return Status::Ok();
              })
              .ok());
  REQUIRE(kept.size() == corpus.traces.size());
  auto it = corpus.traces.begin();
  for (const auto& [id, trace] : kept) {
    CHECK(id == it->first);
    CHECK(Diff(it->second, trace).empty());
    ++it;
  }
}

TEST_CASE("One reader serves lookups from several threads", "[block]") {
  Corpus corpus = MakeCorpus(29, 120, 15);
  WriterOptions options;
  options.spans_per_row_group = 150;
  BlockMeta meta;
  std::string data = Write(corpus, options, &meta);
  auto reader = OpenString(data);
  REQUIRE(reader.ok());
  const BlockReader& r = **reader;
  std::vector<TraceId> ids;
  for (const auto& [id, t] : corpus.traces) ids.push_back(id);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t); i < ids.size() * 3; i += 4) {
        const TraceId& id = ids[i % ids.size()];
        tempopb::Trace got;
        auto found = r.FindTrace(id, &got);
        if (!found.ok() || !*found || !Diff(corpus.traces.at(id), got).empty()) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(mismatches == 0);
}

TEST_CASE("Traces must be appended in strictly ascending ID order", "[block]") {
  RandomTraces gen(1);
  TraceId a = gen.Id(), b = gen.Id();
  if (b < a) std::swap(a, b);
  BlockWriter writer;
  REQUIRE(writer.Append(b, gen.Trace(b, 2)).ok());
  Status same = writer.Append(b, gen.Trace(b, 2));
  CHECK(same.code() == StatusCode::kInvalidArgument);
  Status lower = writer.Append(a, gen.Trace(a, 2));
  CHECK(lower.code() == StatusCode::kInvalidArgument);
  BlockMeta meta;
  auto data = writer.Finish(&meta);
  REQUIRE(data.ok());
  CHECK(meta.total_traces == 1);
  CHECK(writer.Append(a, gen.Trace(a, 1)).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Re-encoding a decoded block reproduces it byte for byte", "[block]") {
  Corpus corpus = MakeCorpus(11, 60, 25);
  WriterOptions options;
  options.spans_per_row_group = 200;
  BlockMeta meta1, meta2;
  std::string first = Write(corpus, options, &meta1);
  auto reader = OpenString(first);
  REQUIRE(reader.ok());
  BlockWriter writer(options);
  REQUIRE((*reader)
              ->ForEachTrace(
                  [&](const TraceId& id, tempopb::Trace&& t) { return writer.Append(id, t); })
              .ok());
  auto second = writer.Finish(&meta2);
  REQUIRE(second.ok());
  CHECK(*second == first);
  CHECK(meta1 == meta2);
}

TEST_CASE("A block copied through the cursor's rows equals one copied through messages",
          "[block]") {
  // Compaction copies traces found in one input as rows straight off the decoded columns: every
  // field kind (complex values in the block's own encoding, strings that are not UTF-8, shared
  // resources, links, events) must come out as a copy through decoded messages writes it.
  // (Not always the input block's bytes: where spans share IDs, the writer's span order is not
  // always a fixed point of reading and writing again.)
  const bool utf8_only = GENERATE(false, true);
  Corpus corpus = MakeCorpus(utf8_only ? 23 : 13, 300, 40, utf8_only);
  WriterOptions options;
  options.spans_per_row_group = 500;
  options.values_per_page = 61;
  BlockMeta meta1, meta2, meta3;
  std::string first = Write(corpus, options, &meta1);
  BlockWriter by_message(options);
  auto reader = OpenString(first);
  REQUIRE(reader.ok());
  REQUIRE((*reader)
              ->ForEachTrace(
                  [&](const TraceId& id, tempopb::Trace&& t) { return by_message.Append(id, t); })
              .ok());
  auto want_bytes = by_message.Finish(&meta3);
  REQUIRE(want_bytes.ok());

  CursorOptions cursor_options;
  cursor_options.spans_per_batch = GENERATE(1, 97, 100'000);
  INFO("utf8_only " << utf8_only << ", spans per batch " << cursor_options.spans_per_batch);
  auto cursor = TraceCursor::Open(testing::ReadFrom(first), first.size(), cursor_options);
  REQUIRE(cursor.ok());
  BlockWriter by_rows(options);
  auto want = corpus.traces.begin();
  for (;;) {
    Result<bool> has = (*cursor)->Next();
    REQUIRE(has.ok());
    if (!*has) break;
    REQUIRE(want != corpus.traces.end());
    REQUIRE((*cursor)->id() == want->first);
    REQUIRE(by_rows.Append(want->first, (*cursor)->rows()).ok());
    std::string bytes;
    REQUIRE((*cursor)->AppendSerialized(&bytes).ok());
    {
      // Written without the message, the bytes are what libprotobuf writes for it.
      tempopb::Trace message;
      REQUIRE((*cursor)->rows().ToMessage(&message).ok());
      google::protobuf::LogSilencer silence;  // serializing strings that are not UTF-8 logs
      CHECK(bytes == message.SerializeAsString());
    }
    if (utf8_only) {  // a parse refuses strings that are not UTF-8
      tempopb::Trace got;
      REQUIRE(got.ParseFromString(bytes));
      INFO("trace " << want->first.ToHex());
      CHECK(Diff(want->second, got) == "");
    }
    ++want;
  }
  CHECK(want == corpus.traces.end());
  auto second = by_rows.Finish(&meta2);
  REQUIRE(second.ok());
  CHECK(*second == *want_bytes);
  CHECK(meta2 == meta3);
  CHECK(meta2.total_spans == meta1.total_spans);
}

TEST_CASE("An empty block opens and holds nothing", "[block]") {
  BlockWriter writer;
  BlockMeta meta;
  auto data = writer.Finish(&meta);
  REQUIRE(data.ok());
  CHECK(meta.total_traces == 0);
  CHECK(meta.row_groups == 0);
  auto reader = OpenString(*data);
  REQUIRE(reader.ok());
  CHECK((*reader)->traces() == 0);
  tempopb::Trace t;
  RandomTraces gen(3);
  auto found = (*reader)->FindTrace(gen.Id(), &t);
  REQUIRE(found.ok());
  CHECK_FALSE(*found);
  int calls = 0;
  CHECK((*reader)
            ->ForEachTrace([&](const TraceId&, tempopb::Trace&&) {
              ++calls;
              return Status::Ok();
            })
            .ok());
  CHECK(calls == 0);
}

TEST_CASE("ForEachTrace stops at the callback's first error", "[block]") {
  Corpus corpus = MakeCorpus(5, 20, 5);
  BlockMeta meta;
  std::string data = Write(corpus, {}, &meta);
  auto reader = OpenString(data);
  REQUIRE(reader.ok());
  int calls = 0;
  Status s = (*reader)->ForEachTrace([&](const TraceId&, tempopb::Trace&&) {
    return ++calls == 3 ? CancelledError("enough") : Status::Ok();
  });
  CHECK(s.code() == StatusCode::kCancelled);
  CHECK(calls == 3);
}

TEST_CASE("ColumnSizes names every column with its size", "[block]") {
  Corpus corpus = MakeCorpus(9, 50, 10);
  BlockMeta meta;
  std::string data = Write(corpus, {}, &meta);
  auto reader = OpenString(data);
  REQUIRE(reader.ok());
  std::set<std::string> names;
  uint64_t total = 8;  // the header
  for (const auto& c : (*reader)->ColumnSizes()) {
    names.insert(c.name);
    total += c.compressed_bytes;
  }
  CHECK(total == data.size());
  CHECK(names.count("span.name"));
  CHECK(names.count("span.id"));
  CHECK(names.count("trace.start"));
  CHECK(names.count("span.attr[http.method]:string"));
  CHECK(names.count("span.attr_shape"));
  CHECK(names.count("resource.attr[service.name]:string"));
  CHECK(names.count("section.directory"));
  CHECK(names.count("section.bloom"));
  CHECK(names.count("section.footer"));
}

TEST_CASE("Open reads the tail with one request when given the footer size", "[block]") {
  Corpus corpus = MakeCorpus(13, 3000, 12);
  WriterOptions options;
  options.spans_per_row_group = 2000;
  BlockMeta meta;
  std::string data = Write(corpus, options, &meta);
  REQUIRE(data.size() > 64 * 1024);
  int reads = 0;
  auto reader = BlockReader::Open(testing::ReadFrom(data, &reads), data.size(), meta.footer_size);
  REQUIRE(reader.ok());
  CHECK(reads == 2);  // the tail, then the 8-byte header
  reads = 0;
  tempopb::Trace t;
  auto found = (*reader)->FindTrace(corpus.traces.begin()->first, &t);
  REQUIRE(found.ok());
  CHECK(*found);
  CHECK(reads == 1);
}

TEST_CASE("The bloom filter has about the requested false-positive rate", "[block]") {
  Corpus corpus = MakeCorpus(17, 5000, 0);
  BlockMeta meta;
  std::string data = Write(corpus, {}, &meta);
  auto reader = OpenString(data);
  REQUIRE(reader.ok());
  RandomTraces other(1234);
  int positives = 0, probes = 0;
  for (int i = 0; i < 20000; ++i) {
    TraceId id = other.Id();
    if (corpus.traces.count(id)) continue;
    ++probes;
    positives += (*reader)->MayContain(id) ? 1 : 0;
  }
  double rate = static_cast<double>(positives) / probes;
  INFO("false-positive rate " << rate);
  CHECK(rate < 0.02);
}

}  // namespace
}  // namespace tempo::block
