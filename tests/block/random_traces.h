#pragma once

// Seeded generators of OTLP traces for the block tests: every field kind, nested arrays and
// kvlists, bytes values, events, links, several resources and scopes, shared resources,
// disconnected spans, Zipkin-style shared span IDs.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tempo/common/ids.h"
#include "tempopb/tempo.pb.h"

namespace tempo::block::testing {

namespace otlp_common = opentelemetry::proto::common::v1;
namespace otlp_trace = opentelemetry::proto::trace::v1;

class RandomTraces {
 public:
  // `utf8_only`: no strings that are not UTF-8 (which only the block's own paths accept; a
  // protobuf parse rejects them).
  explicit RandomTraces(uint64_t seed, bool utf8_only = false) : rng_(seed), utf8_only_(utf8_only) {}

  uint64_t Uniform(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  std::string RandomBytes(size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(Uniform(256));
    return s;
  }
  std::string Word() {
    static const char* kWords[] = {"alpha",
                                   "beta",
                                   "gamma",
                                   "delta",
                                   "GET",
                                   "POST",
                                   "/api/v1",
                                   "",
                                   "ümlaut",
                                   "x",
                                   "a much longer value with spaces"};
    std::string w = kWords[Uniform(std::size(kWords))];
    if (Chance(0.3)) w += std::to_string(Uniform(1000));
    if (Chance(0.02)) w += std::string(1, '\0') + "nul";
    if (Chance(0.01) && !utf8_only_) w += "\xff\xfe";  // not UTF-8: must still round-trip
    return w;
  }

  void FillValue(otlp_common::AnyValue* v, int depth) {
    switch (Uniform(depth > 2 ? 6 : 9)) {
      case 0:
        v->set_string_value(Word());
        break;
      case 1:
        v->set_bool_value(Chance(0.5));
        break;
      case 2:
        v->set_int_value(static_cast<int64_t>(rng_()) >> Uniform(64));
        break;
      case 3:
        v->set_double_value(Chance(0.1) ? -0.0
                                        : std::ldexp(static_cast<double>(Uniform(1000000)) - 5e5,
                                                     static_cast<int>(Uniform(40)) - 20));
        break;
      case 4:
        v->set_bytes_value(RandomBytes(Uniform(20)));
        break;
      case 5:
        break;  // an AnyValue with nothing set
      case 6: {
        auto* arr = v->mutable_array_value();
        for (uint64_t i = 0, n = Uniform(4); i < n; ++i) FillValue(arr->add_values(), depth + 1);
        break;
      }
      case 7: {
        auto* kvs = v->mutable_kvlist_value();
        for (uint64_t i = 0, n = Uniform(4); i < n; ++i) {
          auto* kv = kvs->add_values();
          kv->set_key(Word());
          if (Chance(0.9)) FillValue(kv->mutable_value(), depth + 1);
        }
        break;
      }
      default:
        v->set_string_value(Word());
        break;
    }
  }
  void FillAttributes(google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* attrs, int max) {
    static const char* kKeys[] = {
        "http.method",  "http.status_code",     "db.statement", "user.id", "k", "",
        "service.name", "opentracing.ref_type", "ratio"};
    for (uint64_t i = 0, n = Uniform(static_cast<uint64_t>(max) + 1); i < n; ++i) {
      auto* kv = attrs->Add();
      kv->set_key(Chance(0.8) ? kKeys[Uniform(std::size(kKeys))] : Word());  // duplicates happen
      if (Chance(0.95)) FillValue(kv->mutable_value(), 0);
    }
  }

  // A trace with `spans` spans; IDs of spans are random 8 bytes (sometimes other lengths).
  tempopb::Trace Trace(const TraceId& id, int spans) {
    tempopb::Trace trace;
    std::vector<std::string> ids;
    int n_rs = 1 + static_cast<int>(Uniform(3));
    std::vector<otlp_trace::ScopeSpans*> scopes;
    otlp_trace::ResourceSpans* first_rs = nullptr;
    for (int r = 0; r < n_rs; ++r) {
      auto* rs = trace.add_resourcespans();
      if (r > 0 && Chance(0.2)) {
        *rs->mutable_resource() = first_rs->resource();  // identical resource in two entries
      } else if (Chance(0.9)) {
        auto* res = rs->mutable_resource();
        auto* svc = res->add_attributes();
        svc->set_key("service.name");
        svc->mutable_value()->set_string_value("svc-" + std::to_string(Uniform(5)));
        FillAttributes(res->mutable_attributes(), 4);
        if (Chance(0.1)) res->set_dropped_attributes_count(static_cast<uint32_t>(Uniform(9)));
      }
      if (Chance(0.2))
        rs->set_schema_url("https://opentelemetry.io/schemas/1.2" + std::to_string(Uniform(3)));
      if (r == 0) first_rs = rs;
      int n_ss = static_cast<int>(Uniform(3)) + (r == 0 ? 1 : 0);
      for (int s = 0; s < n_ss; ++s) {
        auto* ss = rs->add_scope_spans();
        if (Chance(0.85)) {
          auto* scope = ss->mutable_scope();
          scope->set_name(Chance(0.5) ? "io.opentelemetry.http" : Word());
          if (Chance(0.5)) scope->set_version("1." + std::to_string(Uniform(3)));
          FillAttributes(scope->mutable_attributes(), 2);
          if (Chance(0.1)) scope->set_dropped_attributes_count(3);
        }
        if (Chance(0.1)) ss->set_schema_url("schema" + std::to_string(Uniform(2)));
        scopes.push_back(ss);
      }
    }
    for (int i = 0; i < spans; ++i) {
      auto* span = scopes[Uniform(scopes.size())]->add_spans();
      span->set_trace_id(Chance(0.97) ? std::string(id.view()) : RandomBytes(Uniform(17)));
      std::string sid = Chance(0.98) ? RandomBytes(8) : RandomBytes(Uniform(12));
      if (!ids.empty() && Chance(0.03)) sid = ids[Uniform(ids.size())];  // shared span ID
      ids.push_back(sid);
      span->set_span_id(sid);
      if (i > 0 && Chance(0.85)) {
        span->set_parent_span_id(ids[Uniform(ids.size() - 1)]);
      } else if (Chance(0.3)) {
        span->set_parent_span_id(RandomBytes(8));  // parent not in the trace: disconnected
      }
      if (Chance(0.1)) span->set_trace_state("k=v" + std::to_string(Uniform(3)));
      if (Chance(0.1)) span->set_flags(static_cast<uint32_t>(rng_()));
      span->set_name(Word());
      span->set_kind(static_cast<otlp_trace::Span_SpanKind>(Uniform(6)));
      uint64_t start = 1'700'000'000'000'000'000ull + Uniform(1'000'000'000'000ull);
      if (Chance(0.01)) start = Uniform(100);
      span->set_start_time_unix_nano(start);
      span->set_end_time_unix_nano(Chance(0.02) ? start - Uniform(100)
                                                : start + Uniform(5'000'000'000ull));
      FillAttributes(span->mutable_attributes(), 12);
      if (Chance(0.05)) span->set_dropped_attributes_count(static_cast<uint32_t>(Uniform(100)));
      for (uint64_t e = 0, n = Chance(0.3) ? Uniform(4) : 0; e < n; ++e) {
        auto* ev = span->add_events();
        ev->set_time_unix_nano(start + Uniform(1'000'000) - (Chance(0.05) ? 2'000'000 : 0));
        ev->set_name(Word());
        FillAttributes(ev->mutable_attributes(), 3);
        if (Chance(0.1)) ev->set_dropped_attributes_count(1);
      }
      if (Chance(0.05)) span->set_dropped_events_count(2);
      for (uint64_t l = 0, n = Chance(0.2) ? Uniform(3) : 0; l < n; ++l) {
        auto* link = span->add_links();
        link->set_trace_id(Chance(0.3) ? std::string(id.view()) : RandomBytes(16));
        link->set_span_id(RandomBytes(8));
        if (Chance(0.3)) link->set_trace_state("ts=" + Word());
        FillAttributes(link->mutable_attributes(), 2);
        if (Chance(0.1)) link->set_dropped_attributes_count(4);
        if (Chance(0.3)) link->set_flags(static_cast<uint32_t>(Uniform(512)));
      }
      if (Chance(0.05)) span->set_dropped_links_count(1);
      if (Chance(0.6)) {
        auto* st = span->mutable_status();
        if (Chance(0.5)) st->set_code(static_cast<otlp_trace::Status_StatusCode>(Uniform(3)));
        if (Chance(0.3)) st->set_message(Word());
      }
    }
    return trace;
  }

  TraceId Id() {
    TraceId id;
    for (auto& b : id.bytes) b = static_cast<uint8_t>(Uniform(256));
    if (Chance(0.1)) std::fill(id.bytes.begin(), id.bytes.begin() + 8, 0);  // 64-bit ID
    return id;
  }

 private:
  std::mt19937_64 rng_;
  bool utf8_only_;
};

}  // namespace tempo::block::testing
