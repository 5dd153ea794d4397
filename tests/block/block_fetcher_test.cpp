// Equivalence of the pushdown fetch (BlockFetcher) with decoding every trace: over seeded random
// traces written to blocks, for many queries, the candidates include every match and the final
// search results are identical; plus the shared search conformance cases through a block.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "block/block_test_util.h"
#include "block/random_traces.h"
#include "tempo/block/block_fetcher.h"
#include "tempo/traceql/engine.h"
#include "tempo/traceql/memory_fetcher.h"
#include "traceql/search_fixture.h"

namespace tempo::block {
namespace {

namespace otlp_common = opentelemetry::proto::common::v1;
namespace otlp_trace = opentelemetry::proto::trace::v1;

constexpr uint64_t kBase = 1'700'000'000'000'000'000ull;

// Arrays of values are generated unless `g_no_arrays` (they defeat statistics).
bool g_no_arrays = false;

void Attr(google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* attrs, const std::string& key,
          std::mt19937_64& rng) {
  auto* kv = attrs->Add();
  kv->set_key(key);
  switch (g_no_arrays ? rng() % 3 : rng() % 6) {
    case 0:
      kv->mutable_value()->set_int_value(static_cast<int64_t>(rng() % 600));
      break;
    case 1:
      kv->mutable_value()->set_double_value(static_cast<double>(rng() % 100) / 4);
      break;
    case 2:
      kv->mutable_value()->set_bool_value(rng() % 2);
      break;
    case 3: {
      auto* arr = kv->mutable_value()->mutable_array_value();
      arr->add_values()->set_int_value(static_cast<int64_t>(rng() % 600));
      arr->add_values()->set_string_value("v" + std::to_string(rng() % 5));
      break;
    }
    default:
      kv->mutable_value()->set_string_value("v" + std::to_string(rng() % 8));
      break;
  }
}

// Typed attributes in every scope, statuses, kinds, durations, events, links and span trees.
tempopb::Trace StructuredTrace(const TraceId& id, std::mt19937_64& rng) {
  static const char* kKeys[] = {"a", "b", "http.status_code", "service.name"};
  static const char* kNames[] = {"GET /a", "GET /b", "POST /c", "db", ""};
  tempopb::Trace trace;
  const uint64_t start = kBase + (rng() % 1000) * 1'000'000'000ull;
  std::vector<std::string> ids;
  for (int r = 0, nr = 1 + static_cast<int>(rng() % 3); r < nr; ++r) {
    auto* rs = trace.add_resourcespans();
    auto* res = rs->mutable_resource();
    auto* svc = res->add_attributes();
    svc->set_key("service.name");
    svc->mutable_value()->set_string_value("svc-" + std::to_string(rng() % 4));
    if (rng() % 2) Attr(res->mutable_attributes(), kKeys[rng() % 3], rng);
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("lib-" + std::to_string(rng() % 3));
    if (rng() % 3 == 0) Attr(ss->mutable_scope()->mutable_attributes(), kKeys[rng() % 3], rng);
    for (int s = 0, ns = 1 + static_cast<int>(rng() % 5); s < ns; ++s) {
      otlp_trace::Span* span = ss->add_spans();
      span->set_trace_id(std::string(reinterpret_cast<const char*>(id.bytes.data()), 16));
      std::string sid(8, '\0');
      for (char& c : sid) c = static_cast<char>(rng() | 1);
      span->set_span_id(sid);
      if (!ids.empty() && rng() % 5 != 0) span->set_parent_span_id(ids[rng() % ids.size()]);
      ids.push_back(sid);
      span->set_name(kNames[rng() % std::size(kNames)]);
      span->set_kind(static_cast<otlp_trace::Span_SpanKind>(rng() % 6));
      const uint64_t s0 = start + (rng() % 1000) * 1'000'000ull;
      span->set_start_time_unix_nano(s0);
      span->set_end_time_unix_nano(s0 + (rng() % 300) * 1'000'000ull);
      if (rng() % 3 != 0) span->mutable_status()->set_code(
          static_cast<otlp_trace::Status_StatusCode>(rng() % 3));
      for (int a = 0, na = static_cast<int>(rng() % 4); a < na; ++a) {
        Attr(span->mutable_attributes(), kKeys[rng() % std::size(kKeys)], rng);
      }
      if (rng() % 4 == 0) {
        auto* ev = span->add_events();
        ev->set_name(rng() % 2 ? "exception" : "log");
        ev->set_time_unix_nano(s0 + rng() % 1000);
        Attr(ev->mutable_attributes(), kKeys[rng() % 3], rng);
      }
      if (rng() % 6 == 0) {
        auto* link = span->add_links();
        link->set_trace_id(std::string(16, '\x07'));
        link->set_span_id(std::string(8, '\x08'));
        Attr(link->mutable_attributes(), kKeys[rng() % 3], rng);
      }
    }
  }
  return trace;
}

// `n` StructuredTraces with random IDs, drawn from `rng` (left where they end); `arrays` false
// generates no array values.
std::map<TraceId, tempopb::Trace> StructuredTraces(std::mt19937_64& rng, int n,
                                                   bool arrays = true) {
  std::map<TraceId, tempopb::Trace> traces;
  g_no_arrays = !arrays;
  for (int i = 0; i < n; ++i) {
    TraceId id;
    for (auto& b : id.bytes) b = static_cast<uint8_t>(rng());
    traces[id] = StructuredTrace(id, rng);
  }
  g_no_arrays = false;
  return traces;
}

struct TestBlock {
  std::string data;
  std::shared_ptr<const BlockReader> reader;
  traceql::InMemoryFetcher decoded;  // every trace decoded from the block: the slow path
};

void WriteBlock(const std::map<TraceId, tempopb::Trace>& traces, uint32_t spans_per_row_group,
                TestBlock* block) {
  WriterOptions options;
  options.spans_per_row_group = spans_per_row_group;
  options.values_per_page = 64;  // many pages: page statistics matter
  BlockWriter writer(options);
  for (const auto& [id, trace] : traces) REQUIRE(writer.Append(id, trace).ok());
  BlockMeta meta;
  block->data = writer.Finish(&meta).value();
  block->reader = testing::OpenString(block->data).value();
  REQUIRE(block->reader
              ->ForEachTrace([&](const TraceId& id, tempopb::Trace&& trace) {
                block->decoded.Add(id, std::move(trace));
                return Status::Ok();
              })
              .ok());
}

std::set<std::string> CandidateIds(const BlockFetcher& fetcher,
                                   const traceql::SearchQuery& query) {
  std::set<std::string> ids;
  REQUIRE(fetcher
              .Fetch(RequestContext{}, query.fetch_request(),
                     [&](traceql::TraceView&& view) {
                       ids.insert(view.id_text());
                       return true;
                     })
              .ok());
  return ids;
}

tempopb::SearchResponse RunSearch(const traceql::SpansetFetcher& fetcher,
                                  const traceql::SearchQuery& query,
                                  traceql::SearchOptions options) {
  tempopb::SearchResponse response;
  Status s = traceql::Search(RequestContext{}, query, fetcher, options, &response);
  INFO(s.ToString());
  REQUIRE(s.ok());
  response.clear_metrics();
  return response;
}

bool Same(const tempopb::SearchResponse& a, const tempopb::SearchResponse& b) {
  std::string report;
  google::protobuf::util::MessageDifferencer d;
  d.ReportDifferencesToString(&report);
  const bool same = d.Compare(a, b);
  if (!same) UNSCOPED_INFO(report.substr(0, 2000));
  return same;
}

// Passes requests on with FetchRequest::named_attributes_only set, as the querier's search does.
class Projecting : public traceql::SpansetFetcher {
 public:
  explicit Projecting(const BlockFetcher& inner) : inner_(inner) {}
  Status Fetch(const RequestContext& ctx, const traceql::FetchRequest& request,
               const std::function<bool(traceql::TraceView&&)>& consume) const override {
    traceql::FetchRequest projected = request;
    projected.named_attributes_only = true;
    return inner_.Fetch(ctx, projected, consume);
  }

