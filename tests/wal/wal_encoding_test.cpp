// WAL entries compressed with storage.trace.wal.v2_encoding (value format 3), and entries of
// every format and codec replaying whatever the current setting.
#include <catch2/catch.hpp>

#include <random>

#include "support/temp_dir.h"
#include "tempo/wal/wal.h"
#include "wal/wal_key.h"
#include "wal/wal_test_util.h"

using tempo::Status;
using tempo::ValueCodec;
using tempo::testing::TempDir;
using tempo::wal::ReplayedRecord;
using tempo::wal::Wal;
using tempo::wal::WalConfig;
using tempo::wal::testing::AppendSync;
using tempo::wal::testing::kMinute;
using tempo::wal::testing::PutRaw;
using tempo::wal::testing::RawValues;
using tempo::wal::testing::Record;
using tempo::wal::testing::ReplayAll;

namespace {

// Fragment-like bytes that compress well: repeated attribute names around an ID.
std::string Compressible(int i) {
  std::string out;
  for (int k = 0; k < 40; ++k) {
    out += "http.request.method GET service.name checkout span " + std::to_string(i * 100 + k);
  }
  return out;
}

std::string Random(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

std::vector<std::string> Data(const std::vector<ReplayedRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.data.ToString());
  return out;
}

}  // namespace

TEST_CASE("WAL entries are stored compressed with the configured codec and replay under any",
          "[wal]") {
  const ValueCodec codecs[] = {ValueCodec::kNone, ValueCodec::kLz4, ValueCodec::kSnappy,
                               ValueCodec::kZstd, ValueCodec::kGzip};
  for (ValueCodec written : codecs) {
    INFO("written with " << tempo::ValueCodecName(written));
    TempDir dir;
    WalConfig config;
    config.path = dir.Sub("wal");
    config.encoding = written;
    std::vector<std::string> pushed;
    size_t raw_bytes = 0;
    {
      tempo::metrics::Registry registry;
      auto wal = Wal::Open(config, registry).value();
      for (int push = 0; push < 3; ++push) {
        std::vector<tempo::wal::WalRecord> records;
        for (int i = 0; i < 4; ++i) {
          pushed.push_back(Compressible(push * 4 + i));
          raw_bytes += pushed.back().size();
          records.push_back(Record("t", static_cast<uint64_t>(push * 4 + i), pushed.back()));
        }
        REQUIRE(AppendSync(*wal, std::move(records)).ok());
      }
    }
    // One entry per push, in the format the codec calls for.
    const std::vector<std::string> values = RawValues(config.path);
    REQUIRE(values.size() == 3);
    size_t stored = 0;
    for (const std::string& v : values) {
      stored += v.size();
      if (written == ValueCodec::kNone) {
        CHECK(static_cast<uint8_t>(v[0]) == tempo::wal::kGroupFormatVersion);
      } else {
        CHECK(static_cast<uint8_t>(v[0]) == tempo::wal::kCompressedGroupFormatVersion);
        CHECK(static_cast<uint8_t>(v[1]) == static_cast<uint8_t>(written));
      }
    }
    if (written != ValueCodec::kNone) CHECK(stored < raw_bytes / 4);

    // Whatever the setting now, every record comes back in order.
    for (ValueCodec reading : codecs) {
      config.encoding = reading;
      tempo::metrics::Registry registry;
      auto wal = Wal::Open(config, registry).value();
      CHECK(Data(ReplayAll(*wal)) == pushed);
    }
  }
}

TEST_CASE("A push that does not compress is stored as is in format 3", "[wal]") {
  TempDir dir;
  WalConfig config;
  config.path = dir.Sub("wal");
  const std::string noise = Random(50'000, 3);
  {
    tempo::metrics::Registry registry;
    auto wal = Wal::Open(config, registry).value();  // default: lz4
    REQUIRE(AppendSync(*wal, {Record("t", 1, noise)}).ok());
  }
  const std::vector<std::string> values = RawValues(config.path);
  REQUIRE(values.size() == 1);
  CHECK(static_cast<uint8_t>(values[0][0]) == tempo::wal::kCompressedGroupFormatVersion);
  CHECK(static_cast<uint8_t>(values[0][1]) == static_cast<uint8_t>(ValueCodec::kNone));
  CHECK(values[0].size() < noise.size() + 64);
  tempo::metrics::Registry registry;
  auto wal = Wal::Open(config, registry).value();
  CHECK(Data(ReplayAll(*wal)) == std::vector<std::string>{noise});
}

TEST_CASE("A compressed WAL entry that does not decode is a corruption; nothing is handed out",
          "[wal]") {
  TempDir dir;
  WalConfig config;
  config.path = dir.Sub("wal");
  {
    tempo::metrics::Registry registry;
    auto wal = Wal::Open(config, registry).value();
    REQUIRE(AppendSync(*wal, {Record("t", 1, Compressible(1)), Record("t", 2, Compressible(2))})
                .ok());
  }
  const std::string good = RawValues(config.path).at(0);
  std::string value;
  std::string expected;
  SECTION("unknown codec") {
    value = good;
    value[1] = '\x09';
    expected = "unknown codec 9";
  }
  SECTION("compressed bytes cut short") {
    value = good.substr(0, good.size() - 10);
    expected = "lz4";
  }
  SECTION("an announced body size over the bound") {
    value = std::string("\x03\x01", 2);
    uint64_t size = tempo::wal::kMaxGroupBodyBytes + 1;
    while (size >= 0x80) {
      value.push_back(static_cast<char>(size | 0x80));
      size >>= 7;
    }
    value.push_back(static_cast<char>(size));
    value += "xyz";
    expected = "malformed header";
  }
  SECTION("a body that decompresses but does not parse") {
    value = std::string("\x03\x00\x03", 3) + "\x05" + "ab";  // 5 records announced, 2 bytes
    expected = "format 3";
  }
  // Sorts before the good entry (an earlier minute), so nothing may be handed out first.
  PutRaw(config.path, tempo::wal::EncodeGroupKey(1, kMinute - 1, 1), value);
  tempo::metrics::Registry registry;
  auto wal = Wal::Open(config, registry).value();
  int seen = 0;
  Status s = wal->Replay([&](ReplayedRecord&&) { ++seen; });
  CHECK(s.code() == tempo::StatusCode::kCorruption);
  CHECK_THAT(s.message(), Catch::Contains(expected));
  CHECK(seen == 0);
}
