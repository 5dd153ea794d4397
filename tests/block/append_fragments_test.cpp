// BlockWriter::AppendFragments (rows read off a live trace's fragment bytes) against the path it
// replaces in block cuts: model::CombineFragments into a message, then Append. Both must write
// the same bytes.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "block/trace_rows.h"
#include "fragment_cases.h"
#include "tempo/block/block_writer.h"
#include "tempo/model/combine.h"

namespace tempo::block {
namespace {

using testing::Field;
using testing::FragmentCase;
using testing::Fragments;
using testing::NamedSpan;
using testing::NonCanonicalFragments;
using testing::RandomTraces;
using testing::TraceWithSpanBytes;
namespace otlp_common = opentelemetry::proto::common::v1;
namespace otlp_trace = opentelemetry::proto::trace::v1;

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
  const std::vector<FragmentCase> cases = NonCanonicalFragments();
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
  auto varint = [](uint64_t v) { return tempo::testing::Varint(v); };
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
