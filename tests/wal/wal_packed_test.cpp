// Fragments the ingester packed (LZ4, maybe against a dictionary) in the WAL: stored as they are
// (value format 4) with each dictionary stored once and deleted once no entry uses it; stored
// unpacked with any encoding but lz4; malformed format-4 entries and dictionaries refused.
#include <catch2/catch.hpp>

#include "support/temp_dir.h"
#include "tempo/wal/wal.h"
#include "wal/wal_key.h"
#include "wal/wal_test_util.h"

using tempo::BytesPiece;
using tempo::PackBytes;
using tempo::PackDictionary;
using tempo::RawPiece;
using tempo::Status;
using tempo::ValueCodec;
using tempo::testing::TempDir;
using tempo::wal::ReplayedRecord;
using tempo::wal::Wal;
using tempo::wal::WalConfig;
using tempo::wal::WalRecord;
using tempo::wal::testing::AppendSync;
using tempo::wal::testing::kMinute;
using tempo::wal::testing::PutRaw;
using tempo::wal::testing::RawValues;
using tempo::wal::testing::WithRawDb;
using tempo::wal::testing::Record;
using tempo::wal::testing::ReplayAll;

namespace {

// Span-like bytes: names every fragment repeats around IDs of its own.
std::string Fragment(int i) {
  std::string out;
  for (int k = 0; k < 30; ++k) {
    out += "service.name=checkout http.request.method=GET url.path=/api/cart span_id=" +
           std::to_string(i * 7919 + k * 104729) + ";";
  }
  return out;
}

std::shared_ptr<const PackDictionary> Dictionary() {
  std::string sample;
  for (int i = 1000; i < 1040; ++i) sample += Fragment(i);
  return std::make_shared<const PackDictionary>(sample, PackDictionary::NewId());
}

// `record` with its data replaced by `piece`.
WalRecord With(WalRecord record, BytesPiece piece) {
  record.data = std::move(piece);
  return record;
}

// A record of `tenant`'s `trace` holding Fragment(`fragment`) packed against `dict`.
WalRecord Packed(const std::string& tenant, uint64_t trace, int fragment,
                 std::shared_ptr<const PackDictionary> dict, uint32_t minute = kMinute) {
  return With(Record(tenant, trace, "", minute), PackBytes(Fragment(fragment), std::move(dict)));
}

// A WAL directory, its config and a dictionary, for one test.
struct Setup {
  Setup() { config.path = dir.Sub("wal"); }
  TempDir dir;
  WalConfig config;
  std::shared_ptr<const PackDictionary> dict = Dictionary();
};

// The ids of the dictionaries stored in the WAL database at `path` (closed).
std::vector<uint64_t> StoredDictionaryIds(const std::string& path) {
  std::vector<uint64_t> ids;
  WithRawDb(path, [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* defaults,
                      rocksdb::ColumnFamilyHandle*) {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), defaults));
    const std::string prefix(tempo::wal::kDictPrefix);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      ids.push_back(tempo::wal::DecodeU64(it->key().data() + prefix.size()));
    }
    REQUIRE(it->status().ok());
  });
  return ids;
}

// Writes `key` -> `value` into the default column family of the closed WAL at `path`.
void PutRawDefault(const std::string& path, const std::string& key, const std::string& value) {
  WithRawDb(path, [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* defaults,
                      rocksdb::ColumnFamilyHandle*) {
    REQUIRE(db.Put(rocksdb::WriteOptions(), defaults, key, value).ok());
  });
}

}  // namespace

