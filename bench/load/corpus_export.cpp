// The corpus as one flat CSV row per span, for the DuckDB reference of the query benchmark
// (bench/load/duckdb_ref.mjs reads it; the column list is kSpanCsvColumns).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <string_view>

#include "corpus.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace tempo::bench {
namespace {

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;

constexpr const char* kSpanCsvColumns =
    "batch,trace_hi,trace_lo,span_id,parent_span_id,name,service,start_ns,end_ns,duration_ns,"
    "status_code,kind,http_status_code,http_response_status_code,http_method,http_request_method,"
    "db_system";

// Big-endian u64 of 8 ID bytes (0 when the ID is missing or short).
uint64_t BigEndian(std::string_view id, size_t at) {
  if (id.size() < at + 8) return 0;
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(id[at + i]);
  return v;
}

// Appends `s` as a quoted CSV field ("" doubled).
void Quoted(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void Number(std::string* out, uint64_t v) {
  char buf[24];
  int n = std::snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(v));
  out->append(buf, static_cast<size_t>(n));
}

void SignedNumber(std::string* out, int64_t v) {
  char buf[24];
  int n = std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(v));
  out->append(buf, static_cast<size_t>(n));
}

// The attributes the benchmark queries read; absent ones stay null.
struct Picked {
  const AnyValue* http_status_code = nullptr;
  const AnyValue* http_response_status_code = nullptr;
  const AnyValue* http_method = nullptr;
  const AnyValue* http_request_method = nullptr;
  const AnyValue* db_system = nullptr;
};

void Pick(const google::protobuf::RepeatedPtrField<KeyValue>& attrs, Picked* p) {
  for (const KeyValue& kv : attrs) {
    const std::string& k = kv.key();
    if (k == "http.status_code") p->http_status_code = &kv.value();
    else if (k == "http.response.status_code") p->http_response_status_code = &kv.value();
    else if (k == "http.method") p->http_method = &kv.value();
    else if (k == "http.request.method") p->http_request_method = &kv.value();
    else if (k == "db.system") p->db_system = &kv.value();
  }
}

void IntField(std::string* out, const AnyValue* v) {
  out->push_back(',');
  if (v != nullptr && v->value_case() == AnyValue::kIntValue) SignedNumber(out, v->int_value());
}

void StrField(std::string* out, const AnyValue* v) {
  out->push_back(',');
  if (v != nullptr && v->value_case() == AnyValue::kStringValue) Quoted(out, v->string_value());
}

}  // namespace

Status ExportSpansCsv(const std::string& corpus_path, const std::string& out_path,
                      uint64_t max_spans, std::ostream* progress) {
  TEMPO_ASSIGN_OR_RETURN(std::unique_ptr<CorpusReader> reader, CorpusReader::Open(corpus_path));
  const std::string tmp = out_path + ".tmp";
  std::FILE* out = std::fopen(tmp.c_str(), "wb");
  if (out == nullptr) return IOError("cannot create " + tmp + ": " + std::strerror(errno));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(out, &std::fclose);
  std::string buf = std::string(kSpanCsvColumns) + "\n";
  std::string payload;
  uint32_t batch_spans = 0;
  uint64_t batches = 0, spans = 0;
  ExportTraceServiceRequest req;
  auto flush = [&]() -> Status {
    if (std::fwrite(buf.data(), 1, buf.size(), out) != buf.size()) {
      return IOError("cannot write " + tmp + ": " + std::strerror(errno));
    }
    buf.clear();
    return Status::Ok();
  };
  for (;;) {
    if (max_spans != 0 && spans >= max_spans) break;
    TEMPO_ASSIGN_OR_RETURN(bool more, reader->Next(&payload, &batch_spans));
    if (!more) break;
    if (!req.ParseFromString(payload)) {
      return CorruptionError(corpus_path + ": batch " + std::to_string(batches) +
                             " does not parse");
    }
    for (const auto& rs : req.resource_spans()) {
      std::string_view service;
      for (const KeyValue& kv : rs.resource().attributes()) {
        if (kv.key() == "service.name") service = kv.value().string_value();
      }
      for (const auto& ss : rs.scope_spans()) {
        for (const auto& s : ss.spans()) {
          Number(&buf, batches);
          buf.push_back(',');
          Number(&buf, BigEndian(s.trace_id(), 0));
          buf.push_back(',');
          Number(&buf, BigEndian(s.trace_id(), 8));
          buf.push_back(',');
          Number(&buf, BigEndian(s.span_id(), 0));
          buf.push_back(',');
          Number(&buf, BigEndian(s.parent_span_id(), 0));
          buf.push_back(',');
          Quoted(&buf, s.name());
          buf.push_back(',');
          Quoted(&buf, service);
          buf.push_back(',');
          Number(&buf, s.start_time_unix_nano());
          buf.push_back(',');
          Number(&buf, s.end_time_unix_nano());
          buf.push_back(',');
          Number(&buf, s.end_time_unix_nano() >= s.start_time_unix_nano()
                           ? s.end_time_unix_nano() - s.start_time_unix_nano()
                           : 0);
          buf.push_back(',');
          Number(&buf, static_cast<uint64_t>(s.status().code()));
          buf.push_back(',');
          Number(&buf, static_cast<uint64_t>(s.kind()));
          Picked p;
          Pick(s.attributes(), &p);
          IntField(&buf, p.http_status_code);
          IntField(&buf, p.http_response_status_code);
          StrField(&buf, p.http_method);
          StrField(&buf, p.http_request_method);
          StrField(&buf, p.db_system);
          buf.push_back('\n');
          ++spans;
        }
      }
    }
    ++batches;
    if (buf.size() > (4u << 20)) TEMPO_RETURN_IF_ERROR(flush());
    if (progress != nullptr && batches % 2000 == 0) {
      *progress << "  exported " << spans << " spans\n";
    }
  }
  TEMPO_RETURN_IF_ERROR(flush());
  if (std::fflush(out) != 0) return IOError("cannot write " + tmp);
  closer.reset();
  const CorpusHeader& h = reader->header();
  std::string meta = "{\"spans\":" + std::to_string(spans) +
                     ",\"batches\":" + std::to_string(batches) +
                     ",\"corpus_spans\":" + std::to_string(h.spans) +
                     ",\"corpus_batches\":" + std::to_string(h.batches) +
                     ",\"first_start_ns\":" + std::to_string(h.first_start_ns) +
                     ",\"last_end_ns\":" + std::to_string(h.last_end_ns) +
                     ",\"pass_step_ns\":" + std::to_string(PassTimeStepNs(h)) + "}\n";
  std::FILE* m = std::fopen((out_path + ".json").c_str(), "wb");
  if (m == nullptr) return IOError("cannot create " + out_path + ".json");
  bool ok = std::fwrite(meta.data(), 1, meta.size(), m) == meta.size();
  ok = std::fclose(m) == 0 && ok;
  if (!ok) return IOError("cannot write " + out_path + ".json");
  if (std::rename(tmp.c_str(), out_path.c_str()) != 0) {
    return IOError("cannot rename " + tmp + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace tempo::bench
