// The block fetcher against decoding every trace: pushdown, pruning, named attributes and the
// search conformance cases.
#include <algorithm>
#include "block/block_fetch_test_util.h"

namespace tempo::block {
using namespace fetch_test;  // NOLINT: the shared blocks and comparisons

TEST_CASE("Block fetch with pushdown matches decoding every trace", "[block][fetch]") {
  std::mt19937_64 rng(42);
  std::map<TraceId, tempopb::Trace> traces;
  testing::RandomTraces random(7);
  for (int i = 0; i < 400; ++i) {
    TraceId id;
    for (auto& b : id.bytes) b = static_cast<uint8_t>(rng());
    traces[id] =
        i % 5 == 4 ? random.Trace(id, 1 + static_cast<int>(rng() % 8)) : StructuredTrace(id, rng);
  }
  TestBlock block;
  WriteBlock(traces, 150, &block);
  REQUIRE(block.reader->row_groups() > 4);
  BlockFetcher fetcher(block.reader);

  for (const char* text : kQueries) {
    INFO("query: " << text);
    auto query = traceql::SearchQuery::Compile(text);
    REQUIRE(query.ok());
    traceql::SearchOptions options;
    options.limit = 0;
    tempopb::SearchResponse slow = RunSearch(block.decoded, *query, options);
    std::set<std::string> candidates = CandidateIds(fetcher, *query);
    for (const auto& t : slow.traces()) CHECK(candidates.count(t.traceid()) == 1);
    tempopb::SearchResponse fast = RunSearch(fetcher, *query, options);
    CHECK(Same(fast, slow));
    CHECK(fast.traces_size() == slow.traces_size());
    CHECK(Same(RunSearch(Projecting(fetcher), *query, options), slow));

    // A time window prunes row groups and traces the same way.
    options.start_unix_nano = kBase + 300 * 1'000'000'000ull;
    options.end_unix_nano = kBase + 600 * 1'000'000'000ull;
    slow = RunSearch(block.decoded, *query, options);
    fast = RunSearch(fetcher, *query, options);
    CHECK(Same(fast, slow));
  }
}

TEST_CASE("Block fetch prunes row groups and traces", "[block][fetch]") {
  std::mt19937_64 rng(3);
  std::map<TraceId, tempopb::Trace> traces = StructuredTraces(rng, 300, false);
  TestBlock block;
  WriteBlock(traces, 200, &block);

  SECTION("a value outside every page's range reads nothing") {
    BlockFetcher fetcher(block.reader);
    auto query = traceql::SearchQuery::Compile("{ span.http.status_code = 100000 }").value();
    CHECK(CandidateIds(fetcher, query).empty());
    CHECK(fetcher.stats().row_groups_skipped == block.reader->row_groups());
    CHECK(fetcher.stats().bytes_read == 0);
  }
  SECTION("a single span condition materializes exactly the matching traces") {
    BlockFetcher fetcher(block.reader);
    // (Duplicate span attribute keys make the attribute query a little wider than the engine,
    // which reads the first one.)
    for (const char* text :
         {"{ duration > 290ms }", "{ span.http.status_code > 500 }", "{ resource.a = \"v2\" }"}) {
      INFO(text);
      auto query = traceql::SearchQuery::Compile(text).value();
      std::set<std::string> candidates = CandidateIds(fetcher, query);
      traceql::SearchOptions options;
      options.limit = 0;
      const size_t matches =
          static_cast<size_t>(RunSearch(block.decoded, query, options).traces_size());
      if (std::string(text).find("span.") == std::string::npos) {
        CHECK(candidates.size() == matches);
      } else {
        CHECK(candidates.size() >= matches);
        CHECK(candidates.size() <= matches + matches / 4);
      }
      CHECK(candidates.size() < traces.size() / 2);
    }
  }
  SECTION("a floor leaves out the traces starting before it and decides the others as before") {
    BlockFetcher all(block.reader);
    const auto infos = block.reader->RowGroupInfos();
    auto every_trace = traceql::SearchQuery::Compile("{ }").value();
    std::vector<uint64_t> group_newest;  // the latest start of every trace of each row group
    for (uint32_t g = 0; g < block.reader->row_groups(); ++g) {
      BlockFetcher::RowGroupCandidates c;
      REQUIRE(all.ScanRowGroup(every_trace.fetch_request(), g, &c).ok());
      REQUIRE(c.rows.size() == infos[g].traces);
      group_newest.push_back(*std::max_element(c.starts.begin(), c.starts.end()));
      // The statistics bound the starts exactly.
      CHECK(infos[g].max_trace_start == group_newest.back());
      CHECK(infos[g].max_trace_start <= infos[g].max_end);
    }
    for (const char* text : {"{ }", "{ span.http.status_code > 500 }",
                             "{ span.http.status_code > 500 && resource.a = \"v2\" }"}) {
      INFO(text);
      auto query = traceql::SearchQuery::Compile(text).value();
      for (uint32_t g = 0; g < block.reader->row_groups(); ++g) {
        BlockFetcher::RowGroupCandidates every, floored;
        REQUIRE(all.ScanRowGroup(query.fetch_request(), g, &every).ok());
        const uint64_t newest = group_newest[g];
        std::vector<uint64_t> sorted = every.starts;
        std::sort(sorted.begin(), sorted.end());
        const uint64_t median = sorted.empty() ? newest : sorted[sorted.size() / 2];
        for (uint64_t floor : {uint64_t{0}, median, newest, newest + 1}) {
          BlockFetcher::Options options;
          options.min_start = [floor] { return floor; };
          BlockFetcher fetcher(block.reader, options);
          REQUIRE(fetcher.ScanRowGroup(query.fetch_request(), g, &floored).ok());
          std::vector<uint64_t> want;
          for (size_t i = 0; i < every.rows.size(); ++i) {
            if (every.starts[i] >= floor) want.push_back(every.rows[i]);
          }
          CHECK(floored.rows == want);
          if (floor > newest) CHECK(fetcher.stats().spans_scanned == 0);
        }
      }
    }
  }
  SECTION("skipped traces and row group ranges are honoured") {
    BlockFetcher::Options options;
    options.first_row_group = 1;
    options.last_row_group = 2;
    size_t skipped = 0;
    options.skip = [&skipped](const TraceId&) { return ++skipped % 2 == 0; };
    BlockFetcher fetcher(block.reader, options);
    auto query = traceql::SearchQuery::Compile("{ }").value();
    const size_t in_group = block.reader->RowGroupInfos()[1].traces;
    CHECK(CandidateIds(fetcher, query).size() == in_group - in_group / 2);
  }
}

namespace {

// Every attribute key of `trace` (resources, scopes, spans, events) into `keys`.
void AddAttributeKeys(const tempopb::Trace& trace, std::set<std::string>* keys) {
  for (const auto& rs : trace.resourcespans()) {
    for (const auto& kv : rs.resource().attributes()) keys->insert(kv.key());
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& kv : ss.scope().attributes()) keys->insert(kv.key());
      for (const auto& span : ss.spans()) {
        for (const auto& kv : span.attributes()) keys->insert(kv.key());
        for (const auto& e : span.events()) {
          for (const auto& kv : e.attributes()) keys->insert(kv.key());
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("Reads for named attributes only leave the other attributes out", "[block][fetch]") {
  std::mt19937_64 rng(5);
  std::map<TraceId, tempopb::Trace> traces = StructuredTraces(rng, 50);
  TestBlock block;
  WriteBlock(traces, 100, &block);
  BlockFetcher fetcher(block.reader);
  traceql::FetchRequest request =
      traceql::SearchQuery::Compile("{ span.a != nil }").value().fetch_request();

  SECTION("a fetch") {
    request.named_attributes_only = true;
    std::set<std::string> keys;
    size_t fetched = 0;
    REQUIRE(fetcher
                .Fetch(RequestContext{}, request,
                       [&](traceql::TraceView&& view) {
                         ++fetched;
                         AddAttributeKeys(view.trace(), &keys);
                         return true;
                       })
                .ok());
    CHECK(fetched > 10);
    CHECK(keys == std::set<std::string>{"a", "service.name"});
  }
  SECTION("given rows: the same spans, only the named attributes") {
    std::vector<uint64_t> rows;
    for (uint64_t r = 1; r < traces.size(); r += 3) rows.push_back(r);
    // Without the flag: the reader's traces.
    std::vector<tempopb::Trace> whole;
    REQUIRE(block.reader
                ->ReadTraces(rows,
                             [&](uint64_t, tempopb::Trace&& t) {
                               whole.push_back(std::move(t));
                               return Status::Ok();
                             })
                .ok());
    size_t i = 0;
    REQUIRE(fetcher
                .ReadTraces(RequestContext{}, request, rows,
                            [&](uint64_t row, std::string_view bytes) {
                              CHECK(row == rows[i]);
                              tempopb::Trace t;
                              REQUIRE(
                                  t.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
                              CHECK(testing::Diff(whole[i++], t).empty());
                              return Status::Ok();
                            })
                .ok());
    CHECK(i == rows.size());
    request.named_attributes_only = true;
    std::set<std::string> keys;
    i = 0;
    REQUIRE(fetcher
                .ReadTraces(RequestContext{}, request, rows,
                            [&](uint64_t, std::string_view bytes) {
                              tempopb::Trace t;
                              REQUIRE(
                                  t.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
                              CHECK(testing::SpanCount(t) == testing::SpanCount(whole[i++]));
                              AddAttributeKeys(t, &keys);
                              return Status::Ok();
                            })
                .ok());
    CHECK(i == rows.size());
    CHECK(keys == std::set<std::string>{"a", "service.name"});
    std::set<std::string> all_keys;
    for (const tempopb::Trace& t : whole) AddAttributeKeys(t, &all_keys);
    CHECK(all_keys.size() > keys.size());
  }
}

TEST_CASE("The search conformance cases hold through a block", "[block][fetch]") {
  std::map<TraceId, tempopb::Trace> traces;
  traceql::TraceView fixture = traceql::testing::FixtureTrace();
  traces[fixture.id()] = fixture.trace();
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 49; ++i) {
    traceql::TraceView filler = traceql::testing::RandomTrace(rng, 10);
    traces[filler.id()] = filler.trace();
  }
  TestBlock block;
  WriteBlock(traces, 100, &block);
  BlockFetcher fetcher(block.reader);
  const auto& cases = traceql::testing::SearchCases();
  for (const char* category : {"match", "nomatch"}) {
    for (const auto& q : cases[category]) {
      const std::string text = q.get<std::string>();
      INFO(category << " query: " << text);
      auto query = traceql::SearchQuery::Compile(text);
      REQUIRE(query.ok());
      traceql::SearchOptions options;
      options.limit = 0;
      tempopb::SearchResponse fast = RunSearch(fetcher, *query, options);
      bool found = false;
      for (const auto& t : fast.traces()) found = found || t.traceid() == fixture.id_text();
      CHECK(found == (std::string(category) == "match"));
      CHECK(Same(fast, RunSearch(block.decoded, *query, options)));
      CHECK(Same(RunSearch(Projecting(fetcher), *query, options), fast));
    }
  }
}

}  // namespace tempo::block
