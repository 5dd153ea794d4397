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

TEST_CASE("A push too small to sample is packed without a dictionary", "[ingester][packer]") {
  FakeClock clock;
  FragmentPacker packer(clock);
  auto fragments = Push(1, 2, 20);
  const auto before = Data(fragments);
  std::vector<BytesPiece> pieces = packer.Pack(fragments);
  CHECK(packer.dictionary() == nullptr);
  REQUIRE(pieces.size() == before.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    CHECK(pieces[i].packed);
    CHECK(pieces[i].dict == nullptr);
    CHECK(pieces[i].ToString() == before[i]);
  }
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
