// Attribute columns: keys in many orders, string columns that change character within a row
// group, and packed hex IDs and addresses, through the block's read paths.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "block_test_util.h"
#include "random_traces.h"

namespace tempo::block {
namespace {

using testing::Diff;
using testing::OpenString;
using testing::RandomTraces;

// Writes `traces` into one block and finds each of them in it, unchanged; returns the block's
// row groups.
uint32_t WriteAndFindEach(const std::map<TraceId, tempopb::Trace>& traces) {
  BlockWriter writer;
  for (const auto& [id, trace] : traces) REQUIRE(writer.Append(id, trace).ok());
  BlockMeta meta;
  auto data = writer.Finish(&meta);
  REQUIRE(data.ok());
  auto reader = OpenString(*data);
  REQUIRE(reader.ok());
  for (const auto& [id, trace] : traces) {
    tempopb::Trace got;
    Result<bool> found = (*reader)->FindTrace(id, &got);
    REQUIRE(found.ok());
    REQUIRE(*found);
    CHECK(Diff(trace, got) == "");
  }
  return meta.row_groups;
}

TEST_CASE("Spans listing keys in many orders and subsets keep every attribute", "[block]") {
  // The writer caches attribute columns per list of keys; lists that share a first key but skip,
  // add or reorder keys (and more keys than one cached list holds) must still land in the right
  // columns.
  RandomTraces gen(31);
  std::map<TraceId, tempopb::Trace> traces;
  for (int t = 0; t < 40; ++t) {
    TraceId id = gen.Id();
    tempopb::Trace trace;
    auto* ss = trace.add_resourcespans()->add_scope_spans();
    for (int n = 0; n < 25; ++n) {
      auto* span = ss->add_spans();
      span->set_trace_id(std::string(id.view()));
      span->set_span_id(gen.RandomBytes(8));
      span->set_name("op");
      auto add = [&](const std::string& key, int64_t v) {
        auto* kv = span->add_attributes();
        kv->set_key(key);
        if (v % 3 == 0) {
          kv->mutable_value()->set_string_value("v" + std::to_string(v));
        } else {
          kv->mutable_value()->set_int_value(v);
        }
      };
      add("first", n);  // every list starts with the same key
      const int keys = 1 + static_cast<int>(gen.Uniform(100));
      const int step = 1 + static_cast<int>(gen.Uniform(7));
      for (int k = 0; k < keys; ++k) {
        const int key = (k * step + static_cast<int>(gen.Uniform(3))) % 100;
        add("key." + std::to_string(key), static_cast<int64_t>(gen.Uniform(9)));
      }
    }
    traces[id] = std::move(trace);
  }
  WriteAndFindEach(traces);
}

// Appends a span named "op" with a random span ID to `ss` and returns a function that adds
// string attributes to it.
auto AddOpSpan(opentelemetry::proto::trace::v1::ScopeSpans* ss, const TraceId& id,
               RandomTraces& gen) {
  auto* span = ss->add_spans();
  span->set_trace_id(std::string(id.view()));
  span->set_span_id(gen.RandomBytes(8));
  span->set_name("op");
  return [span](const std::string& key, const std::string& v) {
    auto* kv = span->add_attributes();
    kv->set_key(key);
    kv->mutable_value()->set_string_value(v);
  };
}

TEST_CASE("String columns whose first values are unique keep every later value", "[block]") {
  // One row group: a column that starts with unique values (the writer stops looking values up)
  // and then repeats a few, one unique throughout, one repeating throughout.
  RandomTraces gen(57);
  std::map<TraceId, tempopb::Trace> traces;
  int n = 0;
  for (int t = 0; t < 60; ++t) {
    TraceId id = gen.Id();
    tempopb::Trace trace;
    auto* ss = trace.add_resourcespans()->add_scope_spans();
    for (int s = 0; s < 50; ++s, ++n) {
      auto add = AddOpSpan(ss, id, gen);
      add("then.few",
          n < 1500 ? gen.RandomBytes(6) + std::to_string(n) : "few" + std::to_string(n % 3));
      add("unique", "u" + std::to_string(n));
      add("few", "f" + std::to_string(n % 5));
    }
    traces[id] = std::move(trace);
  }
  CHECK(WriteAndFindEach(traces) == 1);  // one row group
}

TEST_CASE("Hex ID and address attributes come back as the same text through every read path",
          "[block]") {
  // UUIDs (packed as nibbles), upper-case hex (packed), IPv4 addresses (4 bytes), a column
  // whose pages sometimes hold a value that is not an ID (stored as text) and one that most
  // spans lack: lookups (which expand only the values they take), whole-block reads and sparse
  // reads.
  RandomTraces gen(77);
  auto hex = [&](size_t digits, const char* alphabet) {
    std::string s;
    for (size_t i = 0; i < digits; ++i) s += alphabet[gen.Uniform(16)];
    return s;
  };
  auto uuid = [&] {
    std::string h = hex(32, "0123456789abcdef");
    for (size_t at : {20, 16, 12, 8}) h.insert(at, 1, '-');
    return h;
  };
  std::map<TraceId, tempopb::Trace> traces;
  int n = 0;
  for (int t = 0; t < 80; ++t) {
    TraceId id = gen.Id();
    tempopb::Trace trace;
    auto* ss = trace.add_resourcespans()->add_scope_spans();
    for (int s = 0; s < 1 + static_cast<int>(gen.Uniform(20)); ++s, ++n) {
      auto add = AddOpSpan(ss, id, gen);
      add("session.id", uuid());
      add("device.id", hex(32, "0123456789ABCDEF"));
      add("sometimes.id", n % 97 == 0 ? "n/a" : uuid());
      if (n % 5 == 0) add("rare.id", uuid());  // traces without it read an empty range
      add("client.address", "10." + std::to_string(gen.Uniform(256)) + ".0." +
                                std::to_string(gen.Uniform(256)));
    }
    traces[id] = std::move(trace);
  }
  WriterOptions options;
  options.values_per_page = 40;
  BlockMeta meta;
  BlockWriter writer(options);
  for (const auto& [id, trace] : traces) REQUIRE(writer.Append(id, trace).ok());
  auto data = writer.Finish(&meta);
  REQUIRE(data.ok());
  auto reader = OpenString(*data);
  REQUIRE(reader.ok());
  std::vector<const tempopb::Trace*> by_row;
  for (const auto& [id, trace] : traces) {
    by_row.push_back(&trace);
    tempopb::Trace got;
    Result<bool> found = (*reader)->FindTrace(id, &got);
    REQUIRE(found.ok());
    REQUIRE(*found);
    CHECK(Diff(trace, got) == "");
  }
  size_t seen = 0;
  REQUIRE((*reader)
              ->ForEachTrace([&](const TraceId& id, tempopb::Trace&& got) {
                CHECK(Diff(traces.at(id), got) == "");
                ++seen;
                return Status::Ok();
              })
              .ok());
  CHECK(seen == traces.size());
  std::vector<uint64_t> rows;
  for (uint64_t r = 1; r < by_row.size(); r += 7) rows.push_back(r);
  REQUIRE((*reader)
              ->ReadTraces(rows,
                           [&](uint64_t row, tempopb::Trace&& got) {
                             CHECK(Diff(*by_row[row], got) == "");
                             return Status::Ok();
                           })
              .ok());
  // The packed columns hold half a byte per digit before compression; the other is text.
  std::map<std::string, BlockReader::ColumnStats> cols;
  for (const auto& c : (*reader)->ColumnSizes()) cols[c.name] = c;
  const auto& session = cols.at("span.attr[session.id]:string");
  const auto& device = cols.at("span.attr[device.id]:string");
  const auto& sometimes = cols.at("span.attr[sometimes.id]:string");
  const auto& address = cols.at("span.attr[client.address]:string");
  CHECK(address.uncompressed_bytes < address.values * 5);
  REQUIRE(session.values == static_cast<uint64_t>(n));
  CHECK(session.uncompressed_bytes < session.values * 17);
  CHECK(device.uncompressed_bytes < device.values * 17);
  CHECK(sometimes.uncompressed_bytes > sometimes.values * 17);
  CHECK(sometimes.uncompressed_bytes < sometimes.values * 36);
}

}  // namespace
}  // namespace tempo::block
