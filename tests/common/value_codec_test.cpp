#include <catch2/catch.hpp>

#include <random>

#include "tempo/common/value_codec.h"

using tempo::CompressValue;
using tempo::DecompressValue;
using tempo::ParseValueCodec;
using tempo::ValueCodec;

namespace {

constexpr ValueCodec kAll[] = {ValueCodec::kNone, ValueCodec::kLz4, ValueCodec::kSnappy,
                               ValueCodec::kZstd, ValueCodec::kGzip};

// Span-like bytes: repeated attribute names around random IDs, so every codec has something to
// find and something it cannot shrink.
std::string SpanLikeBytes(size_t n) {
  std::mt19937_64 rng(7);
  std::string out;
  while (out.size() < n) {
    out += "service.name\x12\x08checkout http.request.method\x12\x03GET span_id=";
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(rng()));
  }
  out.resize(n);
  return out;
}

}  // namespace

TEST_CASE("Every value codec restores what it compressed", "[common][codec]") {
  const std::string input = SpanLikeBytes(100'000);
  for (ValueCodec codec : kAll) {
    INFO(std::string(tempo::ValueCodecName(codec)));
    std::string stored = "prefix";  // CompressValue appends
    REQUIRE(CompressValue(codec, input, &stored));
    CHECK(stored.substr(0, 6) == "prefix");
    if (codec != ValueCodec::kNone) CHECK(stored.size() - 6 < input.size() / 2);
    std::string restored = "stale";
    REQUIRE(DecompressValue(codec, std::string_view(stored).substr(6), input.size(), &restored)
                .ok());
    CHECK(restored == input);

    std::string empty_stored;
    REQUIRE(CompressValue(codec, "", &empty_stored));
    std::string empty_restored = "stale";
    REQUIRE(DecompressValue(codec, empty_stored, 0, &empty_restored).ok());
    CHECK(empty_restored.empty());
  }
}

TEST_CASE("A stored value that does not decode is a corruption naming the codec",
          "[common][codec]") {
  const std::string input = SpanLikeBytes(20'000);
  for (ValueCodec codec : kAll) {
    const std::string name(tempo::ValueCodecName(codec));
    INFO(name);
    std::string stored;
    REQUIRE(CompressValue(codec, input, &stored));
    std::string out;
    // A size other than the recorded one.
    tempo::Status wrong_size = DecompressValue(codec, stored, input.size() + 1, &out);
    CHECK(wrong_size.code() == tempo::StatusCode::kCorruption);
    CHECK_THAT(wrong_size.message(), Catch::Contains(name));
    if (codec == ValueCodec::kNone) continue;
    // Cut short, and overwritten in the middle.
    tempo::Status truncated =
        DecompressValue(codec, std::string_view(stored).substr(0, stored.size() / 2), input.size(),
                        &out);
    CHECK(truncated.code() == tempo::StatusCode::kCorruption);
    CHECK(out.empty());
    std::string garbled = stored;
    for (size_t i = garbled.size() / 3; i < garbled.size() / 3 + 64; ++i) garbled[i] = '\xff';
    tempo::Status bad = DecompressValue(codec, garbled, input.size(), &out);
    // LZ4 and snappy blocks carry no checksum: overwritten literals may still decode to the right
    // size (with other bytes); what must never happen is a crash or a wrong size.
    if (bad.ok()) {
      CHECK(out.size() == input.size());
    } else {
      CHECK(bad.code() == tempo::StatusCode::kCorruption);
    }
  }
}

TEST_CASE("v2_encoding names map to codecs; others are refused with the accepted list",
          "[common][codec]") {
  CHECK(ParseValueCodec("none").value() == ValueCodec::kNone);
  for (const char* name : {"lz4", "lz4-64k", "lz4-256k", "lz4-1M"}) {
    CHECK(ParseValueCodec(name).value() == ValueCodec::kLz4);
  }
  CHECK(ParseValueCodec("snappy").value() == ValueCodec::kSnappy);
  CHECK(ParseValueCodec("s2").value() == ValueCodec::kSnappy);
  CHECK(ParseValueCodec("zstd").value() == ValueCodec::kZstd);
  CHECK(ParseValueCodec("gzip").value() == ValueCodec::kGzip);
  auto bad = ParseValueCodec("LZ4");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == tempo::StatusCode::kInvalidArgument);
  CHECK_THAT(bad.status().message(), Catch::Contains("'LZ4'") && Catch::Contains("snappy"));
  CHECK(tempo::IsValueCodec(4));
  CHECK_FALSE(tempo::IsValueCodec(5));
}