TEST_CASE("Packed fragments are stored as they are and replay packed", "[wal][packed]") {
  Setup setup;
  WalConfig& config = setup.config;
  auto dict = setup.dict;
  const std::string a = Fragment(1), b = Fragment(2), c = "tiny";
  {
    tempo::metrics::Registry registry;
    auto wal = Wal::Open(config, registry).value();
    REQUIRE(AppendSync(*wal, {With(Record("t", 1, ""), PackBytes(std::string(a), dict)),
                              With(Record("t", 2, ""), PackBytes(std::string(b), nullptr)),
                              With(Record("t", 1, ""), RawPiece(std::string(c)))})
                .ok());
    CHECK(wal->stored_dictionaries() == 1);
    // The same dictionary again: not stored twice.
    REQUIRE(AppendSync(*wal, {Packed("t", 3, 3, dict)}).ok());
    CHECK(wal->stored_dictionaries() == 1);
  }
  CHECK(StoredDictionaryIds(config.path) == std::vector<uint64_t>{dict->id()});
  const std::vector<std::string> values = RawValues(config.path);
  REQUIRE(values.size() == 2);
  CHECK(static_cast<uint8_t>(values[0][0]) == tempo::wal::kPackedGroupFormatVersion);
  CHECK(values[0].size() < (a.size() + b.size()) / 2);

  tempo::metrics::Registry registry;
  auto wal = Wal::Open(config, registry).value();
  auto records = ReplayAll(*wal);
  REQUIRE(records.size() == 4);
  CHECK(records[0].data.ToString() == a);
  CHECK(records[0].data.packed);
  REQUIRE(records[0].data.dict != nullptr);
  CHECK(records[0].data.dict->id() == dict->id());
  CHECK(records[0].data.dict->bytes() == dict->bytes());
  CHECK(records[1].data.ToString() == b);
  CHECK(records[1].data.packed);
  CHECK(records[1].data.dict == nullptr);
  CHECK(records[2].data.ToString() == c);
  CHECK_FALSE(records[2].data.packed);
  CHECK(records[3].data.ToString() == Fragment(3));
  // One dictionary object for every record that refers to it.
  CHECK(records[3].data.dict == records[0].data.dict);
  CHECK(wal->stored_dictionaries() == 1);
}

TEST_CASE("A dictionary is deleted once no entry uses it", "[wal][packed]") {
  Setup setup;
  WalConfig& config = setup.config;
  auto dict = setup.dict;
  tempo::metrics::Registry registry;
  auto wal = Wal::Open(config, registry).value();
  REQUIRE(wal->Replay([](ReplayedRecord&&) {}).ok());
  REQUIRE(AppendSync(*wal, {Packed("t1", 1, 1, dict)}).ok());
  REQUIRE(AppendSync(*wal, {Packed("t2", 2, 2, dict, kMinute + 1)}).ok());
  REQUIRE(wal->DropBefore("t1", kMinute + 1).ok());
  CHECK(wal->stored_dictionaries() == 1);  // t2 still has an entry using it
  REQUIRE(wal->DropBefore("t2", kMinute + 1).ok());
  CHECK(wal->stored_dictionaries() == 1);  // that entry is of minute kMinute + 1
  REQUIRE(wal->DropBefore("t2", kMinute + 2).ok());
  CHECK(wal->stored_dictionaries() == 0);

  SECTION("the key goes with the next group commit") {
    REQUIRE(AppendSync(*wal, {Record("t1", 3, "plain", kMinute + 2)}).ok());
    wal.reset();
    CHECK(StoredDictionaryIds(config.path).empty());
  }
  SECTION("a dictionary used again is stored again") {
    REQUIRE(AppendSync(*wal, {Packed("t1", 3, 3, dict, kMinute + 2)}).ok());
    CHECK(wal->stored_dictionaries() == 1);
    wal.reset();
    CHECK(StoredDictionaryIds(config.path) == std::vector<uint64_t>{dict->id()});
    wal = Wal::Open(config, registry).value();
    auto records = ReplayAll(*wal);
    REQUIRE(records.size() == 1);
    CHECK(records[0].data.ToString() == Fragment(3));
  }
}

