#include "tempo/common/metrics.h"

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

namespace tempo::metrics {
namespace {

TEST_CASE("Registry renders families in name order in the Prometheus text format", "[common]") {
  Registry registry;
  CounterFamily& requests = registry.AddCounter("tempo_test_total", "A test counter.", {"tenant"});
  requests.WithLabels({"b"}).Inc(2);
  requests.WithLabels({"a\"\\\n"}).Inc();
  GaugeFamily& gauge = registry.AddGauge("tempo_a_gauge", "Help with \\ and\nnewline.");
  gauge.WithLabels(std::vector<std::string>{}).Set(1.5);
  HistogramFamily& latency =
      registry.AddHistogram("tempo_latency_seconds", "Latency.", {"route"}, {0.1, 1});
  Histogram& h = latency.WithLabels({"x"});
  h.Observe(0.0625);
  h.Observe(0.5);
  h.Observe(3);

  CHECK(registry.Render() ==
        "# HELP tempo_a_gauge Help with \\\\ and\\nnewline.\n"
        "# TYPE tempo_a_gauge gauge\n"
        "tempo_a_gauge 1.5\n"
        "# HELP tempo_latency_seconds Latency.\n"
        "# TYPE tempo_latency_seconds histogram\n"
        "tempo_latency_seconds_bucket{route=\"x\",le=\"0.1\"} 1\n"
        "tempo_latency_seconds_bucket{route=\"x\",le=\"1\"} 2\n"
        "tempo_latency_seconds_bucket{route=\"x\",le=\"+Inf\"} 3\n"
        "tempo_latency_seconds_sum{route=\"x\"} 3.5625\n"
        "tempo_latency_seconds_count{route=\"x\"} 3\n"
        "# HELP tempo_test_total A test counter.\n"
        "# TYPE tempo_test_total counter\n"
        "tempo_test_total{tenant=\"a\\\"\\\\\\n\"} 1\n"
        "tempo_test_total{tenant=\"b\"} 2\n");
}

TEST_CASE("A metric without labels is exported as zero before its first update", "[common]") {
  Registry registry;
  registry.AddCounter("tempo_things_total", "Things.");
  registry.AddHistogram("tempo_wait_seconds", "Waits.", {}, {1});
  CHECK(registry.Render() ==
        "# HELP tempo_things_total Things.\n"
        "# TYPE tempo_things_total counter\n"
        "tempo_things_total 0\n"
        "# HELP tempo_wait_seconds Waits.\n"
        "# TYPE tempo_wait_seconds histogram\n"
        "tempo_wait_seconds_bucket{le=\"1\"} 0\n"
        "tempo_wait_seconds_bucket{le=\"+Inf\"} 0\n"
        "tempo_wait_seconds_sum 0\n"
        "tempo_wait_seconds_count 0\n");
}

TEST_CASE("Registering a name twice returns the existing family", "[common]") {
  Registry registry;
  CounterFamily& first = registry.AddCounter("tempo_dup_total", "First.", {"a"});
  CounterFamily& second = registry.AddCounter("tempo_dup_total", "Second.", {"a"});
  CHECK(&first == &second);
  HistogramFamily& h1 = registry.AddHistogram("tempo_dup_seconds", "H.", {"a"}, {1});
  HistogramFamily& h2 = registry.AddHistogram("tempo_dup_seconds", "H.", {"a"}, {2});
  CHECK(&h1 == &h2);
  CHECK(h2.WithLabels({"x"}).bounds() == std::vector<double>{1});
}

TEST_CASE("Histogram buckets are inclusive upper bounds with an implicit +Inf bucket", "[common]") {
  Histogram h({1, 0.5, 1, std::numeric_limits<double>::infinity()});
  CHECK(h.bounds() == std::vector<double>{0.5, 1});
  h.Observe(0.5);  // lands in le=0.5
  h.Observe(0.75);
  h.Observe(1);  // lands in le=1
  h.Observe(100);
  CHECK(h.bucket_counts() == std::vector<uint64_t>{1, 2, 1});
  CHECK(h.count() == 4);
  CHECK(h.sum() == Approx(102.25));
}

TEST_CASE("Counters ignore negative increments and gauges move both ways", "[common]") {
  Counter c;
  c.Inc(3);
  c.Inc(-1);
  CHECK(c.value() == 3);
  Gauge g;
  g.Add(2.5);
  g.Add(-4);
  CHECK(g.value() == -1.5);
  g.Set(7);
  CHECK(g.value() == 7);
}

TEST_CASE("Sample values are formatted so Prometheus parses them", "[common]") {
  CHECK(FormatValue(0) == "0");
  CHECK(FormatValue(42) == "42");
  CHECK(FormatValue(-3) == "-3");
  CHECK(FormatValue(1e6) == "1000000");
  CHECK(FormatValue(123456789012.0) == "123456789012");
  CHECK(FormatValue(0.25) == "0.25");
  CHECK(FormatValue(0.1) == "0.1");
  CHECK(FormatValue(1.5e-7) == "1.5e-07");
  CHECK(FormatValue(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(FormatValue(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(FormatValue(std::nan("")) == "NaN");
}

TEST_CASE("Concurrent updates are not lost", "[common]") {
  Registry registry;
  CounterFamily& counters = registry.AddCounter("tempo_c_total", "C.", {"k"});
  HistogramFamily& histograms = registry.AddHistogram("tempo_h", "H.", {"k"}, {0.5});
  Gauge gauge;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        counters.WithLabels({"shared"}).Inc();
        histograms.WithLabels({"shared"}).Observe(i % 2 == 0 ? 0.25 : 1.0);
        gauge.Add(0.5);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(counters.WithLabels({"shared"}).value() == kThreads * kPerThread);
  Histogram& h = histograms.WithLabels({"shared"});
  CHECK(h.count() == kThreads * kPerThread);
  CHECK(h.bucket_counts() ==
        std::vector<uint64_t>{kThreads * kPerThread / 2, kThreads * kPerThread / 2});
  CHECK(h.sum() == Approx(kThreads * kPerThread / 2 * 1.25));
  CHECK(gauge.value() == kThreads * kPerThread * 0.5);
}

TEST_CASE("Collectors append their text after the registered families", "[common]") {
  Registry registry;
  registry.AddGauge("tempo_g", "G.");
  registry.AddCollector([](std::string& out) { out += "# TYPE x gauge\nx 1\n"; });
  CHECK(registry.Render() ==
        "# HELP tempo_g G.\n# TYPE tempo_g gauge\ntempo_g 0\n"
        "# TYPE x gauge\nx 1\n");
}

double SampleValue(const std::string& text, const std::string& name) {
  size_t pos = text.find("\n" + name + " ");
  if (pos == std::string::npos) return -1;
  return std::stod(text.substr(pos + name.size() + 2));
}

TEST_CASE("The process collector reports CPU, memory, file descriptors and start time",
          "[common]") {
  Registry registry;
  RegisterProcessCollector(registry);
  std::string text = registry.Render();
  CHECK(text.find("# TYPE process_cpu_seconds_total counter\n") != std::string::npos);
  CHECK(SampleValue(text, "process_cpu_seconds_total") >= 0);
  CHECK(SampleValue(text, "process_resident_memory_bytes") > 1024 * 1024);
  CHECK(SampleValue(text, "process_virtual_memory_bytes") >=
        SampleValue(text, "process_resident_memory_bytes"));
  CHECK(SampleValue(text, "process_open_fds") >= 3);
  CHECK(SampleValue(text, "process_max_fds") >= SampleValue(text, "process_open_fds"));
  // Started after 2020 and not in the future.
  double start = SampleValue(text, "process_start_time_seconds");
  CHECK(start > 1.5e9);
  CHECK(start <= static_cast<double>(std::time(nullptr)) + 1);
}

}  // namespace
}  // namespace tempo::metrics
