// TraceQL front end: tokenizing, parsing and validating queries. Input: every query of the shared
// conformance list (shared/conformance/traceql/test_examples.yaml, ~460 queries of 5-90 bytes),
// read from $TEMPO_SOURCE_DIR/../shared or, without that variable, from ../shared next to the
// source tree this binary was built from; plus a few typical single queries.
// TraceQL search evaluation: spans evaluated per second for typical search queries over a
// generated in-memory corpus of 10,000 traces x 100 spans (1 M spans), see BM_Evaluate* below.
#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tempo/traceql/engine.h"
#include "tempo/traceql/lexer.h"
#include "tempo/traceql/memory_fetcher.h"
#include "tempo/traceql/parser.h"
#include "tempo/traceql/trace_view.h"
#include "tempo/traceql/validate.h"
#include "tempopb/tempo.pb.h"

namespace {

struct Queries {
  std::vector<std::string> parses;  // valid + validate_fails + unsupported
  std::vector<std::string> valid;
  std::vector<std::string> parse_fails;
};

const Queries& LoadQueries() {
  static const Queries queries = [] {
    const char* env = std::getenv("TEMPO_SOURCE_DIR");
    std::filesystem::path source = env ? env : TEMPO_DEFAULT_SOURCE_DIR;
    std::filesystem::path path =
        source / ".." / "shared" / "conformance" / "traceql" / "test_examples.yaml";
    Queries q;
    YAML::Node root;
    try {
      root = YAML::LoadFile(path.string());
    } catch (const YAML::Exception& e) {
      std::cerr << "cannot read " << path << ": " << e.what() << "\n";
      std::exit(1);
    }
    for (const char* list : {"valid", "validate_fails", "unsupported"}) {
      for (const YAML::Node& n : root[list]) q.parses.push_back(n.as<std::string>());
    }
    for (const YAML::Node& n : root["valid"]) q.valid.push_back(n.as<std::string>());
    for (const YAML::Node& n : root["parse_fails"]) q.parse_fails.push_back(n.as<std::string>());
    return q;
  }();
  return queries;
}

void SetCounters(benchmark::State& state, const std::vector<std::string>& queries) {
  size_t bytes = 0;
  for (const std::string& q : queries) bytes += q.size();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * queries.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["queries"] = static_cast<double>(queries.size());
}

void BM_TokenizeConformance(benchmark::State& state) {
  const auto& queries = LoadQueries().parses;
  for (auto _ : state) {
    for (const std::string& q : queries) {
      auto tokens = tempo::traceql::Tokenize(q);
      benchmark::DoNotOptimize(tokens);
    }
  }
  SetCounters(state, queries);
}
BENCHMARK(BM_TokenizeConformance);

void BM_ParseConformance(benchmark::State& state) {
  const auto& queries = LoadQueries().parses;
  for (auto _ : state) {
    for (const std::string& q : queries) {
      auto root = tempo::traceql::Parse(q);
      benchmark::DoNotOptimize(root);
    }
  }
  SetCounters(state, queries);
}
BENCHMARK(BM_ParseConformance);

void BM_ParseAndValidateValid(benchmark::State& state) {
  const auto& queries = LoadQueries().valid;
  for (auto _ : state) {
    for (const std::string& q : queries) {
      auto root = tempo::traceql::ParseAndValidate(q);
      benchmark::DoNotOptimize(root);
    }
  }
  SetCounters(state, queries);
}
BENCHMARK(BM_ParseAndValidateValid);

void BM_ParseErrors(benchmark::State& state) {
  const auto& queries = LoadQueries().parse_fails;
  for (auto _ : state) {
    for (const std::string& q : queries) {
      auto root = tempo::traceql::Parse(q);
      benchmark::DoNotOptimize(root);
    }
  }
  SetCounters(state, queries);
}
BENCHMARK(BM_ParseErrors);

void BM_ToStringConformance(benchmark::State& state) {
  std::vector<std::unique_ptr<tempo::traceql::RootExpr>> roots;
  for (const std::string& q : LoadQueries().parses) roots.push_back(*tempo::traceql::Parse(q));
  for (auto _ : state) {
    for (const auto& root : roots) {
      std::string text = tempo::traceql::ToString(*root);
      benchmark::DoNotOptimize(text);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * roots.size()));
}
BENCHMARK(BM_ToStringConformance);

// Typical queries as Grafana and Drilldown send them.
const char* const kTypical[] = {
    "{ resource.service.name = \"checkout\" && span.http.status_code >= 500 }",
    "{ span.http.method =~ \"GET|POST\" && duration > 100ms } | count() > 2",
    "{ nestedSetParent < 0 && true } &>> { status = error } | select(span.http.url)",
    "{ resource.service.name = \"api\" } | quantile_over_time(duration, .5, .9, .99) "
    "by (span.http.route) | topk(10) with(sample=true)",
};

void BM_ParseAndValidateTypical(benchmark::State& state) {
  std::string query = kTypical[state.range(0)];
  for (auto _ : state) {
    auto root = tempo::traceql::ParseAndValidate(query);
    benchmark::DoNotOptimize(root);
  }
  state.SetLabel(std::to_string(query.size()) + " bytes");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseAndValidateTypical)->DenseRange(0, 3);

// ---- Search evaluation over an in-memory corpus ----

constexpr size_t kTraces = 10'000;
constexpr size_t kSpansPerTrace = 100;

using OtlpSpan = opentelemetry::proto::trace::v1::Span;

void AddString(google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>* kvs,
               const char* key, const std::string& value) {
  auto* kv = kvs->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

// One trace of 100 spans over 5 services (one ResourceSpans each): a random tree under span 0;
// HTTP spans carry http.method / http.status_code (1% are 500), database spans db.system
// (postgresql for a third of them), 2% of spans are errors; durations 1 ms - 500 ms.
std::shared_ptr<const tempopb::Trace> GenerateTrace(std::mt19937_64& rng, uint64_t n,
                                                    tempo::TraceId* id) {
  static const char* const kServices[] = {"frontend", "cart",  "checkout", "payment", "x",
                                          "shipping", "email", "currency", "ads",     "auth"};
  static const char* const kNames[] = {"GET /api/users", "GET /api/orders", "POST /api/orders",
                                       "SELECT orders",  "INSERT orders",   "cache.get",
                                       "publish"};
  static const char* const kDbSystems[] = {"postgresql", "mysql", "redis"};
  std::string trace_id(16, '\0');
  for (int i = 0; i < 16; ++i) trace_id[i] = static_cast<char>(rng());
  *id = tempo::TraceId::FromBytes(trace_id);
  auto trace = std::make_shared<tempopb::Trace>();
  std::vector<opentelemetry::proto::trace::v1::ScopeSpans*> scopes;
  for (int r = 0; r < 5; ++r) {
    auto* rs = trace->add_resourcespans();
    AddString(rs->mutable_resource()->mutable_attributes(), "service.name", kServices[rng() % 10]);
    AddString(rs->mutable_resource()->mutable_attributes(), "k8s.namespace.name", "prod");
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("otel-lib");
    scopes.push_back(ss);
  }
  const uint64_t start = 1'700'000'000'000'000'000ull + n * 1'000'000'000ull;
  for (size_t i = 0; i < kSpansPerTrace; ++i) {
    OtlpSpan* span = scopes[i % 5]->add_spans();
    span->set_trace_id(trace_id);
    std::string span_id(8, '\0');
    for (int b = 0; b < 8; ++b) span_id[b] = static_cast<char>((i + 1) >> (8 * (7 - b)));
    span->set_span_id(span_id);
    if (i > 0) {
      uint64_t parent = rng() % i + 1;
      std::string parent_id(8, '\0');
      for (int b = 0; b < 8; ++b) parent_id[b] = static_cast<char>(parent >> (8 * (7 - b)));
      span->set_parent_span_id(parent_id);
    }
    const int name = static_cast<int>(rng() % 7);
    span->set_name(kNames[name]);
    span->set_kind(name <= 2 ? OtlpSpan::SPAN_KIND_SERVER : OtlpSpan::SPAN_KIND_CLIENT);
    span->set_start_time_unix_nano(start + i * 1000);
    span->set_end_time_unix_nano(start + i * 1000 + 1'000'000 + rng() % 499'000'000);
    if (rng() % 50 == 0)
      span->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
    if (name <= 2) {
      AddString(span->mutable_attributes(), "http.method", name <= 1 ? "GET" : "POST");
      auto* code = span->add_attributes();
      code->set_key("http.status_code");
      code->mutable_value()->set_int_value(rng() % 100 == 0 ? 500 : 200);
    } else if (name <= 4) {
      AddString(span->mutable_attributes(), "db.system", kDbSystems[rng() % 3]);
    }
  }
  return trace;
}

struct Corpus {
  std::vector<std::pair<tempo::TraceId, std::shared_ptr<const tempopb::Trace>>> protos;
  std::vector<tempo::traceql::TraceView> views;
  size_t spans = 0;
};

const Corpus& LoadCorpus() {
  static const Corpus corpus = [] {
    Corpus c;
    std::mt19937_64 rng(42);
    for (size_t n = 0; n < kTraces; ++n) {
      tempo::TraceId id;
      auto trace = GenerateTrace(rng, n, &id);
      c.views.push_back(tempo::traceql::TraceView::Build(id, trace));
      c.protos.emplace_back(id, std::move(trace));
      c.spans += kSpansPerTrace;
    }
    return c;
  }();
  return corpus;
}

const char* const kSearchQueries[] = {
    "{ span.http.status_code = 500 }",
    "{ resource.service.name = \"x\" && duration > 100ms }",
    "{ status = error } >> { span.db.system = \"postgresql\" }",
    "{ name =~ \"GET.*\" } | count() > 3",
    "{ span.http.status_code = 599 || resource.service.name = \"nope\" }",  // no match
};

void SetSpanCounters(benchmark::State& state, size_t spans, size_t matches) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * spans));
  state.counters["spans/s"] = benchmark::Counter(static_cast<double>(state.iterations() * spans),
                                                 benchmark::Counter::kIsRate);
  state.counters["matching traces"] = static_cast<double>(matches);
}

