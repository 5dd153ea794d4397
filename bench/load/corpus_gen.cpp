// Generates the corpus: traces are simulated one after another on a virtual clock; each span is
// "exported" by its service instance at that instance's first export tick after the span ended,
// so a trace's spans arrive spread over several batches (one per instance and tick, late ones
// much later), and every 512 exported spans become one request, as a collector would batch them.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <ostream>

#include "corpus.h"
#include "corpus_io.h"
#include "corpus_model.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace tempo::bench {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::trace::v1::Span;

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kSec = 1'000 * kMs;
// 2026-01-01T00:00:00Z; tempo_load shifts times to "now" when replaying.
constexpr uint64_t kBaseTimeNs = 1'767'225'600ull * kSec;
// Mean gap between trace starts (≈10k spans/s of virtual time at ~20 spans per trace).
constexpr double kMeanTraceGapNs = 2.0 * kMs;
constexpr double kBigTraceRate = 0.01;   // traces of ~1,000 spans
constexpr double kLateTraceRate = 0.01;  // traces with one span ending 10-120 s late

// A span waiting for its export time. Ordered by (emit, seq) so that the order is deterministic.
struct Pending {
  uint64_t emit = 0;
  uint64_t seq = 0;
  int instance_id = 0;  // global instance index (resource)
  int service = 0;
  ScopeKind scope = ScopeKind::kApp;
  std::unique_ptr<Span> span;
};

struct LaterFirst {
  bool operator()(const Pending& a, const Pending& b) const {
    return a.emit != b.emit ? a.emit > b.emit : a.seq > b.seq;
  }
};

int TraceSize(Rng& rng) {
  if (rng.Chance(kBigTraceRate)) return static_cast<int>(rng.Between(800, 1200));
  // Median 10 spans, long tail up to 200.
  double size = rng.LogNormal(10.0, 0.75);
  return std::clamp(static_cast<int>(std::lround(size)), 1, 200);
}

void AddChild(Rng& rng, const std::vector<Service>& services, std::vector<Node>& nodes,
              std::vector<int>& expandable, int parent, int remaining) {
  const Node& p = nodes[parent];
  const Service& s = services[p.service];
  Node n;
  n.parent = parent;
  n.service = p.service;
  n.instance = p.instance;  // same process as its parent
  double r = rng.Uniform();
  if (remaining >= 2 && !s.downstream.empty() && r < 0.45) {
    int callee = rng.Pick(s.downstream);
    const Service& c = services[callee];
    bool grpc = c.inbound == Inbound::kGrpc;
    n.type = grpc ? SpanType::kRpcClient : SpanType::kHttpClient;
    n.peer = callee;
    n.operation = static_cast<int>(rng.Below(c.operations.size()));
    nodes.push_back(n);
    Node server;
    server.parent = static_cast<int>(nodes.size()) - 1;
    server.service = callee;
    server.instance = static_cast<int>(rng.Below(c.instances.size()));
    server.type = grpc ? SpanType::kRpcServer : SpanType::kHttpServer;
    server.operation = n.operation;
    nodes.push_back(server);
    expandable.push_back(static_cast<int>(nodes.size()) - 1);
    return;
  }
  if (!s.db_system.empty() && r < 0.75) {
    n.type = SpanType::kDb;
    nodes.push_back(n);
    return;
  }
  if (remaining >= 2 && !s.topic.empty() && r < 0.85) {
    n.type = SpanType::kProducer;
    nodes.push_back(n);
    Node consumer;
    consumer.parent = static_cast<int>(nodes.size()) - 1;
    consumer.peer = consumer.parent;
    consumer.service = s.consumer;
    consumer.instance = static_cast<int>(rng.Below(services[s.consumer].instances.size()));
    consumer.type = SpanType::kConsumer;
    nodes.push_back(consumer);
    expandable.push_back(static_cast<int>(nodes.size()) - 1);
    return;
  }
  n.type = SpanType::kInternal;
  nodes.push_back(n);
  if (rng.Chance(0.5)) expandable.push_back(static_cast<int>(nodes.size()) - 1);
}

