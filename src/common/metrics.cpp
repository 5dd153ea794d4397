#include "tempo/common/metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace tempo::metrics {
namespace {

// Adds `delta` to an atomic double with a compare-and-swap loop (lock-free on x86-64 and arm64).
void AtomicAdd(std::atomic<double>& target, double delta) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + delta, std::memory_order_relaxed,
                                       std::memory_order_relaxed)) {
  }
}

void AppendEscaped(std::string& out, std::string_view text, bool escape_quotes) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '"':
        if (escape_quotes) {
          out += "\\\"";
        } else {
          out += c;
        }
        break;
      default:
        out += c;
    }
  }
}

void AppendHeader(std::string& out, const std::string& name, const std::string& help,
                  std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  AppendEscaped(out, help, /*escape_quotes=*/false);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// Appends `{a="x",b="y"}` (nothing when there are no labels). `extra_name`/`extra_value` add one
// more label at the end (the histogram's `le`).
void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  size_t n = std::min(names.size(), values.size());
  if (n == 0 && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (size_t i = 0; i < n; ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    AppendEscaped(out, values[i], /*escape_quotes=*/true);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void AppendSample(std::string& out, std::string_view name, double value) {
  out += name;
  out += ' ';
  out += FormatValue(value);
  out += '\n';
}

template <typename T>
void RenderSimple(std::string& out, const Family<T>& family, std::string_view type) {
  AppendHeader(out, family.name(), family.help(), type);
  family.ForEach([&](const std::vector<std::string>& labels, const T& child) {
    out += family.name();
    AppendLabels(out, family.label_names(), labels);
    out += ' ';
    out += FormatValue(child.value());
    out += '\n';
  });
}

void RenderHistogram(std::string& out, const HistogramFamily& family) {
  AppendHeader(out, family.name(), family.help(), "histogram");
  const std::string bucket_name = family.name() + "_bucket";
  family.ForEach([&](const std::vector<std::string>& labels, const Histogram& h) {
    std::vector<uint64_t> counts = h.bucket_counts();
    uint64_t cumulative = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
      cumulative += counts[i];
      std::string le = i < h.bounds().size() ? FormatValue(h.bounds()[i]) : "+Inf";
      out += bucket_name;
      AppendLabels(out, family.label_names(), labels, "le", le);
      out += ' ';
      out += std::to_string(cumulative);
      out += '\n';
    }
    out += family.name();
    out += "_sum";
    AppendLabels(out, family.label_names(), labels);
    out += ' ';
    out += FormatValue(h.sum());
    out += '\n';
    // The +Inf bucket and _count must agree even while observations race with the scrape.
    out += family.name();
    out += "_count";
    AppendLabels(out, family.label_names(), labels);
    out += ' ';
    out += std::to_string(cumulative);
    out += '\n';
  });
}

template <typename T>
Family<T>& AddFamily(std::map<std::string, std::unique_ptr<Family<T>>>& families,
                     const std::string& name, const std::string& help,
                     std::vector<std::string> label_names,
                     std::function<std::unique_ptr<T>()> make) {
  auto& slot = families[name];
  if (!slot) {
    bool unlabelled = label_names.empty();
    slot = std::make_unique<Family<T>>(name, help, std::move(label_names), std::move(make));
    // A metric without labels is exported (as zero) from the start, as Prometheus clients do.
    if (unlabelled) slot->WithLabels(std::vector<std::string>{});
  }
  return *slot;
}

// Reads a whole (small) file; empty on error.
std::string ReadSmallFile(const char* path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The space-separated fields of /proc/self/stat after the command name, so that fields[0] is the
// state (field 3 in proc(5)). The command name may itself contain spaces and parentheses.
std::vector<std::string> ReadProcStatFields() {
  std::string stat = ReadSmallFile("/proc/self/stat");
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream in(stat.substr(close + 1));
  std::vector<std::string> fields;
  std::string field;
  while (in >> field) fields.push_back(field);
  return fields;
}

// Field `n` (1-based, as numbered in proc(5)) of /proc/self/stat, or nullopt.
bool StatField(const std::vector<std::string>& fields, size_t n, double* out) {
  if (n < 3 || n - 3 >= fields.size()) return false;
  const std::string& text = fields[n - 3];
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc()) return false;
  *out = static_cast<double>(value);
  return true;
}

double BootTimeSeconds() {
  std::istringstream in(ReadSmallFile("/proc/stat"));
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double btime = 0;
      in >> btime;
      return btime;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

void AppendGaugeText(std::string& out, const char* name, const char* help, std::string_view type,
                     double value) {
  AppendHeader(out, name, help, type);
  AppendSample(out, name, value);
}

void CollectProcess(std::string& out) {
  static const double kTicksPerSecond = static_cast<double>(sysconf(_SC_CLK_TCK));
  static const double kPageSize = static_cast<double>(sysconf(_SC_PAGESIZE));
  static const double kBootTime = BootTimeSeconds();

  std::vector<std::string> fields = ReadProcStatFields();
  double utime = 0, stime = 0, start_ticks = 0, vsize = 0, rss_pages = 0;
  if (StatField(fields, 14, &utime) && StatField(fields, 15, &stime) && kTicksPerSecond > 0) {
    AppendGaugeText(out, "process_cpu_seconds_total",
                    "Total user and system CPU time spent in seconds.", "counter",
                    (utime + stime) / kTicksPerSecond);
  }
  std::error_code ec;
  double open_fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    open_fds += 1;
  }
  if (!ec) {
    AppendGaugeText(out, "process_open_fds", "Number of open file descriptors.", "gauge", open_fds);
  }
  struct rlimit limit {};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    double max_fds = limit.rlim_cur == RLIM_INFINITY ? std::numeric_limits<double>::infinity()
                                                     : static_cast<double>(limit.rlim_cur);
    AppendGaugeText(out, "process_max_fds", "Maximum number of open file descriptors.", "gauge",
                    max_fds);
  }
  if (StatField(fields, 24, &rss_pages)) {
    AppendGaugeText(out, "process_resident_memory_bytes", "Resident memory size in bytes.", "gauge",
                    rss_pages * kPageSize);
  }
  if (StatField(fields, 22, &start_ticks) && kTicksPerSecond > 0 && kBootTime > 0) {
    AppendGaugeText(out, "process_start_time_seconds",
                    "Start time of the process since unix epoch in seconds.", "gauge",
                    kBootTime + start_ticks / kTicksPerSecond);
  }
  if (StatField(fields, 23, &vsize)) {
    AppendGaugeText(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge",
                    vsize);
  }
}

}  // namespace

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Integral values print without exponent or fraction ("42", "1000000"), as long as they are
  // exact in a double.
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, ptr);
}

