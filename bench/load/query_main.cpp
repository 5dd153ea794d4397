// tempo_query: the query benchmark against a running server that holds a replayed corpus
// (bench/load/run_query.sh drives it), and two helpers of the bench scripts.
//
//   tempo_query --target=127.0.0.1:3200 --corpus=FILE --load-start=UNIX_S [--loaded-spans=N]
//               (the data loaded with tempo_load --max-spans=N --data-ends-now, started at UNIX_S)
//               [--window-start=UNIX_S --window-end=UNIX_S] [--iterations=5] [--warmup=1]
//               [--lookups=100] [--service=payment] [--limit=20] [--most-recent=true]
//               [--only=ID_SUBSTRING] [--timeout=300] [--seed=1] [--label=NAME] [--json-out=FILE]
//       Runs the fixed query list (kSearches, kTagValues, trace by ID hits and misses) over HTTP,
//       each `warmup` times unrecorded and then `iterations` times, and prints p50/p99 per query,
//       the search metrics (inspectedSpans, ...) and spans per second; one JSON line per query.
//   tempo_query --wait-blocks --target=127.0.0.1:3200 [--spans=N] [--deadline=600]
//       Polls /metrics until no live trace is left and N spans were written to blocks.
//   tempo_query --restart-probe --target=127.0.0.1:3200 --otlp-http=127.0.0.1:4318
//               --since-ns=UNIX_NS [--deadline=600]
//       Polls /ready and POSTs a one-span OTLP request until each answers 200; prints the times
//       since `since-ns` (the restart) as one JSON line.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "corpus.h"
#include "flags.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "query_client.h"
#include "query_report.h"

namespace {

using namespace tempo::bench;
using json = nlohmann::json;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

// The searches of the benchmark-harness issue. `{ span.http.status_code = 500 }` is kept as the
// issue wrote it although the corpus follows the current semantic conventions (the attribute is
// http.response.status_code), so it matches nothing; the next query is its matching equivalent.
// %SERVICE% is replaced by --service. The ids are shared with bench/load/duckdb_ref.mjs.
struct SearchDef {
  const char* id;
  const char* text;
};
const SearchDef kSearches[] = {
    {"status500_legacy", "{ span.http.status_code = 500 }"},
    {"status500", "{ span.http.response.status_code = 500 }"},
    {"service_duration", "{ resource.service.name = \"%SERVICE%\" && duration > 100ms }"},
    {"error_desc_postgres", "{ status = error } >> { span.db.system = \"postgresql\" }"},
    {"get_count", "{ name =~ \"GET.*\" } | count() > 3"},
    {"nomatch", "{ span.http.response.status_code = 599 }"},
};

struct TagDef {
  const char* id;
  const char* tag;
};
const TagDef kTagValues[] = {
    {"tag_service", "resource.service.name"},
    {"tag_http_method_legacy", "span.http.method"},
    {"tag_http_request_method", "span.http.request.method"},
};

double NowUnixSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t NowUnixNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool SplitTarget(const std::string& target, std::string* host, uint16_t* port) {
  size_t colon = target.rfind(':');
  if (colon == std::string::npos) return false;
  *host = target.substr(0, colon);
  unsigned long p = std::strtoul(target.c_str() + colon + 1, nullptr, 10);
  if (p == 0 || p > 65535) return false;
  *port = static_cast<uint16_t>(p);
  return host->rfind("127.", 0) == 0;  // loopback only
}

int Fail(const std::string& message) {
  std::cerr << "tempo_query: " << message << "\n";
  return 1;
}

std::string Hex(const std::string& bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

// A JSON number that proto3 JSON may have written as a string (uint64).
uint64_t U64Of(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return 0;
  if (it->is_string()) return std::strtoull(it->get<std::string>().c_str(), nullptr, 10);
  if (it->is_number()) return it->get<uint64_t>();
  return 0;
}

// Sums every sample of each metric name of a Prometheus text page (labels dropped).
std::map<std::string, double> ParseMetrics(const std::string& body) {
  std::map<std::string, double> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find('\n', pos);
    if (eol == std::string::npos) eol = body.size();
    std::string line = body.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty() || line[0] == '#') continue;
    size_t name_end = line.find_first_of("{ ");
    size_t value_at = line.rfind(' ');
    if (name_end == std::string::npos || value_at == std::string::npos) continue;
    out[line.substr(0, name_end)] += std::strtod(line.c_str() + value_at + 1, nullptr);
  }
  return out;
}

