// BlockWriter::AppendFragments (rows read off a live trace's fragment bytes) against the path it
// replaces in block cuts: model::CombineFragments into a message, then Append. Both must write
// the same bytes.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "block/trace_rows.h"
#include "random_traces.h"
#include "tempo/block/block_writer.h"
#include "tempo/model/combine.h"

namespace tempo::block {
namespace {

using testing::RandomTraces;
namespace otlp_common = opentelemetry::proto::common::v1;
namespace otlp_trace = opentelemetry::proto::trace::v1;

// A length-delimited field with the given number (lengths below 2^14 suffice here).
std::string Field(uint32_t number, const std::string& payload) {
  std::string out(1, static_cast<char>(number << 3 | 2));
  size_t n = payload.size();
  while (n >= 0x80) {
    out += static_cast<char>(n | 0x80);
    n >>= 7;
  }
  out += static_cast<char>(n);
  return out + payload;
}

// Splits `trace` into 1–4 fragments the way pushes deliver it: each fragment repeats the
// resource and scope of the spans it carries; some spans arrive twice; some fragments carry an
// empty ScopeSpans or ResourceSpans.
std::string Fragments(const tempopb::Trace& trace, RandomTraces& rng) {
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

struct Written {
  std::string data;
  BlockMeta meta;
};

// Writes every (id, fragments) pair with AppendFragments, or with CombineFragments + Append.
Written Write(const std::vector<std::pair<TraceId, std::string>>& traces, bool from_bytes) {
  WriterOptions options;
  options.spans_per_row_group = 2000;  // several row groups, so resource rows restart
  BlockWriter writer(options);
  for (const auto& [id, bytes] : traces) {
    if (from_bytes) {
      REQUIRE(writer.AppendFragments(id, bytes).ok());
    } else {
      tempopb::Trace combined;
      REQUIRE(model::CombineFragments({bytes}, &combined, nullptr).ok());
      REQUIRE(writer.Append(id, combined).ok());
    }
  }
  Written w;
  Result<std::string> data = writer.Finish(&w.meta);
  REQUIRE(data.ok());
  w.data = std::move(data).value();
  return w;
}

void RequireSameBlock(const std::vector<std::pair<TraceId, std::string>>& traces) {
  const Written from_bytes = Write(traces, true);
  const Written from_messages = Write(traces, false);
  CHECK(from_bytes.meta.total_spans == from_messages.meta.total_spans);
  CHECK(from_bytes.data.size() == from_messages.data.size());
  REQUIRE(from_bytes.data == from_messages.data);
}

otlp_trace::Span NamedSpan(const std::string& id, const std::string& name) {
  otlp_trace::Span span;
  span.set_trace_id(std::string(16, '\x07'));
  span.set_span_id(id);
  span.set_name(name);
  span.set_start_time_unix_nano(1'700'000'000'000'000'000ull);
  span.set_end_time_unix_nano(1'700'000'000'500'000'000ull);
  return span;
}

// One trace of one resource and scope whose only span is given as bytes.
std::string TraceWithSpanBytes(const std::string& span_bytes, const std::string& resource = "") {
  otlp_common::KeyValue service;
  service.set_key("service.name");
  service.mutable_value()->set_string_value("checkout");
  const std::string rs = Field(1, resource.empty() ? Field(1, service.SerializeAsString())
                                                   : resource) +
                         Field(2, Field(1, "") + Field(2, span_bytes));
  return Field(1, rs);
}

TraceId IdOf(uint8_t n) {
  TraceId id;
  id.bytes.fill(0);
  id.bytes[15] = n;
  return id;
}

}  // namespace

TEST_CASE("AppendFragments writes what combining the fragments and Append write") {
  for (uint64_t seed : {1, 2, 3}) {
    RandomTraces rng(seed, /*utf8_only=*/true);
    std::vector<TraceId> ids;
    for (int i = 0; i < 400; ++i) ids.push_back(rng.Id());
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::vector<std::pair<TraceId, std::string>> traces;
    for (const TraceId& id : ids) {
      const int spans = rng.Chance(0.02) ? 400 : 1 + static_cast<int>(rng.Uniform(30));
      traces.emplace_back(id, Fragments(rng.Trace(id, spans), rng));
    }
    INFO("seed " << seed);
    RequireSameBlock(traces);
  }
}

TEST_CASE("AppendFragments reads encodings a parse merges, or parses them") {
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

  const std::string base_bytes = NamedSpan("\x02\x02\x02\x02\x02\x02\x02\x02", "q").SerializeAsString();
  otlp_common::KeyValue zone;
  zone.set_key("zone");
  zone.mutable_value()->set_string_value("eu");
  const std::string two_resources = Field(1, zone.SerializeAsString());  // merged below

  struct Case {
    const char* name;
    std::string bytes;
    bool read_off_bytes;  // false: the writer must parse them
  };
  const std::vector<Case> cases = {
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
  std::vector<std::pair<TraceId, std::string>> traces;
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO(cases[i].name);
    TraceRows rows;
    CHECK(rows.FromFragments(cases[i].bytes) == cases[i].read_off_bytes);
    traces.emplace_back(IdOf(static_cast<uint8_t>(i + 1)), cases[i].bytes);
    RequireSameBlock({traces.back()});
  }
  RequireSameBlock(traces);
}

TEST_CASE("AppendFragments reads attributes at the edges of the short layout as a parse does") {
  auto varint = [](uint64_t v) {
    std::string out;
    while (v >= 0x80) {
      out += static_cast<char>(v | 0x80);
      v >>= 7;
    }
    return out + static_cast<char>(v);
  };
  auto kv = [](const std::string& key_and_value) { return Field(9, key_and_value); };
  const std::string s127(127, 'a'), s128(128, 'b');
  double pi = 3.25;
  std::string pi_bytes(8, '\0');
  std::memcpy(pi_bytes.data(), &pi, 8);
  const std::vector<std::pair<const char*, std::string>> attrs = {
      {"string", kv(Field(1, "k") + Field(2, Field(1, "v")))},
      {"empty string", kv(Field(1, "k") + Field(2, Field(1, "")))},
      {"string of 127", kv(Field(1, "k") + Field(2, Field(1, s127)))},
      {"string of 128", kv(Field(1, "k") + Field(2, Field(1, s128)))},
      {"key of 128", kv(Field(1, s128) + Field(2, Field(1, "v")))},
      {"value before key", kv(Field(2, Field(1, "v")) + Field(1, "k"))},
      {"no value", kv(Field(1, "k"))},
      {"empty value", kv(Field(1, "k") + Field(2, ""))},
      {"bool 2", kv(Field(1, "b") + Field(2, std::string("\x10") + varint(2)))},
      {"int -1", kv(Field(1, "i") + Field(2, std::string("\x18") + varint(~0ull)))},
      {"int 300", kv(Field(1, "i") + Field(2, std::string("\x18") + varint(300)))},
      {"double", kv(Field(1, "d") + Field(2, std::string("\x21") + pi_bytes))},
      {"bytes", kv(Field(1, "y") + Field(2, Field(7, "\x01\x02")))},
      {"string then int", kv(Field(1, "k") + Field(2, Field(1, "v") + "\x18" + varint(5)))},
      {"unknown field after the value",
       kv(Field(1, "k") + Field(2, Field(1, "v")) + Field(9, "x"))},
      {"key twice", kv(Field(1, "a") + Field(1, "k") + Field(2, Field(1, "v")))},
  };
  const std::string base =
      NamedSpan("\x04\x04\x04\x04\x04\x04\x04\x04", "edge").SerializeAsString();
  std::vector<std::pair<TraceId, std::string>> traces;
  for (size_t i = 0; i < attrs.size(); ++i) {
    INFO(attrs[i].first);
    const std::string bytes = TraceWithSpanBytes(base + attrs[i].second);
    TraceRows rows;
    CHECK(rows.FromFragments(bytes));
    traces.emplace_back(IdOf(static_cast<uint8_t>(i + 1)), bytes);
    RequireSameBlock({traces.back()});
  }
  RequireSameBlock(traces);
}

TEST_CASE("AppendFragments reports fragments that do not parse and keeps the block usable") {
  BlockWriter writer;
  const std::string good = TraceWithSpanBytes(NamedSpan("\x03\x03\x03\x03\x03\x03\x03\x03", "ok").SerializeAsString());
  REQUIRE(writer.AppendFragments(IdOf(1), good).ok());
  Status bad = writer.AppendFragments(IdOf(2), std::string("\x0a\xff\xff\xff", 4));
  CHECK(bad.code() == StatusCode::kCorruption);
  CHECK(bad.message().find("does not parse") != std::string::npos);
  REQUIRE(writer.AppendFragments(IdOf(3), good).ok());
  BlockMeta meta;
  REQUIRE(writer.Finish(&meta).ok());
  CHECK(meta.total_spans == 2);
  CHECK(writer.traces() == 2);
}

}  // namespace tempo::block
