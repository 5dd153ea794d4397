#include "tempo/block/block_meta.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace tempo::block {
namespace {

BlockMeta Sample() {
  BlockMeta m;
  m.block_id = "6f1c2a9e-0b7d-4c1e-9a43-2f5b8d7e6c10";
  m.tenant_id = "single-tenant";
  m.start_unix_nano = 1'700'000'000'123'456'789;
  m.end_unix_nano = 1'700'000'060'500'000'000;
  m.total_traces = 1234;
  m.total_spans = 56789;
  m.size_bytes = 987654;
  m.compaction_level = 2;
  m.footer_size = 4321;
  m.row_groups = 3;
  m.min_trace_id = "00000000000000000000000000000001";
  m.max_trace_id = "ffffffffffffffffffffffffffffffff";
  m.replaces = {"a", "b"};
  m.created_at_unix = 1'700'000'100;
  return m;
}

TEST_CASE("Block meta survives a JSON round trip with Tempo's keys", "[block]") {
  BlockMeta m = Sample();
  std::string json = MetaToJson(m);
  auto back = MetaFromJson(json);
  REQUIRE(back.ok());
  CHECK(*back == m);
  auto j = nlohmann::json::parse(json);
  CHECK(j["format"] == "tcb1");
  CHECK(j["blockID"] == m.block_id);
  CHECK(j["tenantID"] == m.tenant_id);
  CHECK(j["startTime"] == "2023-11-14T22:13:20.123456789Z");
  CHECK(j["endTime"] == "2023-11-14T22:14:20.5Z");
  CHECK(j["startUnixNano"] == "1700000000123456789");
  CHECK(j["totalObjects"] == 1234);
  CHECK(j["totalSpans"] == 56789);
  CHECK(j["size"] == 987654);
  CHECK(j["compactionLevel"] == 2);
  CHECK(j["footerSize"] == 4321);
  CHECK(j["totalRecords"] == 3);
  CHECK(j["minID"] == m.min_trace_id);
  CHECK(j["replaces"] == nlohmann::json::array({"a", "b"}));
  CHECK(j["createdAt"] == 1'700'000'100);
}

TEST_CASE("Block meta falls back to RFC3339 times when exact ones are missing", "[block]") {
  auto j = nlohmann::json::parse(MetaToJson(Sample()));
  j.erase("startUnixNano");
  j.erase("endUnixNano");
  j["endTime"] = "2023-11-15T00:14:20.5+02:00";
  auto m = MetaFromJson(j.dump());
  REQUIRE(m.ok());
  CHECK(m->start_unix_nano == 1'700'000'000'123'456'789);
  CHECK(m->end_unix_nano == 1'700'000'060'500'000'000);
}

TEST_CASE("Block meta with another format version is rejected", "[block]") {
  auto j = nlohmann::json::parse(MetaToJson(Sample()));
  j["format"] = "vParquet4";
  auto m = MetaFromJson(j.dump());
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().code() == StatusCode::kCorruption);
  CHECK(m.status().message() == "unsupported block format version vParquet4");
}

TEST_CASE("Block meta with a missing or mistyped field names the field", "[block]") {
  const std::string good = MetaToJson(Sample());
  struct Case {
    std::string field;
    nlohmann::json value;  // null = remove
  };
  for (const Case& c : std::vector<Case>{{"blockID", nullptr},
                                         {"tenantID", 5},
                                         {"totalObjects", "12"},
                                         {"size", -1},
                                         {"startUnixNano", "12x"},
                                         {"compactionLevel", 1.5},
                                         {"replaces", "x"},
                                         {"format", nullptr}}) {
    auto j = nlohmann::json::parse(good);
    if (c.value.is_null()) {
      j.erase(c.field);
    } else {
      j[c.field] = c.value;
    }
    auto m = MetaFromJson(j.dump());
    INFO(c.field);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().code() == StatusCode::kCorruption);
    CHECK(m.status().message().find("'" + c.field + "'") != std::string::npos);
  }
  CHECK(MetaFromJson("{not json").status().code() == StatusCode::kCorruption);
  CHECK(MetaFromJson("[]").status().code() == StatusCode::kCorruption);
}

TEST_CASE("RFC3339Nano times print like Go and parse back", "[block]") {
  CHECK(FormatRfc3339Nano(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatRfc3339Nano(1'500'000'000) == "1970-01-01T00:00:01.5Z");
  CHECK(FormatRfc3339Nano(-1) == "1969-12-31T23:59:59.999999999Z");
  CHECK(FormatRfc3339Nano(951'782'400'000'000'001) == "2000-02-29T00:00:00.000000001Z");
  for (int64_t t : {int64_t{0}, int64_t{-1}, int64_t{1'700'000'000'123'456'789},
                    int64_t{951'782'400'000'000'001}}) {
    auto back = ParseRfc3339Nano(FormatRfc3339Nano(t));
    REQUIRE(back.ok());
    CHECK(*back == t);
  }
  CHECK(*ParseRfc3339Nano("1970-01-01T01:00:00+01:00") == 0);
  CHECK_FALSE(ParseRfc3339Nano("1970-01-01 00:00:00Z").ok());
  CHECK_FALSE(ParseRfc3339Nano("1970-02-30T00:00:00Z").ok());
  CHECK_FALSE(ParseRfc3339Nano("1970-01-01T00:00:00").ok());
  CHECK_FALSE(ParseRfc3339Nano("1970-01-01T00:00:00.Z").ok());
}

}  // namespace
}  // namespace tempo::block
