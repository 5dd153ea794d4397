// The block fetcher for callers that combine traces: predicates on stored copies and on a few
// rows, page-by-page reads, same-span conjunctions.
#include "block/block_fetch_test_util.h"

namespace tempo::block {
using namespace fetch_test;  // NOLINT: the shared blocks and comparisons

TEST_CASE("Predicates decided on stored copies never rule out a matching trace", "[block][fetch]") {
  std::mt19937_64 rng(11);
  std::map<TraceId, tempopb::Trace> traces = StructuredTraces(rng, 300);
  // An attribute-less resource: combining gives it service.name = "unknown_service".
  traces.begin()->second.mutable_resourcespans(0)->mutable_resource()->clear_attributes();
  TestBlock block;
  WriteBlock(traces, 150, &block);
  BlockFetcher fetcher(block.reader);
  std::vector<uint64_t> rows;
  for (uint64_t r = 0; r < block.reader->traces(); r += 1 + rng() % 3) rows.push_back(r);
  const std::string_view dir = block.reader->trace_ids();
  std::map<TraceId, std::string> id_text;
  for (const auto& [id, trace] : traces) {
    id_text[id] = traceql::TraceView::Build(id, tempopb::Trace(trace)).id_text();
  }
  std::vector<const char*> queries(std::begin(kQueries), std::end(kQueries));
  queries.push_back("{ resource.service.name = \"unknown_service\" }");
  queries.push_back("{ .service.name != \"svc-1\" && duration > 10ms }");
  size_t pruned = 0;
  for (const char* text : queries) {
    INFO("query: " << text);
    auto query = traceql::SearchQuery::Compile(text).value();
    const traceql::FetchRequest& request = query.fetch_request();
    const size_t np = static_cast<size_t>(
        std::count_if(request.conditions.begin(), request.conditions.end(),
                      [](const traceql::Condition& c) { return c.op.has_value(); }));
    std::vector<uint8_t> holds;
    REQUIRE(fetcher.PredicatesOnRows(RequestContext{}, request, rows, &holds).ok());
    REQUIRE(holds.size() == rows.size() * np);
    if (std::string(text).find("unknown_service") != std::string::npos) {
      CHECK(holds[0] == 1);  // row 0: the attribute-less resource
    }
    traceql::SearchOptions options;
    options.limit = 0;
    std::set<std::string> matches;
    const tempopb::SearchResponse slow = RunSearch(block.decoded, query, options);
    for (const auto& t : slow.traces()) {
      matches.insert(t.traceid());
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      const size_t held =
          static_cast<size_t>(std::count(holds.begin() + static_cast<ptrdiff_t>(i * np),
                                         holds.begin() + static_cast<ptrdiff_t>((i + 1) * np), 1));
      const bool candidate = np == 0 || (request.all_conditions ? held == np : held > 0);
      pruned += !candidate;
      if (matches.count(id_text[TraceId::FromBytes(dir.substr(rows[i] * 16, 16))])) {
        CHECK(candidate);
      }
    }
  }
  CHECK(pruned > 0);
  std::vector<uint8_t> holds;
  auto query = traceql::SearchQuery::Compile("{ duration > 1ms }").value();
  CHECK(fetcher.PredicatesOnRows(RequestContext{}, query.fetch_request(), {3, 2}, &holds).code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("Predicates on a few rows read only their rows and decide them as a full scan does",
          "[block][fetch]") {
  // A few rows of a large row group are decided on their own rows only (RowGroupScan::Restrict);
  // the answer for each row must equal the one a scan of every row gives. Small pages put the
  // selected rows' attribute values behind many shape pages, so their offsets come from the
  // shape page starts plus counting within the page.
  std::mt19937_64 rng(23);
  std::map<TraceId, tempopb::Trace> traces = StructuredTraces(rng, 800);
  TestBlock block;
  WriteBlock(traces, 100000, &block);
  BlockFetcher fetcher(block.reader);
  std::vector<uint64_t> all, few;
  for (uint64_t r = 0; r < block.reader->traces(); ++r) all.push_back(r);
  for (uint64_t r = 3; r < block.reader->traces(); r += 20 + rng() % 30) {
    few.push_back(r);
    if (rng() % 3 == 0 && r + 1 < block.reader->traces()) few.push_back(++r);  // adjacent rows
  }
  std::vector<const char*> queries(std::begin(kQueries), std::end(kQueries));
  for (const char* q : {"{ resource.service.name = \"svc-2\" && duration > 250ms }",
                        "{ instrumentation:name = \"lib-1\" && kind = server }",
                        "{ event:name = \"exception\" && status = error }",
                        "{ event.a = \"v1\" && link.b < 100 }", "{ .a = \"v3\" && .b != nil }"}) {
    queries.push_back(q);
  }
  size_t decided = 0;
  for (const char* text : queries) {
    INFO("query: " << text);
    auto query = traceql::SearchQuery::Compile(text).value();
    const traceql::FetchRequest& request = query.fetch_request();
    std::vector<uint8_t> full, sparse;
    REQUIRE(fetcher.PredicatesOnRows(RequestContext{}, request, all, &full).ok());
    REQUIRE(fetcher.PredicatesOnRows(RequestContext{}, request, few, &sparse).ok());
    const size_t np = few.empty() ? 0 : sparse.size() / few.size();
    REQUIRE(full.size() == all.size() * np);
    for (size_t i = 0; i < few.size(); ++i) {
      for (size_t p = 0; p < np; ++p) {
        INFO("row " << few[i] << " predicate " << p);
        CHECK(sparse[i * np + p] == full[few[i] * np + p]);
        decided += sparse[i * np + p] == 0;
      }
    }
  }
  CHECK(decided > 0);  // some predicates were ruled out on the few rows
}

TEST_CASE("A few candidates of a large row group are read page by page", "[block][fetch]") {
  // One row group of 800 traces; a condition only two of them meet. The candidates must come out
  // whole and equal to their decoded copies, reading a small part of the row group where small
  // reads are cheap (LookupReads::kPages); a query that most traces meet, or a reader for an
  // object store (kRowGroup), reads the row group whole.
  std::mt19937_64 rng(31);
  std::map<TraceId, tempopb::Trace> traces = StructuredTraces(rng, 800);
  std::vector<TraceId> marked;
  for (auto it = traces.begin(); marked.size() < 2; std::advance(it, 300)) {
    auto* kv = it->second.mutable_resourcespans(0)
                   ->mutable_scope_spans(0)
                   ->mutable_spans(0)
                   ->add_attributes();
    kv->set_key("marker");
    kv->mutable_value()->set_string_value("here");
    marked.push_back(it->first);
  }
  TestBlock block;
  WriteBlock(traces, 100000, &block);
  REQUIRE(block.reader->row_groups() == 1);
  const uint64_t block_bytes = block.data.size();
  std::shared_ptr<const BlockReader> paged =
      testing::OpenString(block.data, LookupReads::kPages).value();

  BlockFetcher fetcher(paged);
  auto query = traceql::SearchQuery::Compile("{ span.marker = \"here\" }").value();
  std::map<std::string, std::string> found;  // id -> serialized trace
  REQUIRE(fetcher
              .Fetch(RequestContext{}, query.fetch_request(),
                     [&](traceql::TraceView&& view) {
                       found[view.id_text()] = view.trace().SerializeAsString();
                       return true;
                     })
              .ok());
  REQUIRE(found.size() == 2);
  for (const TraceId& id : marked) {
    tempopb::Trace expected;
    REQUIRE(block.reader->FindTrace(id, &expected).value());
    const std::string text = traceql::TraceView::Build(id, tempopb::Trace(expected)).id_text();
    REQUIRE(found.count(text) == 1);
    CHECK(found[text] == expected.SerializeAsString());
  }
  CHECK(fetcher.stats().bytes_read * 2 < block_bytes);
  BlockFetcher whole(block.reader);
  REQUIRE(
      whole
          .Fetch(RequestContext{}, query.fetch_request(), [](traceql::TraceView&&) { return true; })
          .ok());
  CHECK(whole.stats().bytes_read * 2 > block_bytes);

  BlockFetcher wide(paged);
  size_t n = 0;
  auto all = traceql::SearchQuery::Compile("{ }").value();
  REQUIRE(wide.Fetch(RequestContext{}, all.fetch_request(),
                     [&](traceql::TraceView&&) {
                       ++n;
                       return true;
                     })
              .ok());
  CHECK(n == traces.size());
  CHECK(wide.stats().bytes_read * 2 > block_bytes);

  // The combined job's reads: two rows, page by page, equal to the whole-trace lookups.
  const std::string_view dir = block.reader->trace_ids();
  std::vector<uint64_t> rows = {5, 600};
  BlockFetcher reads(paged);
  size_t read = 0;
  REQUIRE(reads
              .ReadTraces(
                  RequestContext{}, traceql::FetchRequest{}, rows,
                  [&](uint64_t row, std::string_view bytes) {
                    tempopb::Trace trace;
                    REQUIRE(trace.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
                    tempopb::Trace expected;
                    REQUIRE(block.reader
                                ->FindTrace(TraceId::FromBytes(dir.substr(row * 16, 16)), &expected)
                                .value());
                    CHECK(trace.SerializeAsString() == expected.SerializeAsString());
                    ++read;
                    return Status::Ok();
                  })
              .ok());
  CHECK(read == 2);
}

TEST_CASE("Conditions of one filter joined by && are decided per span", "[block][fetch]") {
  for (const char* text : {"{ name = \"a\" && duration > 1ms }",
                           "{ name = \"a\" && duration > 1ms && kind = server } | count() > 1",
                           "{ name = \"a\" && !(duration > 1ms) }"}) {
    INFO(text);
    CHECK(traceql::SearchQuery::Compile(text).value().fetch_request().same_span);
  }
  for (const char* text :
       {"{ name = \"a\" } && { duration > 1ms }", "{ name = \"a\" || duration > 1ms }",
        "{ name = \"a\" && (duration > 1ms || kind = server) }",
        "{ name = \"a\" && duration > 1ms } | { kind = server }",
        "{ name = \"a\" && duration > 1ms } >> { kind = server }", "{ name = \"a\" }"}) {
    INFO(text);
    const traceql::FetchRequest& request =
        traceql::SearchQuery::Compile(text).value().fetch_request();
    CHECK((!request.same_span || request.conditions.size() == 1));
  }

  std::mt19937_64 rng(5);
  std::map<TraceId, tempopb::Trace> traces = StructuredTraces(rng, 300, false);
  TestBlock block;
  WriteBlock(traces, 200, &block);
  BlockFetcher fetcher(block.reader);
  for (const char* text : {"{ resource.service.name = \"svc-2\" && duration > 250ms }",
                           "{ instrumentation:name = \"lib-1\" && kind = server }",
                           "{ event:name = \"exception\" && status = error }"}) {
    INFO(text);
    auto query = traceql::SearchQuery::Compile(text).value();
    REQUIRE(query.fetch_request().same_span);
    traceql::FetchRequest per_trace = query.fetch_request();
    per_trace.same_span = false;
    std::set<std::string> per_span, wide;
    auto collect = [](std::set<std::string>* ids) {
      return [ids](traceql::TraceView&& view) {
        ids->insert(view.id_text());
        return true;
      };
    };
    REQUIRE(fetcher.Fetch(RequestContext{}, query.fetch_request(), collect(&per_span)).ok());
    REQUIRE(fetcher.Fetch(RequestContext{}, per_trace, collect(&wide)).ok());
    traceql::SearchOptions options;
    options.limit = 0;
    const tempopb::SearchResponse slow = RunSearch(block.decoded, query, options);
    for (const auto& t : slow.traces()) CHECK(per_span.count(t.traceid()) == 1);
    for (const std::string& id : per_span) CHECK(wide.count(id) == 1);
    CHECK(per_span.size() < wide.size());
  }
}

}  // namespace tempo::block