// Nested sets, parents and trace-level values for every trace (what a fetcher pays per trace).
void BM_BuildTraceViews(benchmark::State& state) {
  const Corpus& corpus = LoadCorpus();
  for (auto _ : state) {
    for (const auto& [id, trace] : corpus.protos) {
      auto view = tempo::traceql::TraceView::Build(id, trace);
      benchmark::DoNotOptimize(view);
    }
  }
  SetSpanCounters(state, corpus.spans, 0);
}
BENCHMARK(BM_BuildTraceViews)->Unit(benchmark::kMillisecond);

// The pipeline of one query on every trace of the corpus (EvaluateSpansets: no response built).
void BM_EvaluateQuery(benchmark::State& state) {
  const Corpus& corpus = LoadCorpus();
  const char* text = kSearchQueries[state.range(0)];
  auto query = tempo::traceql::SearchQuery::Compile(text);
  if (!query.ok()) {
    state.SkipWithError(query.status().ToString().c_str());
    return;
  }
  size_t matches = 0;
  for (auto _ : state) {
    matches = 0;
    for (const auto& view : corpus.views) {
      auto result = tempo::traceql::EvaluateSpansets(*query, view);
      if (result.ok() && !result->empty()) ++matches;
    }
  }
  state.SetLabel(text);
  SetSpanCounters(state, corpus.spans, matches);
}
BENCHMARK(BM_EvaluateQuery)->DenseRange(0, 4)->Unit(benchmark::kMillisecond);

