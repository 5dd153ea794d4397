#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <future>

#include "support/temp_dir.h"
#include "support/trace_builder.h"
#include "tempo/wal/wal.h"
#include "wal/wal_key.h"
#include "wal/wal_test_util.h"

using tempo::Status;
using tempo::TraceId;
using tempo::testing::TempDir;
using tempo::testing::TraceIdBytes;
using tempo::wal::ReplayedRecord;
using tempo::wal::Wal;
using tempo::wal::WalConfig;
using tempo::wal::WalRecord;
using tempo::wal::testing::AppendSync;
using tempo::wal::testing::kMinute;
using tempo::wal::testing::PutRaw;
using tempo::wal::testing::Record;
using tempo::wal::testing::ReplayAll;


TEST_CASE("WAL replays every acknowledged record after reopen", "[wal]") {
  TempDir dir;
  WalConfig config;
  config.path = dir.Sub("wal");
  {
    tempo::metrics::Registry registry;
    auto wal = Wal::Open(config, registry).value();
    REQUIRE(AppendSync(*wal, {Record("t1", 1, "a"), Record("t2", 2, "b")}).ok());
    REQUIRE(AppendSync(*wal, {Record("t1", 1, "c")}).ok());
  }
  tempo::metrics::Registry registry;
  auto wal = Wal::Open(config, registry).value();
  auto records = ReplayAll(*wal);
  REQUIRE(records.size() == 3);
  // Key order: tenant id (t1 first, it was seen first), then minute, trace, sequence.
  CHECK(records[0].tenant == "t1");
  CHECK(records[0].data.ToString() == "a");
  CHECK(records[1].data.ToString() == "c");
  CHECK(records[1].seq > records[0].seq);
  CHECK(records[2].tenant == "t2");
  CHECK(records[2].trace_id == TraceId::FromBytes(TraceIdBytes(2)));

  SECTION("records keep the caller's minute and sequence") {
    REQUIRE(AppendSync(*wal, {Record("t1", 1, "d", kMinute + 1)}).ok());
    auto again = ReplayAll(*wal);
    REQUIRE(again.size() == 4);
    CHECK(again[2].data.ToString() == "d");
    CHECK(again[2].epoch_minute == kMinute + 1);
    CHECK(again[2].seq > again[1].seq);
  }
}

TEST_CASE("Concurrent appends are group-committed and all acknowledged", "[wal]") {
  TempDir dir;
  WalConfig config;
  config.path = dir.Sub("wal");
  tempo::metrics::Registry registry;
  auto wal = Wal::Open(config, registry).value();
  constexpr int kWriters = 4;
  constexpr int kPerWriter = 50;
  std::vector<std::future<void>> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.push_back(std::async(std::launch::async, [&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        REQUIRE(AppendSync(*wal, {Record("t", w * 1000 + i, "x")}).ok());
      }
    }));
  }
  for (auto& f : writers) f.get();
  CHECK(ReplayAll(*wal).size() == kWriters * kPerWriter);
}

TEST_CASE("A full WAL queue refuses appends without consuming the callback", "[wal]") {
  TempDir dir;
  WalConfig config;
  config.path = dir.Sub("wal");
  config.max_pending_bytes = 1;  // anything beyond one queued push is refused
  tempo::metrics::Registry registry;
  auto wal = Wal::Open(config, registry).value();
  // Fill the queue faster than the writer drains it until one append is refused.
  std::vector<std::future<Status>> acks;
  std::vector<std::shared_ptr<std::promise<Status>>> promises;
  bool refused = false;
  for (int i = 0; i < 10000 && !refused; ++i) {
    auto p = std::make_shared<std::promise<Status>>();
    tempo::wal::AppendCallback cb = [p](Status s) { p->set_value(s); };
    Status s = wal->Append({Record("t", i, std::string(1000, 'x'))}, std::move(cb));
    if (!s.ok()) {
      CHECK(s.code() == tempo::StatusCode::kResourceExhausted);
      CHECK(cb != nullptr);  // left untouched
      refused = true;
    } else {
      acks.push_back(p->get_future());
      promises.push_back(p);
    }
  }
  CHECK(refused);
  for (auto& a : acks) CHECK(a.get().ok());
}

TEST_CASE("DropBefore removes a tenant's older minutes only", "[wal]") {
  TempDir dir;
  WalConfig config;
  config.path = dir.Sub("wal");
  tempo::metrics::Registry registry;
  auto wal = Wal::Open(config, registry).value();
  REQUIRE(AppendSync(*wal, {Record("a", 1, "x"), Record("b", 1, "y")}).ok());
  auto records = ReplayAll(*wal);
  REQUIRE(records.size() == 2);
  uint32_t minute = kMinute;
  REQUIRE(wal->DropBefore("a", minute).ok());  // nothing older than the record's minute
  CHECK(ReplayAll(*wal).size() == 2);
  REQUIRE(wal->DropBefore("a", minute + 1).ok());
  auto left = ReplayAll(*wal);
  REQUIRE(left.size() == 1);
  CHECK(left[0].tenant == "b");
  CHECK(wal->DropBefore("unknown", minute + 1).ok());
}

TEST_CASE("Appends after Close are refused as unavailable", "[wal]") {
  TempDir dir;
  WalConfig config;
  config.path = dir.Sub("wal");
  tempo::metrics::Registry registry;
  auto wal = Wal::Open(config, registry).value();
  wal->Close();
  wal->Close();  // idempotent
  tempo::wal::AppendCallback cb = [](Status) {};
  CHECK(wal->Append({Record("t", 1, "x")}, std::move(cb)).code() ==
        tempo::StatusCode::kUnavailable);
}

