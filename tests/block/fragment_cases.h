#pragma once

// Trace fragments for the tests of code that reads fragment bytes (BlockWriter::AppendFragments,
// CombineSerializedTrace): random traces split as pushes deliver them, and hand-made encodings
// that only a full parse reads as libprotobuf does.
#include <string>
#include <vector>

#include "random_traces.h"
#include "support/wire_bytes.h"

namespace tempo::block::testing {

using tempo::testing::Field;

// Splits `trace` into 1–4 fragments the way pushes deliver it: each fragment repeats the
// resource and scope of the spans it carries; some spans arrive twice; some fragments carry an
// empty ScopeSpans or ResourceSpans.
inline std::string Fragments(const tempopb::Trace& trace, RandomTraces& rng) {
  const size_t parts = 1 + rng.Uniform(4);
  std::vector<tempopb::Trace> fragments(parts);
  for (const auto& rs : trace.resourcespans()) {
    for (const auto& ss : rs.scope_spans()) {
      std::vector<otlp_trace::ScopeSpans*> targets(parts, nullptr);
      auto target = [&](size_t f) {
        if (targets[f] == nullptr) {
          auto* out_rs = fragments[f].add_resourcespans();
          if (rs.has_resource()) *out_rs->mutable_resource() = rs.resource();
          out_rs->set_schema_url(rs.schema_url());
          targets[f] = out_rs->add_scope_spans();
          if (ss.has_scope()) *targets[f]->mutable_scope() = ss.scope();
          targets[f]->set_schema_url(ss.schema_url());
        }
        return targets[f];
      };
      if (ss.spans().empty() || rng.Chance(0.05)) target(rng.Uniform(parts));
      for (const auto& span : ss.spans()) {
        *target(rng.Uniform(parts))->add_spans() = span;
        if (rng.Chance(0.05)) *target(rng.Uniform(parts))->add_spans() = span;  // a retry
      }
    }
    if (rng.Chance(0.05)) *fragments[rng.Uniform(parts)].add_resourcespans()->mutable_resource() =
        rs.resource();
  }
  std::string bytes;
  for (const auto& f : fragments) bytes += f.SerializeAsString();
  return bytes;
}

inline otlp_trace::Span NamedSpan(const std::string& id, const std::string& name) {
  otlp_trace::Span span;
  span.set_trace_id(std::string(16, '\x07'));
  span.set_span_id(id);
  span.set_name(name);
  span.set_start_time_unix_nano(1'700'000'000'000'000'000ull);
  span.set_end_time_unix_nano(1'700'000'000'500'000'000ull);
  return span;
}

// One trace of one resource and scope whose only span is given as bytes.
inline std::string TraceWithSpanBytes(const std::string& span_bytes, const std::string& resource = "") {
  otlp_common::KeyValue service;
  service.set_key("service.name");
  service.mutable_value()->set_string_value("checkout");
  const std::string rs = Field(1, resource.empty() ? Field(1, service.SerializeAsString())
                                                   : resource) +
                         Field(2, Field(1, "") + Field(2, span_bytes));
  return Field(1, rs);
}

// A serialized trace in an encoding an encoder does not write.
struct FragmentCase {
  const char* name;
  std::string bytes;
  bool read_off_bytes;  // TraceRows::FromFragments reads it; false: it must be parsed
};

inline std::vector<FragmentCase> NonCanonicalFragments() {
  otlp_trace::Span base = NamedSpan("\x01\x01\x01\x01\x01\x01\x01\x01", "GET /cart");
  auto* attr = base.add_attributes();
  attr->set_key("http.method");
  attr->mutable_value()->set_string_value("GET");
  base.add_events()->set_name("retry");
  base.mutable_status()->set_code(otlp_trace::Status::STATUS_CODE_ERROR);
  base.mutable_status()->set_message("first");

  otlp_trace::Span later;
  auto* late_attr = later.add_attributes();  // after the event on the wire
  late_attr->set_key("http.status_code");
  late_attr->mutable_value()->set_int_value(503);
  later.mutable_status()->set_message("second");  // a second status merges into the first
  const std::string interleaved = base.SerializeAsString() + later.SerializeAsString();

  // A KeyValue whose value is given twice: two arrays, which merge into one.
  otlp_common::AnyValue one, two;
  one.mutable_array_value()->add_values()->set_int_value(1);
  two.mutable_array_value()->add_values()->set_int_value(2);
  const std::string twice_valued =
      Field(9, Field(1, "retries") + Field(2, one.SerializeAsString()) +
                   Field(2, two.SerializeAsString()));
  // An AnyValue that was an array and then a string: the string wins.
  const std::string array_then_string =
      Field(9, Field(1, "peer") + Field(2, one.SerializeAsString() + Field(1, "db-1")));
  // Unknown fields, and a known field with another wire type (kind as bytes).
  const std::string unknown = Field(99, "x") + Field(6, "not a varint");

  const std::string base_bytes =
      NamedSpan("\x02\x02\x02\x02\x02\x02\x02\x02", "q").SerializeAsString();
  otlp_common::KeyValue zone;
  zone.set_key("zone");
  zone.mutable_value()->set_string_value("eu");
  const std::string two_resources = Field(1, zone.SerializeAsString());  // merged below

  return {
      {"attributes after events, status twice", TraceWithSpanBytes(interleaved), true},
      {"array then string", TraceWithSpanBytes(base_bytes + array_then_string), true},
      {"unknown fields", TraceWithSpanBytes(base_bytes + unknown), true},
      {"a resource without attributes",
       TraceWithSpanBytes(base_bytes, std::string("\x10\x03", 2)), true},
      {"a value given twice", TraceWithSpanBytes(base_bytes + twice_valued), false},
      {"a group field", TraceWithSpanBytes(base_bytes + std::string("\xa3\x06\xa4\x06", 4)), false},
      {"a resource given twice",
       Field(1, Field(1, two_resources) + Field(1, two_resources) +
                    Field(2, Field(2, base_bytes))),
       false},
  };
}

}  // namespace tempo::block::testing