// Trace IDs for the lookups, drawn from what was replayed, and the service names seen.
struct Sample {
  std::vector<std::string> hit_ids;  // hex
  std::map<std::string, uint64_t> services;  // service.name -> resources seen
  uint64_t batches_sent = 0;
  uint64_t corpus_batches = 0;
};

// Draws `count` trace IDs uniformly over the batches tempo_load sent for `loaded_spans` spans
// (looping over the corpus: pass k's IDs have k XORed into their first 4 bytes), one trace per
// drawn batch, uniformly among the traces of that batch.
tempo::Result<Sample> SampleTraces(const std::string& path, uint64_t loaded_spans, size_t count,
                                   uint64_t seed) {
  Sample out;
  std::vector<uint32_t> spans;
  {
    TEMPO_ASSIGN_OR_RETURN(auto reader, CorpusReader::Open(path));
    uint32_t n = 0;
    for (;;) {
      TEMPO_ASSIGN_OR_RETURN(bool more, reader->Next(nullptr, &n));
      if (!more) break;
      spans.push_back(n);
    }
  }
  if (spans.empty()) return tempo::CorruptionError(path + " has no batches");
  out.corpus_batches = spans.size();
  uint64_t issued = 0;
  while (issued < loaded_spans) {
    issued += spans[out.batches_sent % spans.size()];
    ++out.batches_sent;
  }
  std::mt19937_64 rng(seed);
  std::map<uint64_t, std::vector<uint32_t>> wanted;  // batch -> passes
  for (size_t i = 0; i < count; ++i) {
    uint64_t g = rng() % out.batches_sent;
    wanted[g % spans.size()].push_back(static_cast<uint32_t>(g / spans.size()));
  }
  TEMPO_ASSIGN_OR_RETURN(auto reader, CorpusReader::Open(path));
  std::string payload;
  uint32_t n = 0;
  ExportTraceServiceRequest req;
  for (uint64_t b = 0; !wanted.empty(); ++b) {
    auto it = wanted.find(b);
    TEMPO_ASSIGN_OR_RETURN(bool more, reader->Next(it == wanted.end() ? nullptr : &payload, &n));
    if (!more) break;
    if (it == wanted.end()) continue;
    if (!req.ParseFromString(payload)) return tempo::CorruptionError("a batch does not parse");
    std::vector<std::string> ids;
    std::set<std::string> seen;
    for (const auto& rs : req.resource_spans()) {
      for (const auto& kv : rs.resource().attributes()) {
        if (kv.key() == "service.name") ++out.services[kv.value().string_value()];
      }
      for (const auto& ss : rs.scope_spans()) {
        for (const auto& s : ss.spans()) {
          if (s.trace_id().size() == 16 && seen.insert(s.trace_id()).second) {
            ids.push_back(s.trace_id());
          }
        }
      }
    }
    for (uint32_t pass : it->second) {
      if (ids.empty()) break;
      std::string id = ids[rng() % ids.size()];
      for (int k = 0; k < 4; ++k) {
        id[k] = static_cast<char>(id[k] ^ static_cast<char>(pass >> (8 * k)));
      }
      out.hit_ids.push_back(Hex(id));
    }
    wanted.erase(it);
  }
  std::shuffle(out.hit_ids.begin(), out.hit_ids.end(), rng);
  return out;
}