// What a storage fetcher pays end to end: build the view of each trace, then evaluate the query on
// it while it is still in cache.
void BM_BuildAndEvaluateQuery(benchmark::State& state) {
  const Corpus& corpus = LoadCorpus();
  const char* text = kSearchQueries[state.range(0)];
  auto query = tempo::traceql::SearchQuery::Compile(text);
  size_t matches = 0;
  for (auto _ : state) {
    matches = 0;
    for (const auto& [id, trace] : corpus.protos) {
      auto view = tempo::traceql::TraceView::Build(id, trace);
      auto result = tempo::traceql::EvaluateSpansets(*query, view);
      if (result.ok() && !result->empty()) ++matches;
    }
  }
  state.SetLabel(text);
  SetSpanCounters(state, corpus.spans, matches);
}
BENCHMARK(BM_BuildAndEvaluateQuery)->DenseRange(0, 4)->Unit(benchmark::kMillisecond);

// A whole Search (InMemoryFetcher, unlimited) of the no-match query: every trace is fetched and
// evaluated, nothing is returned.
void BM_SearchNoMatch(benchmark::State& state) {
  const Corpus& corpus = LoadCorpus();
  tempo::traceql::InMemoryFetcher fetcher;
  for (const auto& view : corpus.views) fetcher.Add(view);
  auto query = tempo::traceql::SearchQuery::Compile(kSearchQueries[4]);
  tempo::traceql::SearchOptions options;
  options.limit = 0;
  tempopb::SearchResponse response;
  for (auto _ : state) {
    tempo::Status s =
        tempo::traceql::Search(tempo::RequestContext{}, *query, fetcher, options, &response);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.SetLabel(kSearchQueries[4]);
  SetSpanCounters(state, corpus.spans, static_cast<size_t>(response.traces_size()));
}
BENCHMARK(BM_SearchNoMatch)->Unit(benchmark::kMillisecond);

// A whole Search returning the 20 most recent matches of a selective query (scans everything).
void BM_SearchMostRecent(benchmark::State& state) {
  const Corpus& corpus = LoadCorpus();
  tempo::traceql::InMemoryFetcher fetcher;
  for (const auto& view : corpus.views) fetcher.Add(view);
  auto query = tempo::traceql::SearchQuery::Compile(
      "{ span.http.status_code = 500 } with(most_recent=true)");
  tempopb::SearchResponse response;
  for (auto _ : state) {
    tempo::Status s = tempo::traceql::Search(tempo::RequestContext{}, *query, fetcher,
                                             tempo::traceql::SearchOptions{}, &response);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  SetSpanCounters(state, corpus.spans, static_cast<size_t>(response.traces_size()));
}
BENCHMARK(BM_SearchMostRecent)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
