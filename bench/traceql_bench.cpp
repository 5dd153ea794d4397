// TraceQL front end: tokenizing, parsing and validating queries. Input: every query of the shared
// conformance list (shared/conformance/traceql/test_examples.yaml, ~460 queries of 5-90 bytes),
// read from $TEMPO_SOURCE_DIR/../shared or, without that variable, from ../shared next to the
// source tree this binary was built from; plus a few typical single queries.
#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "tempo/traceql/lexer.h"
#include "tempo/traceql/parser.h"
#include "tempo/traceql/validate.h"

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

}  // namespace

BENCHMARK_MAIN();