// Draws `count` trace IDs uniformly over the distinct traces tempo_load sent (`sent` from
// SampleTraces): every trace is equally likely, whatever its size, where SampleTraces' draw by
// batch favours large traces. Pass k's IDs have k XORed into their first 4 bytes, as there.
tempo::Result<std::vector<std::string>> SampleUniformTraces(const std::string& path,
                                                           const Sample& sent, size_t count,
                                                           uint64_t seed) {
  TEMPO_ASSIGN_OR_RETURN(std::vector<FirstSeenTrace> traces, TracesByFirstBatch(path));
  const uint64_t per_pass = sent.corpus_batches;
  // Pass p replays the corpus's first batches; its traces are those first seen in them (traces
  // are listed by first batch, so they are a prefix).
  std::vector<uint64_t> eligible;
  uint64_t total = 0;
  for (uint64_t p = 0; p * per_pass < sent.batches_sent; ++p) {
    const uint64_t batches = std::min(per_pass, sent.batches_sent - p * per_pass);
    const auto end = std::partition_point(traces.begin(), traces.end(), [&](const auto& t) {
      return t.batch < batches;
    });
    eligible.push_back(static_cast<uint64_t>(end - traces.begin()));
    total += eligible.back();
  }
  if (total == 0) return tempo::CorruptionError(path + " has no traces");
  std::mt19937_64 rng(seed + 11);
  std::vector<std::string> out;
  for (size_t i = 0; i < count; ++i) {
    uint64_t r = rng() % total;
    uint32_t pass = 0;
    while (r >= eligible[pass]) r -= eligible[pass++];
    std::string id = traces[r].id;
    for (int k = 0; k < 4; ++k) id[k] = static_cast<char>(id[k] ^ static_cast<char>(pass >> (8 * k)));
    out.push_back(Hex(id));
  }
  return out;
}