TEST_CASE("Dictionaries no entry uses are deleted after replay", "[wal][packed]") {
  Setup setup;
  WalConfig& config = setup.config;
  auto used = setup.dict;
  {
    tempo::metrics::Registry registry;
    auto wal = Wal::Open(config, registry).value();
    REQUIRE(AppendSync(*wal, {Packed("t", 1, 1, used)}).ok());
  }
  PutRawDefault(config.path, tempo::wal::EncodeDictKey(77), Fragment(9));  // left by a crash
  REQUIRE(StoredDictionaryIds(config.path).size() == 2);
  {
    tempo::metrics::Registry registry;
    auto wal = Wal::Open(config, registry).value();
    REQUIRE(ReplayAll(*wal).size() == 1);
    CHECK(wal->stored_dictionaries() == 1);
    REQUIRE(AppendSync(*wal, {Record("t", 2, "plain")}).ok());
  }
  CHECK(StoredDictionaryIds(config.path) == std::vector<uint64_t>{used->id()});
}

TEST_CASE("With an encoding other than lz4 packed fragments are stored unpacked",
          "[wal][packed]") {
  const ValueCodec codec = GENERATE(ValueCodec::kNone, ValueCodec::kSnappy, ValueCodec::kZstd);
  Setup setup;
  WalConfig& config = setup.config;
  config.encoding = codec;
  auto dict = setup.dict;
  {
    tempo::metrics::Registry registry;
    auto wal = Wal::Open(config, registry).value();
    REQUIRE(AppendSync(*wal, {Packed("t", 1, 1, dict),
                              With(Record("t", 2, ""), RawPiece(Fragment(2)))})
                .ok());
    CHECK(wal->stored_dictionaries() == 0);
  }
  CHECK(StoredDictionaryIds(config.path).empty());
  const std::vector<std::string> values = RawValues(config.path);
  REQUIRE(values.size() == 1);
  CHECK(static_cast<uint8_t>(values[0][0]) ==
        (codec == ValueCodec::kNone ? tempo::wal::kGroupFormatVersion
                                    : tempo::wal::kCompressedGroupFormatVersion));
  tempo::metrics::Registry registry;
  auto wal = Wal::Open(config, registry).value();
  auto records = ReplayAll(*wal);
  REQUIRE(records.size() == 2);
  CHECK(records[0].data.ToString() == Fragment(1));
  CHECK_FALSE(records[0].data.packed);
  CHECK(records[1].data.ToString() == Fragment(2));
}

TEST_CASE("Malformed format-4 entries and dictionaries are corruption, nothing handed out",
          "[wal][packed]") {
  Setup setup;
  WalConfig& config = setup.config;
  auto dict = setup.dict;
  {
    tempo::metrics::Registry registry;
    auto wal = Wal::Open(config, registry).value();
    REQUIRE(AppendSync(*wal, {Packed("t", 1, 1, dict)}).ok());
  }
  const std::string good = RawValues(config.path).at(0);
  REQUIRE(static_cast<uint8_t>(good[0]) == tempo::wal::kPackedGroupFormatVersion);
  // Bytes of the good value: version, count (1), trace id and sequence (24), form, dictionary
  // id (8), unpacked size varint, stored size varint, stored bytes.
  constexpr size_t kFormAt = 2 + 24;
  constexpr size_t kDictAt = kFormAt + 1;
  std::string value = good;
  std::string expected;
  SECTION("a dictionary that is not stored") {
    tempo::wal::EncodeU64(value.data() + kDictAt, dict->id() + 1);
    expected = "not stored";
  }
  SECTION("an unknown form") {
    value[kFormAt] = 9;
    expected = "format 4";
  }
  SECTION("a packed fragment that does not unpack to its announced size") {
    value[kDictAt + 8] = static_cast<char>(value[kDictAt + 8] ^ 0x01);  // the unpacked size
    expected = "does not unpack";
  }
  SECTION("cut short") {
    value.resize(value.size() - 10);
    expected = "format 4";
  }
  SECTION("a malformed dictionary entry") {
    PutRawDefault(config.path, tempo::wal::EncodeDictKey(5) + "x", "bytes");
    expected = "dictionary entry";
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