TEST_CASE("Opening a WAL on an unusable path is a clear error", "[wal]") {
  WalConfig config;
  config.path = "/proc/definitely/not/writable";
  tempo::metrics::Registry registry;
  auto wal = Wal::Open(config, registry);
  REQUIRE_FALSE(wal.ok());
  CHECK(wal.status().message().find("/proc/definitely/not/writable") != std::string::npos);
}

TEST_CASE("Cut journals persist until the WAL no longer holds their records", "[wal]") {
  TempDir dir;
  WalConfig config;
  config.path = dir.Sub("wal");
  tempo::wal::CutJournal journal{"a", "block-1", kMinute + 2,
                                 {{TraceId::FromBytes(TraceIdBytes(1)), 7},
                                  {TraceId::FromBytes(TraceIdBytes(2)), 9}}};
  {
    tempo::metrics::Registry registry;
    auto wal = Wal::Open(config, registry).value();
    REQUIRE(AppendSync(*wal, {Record("a", 1, "x")}).ok());
    REQUIRE(wal->WriteCutJournal(journal).ok());
    REQUIRE(wal->WriteCutJournal({"b", "block-2", kMinute, {}}).ok());
  }
  tempo::metrics::Registry registry;
  auto wal = Wal::Open(config, registry).value();
  auto journals = wal->ReadCutJournals().value();
  REQUIRE(journals.size() == 2);
  CHECK(journals[0].tenant == "a");
  CHECK(journals[0].block_id == "block-1");
  CHECK(journals[0].max_epoch_minute == kMinute + 2);
  REQUIRE(journals[0].traces.size() == 2);
  CHECK(journals[0].traces[1].second == 9);

  SECTION("dropping older minutes removes only journals entirely below the cut-off") {
    REQUIRE(wal->DropBefore("a", kMinute + 2).ok());
    CHECK(wal->ReadCutJournals().value().size() == 2);
    REQUIRE(wal->DropBefore("a", kMinute + 3).ok());
    auto left = wal->ReadCutJournals().value();
    REQUIRE(left.size() == 1);
    CHECK(left[0].tenant == "b");
  }
  SECTION("a journal can be deleted explicitly") {
    REQUIRE(wal->DeleteCutJournal("b", "block-2").ok());
    CHECK(wal->ReadCutJournals().value().size() == 1);
  }
}


TEST_CASE("A push is one WAL entry, and entries of the one-record format still replay", "[wal]") {
  TempDir dir;
  WalConfig config;
  config.path = dir.Sub("wal");
  {
    tempo::metrics::Registry registry;
    auto wal = Wal::Open(config, registry).value();
    // Tenant "t" gets id 1; one push of three records, one of another minute.
    REQUIRE(AppendSync(*wal, {Record("t", 5, "p"), Record("t", 3, "q"),
                              Record("t", 5, "r", kMinute + 1)})
                .ok());
  }
  SECTION("format 1: tenant id | minute | trace id | sequence -> data") {
    std::string key(tempo::wal::kKeySize, '\0');
    tempo::wal::EncodeU32(key.data(), 1);
    tempo::wal::EncodeU32(key.data() + 4, kMinute);
    std::memcpy(key.data() + 8, TraceIdBytes(9).data(), 16);
    tempo::wal::EncodeU64(key.data() + 24, 7);
    PutRaw(config.path, key, "old");
    tempo::metrics::Registry registry;
    auto wal = Wal::Open(config, registry).value();
    auto records = ReplayAll(*wal);
    REQUIRE(records.size() == 4);
    std::vector<std::string> data;
    for (const auto& r : records) data.push_back(r.data.ToString());
    // Minute kMinute: the old entry (its trace ID sorts before the push's sequence), the push's
    // two records in push order; then minute kMinute + 1.
    CHECK(data == std::vector<std::string>{"old", "p", "q", "r"});
    CHECK(records[0].seq == 7);
    CHECK(records[0].trace_id == TraceId::FromBytes(TraceIdBytes(9)));
    CHECK(records[2].trace_id == TraceId::FromBytes(TraceIdBytes(3)));
    CHECK(records[2].seq == records[1].seq + 1);
    CHECK(records[3].epoch_minute == kMinute + 1);
    REQUIRE(wal->DropBefore("t", kMinute + 1).ok());  // one range covers both formats
    auto left = ReplayAll(*wal);
    REQUIRE(left.size() == 1);
    CHECK(left[0].data.ToString() == "r");
  }
  SECTION("an entry of an unknown value format is a corruption naming the version") {
    PutRaw(config.path, tempo::wal::EncodeGroupKey(1, kMinute, 1'000'000),
           std::string("\x09\x00", 2));
    tempo::metrics::Registry registry;
    auto wal = Wal::Open(config, registry).value();
    Status s = wal->Replay([](ReplayedRecord&&) {});
    CHECK(s.code() == tempo::StatusCode::kCorruption);
    CHECK(s.message().find("version 9") != std::string::npos);
  }
  SECTION("a truncated entry is a corruption, and no record of it is handed out") {
    std::string value("\x02\x02", 2);
    value += std::string(24, '\x01') + "\x05" + "abc";  // 5 bytes announced, 3 present
    PutRaw(config.path, tempo::wal::EncodeGroupKey(1, kMinute - 1, 1'000'000), value);
    tempo::metrics::Registry registry;
    auto wal = Wal::Open(config, registry).value();
    int seen = 0;
    Status s = wal->Replay([&](ReplayedRecord&&) { ++seen; });
    CHECK(s.code() == tempo::StatusCode::kCorruption);
    CHECK(seen == 0);  // the bad entry sorts first
  }
}