// --wait-blocks: every live trace cut and written to a block.
int WaitBlocks(HttpClient& client, uint64_t spans, double deadline_s) {
  const double start = NowUnixSeconds();
  double last_print = 0;
  int zero_live_polls = 0;
  for (;;) {
    HttpResult r = client.Get("/metrics");
    double elapsed = NowUnixSeconds() - start;
    if (r.status == 200) {
      auto m = ParseMetrics(r.body);
      double live = m["tempo_ingester_live_traces"];
      double written = m["tempo_ingester_block_spans_written_total"];
      double target = spans != 0 ? static_cast<double>(spans)
                                 : m["tempo_distributor_spans_received_total"];
      if (elapsed - last_print >= 10) {
        std::cerr << "  waiting for blocks: " << static_cast<uint64_t>(live) << " live traces, "
                  << static_cast<uint64_t>(written) << " / " << static_cast<uint64_t>(target)
                  << " spans in blocks, " << static_cast<int>(elapsed) << " s\n";
        last_print = elapsed;
      }
      zero_live_polls = live == 0 ? zero_live_polls + 1 : 0;
      // Every span in a block; or nothing live for 2 s (some spans were not stored as sent:
      // reported, not waited for).
      if ((live == 0 && written >= target) || zero_live_polls >= 4) {
        json out = {{"type", "wait_blocks"},
                    {"wait_s", elapsed},
                    {"spans_in_blocks", written},
                    {"spans_expected", target},
                    {"blocks_flushed", m["tempo_ingester_blocks_flushed_total"]},
                    {"block_bytes_written", m["tempo_ingester_block_bytes_written_total"]},
                    {"failed_flushes", m["tempo_ingester_failed_flushes_total"]},
                    {"discarded_spans", m["tempo_discarded_spans_total"]}};
        if (written < target) {
          std::cerr << "tempo_query: warning: no live trace left but only " << written << " of "
                    << target << " spans were written to blocks\n";
        }
        std::cout << out.dump() << std::endl;
        return 0;
      }
    }
    if (elapsed > deadline_s) {
      return Fail("blocks not cut within " + std::to_string(static_cast<int>(deadline_s)) +
                  " s (last answer: " +
                  (r.status ? std::to_string(r.status) : r.error) + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// --restart-probe: time to /ready 200 and to the first accepted push.
int RestartProbe(const std::string& host, uint16_t port, const std::string& otlp_host,
                 uint16_t otlp_port, int64_t since_ns, double deadline_s) {
  HttpClient api(host, port, 2.0), otlp(otlp_host, otlp_port, 5.0);
  ExportTraceServiceRequest req;
  auto* span = req.add_resource_spans()->add_scope_spans()->add_spans();
  std::mt19937_64 rng(static_cast<uint64_t>(since_ns));
  std::string trace_id(16, '\0'), span_id(8, '\0');
  for (char& c : trace_id) c = static_cast<char>(rng());
  for (char& c : span_id) c = static_cast<char>(rng());
  span->set_trace_id(trace_id);
  span->set_span_id(span_id);
  span->set_name("restart-probe");
  span->set_start_time_unix_nano(static_cast<uint64_t>(NowUnixNanos()));
  span->set_end_time_unix_nano(static_cast<uint64_t>(NowUnixNanos()) + 1'000'000);
  auto* kv = req.mutable_resource_spans(0)->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("bench-probe");
  const std::string body = req.SerializeAsString();
  double ready_s = -1, push_s = -1;
  uint64_t ready_attempts = 0, push_attempts = 0;
  std::string last_push;
  for (;;) {
    double since = static_cast<double>(NowUnixNanos() - since_ns) / 1e9;
    if (ready_s < 0) {
      ++ready_attempts;
      HttpResult r = api.Get("/ready");
      api.Close();
      if (r.status == 200) ready_s = static_cast<double>(NowUnixNanos() - since_ns) / 1e9;
    }
    if (push_s < 0) {
      ++push_attempts;
      HttpResult r = otlp.Post("/v1/traces", body, "application/x-protobuf");
      otlp.Close();
      if (r.status == 200) {
        push_s = static_cast<double>(NowUnixNanos() - since_ns) / 1e9;
      } else {
        last_push = r.status ? "http " + std::to_string(r.status) : r.error;
      }
    }
    if ((ready_s >= 0 && push_s >= 0) || since > deadline_s) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  json out = {{"type", "restart"},
              {"ready_s", ready_s},
              {"first_push_s", push_s},
              {"ready_attempts", ready_attempts},
              {"push_attempts", push_attempts},
              {"last_push_error", push_s < 0 ? last_push : ""}};
  std::cout << out.dump() << std::endl;
  return ready_s >= 0 && push_s >= 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags(argc, argv);
  std::string target = flags.Str("target", "127.0.0.1:3200");
  bool wait_blocks = flags.Bool("wait-blocks", false);
  bool restart_probe = flags.Bool("restart-probe", false);
  uint64_t spans = flags.U64("spans", 0);
  double deadline = flags.Num("deadline", 600);
  std::string otlp_http = flags.Str("otlp-http", "127.0.0.1:4318");
  int64_t since_ns = static_cast<int64_t>(flags.U64("since-ns", 0));
  std::string corpus = flags.Str("corpus", "");
  double load_start = flags.Num("load-start", 0);
  uint64_t loaded_spans = flags.U64("loaded-spans", 0);
  double window_start = flags.Num("window-start", 0);
  double window_end = flags.Num("window-end", 0);
  int iterations = static_cast<int>(flags.U64("iterations", 5));
  int warmup = static_cast<int>(flags.U64("warmup", 1));
  size_t lookups = flags.U64("lookups", 100);
  std::string service = flags.Str("service", "payment");
  uint64_t limit = flags.U64("limit", 20);
  bool most_recent = flags.Bool("most-recent", true);
  std::string only = flags.Str("only", "");
  double timeout = flags.Num("timeout", 300);
  uint64_t seed = flags.U64("seed", 1);
  std::string label = flags.Str("label", "");
  std::string json_out = flags.Str("json-out", "");
  for (const std::string& name : flags.Unknown()) return Fail("unknown flag --" + name);

  std::string host;
  uint16_t port = 0;
  if (!SplitTarget(target, &host, &port)) return Fail("--target must be a loopback host:port");
  if (restart_probe) {
    std::string otlp_host;
    uint16_t otlp_port = 0;
    if (!SplitTarget(otlp_http, &otlp_host, &otlp_port)) return Fail("bad --otlp-http");
    if (since_ns == 0) since_ns = NowUnixNanos();
    return RestartProbe(host, port, otlp_host, otlp_port, since_ns, deadline);
  }
  HttpClient client(host, port, timeout);
  if (wait_blocks) return WaitBlocks(client, spans, deadline);

  if (corpus.empty()) return Fail("--corpus=FILE is required");
  auto header = ReadCorpusHeader(corpus);
  if (!header.ok()) return Fail(header.status().ToString());
  if (loaded_spans == 0) loaded_spans = header->spans;
  // tempo_load --data-ends-now put the replayed data in [load start − passes × pass step, load
  // start]: widen by two minutes on the left; end a minute from now (the server clamps the end
  // of a search to its clock anyway).
  uint64_t passes = (loaded_spans + header->spans - 1) / std::max<uint64_t>(header->spans, 1);
  if (window_start == 0) {
    if (load_start == 0) return Fail("give --load-start (or --window-start/--window-end)");
    window_start = load_start - static_cast<double>(passes * PassTimeStepNs(*header)) / 1e9 - 120;
    window_end = NowUnixSeconds() + 60;
  }
  const std::string range = "start=" + std::to_string(static_cast<int64_t>(window_start)) +
                            "&end=" + std::to_string(static_cast<int64_t>(window_end));

  std::cerr << "sampling " << lookups + 20 << " trace IDs from " << corpus << " ...\n";
  auto sample = SampleTraces(corpus, loaded_spans, lookups + 20, seed);
  if (!sample.ok()) return Fail(sample.status().ToString());
  if (!sample->services.count(service)) {
    std::string best;
    uint64_t most = 0;
    for (const auto& [name, n] : sample->services) {
      if (name != "frontend" && n > most) best = name, most = n;
    }
    std::cerr << "tempo_query: service " << service << " not in the corpus sample; using " << best
              << "\n";
    service = best;
  }

  std::vector<Row> rows;
  auto wanted = [&](const std::string& id) {
    return only.empty() || id.find(only) != std::string::npos;
  };

  // Trace by ID: the first 20 sampled IDs warm up, the rest are measured; hits drawn by batch
  // (large traces weigh by their spans) and uniformly over traces; misses are random IDs.
  struct LookupDef {
    const char* id;
    const char* text;
    bool hit;
  };
  for (const LookupDef& def :
       {LookupDef{"trace_hit", "trace by ID (hit, drawn by batch)", true},
        LookupDef{"trace_hit_uniform", "trace by ID (hit, drawn by trace)", true},
        LookupDef{"trace_miss", "trace by ID (miss)", false}}) {
    const bool hit = def.hit;
    Row row;
    row.id = def.id;
    row.kind = row.id;
    row.text = def.text;
    if (!wanted(row.id)) continue;
    std::vector<std::string> ids;
    if (row.id == "trace_hit") {
      ids.assign(sample->hit_ids.begin(),
                 sample->hit_ids.begin() + std::min(sample->hit_ids.size(), lookups + 20));
    } else if (row.id == "trace_hit_uniform") {
      std::cerr << "sampling " << lookups + 20 << " trace IDs uniformly over traces ...\n";
      auto uniform = SampleUniformTraces(corpus, *sample, lookups + 20, seed);
      if (!uniform.ok()) return Fail(uniform.status().ToString());
      ids = std::move(uniform).value();
    } else {
      std::mt19937_64 rng(seed + 7);
      for (size_t i = 0; i < lookups + 20; ++i) {
        std::string id(16, '\0');
        for (char& c : id) c = static_cast<char>(rng());
        ids.push_back(Hex(id));
      }
    }
    for (size_t i = 0; i < ids.size(); ++i) {
      HttpResult r = client.Get("/api/traces/" + ids[i]);
      if (i < 20) continue;
      bool ok = hit ? r.status == 200 && !r.body.empty() : r.status == 404;
      if (!ok) {
        row.Error(r);
        continue;
      }
      row.t.ms.push_back(r.seconds * 1000);
      row.response_bytes += r.body.size();
      row.results += hit;
    }
    if (!row.t.ms.empty()) row.response_bytes /= row.t.ms.size();
    std::cerr << "  " << row.text << ": p50 " << row.t.Pct(0.5) << " ms\n";
    rows.push_back(std::move(row));
  }

  for (const SearchDef& def : kSearches) {
    for (bool mr : {false, true}) {
      if (mr && !most_recent) continue;
      Row row;
      row.id = std::string(def.id) + (mr ? "_mr" : "");
      row.kind = "search";
      row.most_recent = mr;
      row.text = def.text;
      size_t at = row.text.find("%SERVICE%");
      if (at != std::string::npos) row.text.replace(at, 9, service);
      if (!wanted(row.id)) continue;
      std::string q = mr ? row.text + " with(most_recent=true)" : row.text;
      std::string path = "/api/search?q=" + UrlEncode(q) + "&" + range +
                         "&limit=" + std::to_string(limit);
      for (int i = 0; i < warmup + iterations; ++i) {
        HttpResult r = client.Get(path);
        if (r.status != 200) {
          row.Error(r);
          continue;
        }
        json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
        if (body.is_discarded() || !body.is_object()) {
          row.Error(HttpResult{r.status, "response is not JSON", 0, ""});
          continue;
        }
        if (i < warmup) continue;
        row.t.ms.push_back(r.seconds * 1000);
        const json& m = body.contains("metrics") ? body["metrics"] : json::object();
        row.inspected_spans = U64Of(m, "inspectedSpans");
        row.inspected_traces = U64Of(m, "inspectedTraces");
        row.inspected_bytes = U64Of(m, "inspectedBytes");
        row.total_blocks = U64Of(m, "totalBlocks");
        row.response_bytes = r.body.size();
        row.trace_ids.clear();
        if (body.contains("traces") && body["traces"].is_array()) {
          for (const json& t : body["traces"]) {
            if (t.contains("traceID") && t["traceID"].is_string())
              row.trace_ids.push_back(t["traceID"].get<std::string>());
          }
        }
        row.results = row.trace_ids.size();
      }
      std::cerr << "  " << q << ": p50 " << row.t.Pct(0.5) << " ms, " << row.results
                << " traces, " << row.inspected_spans << " spans inspected\n";
      rows.push_back(std::move(row));
    }
  }

  for (const TagDef& def : kTagValues) {
    Row row;
    row.id = def.id;
    row.kind = "tag_values";
    row.text = std::string("tag values ") + def.tag;
    if (!wanted(row.id)) continue;
    std::string path = "/api/v2/search/tag/" + std::string(def.tag) + "/values?" + range;
    for (int i = 0; i < warmup + iterations; ++i) {
      HttpResult r = client.Get(path);
      json body = r.status == 200 ? json::parse(r.body, nullptr, false) : json();
      if (r.status != 200 || !body.is_object()) {
        row.Error(r);
        continue;
      }
      if (i < warmup) continue;
      row.t.ms.push_back(r.seconds * 1000);
      row.results = body.contains("tagValues") && body["tagValues"].is_array()
                        ? body["tagValues"].size()
                        : 0;
      row.response_bytes = r.body.size();
    }
    std::cerr << "  " << row.text << ": p50 " << row.t.Pct(0.5) << " ms, " << row.results
              << " values\n";
    rows.push_back(std::move(row));
  }

  std::cout << "\nquery benchmark: " << loaded_spans << " spans loaded, window " << range
            << ", limit " << limit << ", " << warmup << " warm-up + " << iterations
            << " timed runs per search, " << lookups << " lookups per trace-by-ID row\n";
  PrintTable(rows, loaded_spans);
  std::ofstream out;
  if (!json_out.empty()) out.open(json_out, std::ios::app);
  for (const Row& r : rows) {
    std::string line = RowJson(r, label, loaded_spans).dump();
    std::cout << line << "\n";
    if (out.is_open()) out << line << "\n";
  }
  json meta = {{"type", "query_run"}, {"label", label},         {"service", service},
               {"loaded_spans", loaded_spans}, {"window", range}, {"limit", limit},
               {"iterations", iterations},     {"warmup", warmup}, {"lookups", lookups}};
  std::cout << meta.dump() << std::endl;
  if (out.is_open()) out << meta.dump() << "\n";
  uint64_t errors = 0;
  for (const Row& r : rows) errors += r.errors;
  return errors == 0 ? 0 : 3;
}