void Counter::Inc(double delta) {
  if (!(delta >= 0)) return;  // counters never go down; NaN is ignored too
  AtomicAdd(value_, delta);
}

void Gauge::Add(double delta) { AtomicAdd(value_, delta); }

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  // +Inf is implicit; an explicit one would duplicate the last bucket.
  while (!bounds_.empty() && std::isinf(bounds_.back()) && bounds_.back() > 0) bounds_.pop_back();
  buckets_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double v) {
  // Bucket i counts values <= bounds_[i] (Prometheus's `le` is inclusive).
  size_t index = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  if (std::isnan(v)) index = bounds_.size();
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, v);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::bucket_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

CounterFamily& Registry::AddCounter(const std::string& name, const std::string& help,
                                    std::vector<std::string> label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  return AddFamily<Counter>(counters_, name, help, std::move(label_names),
                            [] { return std::make_unique<Counter>(); });
}

GaugeFamily& Registry::AddGauge(const std::string& name, const std::string& help,
                                std::vector<std::string> label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  return AddFamily<Gauge>(gauges_, name, help, std::move(label_names),
                          [] { return std::make_unique<Gauge>(); });
}

HistogramFamily& Registry::AddHistogram(const std::string& name, const std::string& help,
                                        std::vector<std::string> label_names,
                                        std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  return AddFamily<Histogram>(
      histograms_, name, help, std::move(label_names),
      [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); });
}

void Registry::AddCollector(std::function<void(std::string& out)> collector) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string Registry::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  // Families of all three kinds, merged in name order.
  std::map<std::string_view, std::function<void(std::string&)>> renderers;
  for (const auto& [name, family] : counters_) {
    renderers.emplace(name, [&f = *family](std::string& out) { RenderSimple(out, f, "counter"); });
  }
  for (const auto& [name, family] : gauges_) {
    renderers.emplace(name, [&f = *family](std::string& out) { RenderSimple(out, f, "gauge"); });
  }
  for (const auto& [name, family] : histograms_) {
    renderers.emplace(name, [&f = *family](std::string& out) { RenderHistogram(out, f); });
  }
  std::string out;
  for (const auto& [name, render] : renderers) render(out);
  for (const auto& collector : collectors_) collector(out);
  return out;
}

void RegisterProcessCollector(Registry& registry) { registry.AddCollector(CollectProcess); }

}  // namespace tempo::metrics
