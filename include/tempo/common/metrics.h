#pragma once

#include <atomic>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tempo::metrics {

// Formats a sample value so Prometheus parses it: integral values without exponent or fraction
// ("42"), others in the shortest round-trip form ("0.25", "1.5e-07"), and "+Inf", "-Inf", "NaN".
std::string FormatValue(double v);

// A monotonically increasing value. Thread-safe (lock-free). Negative deltas are ignored.
class Counter {
 public:
  void Inc(double delta = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// A value that goes up and down. Thread-safe (lock-free).
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double delta);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Cumulative histogram with fixed upper bounds (Prometheus semantics: a value v lands in the first
// bucket whose bound is >= v). Bounds are sorted and deduplicated; +Inf is implicit. Thread-safe
// (lock-free).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Per-bucket (non-cumulative) counts; the last entry is the +Inf bucket.
  std::vector<uint64_t> bucket_counts() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

// Default latency buckets in seconds, as Prometheus clients use.
std::vector<double> DefaultLatencyBuckets();

// A named metric with label names; one child per distinct label-value tuple. Children live as long
// as the family; references returned by WithLabels stay valid. Thread-safe.
template <typename T>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::function<std::unique_ptr<T>()> make)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        make_(std::move(make)) {}

  // Values must match label_names() in number and order.
  T& WithLabels(const std::vector<std::string>& values) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = children_[values];
    if (!slot) slot = make_();
    return *slot;
  }
  T& WithLabels(std::initializer_list<std::string_view> values) {
    return WithLabels(std::vector<std::string>(values.begin(), values.end()));
  }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Calls fn(label_values, child) for every child, in label order, under the family's lock.
  void ForEach(const std::function<void(const std::vector<std::string>&, const T&)>& fn) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [labels, child] : children_) fn(labels, *child);
  }

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::function<std::unique_ptr<T>()> make_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// Holds every metric of the process and renders them in the Prometheus text format 0.0.4. Modules
// receive a Registry& from app/ and register their families once at construction. Registering a
// name twice returns the existing family. Thread-safe.
class Registry {
 public:
  CounterFamily& AddCounter(const std::string& name, const std::string& help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(const std::string& name, const std::string& help,
                        std::vector<std::string> label_names = {});
  HistogramFamily& AddHistogram(const std::string& name, const std::string& help,
                                std::vector<std::string> label_names, std::vector<double> bounds);

  // A callback that appends complete exposition text (HELP/TYPE/samples) when rendering; used for
  // values read at scrape time, such as process CPU and RSS.
  void AddCollector(std::function<void(std::string& out)> collector);

  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<CounterFamily>> counters_;
  std::map<std::string, std::unique_ptr<GaugeFamily>> gauges_;
  std::map<std::string, std::unique_ptr<HistogramFamily>> histograms_;
  std::vector<std::function<void(std::string&)>> collectors_;
};

// Registers process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds and
// process_start_time_seconds, read from /proc/self at scrape time.
void RegisterProcessCollector(Registry& registry);

}  // namespace tempo::metrics