 private:
  const BlockFetcher& inner_;
};

const char* kQueries[] = {
    "{ }",
    "{ span.http.status_code = 500 }",
    "{ span.http.status_code >= 300 && span.http.status_code < 400 }",
    "{ span.http.status_code != 200 }",
    "{ .http.status_code > 550 }",
    "{ .a = \"v3\" }",
    "{ .a = 7 }",
    "{ .a > 20.5 }",
    "{ .a = true }",
    "{ .b != nil }",
    "{ span.b =~ \"v[12]\" }",
    "{ resource.a !~ \"v.*\" }",
    "{ resource.service.name = \"svc-2\" }",
    "{ resource.service.name = \"svc-2\" && duration > 100ms }",
    "{ resource.service.name = \"nope\" }",
    "{ .service.name = \"svc-1\" }",
    "{ instrumentation.a = 3 }",
    "{ instrumentation:name = \"lib-2\" }",
    "{ event.a = \"v1\" }",
    "{ event:name = \"exception\" }",
    "{ link.b < 100 }",
    "{ status = error }",
    "{ status != ok }",
    "{ kind = server }",
    "{ kind = client || kind = consumer }",
    "{ name = \"GET /a\" }",
    "{ name =~ \"GET.*\" }",
    "{ name != \"\" }",
    "{ duration > 250ms }",
    "{ duration <= 2ms }",
    "{ duration = 3ms }",
    "{ trace:duration > 900ms }",
    "{ trace:rootService = \"svc-0\" }",
    "{ trace:rootName = \"db\" }",
    "{ status = error } >> { name = \"db\" }",
    "{ status = error } && { kind = server }",
    "{ status = error } || { .a = 1 }",
    "{ name =~ \"GET.*\" } | count() > 3",
    "{ .a = \"v1\" || duration > 200ms }",
    "{ span.http.status_code = 500.0 }",
    "{ span.http.status_code = \"500\" }",
    "{ span:id != \"0\" }",
    "{ nestedSetLeft > 2 }",
    "{ duration > 1h }",
    "{ .a = nil }",
    "{ !(.a = 3) }",
    // Conditions on one span (FetchRequest::same_span), through every owner table.
    "{ event:name = \"exception\" && status = error }",
    "{ instrumentation:name = \"lib-2\" && kind = server }",
    "{ link.b < 100 && duration > 10ms }",
    "{ .a = \"v3\" && name =~ \"GET.*\" }",
    "{ trace:duration > 500ms && kind = client }",
    "{ resource.service.name = \"svc-1\" && instrumentation:name = \"lib-0\" && status = error }",
    "{ span.b != nil && resource.a != nil } | count() > 1",
    "{ .service.name = \"svc-3\" && event.a != nil && duration < 200ms }",
    "{ resource.service.name = \"svc-2\" && (duration > 100ms || kind = server) }",
};

}  // namespace

TEST_CASE("Block fetch with pushdown matches decoding every trace", "[block][fetch]") {
  std::mt19937_64 rng(42);
  std::map<TraceId, tempopb::Trace> traces;
  testing::RandomTraces random(7);
  for (int i = 0; i < 400; ++i) {
    TraceId id;
    for (auto& b : id.bytes) b = static_cast<uint8_t>(rng());
    traces[id] = i % 5 == 4 ? random.Trace(id, 1 + static_cast<int>(rng() % 8))
                            : StructuredTrace(id, rng);
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
    for (const char* text : {"{ duration > 290ms }", "{ span.http.status_code > 500 }",
                             "{ resource.a = \"v2\" }"}) {
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
                ->ReadTraces(rows, [&](uint64_t, tempopb::Trace&& t) {
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
                              REQUIRE(t.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
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
                              REQUIRE(t.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
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

namespace tempo::block {

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
    auto* kv = it->second.mutable_resourcespans(0)->mutable_scope_spans(0)->mutable_spans(0)
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
  REQUIRE(whole.Fetch(RequestContext{}, query.fetch_request(), [](traceql::TraceView&&) {
                 return true;
               }).ok());
  CHECK(whole.stats().bytes_read * 2 > block_bytes);

  BlockFetcher wide(paged);
  size_t n = 0;
  auto all = traceql::SearchQuery::Compile("{ }").value();
  REQUIRE(wide.Fetch(RequestContext{}, all.fetch_request(), [&](traceql::TraceView&&) {
                ++n;
                return true;
              }).ok());
  CHECK(n == traces.size());
  CHECK(wide.stats().bytes_read * 2 > block_bytes);

  // The combined job's reads: two rows, page by page, equal to the whole-trace lookups.
  const std::string_view dir = block.reader->trace_ids();
  std::vector<uint64_t> rows = {5, 600};
  BlockFetcher reads(paged);
  size_t read = 0;
  REQUIRE(reads
              .ReadTraces(RequestContext{}, traceql::FetchRequest{}, rows,
                          [&](uint64_t row, std::string_view bytes) {
                            tempopb::Trace trace;
                            REQUIRE(trace.ParseFromArray(bytes.data(),
                                                         static_cast<int>(bytes.size())));
                            tempopb::Trace expected;
                            REQUIRE(block.reader->FindTrace(
                                TraceId::FromBytes(dir.substr(row * 16, 16)), &expected).value());
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
