#include "tempo/common/ids.h"

#include <string>
#include <unordered_set>

#include <catch2/catch.hpp>

namespace tempo {
namespace {

std::string ParseToHex(std::string_view text) {
  Result<TraceId> id = ParseTraceIdHex(text);
  INFO(id.status().ToString());
  REQUIRE(id.ok());
  return id->ToHex();
}

std::string ParseError(std::string_view text) {
  Result<TraceId> id = ParseTraceIdHex(text);
  REQUIRE_FALSE(id.ok());
  CHECK(id.status().code() == StatusCode::kInvalidArgument);
  return id.status().message();
}

TEST_CASE("A full 32-character trace ID parses case-insensitively", "[common]") {
  CHECK(ParseToHex("0123456789abcdef0123456789ABCDEF") == "0123456789abcdef0123456789abcdef");
}

TEST_CASE("Short trace IDs are left-padded with zeros", "[common]") {
  CHECK(ParseToHex("abc") == "00000000000000000000000000000abc");
  CHECK(ParseToHex("1") == "00000000000000000000000000000001");
  // A 64-bit Jaeger/Zipkin ID.
  CHECK(ParseToHex("463ac35c9f6413ad") == "0000000000000000463ac35c9f6413ad");
}

TEST_CASE("An odd-length trace ID gets one leading zero", "[common]") {
  CHECK(ParseToHex("fabc") == ParseToHex("0fabc"));
  // 31 characters plus the leading zero make exactly 16 bytes.
  CHECK(ParseToHex("123456789abcdef0123456789abcdef") == "0123456789abcdef0123456789abcdef");
}

TEST_CASE("Trace IDs longer than 128 bits are rejected", "[common]") {
  CHECK(ParseError("0123456789abcdef0123456789abcdef0") ==
        "trace IDs can't be larger than 128 bits");
  CHECK(ParseError("000123456789abcdef0123456789abcdef") ==
        "trace IDs can't be larger than 128 bits");
}

TEST_CASE("A non-hex character is reported with its 1-based position", "[common]") {
  CHECK(ParseError("12g4") ==
        "trace IDs can only contain hex characters: invalid character 'g' at position 3");
  CHECK(ParseError("z") ==
        "trace IDs can only contain hex characters: invalid character 'z' at position 1");
  // Position counts the input as given, before odd-length padding.
  CHECK(ParseError("abc-") ==
        "trace IDs can only contain hex characters: invalid character '-' at position 4");
}

TEST_CASE("Trace IDs print as full and short hex", "[common]") {
  Result<TraceId> id = ParseTraceIdHex("00ab");
  REQUIRE(id.ok());
  CHECK(id->ToShortHex() == "ab");
  CHECK_FALSE(id->IsZero());
  TraceId zero;
  CHECK(zero.IsZero());
  CHECK(zero.ToShortHex() == "0");
  CHECK(zero.ToHex() == std::string(32, '0'));
}

TEST_CASE("Trace IDs compare, hash and round-trip through bytes", "[common]") {
  TraceId a = ParseTraceIdHex("01").value();
  TraceId b = ParseTraceIdHex("02").value();
  CHECK(a < b);
  CHECK(a == TraceId::FromBytes(a.view()));
  std::unordered_set<TraceId, TraceIdHash> set{a, b, a};
  CHECK(set.size() == 2);
}

TEST_CASE("HexEncode and HexDecode are inverse and HexDecode is strict", "[common]") {
  std::string raw("\x00\x01\xfe\xff", 4);
  CHECK(HexEncode(raw) == "0001feff");
  std::string decoded;
  REQUIRE(HexDecode("0001FEff", &decoded));
  CHECK(decoded == raw);
  CHECK_FALSE(HexDecode("abc", &decoded));
  CHECK_FALSE(HexDecode("zz", &decoded));
}

}  // namespace
}  // namespace tempo
