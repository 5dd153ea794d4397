// kBitPacked integer pages: round trips at every width and in both modes, ranges of a page,
// dictionary codes, and damaged payloads refused.
#include <catch2/catch.hpp>
#include <limits>
#include <random>

#include "block/value_codec.h"

namespace tempo::block {
namespace {

std::vector<int64_t> Decoded(const std::string& payload, size_t n) {
  std::vector<int64_t> out;
  Status s = DecodeInts(Encoding::kBitPacked, payload, static_cast<uint32_t>(n), "t", &out);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

}  // namespace

TEST_CASE("Bit-packed pages round-trip at every width", "[block][bitpack]") {
  std::mt19937_64 rng(21);
  for (int width = 0; width <= 64; ++width) {
    INFO("width " << width);
    for (size_t n : {size_t{0}, size_t{1}, size_t{127}, size_t{128}, size_t{129}, size_t{1000}}) {
      INFO("n " << n);
      std::vector<int64_t> values(n);
      const int64_t base = static_cast<int64_t>(rng());
      for (auto& v : values) {
        const uint64_t offset = width == 64 ? rng() : rng() & ((uint64_t{1} << width) - 1);
        v = static_cast<int64_t>(static_cast<uint64_t>(base) + offset);
      }
      std::string payload;
      EncodeBitPacked(values, &payload);
      CHECK(Decoded(payload, n) == values);
    }
  }
}

TEST_CASE("Bit-packed pages take the smaller of values and differences", "[block][bitpack]") {
  std::vector<int64_t> ramp, owners, extremes;
  for (int64_t i = 0; i < 1000; ++i) ramp.push_back(1'700'000'000'000'000'000 + i * 1000);
  for (int64_t i = 0; i < 1000; ++i) owners.push_back(i % 7);
  extremes = {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), 0, -1, 1};
  for (const auto* values : {&ramp, &owners, &extremes}) {
    std::string payload;
    EncodeBitPacked(*values, &payload);
    CHECK(Decoded(payload, values->size()) == *values);
  }
  std::string ramp_payload, owner_payload;
  EncodeBitPacked(ramp, &ramp_payload);
  EncodeBitPacked(owners, &owner_payload);
  CHECK(ramp_payload[0] == 1);          // constant differences: width 0
  CHECK(ramp_payload.size() < 8 * 20);  // a base and a width per block
  CHECK(owner_payload[0] == 0);         // small values: 3 bits each
  CHECK(owner_payload.size() < 1000 * 3 / 8 + 8 * 4);
}

TEST_CASE("A range of a bit-packed page is appended; codes are checked", "[block][bitpack]") {
  std::vector<int64_t> page;
  for (int64_t i = 0; i < 700; ++i) page.push_back((i * 37) % 1000);
  std::string payload;
  EncodeBitPacked(page, &payload);
  const uint32_t n = static_cast<uint32_t>(page.size());
  for (auto [skip, take] : {std::pair<uint32_t, uint32_t>{0, 700}, {0, 5}, {127, 2}, {300, 400},
                            {699, 1}, {128, 128}}) {
    std::vector<int64_t> out{-5};
    REQUIRE(DecodeIntsAppend(Encoding::kBitPacked, payload, n, "t", skip, take, &out).ok());
    std::vector<int64_t> want{-5};
    want.insert(want.end(), page.begin() + skip, page.begin() + skip + take);
    CHECK(out == want);
    std::vector<uint32_t> codes;
    REQUIRE(DecodeCodes(Encoding::kBitPacked, payload, n, "t", skip, take, 1000, &codes).ok());
    CHECK(codes.size() == take);
    CHECK(codes.front() == static_cast<uint32_t>(page[skip]));
  }
  std::vector<uint32_t> codes;
  CHECK_FALSE(DecodeCodes(Encoding::kBitPacked, payload, n, "t", 0, n, 999, &codes).ok());
  std::vector<int64_t> first;
  REQUIRE(DecodeInts(Encoding::kBitPacked, payload, n, "t", &first, 200).ok());
  CHECK(first == std::vector<int64_t>(page.begin(), page.begin() + 200));
}

TEST_CASE("Damaged bit-packed pages are refused", "[block][bitpack]") {
  std::vector<int64_t> page;
  for (int64_t i = 0; i < 300; ++i) page.push_back(i * i);
  std::string payload;
  EncodeBitPacked(page, &payload);
  const uint32_t n = static_cast<uint32_t>(page.size());
  std::vector<int64_t> out;
  auto fails = [&](const std::string& p, uint32_t count) {
    out.clear();
    return !DecodeInts(Encoding::kBitPacked, p, count, "page 3", &out).ok();
  };
  CHECK(fails(payload.substr(0, payload.size() - 1), n));  // truncated
  CHECK(fails(payload + "x", n));                          // trailing bytes
  CHECK(fails(payload, n + 1));                            // more values than stored
  CHECK(fails("", 1));
  std::string bad_mode = payload;
  bad_mode[0] = 2;
  CHECK(fails(bad_mode, n));
  // A width above 64 in the first block (after the mode byte and the base varint).
  std::string wide = std::string(1, '\0') + std::string(1, '\0') + std::string(1, char(65)) +
                     std::string(2000, '\0');
  CHECK(fails(wide, 10));
  // Far more values than any payload of this size can hold: refused before allocating.
  Status s = DecodeInts(Encoding::kBitPacked, payload, UINT32_MAX, "page 3", &out);
  CHECK(s.code() == StatusCode::kCorruption);
  CHECK_THAT(s.message(), Catch::Contains("page 3"));
}

}  // namespace tempo::block
