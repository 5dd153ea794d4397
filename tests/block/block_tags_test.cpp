// BlockTags (tag names and values from block metadata) against decoding every trace: over seeded
// random traces in blocks of several row groups, the attribute keys per owner and the distinct
// values of attributes and intrinsics are the same; the time range restricts row groups; the
// catalog answers whole blocks without reading; page statistics answer ints and bools; errors.
#include "tempo/block/block_tags.h"

#include <bit>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "block/block_test_util.h"
#include "block/random_traces.h"
#include "tempo/traceql/trace_view.h"

namespace tempo::block {
namespace {

namespace otlp_common = opentelemetry::proto::common::v1;
using testing::RandomTraces;
using testing::ReadFrom;
using Owners = std::array<std::set<std::string>, kAttributeOwnerCount>;
using Values = std::set<std::pair<std::string, std::string>>;  // (type, canonical text)

constexpr uint64_t kHour = 3600ull * 1'000'000'000;
constexpr uint64_t kBase = 1'800'000'000'000'000'000ull;

struct TestBlock {
  std::string data;
  std::vector<std::pair<TraceId, tempopb::Trace>> traces;  // ID order
  std::shared_ptr<const BlockReader> reader;
};

TestBlock Write(std::map<TraceId, tempopb::Trace> traces, uint32_t spans_per_row_group) {
  TestBlock block;
  WriterOptions options;
  options.spans_per_row_group = spans_per_row_group;
  BlockWriter writer(options);
  for (auto& [id, trace] : traces) {
    REQUIRE(writer.Append(id, trace).ok());
    block.traces.emplace_back(id, std::move(trace));
  }
  BlockMeta meta;
  Result<std::string> data = writer.Finish(&meta);
  REQUIRE(data.ok());
  block.data = std::move(data).value();
  auto reader = BlockReader::Open(ReadFrom(block.data), block.data.size());
  REQUIRE(reader.ok());
  block.reader = std::move(reader).value();
  return block;
}

TestBlock RandomBlock(uint64_t seed, int traces, uint32_t spans_per_row_group) {
  RandomTraces gen(seed);
  std::map<TraceId, tempopb::Trace> all;
  for (int i = 0; i < traces; ++i) {
    TraceId id = gen.Id();
    all[id] = gen.Trace(id, 1 + static_cast<int>(gen.Uniform(12)));
  }
  return Write(std::move(all), spans_per_row_group);
}

std::string Canonical(const otlp_common::AnyValue& v, std::string* type) {
  switch (v.value_case()) {
    case otlp_common::AnyValue::kStringValue:
      *type = "string";
      return v.string_value();
    case otlp_common::AnyValue::kIntValue:
      *type = "int";
      return std::to_string(v.int_value());
    case otlp_common::AnyValue::kBoolValue:
      *type = "bool";
      return v.bool_value() ? "1" : "0";
    case otlp_common::AnyValue::kDoubleValue:
      *type = "float";
      return std::to_string(std::bit_cast<uint64_t>(v.double_value()));
    default:
      type->clear();
      return "";
  }
}

std::pair<std::string, std::string> Canonical(const TagValueRef& v) {
  switch (v.type) {
    case TagValueRef::Type::kString:
      return {"string", std::string(v.str)};
    case TagValueRef::Type::kInt:
      return {"int", std::to_string(v.int_value)};
    case TagValueRef::Type::kBool:
      return {"bool", std::to_string(v.int_value)};
    case TagValueRef::Type::kDouble:
      return {"float", std::to_string(std::bit_cast<uint64_t>(v.double_value))};
  }
  return {};
}

// Every attribute list of a trace with its owner, as decoding the trace shows them.
template <typename Fn>
void ForEachAttributeList(const tempopb::Trace& trace, Fn&& fn) {
  for (const auto& rs : trace.resourcespans()) {
    fn(AttributeOwner::kResource, rs.resource().attributes());
    for (const auto& ss : rs.scope_spans()) {
      fn(AttributeOwner::kScope, ss.scope().attributes());
      for (const auto& span : ss.spans()) {
        fn(AttributeOwner::kSpan, span.attributes());
        for (const auto& e : span.events()) fn(AttributeOwner::kEvent, e.attributes());
        for (const auto& l : span.links()) fn(AttributeOwner::kLink, l.attributes());
      }
    }
  }
}

// The traces of the row groups overlapping [start, end] (the reference's view of the window).
std::vector<const tempopb::Trace*> TracesIn(const TestBlock& block, uint64_t start, uint64_t end) {
  std::vector<const tempopb::Trace*> out;
  size_t next = 0;
  for (const auto& rg : block.reader->RowGroupInfos()) {
    const bool overlaps = rg.traces > 0 && rg.max_end >= start && rg.min_start <= end;
    for (uint64_t t = 0; t < rg.traces; ++t, ++next) {
      if (overlaps) out.push_back(&block.traces[next].second);
    }
  }
  return out;
}

Owners ReferenceKeys(const std::vector<const tempopb::Trace*>& traces) {
  Owners out;
  for (const tempopb::Trace* t : traces) {
    ForEachAttributeList(*t, [&](AttributeOwner o, const auto& attrs) {
      for (const auto& kv : attrs) out[static_cast<size_t>(o)].insert(kv.key());
    });
  }
  return out;
}

Values ReferenceValues(const std::vector<const tempopb::Trace*>& traces, const TagColumn& column) {
  Values out;
  for (const tempopb::Trace* t : traces) {
    if (column.kind == TagColumn::Kind::kRootSpanName ||
        column.kind == TagColumn::Kind::kRootServiceName) {
      traceql::TraceView view = traceql::TraceView::Build(TraceId{}, *t);
      out.emplace("string", std::string(column.kind == TagColumn::Kind::kRootSpanName
                                            ? view.root_span_name()
                                            : view.root_service_name()));
      continue;
    }
    if (column.kind != TagColumn::Kind::kAttribute) {
      for (const auto& rs : t->resourcespans()) {
        for (const auto& ss : rs.scope_spans()) {
          for (const auto& span : ss.spans()) {
            out.emplace("string", column.kind == TagColumn::Kind::kSpanName
                                      ? span.name()
                                      : span.status().message());
          }
        }
      }
      continue;
    }
    ForEachAttributeList(*t, [&](AttributeOwner o, const auto& attrs) {
      if (!(column.owners & OwnerBit(o))) return;
      for (const auto& kv : attrs) {
        std::string type;
        std::string text = Canonical(kv.value(), &type);
        if (kv.key() == column.key && !type.empty()) out.emplace(type, text);
      }
    });
  }
  return out;
}

Owners Keys(const BlockTags& tags, uint64_t start, uint64_t end, TagReadStats* stats) {
  std::array<std::vector<std::string>, kAttributeOwnerCount> keys;
  Status s = tags.AttributeKeys(RequestContext{}, start, end, &keys, stats);
  INFO(s.ToString());
  REQUIRE(s.ok());
  Owners out;
  for (size_t o = 0; o < keys.size(); ++o) {
    CHECK(std::is_sorted(keys[o].begin(), keys[o].end()));
    out[o].insert(keys[o].begin(), keys[o].end());
  }
  return out;
}

Values ValuesOf(const BlockTags& tags, const TagColumn& column, uint64_t start, uint64_t end,
                TagReadStats* stats) {
  Values out;
  Status s = tags.Values(
      RequestContext{}, column, start, end,
      [&](const TagValueRef& v) {
        out.insert(Canonical(v));
        return true;
      },
      stats);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

std::vector<TagColumn> Columns() {
  std::vector<TagColumn> out;
  for (const char* key : {"http.method", "http.status_code", "user.id", "k", "", "service.name",
                          "ratio", "no.such.key"}) {
    for (uint8_t owners : {kAllAttributeOwners, OwnerBit(AttributeOwner::kSpan),
                           OwnerBit(AttributeOwner::kResource), OwnerBit(AttributeOwner::kEvent),
                           OwnerBit(AttributeOwner::kLink), OwnerBit(AttributeOwner::kScope)}) {
      out.push_back({TagColumn::Kind::kAttribute, key, owners});
    }
  }
  for (auto kind : {TagColumn::Kind::kSpanName, TagColumn::Kind::kSpanStatusMessage,
                    TagColumn::Kind::kRootSpanName, TagColumn::Kind::kRootServiceName}) {
    out.push_back({kind, "", 0});
  }
  return out;
}

TEST_CASE("Block tag names and values equal those of the decoded traces", "[block][tags]") {
  for (uint64_t seed : {1u, 2u, 3u}) {
    // Small row groups: many of them, dictionaries and plain chunks both occur.
    TestBlock block = RandomBlock(seed, 150, seed == 3 ? 1'000'000 : 40);
    BlockTags tags(block.reader);
    INFO("seed " << seed << ", row groups " << block.reader->row_groups());
    const auto all = TracesIn(block, 0, UINT64_MAX);
    REQUIRE(all.size() == block.traces.size());

    TagReadStats stats;
    CHECK(Keys(tags, 0, UINT64_MAX, &stats) == ReferenceKeys(all));
    CHECK(stats.bytes_read == 0);  // the whole block: served from the catalog
    CHECK(stats.row_groups == block.reader->row_groups());
    CHECK(stats.spans == block.reader->spans());

    for (const TagColumn& column : Columns()) {
      INFO("column " << static_cast<int>(column.kind) << " '" << column.key << "' owners "
                     << static_cast<int>(column.owners));
      TagReadStats value_stats;
      CHECK(ValuesOf(tags, column, 0, UINT64_MAX, &value_stats) == ReferenceValues(all, column));
    }

    // A window over some of the row groups: their keys only (chunks and attribute shapes).
    const auto infos = block.reader->RowGroupInfos();
    if (infos.size() >= 3) {
      std::vector<uint64_t> ends;
      for (const auto& rg : infos) ends.push_back(rg.max_end);
      std::sort(ends.begin(), ends.end());
      const uint64_t start = ends[ends.size() / 2];
      const auto part = TracesIn(block, start, UINT64_MAX);
      REQUIRE(part.size() < all.size());
      TagReadStats part_stats;
      CHECK(Keys(tags, start, UINT64_MAX, &part_stats) == ReferenceKeys(part));
      CHECK(part_stats.row_groups < block.reader->row_groups());
      for (const TagColumn& column : Columns()) {
        TagReadStats value_stats;
        CHECK(ValuesOf(tags, column, start, UINT64_MAX, &value_stats) ==
              ReferenceValues(part, column));
      }
    }
  }
}

// One span per trace with attribute `attr` = value and the given start.
tempopb::Trace OneSpan(const TraceId& id, uint64_t start,
                       const std::vector<std::pair<std::string, otlp_common::AnyValue>>& attrs) {
  tempopb::Trace trace;
  auto* span = trace.add_resourcespans()->add_scope_spans()->add_spans();
  span->set_trace_id(std::string(id.view()));
  span->set_span_id("12345678");
  span->set_name("op");
  span->set_start_time_unix_nano(start);
  span->set_end_time_unix_nano(start + 1000);
  for (const auto& [key, value] : attrs) {
    auto* kv = span->add_attributes();
    kv->set_key(key);
    if (value.value_case() != otlp_common::AnyValue::VALUE_NOT_SET) *kv->mutable_value() = value;
  }
  return trace;
}

otlp_common::AnyValue Str(const std::string& s) {
  otlp_common::AnyValue v;
  v.set_string_value(s);
  return v;
}
otlp_common::AnyValue Int(int64_t i) {
  otlp_common::AnyValue v;
  v.set_int_value(i);
  return v;
}

TEST_CASE("Block tags: the time range keeps the overlapping row groups", "[block][tags]") {
  // Three row groups (one trace each) an hour apart; `only.N` exists in row group N alone, and
  // `unset.3` has no value (no chunk: only the attribute shapes know it).
  std::map<TraceId, tempopb::Trace> traces;
  for (uint8_t n = 1; n <= 3; ++n) {
    TraceId id;
    id.bytes[15] = n;
    std::vector<std::pair<std::string, otlp_common::AnyValue>> attrs = {
        {"shared", Str("v" + std::to_string(n))}, {"only." + std::to_string(n), Int(n)}};
    if (n == 3) attrs.push_back({"unset.3", otlp_common::AnyValue()});
    traces[id] = OneSpan(id, kBase + n * kHour, attrs);
  }
  TestBlock block = Write(std::move(traces), 1);
  REQUIRE(block.reader->row_groups() == 3);
  BlockTags tags(block.reader);
  const size_t span = static_cast<size_t>(AttributeOwner::kSpan);

  TagReadStats stats;
  Owners second = Keys(tags, kBase + 2 * kHour - 10, kBase + 2 * kHour + 10, &stats);
  CHECK(second[span] == std::set<std::string>{"only.2", "shared"});
  CHECK(stats.row_groups == 1);
  Owners last = Keys(tags, kBase + 3 * kHour, UINT64_MAX, &stats);
  CHECK(last[span] == std::set<std::string>{"only.3", "shared", "unset.3"});
  Owners all = Keys(tags, 0, UINT64_MAX, &stats);
  CHECK(all[span] == std::set<std::string>{"only.1", "only.2", "only.3", "shared", "unset.3"});
  CHECK(Keys(tags, 0, kBase, &stats)[span].empty());

  TagColumn shared{TagColumn::Kind::kAttribute, "shared", kAllAttributeOwners};
  CHECK(ValuesOf(tags, shared, kBase + 2 * kHour, kBase + 3 * kHour, &stats) ==
        Values{{"string", "v2"}, {"string", "v3"}});
  CHECK(ValuesOf(tags, shared, kBase + 3 * kHour + 2000, UINT64_MAX, &stats).empty());

  // Row groups come newest first.
  std::vector<std::string> order;
  REQUIRE(tags.Values(
                  RequestContext{}, shared, 0, UINT64_MAX,
                  [&](const TagValueRef& v) {
                    order.emplace_back(v.str);
                    return true;
                  },
                  &stats)
              .ok());
  CHECK(order == std::vector<std::string>{"v3", "v2", "v1"});
}

TEST_CASE("Block tags: ints and bools with few values come from page statistics", "[block][tags]") {
  std::map<TraceId, tempopb::Trace> traces;
  for (uint8_t n = 0; n < 200; ++n) {
    TraceId id;
    id.bytes[14] = n;
    otlp_common::AnyValue flag;
    flag.set_bool_value(n % 3 == 0);
    traces[id] = OneSpan(id, kBase + n,
                         {{"flag", flag}, {"code", Int(n % 2 ? 200 : 201)}, {"many", Int(n)}});
  }
  TestBlock block = Write(std::move(traces), 1'000'000);
  BlockTags tags(block.reader);
  TagReadStats stats;
  CHECK(ValuesOf(tags, {TagColumn::Kind::kAttribute, "flag", kAllAttributeOwners}, 0, UINT64_MAX,
                 &stats) == Values{{"bool", "0"}, {"bool", "1"}});
  CHECK(ValuesOf(tags, {TagColumn::Kind::kAttribute, "code", kAllAttributeOwners}, 0, UINT64_MAX,
                 &stats) == Values{{"int", "200"}, {"int", "201"}});
  CHECK(stats.bytes_read == 0);
  CHECK(ValuesOf(tags, {TagColumn::Kind::kAttribute, "many", kAllAttributeOwners}, 0, UINT64_MAX,
                 &stats)
            .size() == 200);
  CHECK(stats.bytes_read > 0);  // decoded: the one column only
  CHECK(stats.bytes_read < block.data.size() / 4);
}

TEST_CASE("Block tags: a callback that returns false stops the scan", "[block][tags]") {
  TestBlock block = RandomBlock(7, 100, 30);
  BlockTags tags(block.reader);
  int calls = 0;
  TagReadStats stats;
  REQUIRE(tags.Values(
                  RequestContext{}, {TagColumn::Kind::kSpanName, "", 0}, 0, UINT64_MAX,
                  [&](const TagValueRef&) { return ++calls < 3; }, &stats)
              .ok());
  CHECK(calls == 3);
  CHECK(stats.row_groups == 1);
}

TEST_CASE("Block tags: cancellation, deadline and corruption are errors", "[block][tags]") {
  TestBlock block = RandomBlock(8, 100, 30);
  REQUIRE(block.reader->row_groups() > 2);
  BlockTags tags(block.reader);
  TagReadStats stats;
  std::array<std::vector<std::string>, kAttributeOwnerCount> keys;
  auto noop = [](const TagValueRef&) { return true; };

  RequestContext cancelled;
  cancelled.Cancel();
  CHECK(tags.Values(cancelled, {TagColumn::Kind::kSpanName, "", 0}, 0, UINT64_MAX, noop, &stats)
            .code() == StatusCode::kCancelled);
  // A window over part of the block reads row groups, checking the context before each.
  const uint64_t late = block.reader->RowGroupInfos().back().max_end;
  CHECK(tags.AttributeKeys(cancelled, late, late, &keys, &stats).code() == StatusCode::kCancelled);
  RequestContext expired;
  expired.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  CHECK(tags.Values(expired, {TagColumn::Kind::kAttribute, "k", kAllAttributeOwners}, 0, UINT64_MAX,
                    noop, &stats)
            .code() == StatusCode::kDeadlineExceeded);

  // Flip a byte inside the first row group: a value read that touches it reports corruption.
  std::string bad = block.data;
  for (size_t i = 100; i < 4000; i += 7) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
  auto reader = BlockReader::Open(ReadFrom(bad), bad.size());
  REQUIRE(reader.ok());
  BlockTags bad_tags(std::move(reader).value());
  Status s = Status::Ok();
  for (const TagColumn& column : Columns()) {
    s = bad_tags.Values(RequestContext{}, column, 0, UINT64_MAX, noop, &stats);
    if (!s.ok()) break;
  }
  CHECK(s.code() == StatusCode::kCorruption);
}

}  // namespace
}  // namespace tempo::block
