// FragmentPacker: fragments packed on arrival against a dictionary sampled from the pushes.
#include "tempo/ingester/fragment_packer.h"

#include <catch2/catch.hpp>

#include <thread>

#include "support/trace_builder.h"
#include "tempo/model/batch.h"

using tempo::BytesPiece;
using tempo::FakeClock;
using tempo::ingester::FragmentPacker;
using tempo::testing::TraceBuilder;

namespace {

// The fragments of one push of `traces` traces of `spans` similar spans each.
std::vector<tempo::model::TraceFragment> Push(uint64_t first_trace, uint64_t traces,
                                              uint64_t spans) {
  TraceBuilder b;
  for (uint64_t t = first_trace; t < first_trace + traces; ++t) {
    for (uint64_t s = 1; s <= spans; ++s) b.AddSpan("checkout", t, t * 1000 + s, 0, "GET /cart");
  }
  return tempo::model::SplitByTrace(b.Build());
}

std::vector<std::string> Data(const std::vector<tempo::model::TraceFragment>& fragments) {
  std::vector<std::string> out;
  for (const auto& f : fragments) out.push_back(f.data);
  return out;
}

}  // namespace

TEST_CASE("Small pushes add up to a dictionary sample", "[ingester][packer]") {
  FakeClock clock;
  FragmentPacker packer(clock);
  auto fragments = Push(1, 1, 10);
  const auto before = Data(fragments);
  REQUIRE(before.front().size() < FragmentPacker::kMinSample / 4);
  std::vector<BytesPiece> pieces = packer.Pack(fragments);
  CHECK(packer.dictionary() == nullptr);  // too little to sample yet: packed without one
  REQUIRE(pieces.size() == 1);
  CHECK(pieces[0].packed);
  CHECK(pieces[0].dict == nullptr);
  CHECK(pieces[0].ToString() == before[0]);
  size_t pushes = 1;
  while (packer.dictionary() == nullptr && pushes < 100) {
    auto more = Push(1 + pushes, 1, 10);
    packer.Pack(more);
    ++pushes;
  }
  REQUIRE(packer.dictionary() != nullptr);
  CHECK(pushes > 2);  // it took several of them
  CHECK(packer.dictionary()->bytes().size() >= FragmentPacker::kMinSample);
  auto next = Push(500, 1, 10);
  const std::string raw = next.front().data;
  BytesPiece piece = packer.Pack(next).front();
  CHECK(piece.dict == packer.dictionary());
  CHECK(piece.ToString() == raw);
}

TEST_CASE("The dictionary is sampled from a large push and renewed after the period",
          "[ingester][packer]") {
  FakeClock clock;
  FragmentPacker packer(clock, std::chrono::seconds(10));
  auto fragments = Push(1, 40, 40);
  const auto before = Data(fragments);
  std::vector<BytesPiece> pieces = packer.Pack(fragments);
  auto dict = packer.dictionary();
  REQUIRE(dict != nullptr);
  CHECK(dict->bytes().size() >= FragmentPacker::kMinSample);
  CHECK(dict->bytes().size() <= tempo::PackDictionary::kMaxBytes);
  for (size_t i = 0; i < pieces.size(); ++i) {
    CHECK(pieces[i].dict == dict);
    CHECK(pieces[i].ToString() == before[i]);
  }
  // A small push later on uses the current dictionary.
  clock.Advance(std::chrono::seconds(11));
  auto small = Push(100, 1, 5);
  CHECK(packer.Pack(small).front().dict == dict);
  CHECK(packer.dictionary() == dict);  // too small to sample a new one
  auto large = Push(200, 40, 40);
  CHECK(packer.Pack(large).front().dict != dict);
  CHECK(packer.dictionary() != dict);
}

TEST_CASE("Pushes pack concurrently", "[ingester][packer]") {
  FakeClock clock;
  FragmentPacker packer(clock, std::chrono::milliseconds(0));  // every push samples anew
  std::vector<int> bad(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&packer, &bad, t] {
      for (int round = 0; round < 20; ++round) {
        auto fragments = Push(static_cast<uint64_t>(t * 1000 + round * 40 + 1), 30, 30);
        const auto before = Data(fragments);
        std::vector<BytesPiece> pieces = packer.Pack(fragments);
        for (size_t i = 0; i < pieces.size(); ++i) bad[t] += pieces[i].ToString() != before[i];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int b : bad) CHECK(b == 0);
}
