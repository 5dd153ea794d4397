#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "block/any_value_codec.h"
#include "block/bloom.h"
#include "block/coding.h"
#include "block/crc32c.h"
#include "block/text_codec.h"
#include "block/value_codec.h"
#include "tempopb/tempo.pb.h"

namespace tempo::block {
namespace {

TEST_CASE("crc32c matches the standard check value on every implementation", "[block]") {
  CHECK(Crc32c("123456789") == 0xE3069283u);
  CHECK(Crc32c("") == 0u);
  std::mt19937_64 rng(5);
  std::string data(1000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t start = 0; start < 9; ++start) {
    for (size_t len : {0, 1, 7, 8, 9, 63, 64, 65, 500, 991}) {
      const char* p = data.data() + start;
      uint32_t hw = Crc32c(p, len);
      CHECK(hw == Crc32cExtendPortable(0, p, len));
      CHECK(Crc32cExtend(Crc32c(p, len / 2), p + len / 2, len - len / 2) == hw);
    }
  }
}

TEST_CASE("Varints and zigzag round-trip at the edges", "[block]") {
  std::vector<int64_t> values = {0,
                                 1,
                                 -1,
                                 63,
                                 -64,
                                 64,
                                 1 << 20,
                                 -(1 << 20),
                                 std::numeric_limits<int64_t>::max(),
                                 std::numeric_limits<int64_t>::min()};
  std::string buf;
  for (int64_t v : values) PutSignedVarint(&buf, v);
  PutVarint(&buf, std::numeric_limits<uint64_t>::max());
  ByteReader r(buf, "test");
  for (int64_t v : values) {
    int64_t got;
    REQUIRE(r.ReadSignedVarint(&got));
    CHECK(got == v);
  }
  uint64_t big;
  REQUIRE(r.ReadVarint(&big));
  CHECK(big == std::numeric_limits<uint64_t>::max());
  CHECK(r.empty());
  uint64_t more;
  CHECK_FALSE(r.ReadVarint(&more));
  // Eleven continuation bytes are not a varint.
  const std::string eleven(11, '\xff');
  ByteReader bad(eleven, "test");
  CHECK_FALSE(bad.ReadVarint(&more));
}

TEST_CASE("Integer pages round-trip with whichever encoding is chosen", "[block]") {
  std::mt19937_64 rng(8);
  std::vector<std::vector<int64_t>> inputs = {
      {5},
      {1, 2, 3, 4, 5, 6, 7, 8, 9},                             // delta
      {1'700'000'000'000'000'000, 1'700'000'000'000'000'100},  // frame of reference
      {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), 0, -1}};
  std::vector<int64_t> random(1000);
  for (auto& v : random) v = static_cast<int64_t>(rng());
  inputs.push_back(random);
  for (const auto& in : inputs) {
    std::string buf;
    Encoding e = EncodeInts(in, &buf);
    std::vector<int64_t> out;
    REQUIRE(DecodeInts(e, buf, static_cast<uint32_t>(in.size()), "t", &out).ok());
    CHECK(out == in);
    if (buf.size() > 1) {
      CHECK_FALSE(
          DecodeInts(e, buf.substr(0, buf.size() - 1), static_cast<uint32_t>(in.size()), "t", &out)
              .ok());
    }
    CHECK_FALSE(DecodeInts(e, buf, static_cast<uint32_t>(buf.size() + 1), "t", &out).ok());
  }
}

TEST_CASE("A range of an integer page is appended, the rest left undecoded", "[block]") {
  std::mt19937_64 rng(13);
  std::vector<int64_t> in(500);
  for (auto& v : in) v = static_cast<int64_t>(rng() % 100000) - 50000;
  std::string buf;
  const Encoding e = EncodeInts(in, &buf);
  const uint32_t n = static_cast<uint32_t>(in.size());
  for (auto [skip, take] : {std::pair<uint32_t, uint32_t>{0, n}, {0, 7}, {250, 250}, {499, 1}}) {
    std::vector<int64_t> out{42};
    REQUIRE(DecodeIntsAppend(e, buf, n, "t", skip, take, &out).ok());
    REQUIRE(out.size() == 1 + take);
    CHECK(out[0] == 42);
    CHECK(std::equal(out.begin() + 1, out.end(), in.begin() + skip));
  }
  std::vector<int64_t> out{42};
  CHECK_FALSE(DecodeIntsAppend(e, buf, n, "t", 10, n, &out).ok());  // past the page
  CHECK_FALSE(DecodeIntsAppend(e, buf.substr(0, buf.size() - 1), n, "t", 0, n, &out).ok());
  CHECK_FALSE(DecodeIntsAppend(e, buf + "x", n, "t", 0, n, &out).ok());  // trailing bytes
  CHECK(out == std::vector<int64_t>{42});
}

TEST_CASE("Every range of every integer encoding decodes as the whole page does", "[block]") {
  // Varints of 1 to 10 bytes mixed, so that skipped values end at every offset of a word.
  std::mt19937_64 rng(17);
  auto mixed = [&](int64_t base) {
    std::vector<int64_t> v(300);
    for (auto& x : v) x = base + static_cast<int64_t>(rng() >> (rng() % 64));
    return v;
  };
  std::vector<int64_t> ascending(300);
  for (size_t i = 0; i < ascending.size(); ++i) ascending[i] = 1'700'000'000'000 + 977 * i;
  std::vector<int64_t> offset(300);  // large values close together: frame of reference
  for (auto& x : offset) x = (int64_t{1} << 50) + static_cast<int64_t>(rng() % 120);
  std::set<Encoding> seen;
  for (const auto& in : {mixed(0), mixed(-(int64_t{1} << 62)), ascending, offset}) {
    std::string buf;
    const Encoding e = EncodeInts(in, &buf);
    seen.insert(e);
    const uint32_t n = static_cast<uint32_t>(in.size());
    for (uint32_t skip = 0; skip <= n; skip += 1 + skip / 16) {
      for (uint32_t take : {0u, 1u, 3u, n - skip}) {
        if (take > n - skip) continue;
        std::vector<int64_t> out;
        REQUIRE(DecodeIntsAppend(e, buf, n, "t", skip, take, &out).ok());
        REQUIRE(out == std::vector<int64_t>(in.begin() + skip, in.begin() + skip + take));
      }
      if (skip < n) {
        std::vector<int64_t> out;
        CHECK_FALSE(DecodeIntsAppend(e, buf + "x", n, "t", skip, n - skip, &out).ok());
        CHECK_FALSE(DecodeIntsAppend(e, buf.substr(0, buf.size() - 1), n, "t", skip, n - skip,
                                     &out).ok());
      }
    }
  }
  CHECK(seen == std::set<Encoding>{Encoding::kPlainVarint, Encoding::kDeltaVarint,
                                   Encoding::kForVarint});
}

TEST_CASE("Dictionary codes decode a range of a page, checked against the dictionary size",
          "[block]") {
  std::mt19937_64 rng(12);
  std::vector<int64_t> in(700);
  for (auto& v : in) v = static_cast<int64_t>(rng() % 3000);
  std::vector<int64_t> sorted = in;  // a delta-friendly page too
  std::sort(sorted.begin(), sorted.end());
  for (const auto& page : {in, sorted}) {
    std::string buf;
    const Encoding e = EncodeInts(page, &buf);
    const uint32_t n = static_cast<uint32_t>(page.size());
    for (auto [skip, take] :
         {std::pair<uint32_t, uint32_t>{0, n}, {0, 10}, {123, 400}, {n - 1, 1}}) {
      std::vector<uint32_t> out{7};  // appended to
      REQUIRE(DecodeCodes(e, buf, n, "t", skip, take, 3000, &out).ok());
      REQUIRE(out.size() == 1 + take);
      CHECK(out[0] == 7);
      for (uint32_t i = 0; i < take; ++i)
        CHECK(out[1 + i] == static_cast<uint32_t>(page[skip + i]));
    }
    // A code at or past the dictionary's size, before or inside the range, is corruption; `out`
    // is left as it was.
    const uint32_t max_at =
        static_cast<uint32_t>(std::max_element(page.begin(), page.end()) - page.begin());
    std::vector<uint32_t> out{7};
    CHECK_FALSE(DecodeCodes(e, buf, n, "t", 0, n, static_cast<uint64_t>(page[max_at]), &out).ok());
    CHECK(out == std::vector<uint32_t>{7});
    CHECK_FALSE(
        DecodeCodes(e, buf, n, "t", max_at, n - max_at, static_cast<uint64_t>(page[max_at]), &out)
            .ok());
    CHECK_FALSE(DecodeCodes(e, buf, n, "t", 5, n, 3000, &out).ok());  // past the page
    CHECK_FALSE(DecodeCodes(e, buf.substr(0, buf.size() - 1), n, "t", 0, n, 3000, &out).ok());
  }
  // Negative values are never codes.
  std::string neg;
  const Encoding e = EncodeInts(std::vector<int64_t>{1, -1, 2}, &neg);
  std::vector<uint32_t> out;
  CHECK_FALSE(DecodeCodes(e, neg, 3, "t", 0, 3, 3000, &out).ok());
}

TEST_CASE("Integer pages decode varints of every length and reject over-long ones anywhere",
          "[block]") {
  // Values of 1..10 varint bytes, so that each length occurs both where ten bytes remain (the
  // unchecked fast path) and in the last bytes of the page.
  std::mt19937_64 rng(9);
  std::vector<int64_t> in;
  for (int i = 0; i < 400; ++i) {
    const int bits = static_cast<int>(rng() % 65);
    const uint64_t u = bits == 64 ? rng() : rng() & ((uint64_t{1} << bits) - 1);
    in.push_back(static_cast<int64_t>(u));
  }
  in.push_back(std::numeric_limits<int64_t>::min());
  in.push_back(std::numeric_limits<int64_t>::max());
  std::string buf;
  for (int64_t v : in) PutVarint(&buf, ZigZag(v));
  std::vector<int64_t> out;
  REQUIRE(
      DecodeInts(Encoding::kPlainVarint, buf, static_cast<uint32_t>(in.size()), "t", &out).ok());
  CHECK(out == in);
  // A limit stops early; the values before it are the same.
  REQUIRE(DecodeInts(Encoding::kPlainVarint, buf, static_cast<uint32_t>(in.size()), "t", &out, 100)
              .ok());
  CHECK(std::vector<int64_t>(in.begin(), in.begin() + 100) == out);
  // Eleven bytes (or a tenth byte above 1) are rejected both mid-page and at the end.
  for (const std::string& bad :
       {std::string(10, '\xff') + '\x01', std::string(9, '\xff') + '\x02'}) {
    const std::string mid = bad + std::string(20, '\x01');
    CHECK_FALSE(DecodeInts(Encoding::kPlainVarint, mid, 21, "t", &out).ok());
    const std::string tail = std::string(3, '\x01') + bad;
    CHECK_FALSE(DecodeInts(Encoding::kPlainVarint, tail, 4, "t", &out).ok());
  }
  const std::string ten = std::string(9, '\xff') + '\x01' + std::string(12, '\x00');
  REQUIRE(DecodeInts(Encoding::kPlainVarint, ten, 13, "t", &out).ok());
  CHECK(out[0] == UnZigZag(UINT64_MAX));
}

TEST_CASE("Dictionaries round-trip and reject inconsistent lengths", "[block]") {
  const std::string zs(300, 'z');
  std::vector<std::string_view> sorted = {"", "a", "ab", "abc", "abd", "b", zs};
  std::string buf;
  EncodeDictionary(sorted, &buf);
  Dictionary d;
  REQUIRE(DecodeDictionary(buf, static_cast<uint32_t>(sorted.size()), "t", &d).ok());
  REQUIRE(d.size() == sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) CHECK(d.at(i) == sorted[i]);
  CHECK_FALSE(DecodeDictionary(buf, static_cast<uint32_t>(sorted.size() + 1), "t", &d).ok());
  CHECK_FALSE(
      DecodeDictionary(buf.substr(0, buf.size() - 1), static_cast<uint32_t>(sorted.size()), "t", &d)
          .ok());
  CHECK_FALSE(DecodeDictionary(buf + "x", static_cast<uint32_t>(sorted.size()), "t", &d).ok());
}

TEST_CASE("Bytes and double pages round-trip", "[block]") {
  std::vector<std::string_view> fixed = {"12345678", "abcdefgh"};
  std::vector<std::string_view> mixed = {"", "a", std::string_view("\0b", 2)};
  for (const auto& in : {fixed, mixed}) {
    std::string buf;
    Encoding e = EncodeBytes(in, &buf);
    std::vector<std::string_view> out;
    REQUIRE(DecodeBytes(e, buf, static_cast<uint32_t>(in.size()), "t", &out).ok());
    CHECK(out == in);
  }
  std::vector<double> doubles = {0.0, -0.0, 1.5, -3e300, std::numeric_limits<double>::infinity()};
  std::string buf;
  Encoding e = EncodeDoubles(doubles, &buf);
  std::vector<double> out;
  REQUIRE(DecodeDoubles(e, buf, static_cast<uint32_t>(doubles.size()), "t", &out).ok());
  REQUIRE(out.size() == doubles.size());
  for (size_t i = 0; i < out.size(); ++i) {
    CHECK(std::memcmp(&out[i], &doubles[i], 8) == 0);
  }
}

// Encodes and decodes `in`; checks the values come back bit for bit and returns the encoding.
Encoding DoubleRoundTrip(const std::vector<double>& in, size_t* bytes = nullptr) {
  std::string buf;
  const Encoding e = EncodeDoubles(in, &buf);
  if (bytes != nullptr) *bytes = buf.size();
  std::vector<double> out;
  REQUIRE(DecodeDoubles(e, buf, static_cast<uint32_t>(in.size()), "t", &out).ok());
  REQUIRE(out.size() == in.size());
  for (size_t i = 0; i < out.size(); ++i) {
    INFO("value " << i << ": " << in[i]);
    CHECK(std::memcmp(&out[i], &in[i], 8) == 0);
  }
  return e;
}

TEST_CASE("Exact decimals are stored as scaled integers, other doubles as byte planes", "[block]") {
  std::mt19937_64 rng(17);
  std::vector<double> prices, whole, thousandths, random, mixed;
  for (int i = 0; i < 2048; ++i) {
    prices.push_back(static_cast<double>(100 + rng() % 99'900) / 100.0);  // 1.00 .. 999.99
    whole.push_back(static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000));
    thousandths.push_back(static_cast<double>(rng() % 1'000'000) / 1000.0);
    random.push_back(std::ldexp(static_cast<double>(rng() >> 11), -53) * 1e6);
  }
  size_t bytes = 0;
  CHECK(DoubleRoundTrip(prices, &bytes) == Encoding::kDecimalDouble);
  CHECK(bytes < prices.size() * 4);
  CHECK(DoubleRoundTrip(whole) == Encoding::kDecimalDouble);
  CHECK(DoubleRoundTrip(thousandths) == Encoding::kDecimalDouble);
  CHECK(DoubleRoundTrip(random) == Encoding::kSplitDouble);
  // One value that is not a short decimal sends the whole page to byte planes.
  mixed = prices;
  mixed[1000] = 1.0 / 3.0;
  CHECK(DoubleRoundTrip(mixed) == Encoding::kSplitDouble);
  for (double odd : {-0.0, std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity(), 1e300, 5e-324}) {
    INFO("odd value " << odd);
    mixed = prices;
    mixed[7] = odd;
    CHECK(DoubleRoundTrip(mixed) == Encoding::kSplitDouble);
  }
  CHECK(DoubleRoundTrip({}) == Encoding::kSplitDouble);
  CHECK(DoubleRoundTrip({0.1, 0.2, 0.30000000000000004}) == Encoding::kSplitDouble);
  // 1e15 * 100 is past 2^53: no exact scale for the page.
  CHECK(DoubleRoundTrip({0.1, 0.2, 0.3, -7.25, 1e15}) == Encoding::kSplitDouble);
}

TEST_CASE("A damaged decimal double page is reported, not decoded", "[block]") {
  std::vector<double> prices(100, 12.34);
  prices[5] = 0.01;
  std::string buf;
  REQUIRE(EncodeDoubles(prices, &buf) == Encoding::kDecimalDouble);
  std::vector<double> out;
  std::string bad = buf;
  bad[0] = 19;  // exponent past 10^18
  CHECK(DecodeDoubles(Encoding::kDecimalDouble, bad, 100, "t", &out).code() ==
        StatusCode::kCorruption);
  bad = buf;
  bad[1] = static_cast<char>(Encoding::kDictionary);
  CHECK(DecodeDoubles(Encoding::kDecimalDouble, bad, 100, "t", &out).code() ==
        StatusCode::kCorruption);
  CHECK(DecodeDoubles(Encoding::kDecimalDouble, buf.substr(0, buf.size() - 1), 100, "t", &out)
            .code() == StatusCode::kCorruption);
  CHECK(DecodeDoubles(Encoding::kDecimalDouble, buf + "x", 100, "t", &out).code() ==
        StatusCode::kCorruption);
  CHECK(DecodeDoubles(Encoding::kDecimalDouble, buf.substr(0, 1), 100, "t", &out).code() ==
        StatusCode::kCorruption);
}

// Encodes `in` as a plain string page and reads it back as the chunk reader does.
std::vector<std::string> StringRoundTrip(const std::vector<std::string>& in, Encoding* encoding,
                                         size_t* bytes) {
  std::vector<std::string_view> views(in.begin(), in.end());
  std::string buf;
  *encoding = EncodeStrings(views, &buf);
  *bytes = buf.size();
  const auto n = static_cast<uint32_t>(in.size());
  std::string text;
  Encoding read_as = *encoding;
  if (IsPackedText(*encoding)) {
    Result<Encoding> expanded = ExpandText(*encoding, buf, n, "t", &text);
    REQUIRE(expanded.ok());
    read_as = *expanded;
  } else {
    text = buf;
  }
  std::vector<std::string_view> out;
  REQUIRE(DecodeBytes(read_as, text, n, "t", &out).ok());
  return std::vector<std::string>(out.begin(), out.end());
}

std::string RandomHex(std::mt19937_64& rng, size_t digits, bool upper) {
  const char* alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < digits; ++i) s += alphabet[rng() % 16];
  return s;
}

std::string RandomUuid(std::mt19937_64& rng) {
  std::string h = RandomHex(rng, 32, false);
  for (size_t at : {20, 16, 12, 8}) h.insert(at, 1, '-');
  return h;
}

TEST_CASE("Hex IDs of one shape are stored as nibbles and read back as the same text",
          "[block]") {
  std::mt19937_64 rng(5);
  std::vector<std::string> uuids, upper, odd, digits_only;
  for (int i = 0; i < 500; ++i) {
    uuids.push_back(RandomUuid(rng));
    upper.push_back(RandomHex(rng, 32, true));
    odd.push_back(RandomHex(rng, 5, false) + "-" + RandomHex(rng, 6, false));
    digits_only.push_back(std::to_string(1'000'000'000 + i));
  }
  struct Case {
    const char* name;
    const std::vector<std::string>* values;
    size_t max_bytes_per_value;
  };
  for (const Case& c : {Case{"uuids", &uuids, 16}, Case{"upper-case hex", &upper, 16},
                        Case{"an odd digit count", &odd, 6}, Case{"digits", &digits_only, 5}}) {
    INFO(c.name);
    Encoding e;
    size_t bytes = 0;
    CHECK(StringRoundTrip(*c.values, &e, &bytes) == *c.values);
    CHECK(e == Encoding::kHexText);
    CHECK(bytes <= c.values->size() * c.max_bytes_per_value + 16);
  }
}

TEST_CASE("Strings that are not hex IDs of one shape are stored as they are", "[block]") {
  std::mt19937_64 rng(6);
  std::vector<std::string> base;
  for (int i = 0; i < 20; ++i) base.push_back(RandomUuid(rng));
  auto with = [&](size_t at, std::string v) {
    auto out = base;
    out[at] = std::move(v);
    return out;
  };
  const std::string mixed_case = "ABCDEF01-2345-6789-abcd-ef0123456789";
  const std::vector<std::vector<std::string>> cases = {
      with(7, "not-a-uuid"),                                // another length
      with(3, base[3].substr(0, 35) + "g"),                 // a non-hex digit
      with(9, "0123456-789ab-cdef-0123-456789abcdef"),      // a dash elsewhere
      with(11, "01234567-89ab-cdef-0123-456789abcdef"),     // all lower case: still hex
      with(12, mixed_case),                                 // both cases in one page
      {"abcdef1", "1234567"},                               // fewer than 8 digits
      {"--------", "--------"},
      {},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    Encoding e;
    size_t bytes = 0;
    CHECK(StringRoundTrip(cases[i], &e, &bytes) == cases[i]);
    CHECK((e == Encoding::kHexText) == (i == 3));
  }
}

TEST_CASE("IPv4 addresses are stored as four bytes and read back as the same text", "[block]") {
  std::mt19937_64 rng(8);
  std::vector<std::string> ips = {"0.0.0.0", "255.255.255.255", "10.0.12.7", "192.168.100.1"};
  for (int i = 0; i < 300; ++i) {
    ips.push_back(std::to_string(rng() % 256) + "." + std::to_string(rng() % 256) + "." +
                  std::to_string(rng() % 256) + "." + std::to_string(rng() % 256));
  }
  Encoding e;
  size_t bytes = 0;
  CHECK(StringRoundTrip(ips, &e, &bytes) == ips);
  CHECK(e == Encoding::kIpv4Text);
  CHECK(bytes == ips.size() * 4);
  // Anything else in the page keeps it text.
  for (const char* other : {"10.0.0", "10.0.0.1.2", "10.0.0.256", "10.00.0.1", "010.0.0.1",
                            "10.0.0.1 ", "::1", "10..0.1", "host.local", "1.2.3.4:80", ""}) {
    INFO(other);
    std::vector<std::string> page = {"10.0.0.1", other, "10.0.0.2"};
    CHECK(StringRoundTrip(page, &e, &bytes) == page);
    CHECK(e != Encoding::kIpv4Text);
  }
  std::string out;
  CHECK(ExpandText(Encoding::kIpv4Text, std::string(7, '\1'), 2, "t", &out).status().code() ==
        StatusCode::kCorruption);
  CHECK(ExpandText(Encoding::kFixedWidth, "", 0, "t", &out).status().code() ==
        StatusCode::kCorruption);
}

TEST_CASE("A damaged hex text page is reported, not expanded", "[block]") {
  std::vector<std::string_view> values = {"abc-def-012", "fff-000-123"};  // 9 digits: padded
  std::string buf;
  REQUIRE(EncodeStrings(values, &buf) == Encoding::kHexText);
  // Layout: width 11, 2 dashes at 3 and 7, case 0, then 5 bytes per value.
  REQUIRE(buf.size() == 5 + 2 * 5);
  std::string out;
  REQUIRE(ExpandText(Encoding::kHexText, buf, 2, "t", &out).ok());
  auto damaged = [&](std::string bad, uint32_t n = 2) {
    std::string o;
    return ExpandText(Encoding::kHexText, bad, n, "t", &o).status().code() ==
           StatusCode::kCorruption;
  };
  CHECK(damaged(buf, 3));                                // more values than bytes
  CHECK(damaged(buf + "x"));                             // trailing bytes
  CHECK(damaged(buf.substr(0, 3)));                      // truncated shape
  std::string bad = buf;
  bad[4] = 2;  // case byte
  CHECK(damaged(bad));
  bad = buf;
  std::swap(bad[2], bad[3]);  // dash positions out of order
  CHECK(damaged(bad));
  bad = buf;
  bad[3] = 11;  // dash past the end
  CHECK(damaged(bad));
  bad = buf;
  bad[0] = 7;  // fewer than 8 digits
  CHECK(damaged(bad));
  bad = buf;
  bad[9] = static_cast<char>(bad[9] | 1);  // the padding nibble of the first value
  CHECK(damaged(bad));
}

TEST_CASE("The bloom filter never forgets an added ID", "[block]") {
  BloomFilter f(1000, 0.01);
  std::mt19937_64 rng(3);
  std::vector<TraceId> ids(1000);
  for (auto& id : ids) {
    for (auto& b : id.bytes) b = static_cast<uint8_t>(rng());
    f.Add(id);
  }
  auto copy = BloomFilter::FromBytes(f.ToBytes());
  REQUIRE(copy.ok());
  for (const auto& id : ids) {
    CHECK(f.MayContain(id));
    CHECK(copy->MayContain(id));
  }
  CHECK_FALSE(BloomFilter::FromBytes("").ok());
  CHECK_FALSE(BloomFilter::FromBytes(std::string(33, 'x')).ok());
}

}  // namespace
}  // namespace tempo::block

namespace tempo::block {
namespace {

TEST_CASE("Complex attribute values round-trip exactly, even without valid UTF-8", "[block]") {
  namespace otlp_common = opentelemetry::proto::common::v1;
  otlp_common::AnyValue v;
  auto* arr = v.mutable_array_value();
  arr->add_values()->set_string_value(std::string("\xff\xfe", 2));
  arr->add_values()->set_int_value(-5);
  arr->add_values()->set_double_value(-0.0);
  arr->add_values()->set_bool_value(true);
  arr->add_values()->set_bytes_value(std::string("\0x", 2));
  arr->add_values();  // nothing set
  arr->add_values()->set_string_value_strindex(7);
  auto* kvs = arr->add_values()->mutable_kvlist_value();
  auto* kv = kvs->add_values();
  kv->set_key("k");
  kv->mutable_value()->mutable_array_value();
  kvs->add_values()->set_key("no value");
  std::string buf;
  EncodeAnyValue(v, &buf);
  otlp_common::AnyValue back;
  Status s = DecodeAnyValue(buf, &back);
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(google::protobuf::util::MessageDifferencer::Equals(v, back));
  otlp_common::AnyValue junk;
  CHECK_FALSE(DecodeAnyValue(buf.substr(0, buf.size() - 1), &junk).ok());
  CHECK_FALSE(DecodeAnyValue(buf + "x", &junk).ok());
  // Deep nesting is refused rather than recursed into.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "\x05\x01";
  deep += '\0';
  CHECK_FALSE(DecodeAnyValue(deep, &junk).ok());
}

}  // namespace
}  // namespace tempo::block
