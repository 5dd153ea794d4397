#pragma once

// Helpers shared by the TraceQL evaluation tests: the shared search conformance data
// (shared/conformance/traceql/search_cases.json, read in place through TEMPO_SOURCE_DIR), OTLP
// JSON -> tempopb::Trace, deterministic filler traces, and a small trace builder.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tempo/common/ids.h"
#include "tempo/model/otlp_json.h"
#include "tempo/traceql/trace_view.h"
#include "tempopb/tempo.pb.h"

namespace tempo::traceql::testing {

using OtlpSpan = opentelemetry::proto::trace::v1::Span;

inline const nlohmann::json& SearchCases() {
  static const nlohmann::json cases = [] {
    const char* source_dir = std::getenv("TEMPO_SOURCE_DIR");
    REQUIRE(source_dir != nullptr);
    std::filesystem::path path = std::filesystem::path(source_dir) / ".." / "shared" /
                                 "conformance" / "traceql" / "search_cases.json";
    std::ifstream in(path);
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
  }();
  return cases;
}

// Decodes an OTLP/JSON `{"resourceSpans": [...]}` document into a tempopb::Trace.
inline tempopb::Trace DecodeTrace(const nlohmann::json& otlp) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  Status s = model::DecodeOtlpJson(otlp.dump(), &request);
  INFO(s.ToString());
  REQUIRE(s.ok());
  tempopb::Trace trace;
  for (auto& rs : *request.mutable_resource_spans()) *trace.add_resourcespans() = std::move(rs);
  return trace;
}

inline TraceId MustParseTraceId(const std::string& hex) {
  auto id = ParseTraceIdHex(hex);
  REQUIRE(id.ok());
  return *id;
}

// The conformance fixture trace, optionally with every trace ID (spans and links) replaced.
inline TraceView FixtureTrace(const std::string& trace_id_hex = "") {
  nlohmann::json otlp = SearchCases()["trace"];
  std::string id =
      trace_id_hex.empty() ? SearchCases()["trace_id"].get<std::string>() : trace_id_hex;
  if (!trace_id_hex.empty()) {
    for (auto& rs : otlp["resourceSpans"]) {
      for (auto& ss : rs["scopeSpans"]) {
        for (auto& span : ss["spans"]) {
          span["traceId"] = id;
          if (span.contains("links")) {
            for (auto& link : span["links"]) link["traceId"] = id;
          }
        }
      }
    }
  }
  return TraceView::Build(MustParseTraceId(id), DecodeTrace(otlp));
}

inline std::string RandomString(std::mt19937_64& rng, size_t n) {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(kAlphabet[rng() % 52]);
  return out;
}

inline void AddStringAttribute(
    google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>* attributes,
    const std::string& key, const std::string& value) {
  auto* kv = attributes->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

// A random trace like the reference's filler traces: `spans` spans with random IDs, names,
// services and attribute values, random parent links among them, in 2030-2031.
inline TraceView RandomTrace(std::mt19937_64& rng, size_t spans) {
  std::string trace_id(16, '\0');
  for (char& c : trace_id) c = static_cast<char>(rng());
  tempopb::Trace trace;
  std::vector<std::string> ids;
  uint64_t base = 1'900'000'000'000'000'000ull + (rng() % 1'000'000'000'000'000ull);
  for (size_t i = 0; i < spans; ++i) {
    auto* rs = trace.add_resourcespans();
    AddStringAttribute(rs->mutable_resource()->mutable_attributes(), "service.name",
                       RandomString(rng, 8));
    AddStringAttribute(rs->mutable_resource()->mutable_attributes(), "cluster",
                       RandomString(rng, 8));
    OtlpSpan* span = rs->add_scope_spans()->add_spans();
    span->set_trace_id(trace_id);
    std::string id(8, '\0');
    for (char& c : id) c = static_cast<char>(rng() | 1);
    span->set_span_id(id);
    if (i > 0) span->set_parent_span_id(ids[rng() % ids.size()]);
    ids.push_back(id);
    span->set_name(RandomString(rng, 10));
    span->set_kind(static_cast<OtlpSpan::SpanKind>(rng() % 6));
    span->set_start_time_unix_nano(base + i * 1000);
    span->set_end_time_unix_nano(base + i * 1000 + 1 + rng() % 5'000'000'000ull);
    AddStringAttribute(span->mutable_attributes(), "foo", RandomString(rng, 6));
    AddStringAttribute(span->mutable_attributes(), "http.method", RandomString(rng, 4));
    auto* code = span->add_attributes();
    code->set_key("http.status_code");
    code->mutable_value()->set_int_value(static_cast<int64_t>(100 + rng() % 400));
  }
  return TraceView::Build(TraceId::FromBytes(trace_id), std::move(trace));
}

// Builds small traces for unit tests: each span gets its own resource (with `service.name`) and
// scope. Span IDs are 8-byte big-endian numbers, 0 = no parent. Not thread-safe.
class TraceMaker {
 public:
  using KeyValues = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;

  OtlpSpan& AddSpan(uint64_t id, uint64_t parent, const std::string& name,
                    const std::string& service = "svc", uint64_t start = 1000,
                    uint64_t duration = 100) {
    auto* rs = trace_.add_resourcespans();
    AddStringAttribute(rs->mutable_resource()->mutable_attributes(), "service.name", service);
    OtlpSpan* span = rs->add_scope_spans()->add_spans();
    span->set_trace_id(TraceIdText());
    span->set_span_id(IdBytes(id));
    if (parent != 0) span->set_parent_span_id(IdBytes(parent));
    span->set_name(name);
    span->set_start_time_unix_nano(start);
    span->set_end_time_unix_nano(start + duration);
    return *span;
  }

  // The resource / scope of the span added last.
  opentelemetry::proto::resource::v1::Resource& resource() {
    return *trace_.mutable_resourcespans(trace_.resourcespans_size() - 1)->mutable_resource();
  }
  opentelemetry::proto::common::v1::InstrumentationScope& scope() {
    return *trace_.mutable_resourcespans(trace_.resourcespans_size() - 1)
                ->mutable_scope_spans(0)
                ->mutable_scope();
  }

  static std::string IdBytes(uint64_t n) {
    std::string out(8, '\0');
    for (int i = 7; i >= 0; --i, n >>= 8) out[i] = static_cast<char>(n & 0xFF);
    return out;
  }

  TraceView Build() const { return TraceView::Build(TraceId::FromBytes(TraceIdText()), trace_); }
  tempopb::Trace& trace() { return trace_; }
  void set_trace_id(uint64_t n) { trace_id_ = n; }

 private:
  std::string TraceIdText() const { return std::string(8, '\0') + IdBytes(trace_id_); }

  tempopb::Trace trace_;
  uint64_t trace_id_ = 1;
};

inline void SetAttr(TraceMaker::KeyValues* attrs, const std::string& key, int64_t v) {
  auto* kv = attrs->Add();
  kv->set_key(key);
  kv->mutable_value()->set_int_value(v);
}
inline void SetAttr(TraceMaker::KeyValues* attrs, const std::string& key, double v) {
  auto* kv = attrs->Add();
  kv->set_key(key);
  kv->mutable_value()->set_double_value(v);
}
inline void SetAttr(TraceMaker::KeyValues* attrs, const std::string& key, const char* v) {
  AddStringAttribute(attrs, key, v);
}
inline void SetAttr(TraceMaker::KeyValues* attrs, const std::string& key, bool v) {
  auto* kv = attrs->Add();
  kv->set_key(key);
  kv->mutable_value()->set_bool_value(v);
}

}  // namespace tempo::traceql::testing