// Shapes one trace of `size` spans rooted at the edge service and times it from `start`.
std::vector<Node> BuildTrace(Rng& rng, const std::vector<Service>& services, int size,
                             uint64_t start, uint64_t root_duration) {
  std::vector<Node> nodes;
  nodes.reserve(size);
  Node root;
  root.type = services[0].inbound == Inbound::kGrpc ? SpanType::kRpcServer : SpanType::kHttpServer;
  root.instance = static_cast<int>(rng.Below(services[0].instances.size()));
  root.operation = static_cast<int>(rng.Below(services[0].operations.size()));
  nodes.push_back(root);
  std::vector<int> expandable = {0};
  while (static_cast<int>(nodes.size()) < size) {
    int parent = expandable[rng.Below(expandable.size())];
    AddChild(rng, services, nodes, expandable, parent, size - static_cast<int>(nodes.size()));
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    Node& n = nodes[i];
    n.span_id = rng.Bytes(8);
    n.error = rng.Chance(kErrorSpanRate);
    if (n.parent < 0) {
      n.start = start;
      n.end = start + root_duration;
      continue;
    }
    const Node& p = nodes[n.parent];
    uint64_t pdur = p.end - p.start;
    if (n.type == SpanType::kHttpServer || n.type == SpanType::kRpcServer) {
      uint64_t net = std::min<uint64_t>(200'000, pdur / 10);
      n.start = p.start + net;
      n.end = std::max(n.start + 1'000, p.end - net);
    } else if (n.type == SpanType::kConsumer) {
      n.start = p.end + static_cast<uint64_t>(rng.Between(100'000, 50 * kMs));
      n.end = n.start + static_cast<uint64_t>(rng.LogNormal(5.0 * kMs, 1.0)) + 1'000;
    } else {
      n.start = p.start + static_cast<uint64_t>(rng.Uniform() * 0.4 * static_cast<double>(pdur));
      uint64_t dur =
          static_cast<uint64_t>((0.02 + 0.5 * rng.Uniform()) * static_cast<double>(pdur));
      n.end = std::max(n.start + 1'000, std::min(n.start + dur, p.end));
    }
  }
  if (nodes.size() > 1 && rng.Chance(kLateTraceRate)) {
    Node& late = nodes[1 + rng.Below(nodes.size() - 1)];
    late.end += static_cast<uint64_t>(rng.Between(10, 120)) * kSec;
  }
  return nodes;
}

const char* ScopeName(ScopeKind kind) {
  switch (kind) {
    case ScopeKind::kHttp:
      return "io.opentelemetry.http-url-connection";
    case ScopeKind::kGrpc:
      return "io.opentelemetry.grpc-1.6";
    case ScopeKind::kDb:
      return "io.opentelemetry.jdbc";
    case ScopeKind::kMessaging:
      return "io.opentelemetry.kafka-clients-2.6";
    default:
      return "";
  }
}

// Accumulates exported spans and writes a request every `spans_per_batch` of them.
class BatchBuilder {
 public:
  BatchBuilder(const std::vector<Service>& services, CorpusFileWriter& writer, uint32_t size)
      : services_(services), writer_(writer), size_(size) {}

  Status Add(Pending&& p) {
    pending_.push_back(std::move(p));
    if (pending_.size() >= size_) return Flush();
    return Status::Ok();
  }

  Status Flush() {
    if (pending_.empty()) return Status::Ok();
    ExportTraceServiceRequest req;
    std::map<std::pair<int, int>, opentelemetry::proto::trace::v1::ScopeSpans*> groups;
    std::map<int, opentelemetry::proto::trace::v1::ResourceSpans*> resources;
    for (Pending& p : pending_) {
      auto& rs = resources[p.instance_id];
      if (rs == nullptr) {
        rs = req.add_resource_spans();
        const Service& s = services_[p.service];
        *rs->mutable_resource() = s.instances[p.instance_id - s.first_instance_id];
        rs->set_schema_url("https://opentelemetry.io/schemas/1.26.0");
      }
      auto& ss = groups[{p.instance_id, static_cast<int>(p.scope)}];
      if (ss == nullptr) {
        ss = rs->add_scope_spans();
        if (p.scope == ScopeKind::kApp) {
          ss->mutable_scope()->set_name("com.example." + services_[p.service].name);
          ss->mutable_scope()->set_version("1.0.0");
        } else {
          ss->mutable_scope()->set_name(ScopeName(p.scope));
          ss->mutable_scope()->set_version("2.10.0-alpha");
        }
      }
      ss->mutable_spans()->AddAllocated(p.span.release());
    }
    std::string bytes;
    if (!req.SerializeToString(&bytes)) return InternalError("cannot serialize a corpus batch");
    uint32_t spans = static_cast<uint32_t>(pending_.size());
    pending_.clear();
    return writer_.Append(bytes, spans);
  }

 private:
  const std::vector<Service>& services_;
  CorpusFileWriter& writer_;
  uint32_t size_;
  std::vector<Pending> pending_;
};

}  // namespace

Status GenerateCorpus(const CorpusOptions& options, const std::string& path,
                      std::ostream* progress) {
  if (options.target_spans == 0 || options.spans_per_batch == 0) {
    return InvalidArgumentError("corpus needs target_spans > 0 and spans_per_batch > 0");
  }
  Rng rng(options.seed);
  std::vector<Service> services = MakeServices(rng);
  int huge = options.huge_traces >= 0
                 ? options.huge_traces
                 : static_cast<int>(std::min<uint64_t>(4, options.target_spans / 500'000));

  std::string tmp = path + ".tmp";
  TEMPO_ASSIGN_OR_RETURN(std::unique_ptr<CorpusFileWriter> writer,
                         CorpusFileWriter::Create(tmp, options.seed));
  BatchBuilder batches(services, *writer, options.spans_per_batch);
  std::vector<Pending> heap;
  std::vector<std::pair<std::string, std::string>> recent_links;
  uint64_t clock = kBaseTimeNs, seq = 0, generated = 0, traces = 0, last_end = 0;
  int huge_done = 0;
  uint64_t next_report = 1'000'000;

  while (generated < options.target_spans) {
    int size = TraceSize(rng);
    uint64_t root_duration = static_cast<uint64_t>(rng.LogNormal(40.0 * kMs, 1.0));
    root_duration = std::clamp<uint64_t>(root_duration, kMs, 30 * kSec);
    if (size >= 800) root_duration = static_cast<uint64_t>(rng.LogNormal(3.0 * kSec, 0.5));
    // Huge traces (long batch jobs) sit at even points of the span budget.
    if (huge_done < huge && generated >= options.target_spans * (2 * huge_done + 1) /
                                             (2 * static_cast<uint64_t>(huge))) {
      size = static_cast<int>(rng.Between(50'000, 60'000));
      root_duration = static_cast<uint64_t>(rng.Between(60, 120)) * kSec;
      ++huge_done;
    }
    std::string trace_id = rng.Bytes(16);
    std::vector<Node> nodes = BuildTrace(rng, services, size, clock, root_duration);
    for (size_t i = 0; i < nodes.size(); ++i) {
      const Node& n = nodes[i];
      auto span = std::make_unique<Span>();
      span->set_trace_id(trace_id);
      span->set_span_id(n.span_id);
      if (n.parent >= 0) span->set_parent_span_id(nodes[n.parent].span_id);
      span->set_start_time_unix_nano(n.start);
      span->set_end_time_unix_nano(n.end);
      DescribeSpan(rng, services, nodes, static_cast<int>(i), trace_id, recent_links, span.get());
      last_end = std::max(last_end, n.end);
      Pending p;
      // The instance's SDK batch processor exports it at its next tick after the span ended.
      uint64_t phase = services[n.service].export_phase_ns[n.instance];
      p.emit = ((n.end + phase) / kExportPeriodNs + 1) * kExportPeriodNs - phase;
      p.seq = seq++;
      p.service = n.service;
      p.instance_id = services[n.service].first_instance_id + n.instance;
      p.scope = ScopeOf(n.type);
      p.span = std::move(span);
      heap.push_back(std::move(p));
      std::push_heap(heap.begin(), heap.end(), LaterFirst());
    }
    if (recent_links.size() < 256) {
      recent_links.emplace_back(trace_id, nodes[0].span_id);
    } else {
      recent_links[traces % 256] = {trace_id, nodes[0].span_id};
    }
    generated += nodes.size();
    ++traces;
    clock += static_cast<uint64_t>(-std::log(rng.Uniform() + 1e-12) * kMeanTraceGapNs);
    // Everything due before the next trace starts has been exported by now.
    while (!heap.empty() && heap.front().emit < clock) {
      std::pop_heap(heap.begin(), heap.end(), LaterFirst());
      TEMPO_RETURN_IF_ERROR(batches.Add(std::move(heap.back())));
      heap.pop_back();
    }
    if (progress != nullptr && generated >= next_report) {
      *progress << "  generated " << generated << " spans in " << traces << " traces\n";
      next_report += 1'000'000;
    }
  }
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), LaterFirst());
    TEMPO_RETURN_IF_ERROR(batches.Add(std::move(heap.back())));
    heap.pop_back();
  }
  TEMPO_RETURN_IF_ERROR(batches.Flush());
  TEMPO_RETURN_IF_ERROR(writer->Finish(traces, kBaseTimeNs, last_end));
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return IOError("cannot rename " + tmp + " to " + path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace tempo::bench
