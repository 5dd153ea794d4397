// SharedBytes / BytesRef / PackBytes: references see fixed bytes while the owner keeps appending,
// truncating and erasing; appended pieces are adopted, not copied; packed pieces (with or without
// a dictionary) read as the bytes they stand for.
#include "tempo/common/shared_bytes.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace tempo {
namespace {

TEST_CASE("A reference keeps the bytes it was taken with", "[common][bytes]") {
  SharedBytes bytes;
  CHECK(bytes.size() == 0);
  CHECK(bytes.Ref().empty());
  CHECK(bytes.Ref().ToString().empty());
  bytes.Append("abc");
  BytesRef first = bytes.Ref();
  bytes.Append("def");
  CHECK(first.ToString() == "abc");
  CHECK(bytes.Ref().ToString() == "abcdef");
  BytesRef second = bytes.Ref();
  bytes.Truncate(2);  // inside a piece
  CHECK(second.ToString() == "abcdef");
  CHECK(bytes.Ref().ToString() == "ab");
  CHECK(bytes.size() == 2);
  bytes.Append("XYZ");
  bytes.EraseFront(3);  // across a piece boundary, inside the next one
  CHECK(bytes.Ref().ToString() == "YZ");
  CHECK(bytes.size() == 2);
  CHECK(first.ToString() == "abc");
  CHECK(second.ToString() == "abcdef");
  CHECK(second.size() == 6);
  CHECK(BytesRef(second) == second);
  CHECK_FALSE(first == second);
}

TEST_CASE("Appended pieces are shared, not copied", "[common][bytes]") {
  BytesPiece whole = RawPiece(std::string(100, 'a'));
  const SharedPiece piece = whole.stored;
  SharedBytes bytes;
  bytes.Append(whole);
  bytes.Append(BytesPiece());           // ignored
  bytes.Append(RawPiece(std::string()));  // ignored
  bytes.Append(RawPiece(std::string(20, 'b')));
  REQUIRE(bytes.piece_count() == 2);
  BytesRef ref = bytes.Ref();
  std::string unused;
  CHECK(ref.Piece(0, &unused).data() == piece->data());  // the same buffer
  CHECK(ref.size() == 120);

  std::string scratch;
  CHECK(ref.Flat(&scratch) == std::string(100, 'a') + std::string(20, 'b'));
  SharedBytes one;
  one.Append(whole);
  CHECK(one.Ref().Flat(&scratch).data() == piece->data());  // one piece: no concatenation

  std::string prefix = "x";
  ref.AppendPrefixTo(103, &prefix);
  CHECK(prefix == "x" + std::string(100, 'a') + "bbb");

  // Whole pieces are dropped or kept as they are; a cut inside one copies only that piece.
  bytes.EraseFront(100);
  CHECK(bytes.piece_count() == 1);
  CHECK(bytes.Ref().ToString() == std::string(20, 'b'));
  bytes.Append(whole);
  bytes.Truncate(20);
  CHECK(bytes.piece_count() == 1);
  bytes.Truncate(0);
  CHECK(bytes.piece_count() == 0);
  CHECK(bytes.size() == 0);
  CHECK(ref.ToString().size() == 120);  // the reference still has everything
}

// Fragment-like bytes that compress well, distinct per `seed`.
std::string Compressible(size_t n, int seed) {
  std::string out;
  while (out.size() < n) {
    out += "resource.service.name=checkout span " + std::to_string(seed) + ":" +
           std::to_string(out.size() % 97) + ";";
  }
  out.resize(n);
  return out;
}

TEST_CASE("Packed pieces are smaller and read as the bytes they stand for", "[common][bytes]") {
  const std::string a = Compressible(3000, 1), b = Compressible(2000, 2), c = Compressible(500, 3);
  BytesPiece pa = PackBytes(std::string(a), nullptr);
  REQUIRE(pa.stored != nullptr);
  CHECK(pa.packed);
  CHECK(pa.raw_size == 3000);
  CHECK(pa.stored->size() < 3000 / 2);
  CHECK(pa.ToString() == a);
  std::string out = "x";
  REQUIRE(UnpackPieceTo(pa, &out));
  CHECK(out == "x" + a);

  SharedBytes bytes;
  bytes.Append(pa);
  bytes.Append(PackBytes(std::string(b), nullptr));
  bytes.Append(c);  // a piece as is next to packed ones
  CHECK(bytes.piece_count() == 3);
  CHECK(bytes.size() == 5500);
  BytesRef ref = bytes.Ref();
  CHECK(ref.stored_size() < 5500 / 2 + 500);
  CHECK(ref.ToString() == a + b + c);
  std::string scratch;
  CHECK(ref.Piece(0, &scratch) == a);
  CHECK(ref.Piece(1, &scratch) == b);
  CHECK(ref.Piece(2, &scratch) == c);
  CHECK(ref.Flat(&scratch) == a + b + c);
  std::string prefix;
  ref.AppendPrefixTo(3100, &prefix);
  CHECK(prefix == (a + b).substr(0, 3100));

  SECTION("a cut inside a packed piece keeps the rest unpacked") {
    bytes.EraseFront(3100);
    CHECK(bytes.Ref().ToString() == b.substr(100) + c);
    CHECK(bytes.size() == 2400);
    CHECK(ref.ToString() == a + b + c);  // an older reference is unaffected
  }
  SECTION("truncating inside a packed piece keeps its head") {
    bytes.Truncate(4000);
    CHECK(bytes.Ref().ToString() == (a + b).substr(0, 4000));
    CHECK(bytes.piece_count() == 2);
  }
}

TEST_CASE("A packed piece that does not unpack is refused", "[common][bytes]") {
  const std::string a = Compressible(3000, 4);
  BytesPiece p = PackBytes(std::string(a), nullptr);
  REQUIRE(p.packed);
  std::string out = "kept";
  BytesPiece wrong_size = p;
  wrong_size.raw_size = 2999;
  CHECK_FALSE(UnpackPieceTo(wrong_size, &out));
  std::string cut = *p.stored;
  cut.resize(cut.size() / 2);
  BytesPiece truncated{std::make_shared<const std::string>(cut), p.raw_size, true, nullptr};
  CHECK_FALSE(UnpackPieceTo(truncated, &out));
  CHECK(out == "kept");
}

// Span-like bytes of one trace: names and values every trace repeats around IDs of its own.
std::string TraceLike(int seed) {
  uint64_t x = 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(seed + 1);
  std::string out;
  for (int span = 0; span < 12; ++span) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    char id[17];
    std::snprintf(id, sizeof(id), "%016llx", static_cast<unsigned long long>(x));
    out += "service.name=checkout http.request.method=GET url.path=/api/cart/items span_id=";
    out += id;
    out += " db.system=postgresql db.statement=SELECT * FROM carts WHERE user_id = $1 ";
  }
  return out;
}

TEST_CASE("Packing with a dictionary stores less and reads back the same bytes",
          "[common][bytes]") {
  std::string sample;
  for (int t = 100; t < 120; ++t) sample += TraceLike(t);  // other traces of the services
  auto dict = std::make_shared<const PackDictionary>(sample, 42);
  CHECK(dict->id() == 42);
  CHECK(dict->bytes().size() == std::min(sample.size(), PackDictionary::kMaxBytes));
  CHECK(dict->bytes() == std::string_view(sample).substr(sample.size() - dict->bytes().size()));
  std::weak_ptr<const PackDictionary> alive = dict;

  const std::string a = TraceLike(1), b = TraceLike(2);
  BytesPiece plain = PackBytes(std::string(a), nullptr);
  BytesPiece with_dict = PackBytes(std::string(a), dict);
  REQUIRE(plain.packed);
  REQUIRE(with_dict.packed);
  CHECK(with_dict.dict == dict);
  CHECK(with_dict.stored->size() * 10 < plain.stored->size() * 9);  // at least 10% smaller
  // Without its dictionary the block does not unpack to the same bytes.
  BytesPiece no_dict = with_dict;
  no_dict.dict = nullptr;
  std::string out;
  CHECK((!UnpackPieceTo(no_dict, &out) || out != a));

  SharedBytes bytes;
  bytes.Append(std::move(with_dict));
  bytes.Append(PackBytes(std::string(b), dict));
  dict.reset();  // the pieces keep their dictionary
  CHECK_FALSE(alive.expired());
  BytesRef ref = bytes.Ref();
  CHECK(ref.ToString() == a + b);
  std::string scratch;
  CHECK(ref.Piece(1, &scratch) == b);
  std::string prefix;
  ref.AppendPrefixTo(a.size() + 7, &prefix);
  CHECK(prefix == (a + b).substr(0, a.size() + 7));

  SECTION("a cut inside a packed piece keeps the rest") {
    bytes.EraseFront(a.size() + 5);
    CHECK(bytes.Ref().ToString() == b.substr(5));
  }
  SECTION("truncating inside a packed piece keeps its head") {
    bytes.Truncate(a.size() - 3);
    CHECK(bytes.Ref().ToString() == a.substr(0, a.size() - 3));
  }
  SECTION("the dictionary goes with the last piece that refers to it") {
    ref = BytesRef();
    bytes.Truncate(0);
    CHECK(alive.expired());
  }
}

TEST_CASE("A thread packs against changing dictionaries and growing fragments alike",
          "[common][bytes]") {
  // Each thread keeps a dictionary's bytes with room behind them for one fragment; switching
  // dictionaries, and a fragment larger than that room, must change nothing in what unpacks.
  std::string sample_a, sample_b;
  for (int t = 100; t < 120; ++t) sample_a += TraceLike(t);
  for (int t = 500; t < 503; ++t) sample_b += TraceLike(t);
  auto dict_a = std::make_shared<const PackDictionary>(sample_a, 1);
  auto dict_b = std::make_shared<const PackDictionary>(sample_b, 2);
  std::string large;
  for (int t = 1000; t < 1400; ++t) large += TraceLike(t);  // more than the room so far
  REQUIRE(large.size() > 2 * PackDictionary::kMaxBytes);
  std::vector<std::pair<std::string, std::shared_ptr<const PackDictionary>>> steps = {
      {TraceLike(1), dict_a}, {TraceLike(2), dict_b}, {large, dict_a},
      {TraceLike(3), dict_a}, {TraceLike(4), nullptr}, {large, dict_b}, {TraceLike(5), dict_b}};
  for (size_t i = 0; i < steps.size(); ++i) {
    INFO("step " << i);
    const auto& [raw, dict] = steps[i];
    BytesPiece piece = PackBytes(std::string(raw), dict);
    REQUIRE(piece.packed);
    CHECK(piece.dict == dict);
    CHECK(piece.ToString() == raw);
  }
  // A dictionary the thread packed with last is not kept alive by the thread.
  std::weak_ptr<const PackDictionary> alive = dict_b;
  steps.clear();
  dict_b.reset();
  CHECK(alive.expired());
}

TEST_CASE("Dictionary ids are random and non-zero", "[common][bytes]") {
  const uint64_t a = PackDictionary::NewId(), b = PackDictionary::NewId();
  CHECK(a != 0);
  CHECK(b != 0);
  CHECK(a != b);
}

TEST_CASE("Bytes that do not compress are kept as they are", "[common][bytes]") {
  std::string noise(4096, '\0');
  uint64_t x = 88172645463325252ull;
  for (char& ch : noise) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    ch = static_cast<char>(x);
  }
  const char* buffer = noise.data();
  BytesPiece p = PackBytes(std::move(noise), nullptr);
  CHECK_FALSE(p.packed);
  CHECK(p.raw_size == 4096);
  CHECK(p.stored->data() == buffer);  // adopted, not copied
  BytesPiece empty = PackBytes(std::string(), nullptr);
  CHECK_FALSE(empty.packed);
  CHECK(empty.raw_size == 0);
}

TEST_CASE("References read on other threads while the owner writes", "[common][bytes]") {
  // The owner (one thread) appends, truncates and hands out references; readers check that
  // theirs never change. Run under TSan to see the ordering hold.
  SharedBytes bytes;
  std::vector<std::thread> readers;
  std::vector<int> bad(8, 0);
  for (int r = 0; r < 8; ++r) {
    bytes.Append(std::string(1000, static_cast<char>('a' + r)));
    BytesRef ref = bytes.Ref();
    const std::string expected = ref.ToString();
    readers.emplace_back([ref, expected, &bad, r] {
      for (int i = 0; i < 200; ++i) bad[static_cast<size_t>(r)] += ref.ToString() != expected;
    });
    bytes.Truncate(bytes.size() - 500);
    bytes.Append(std::string(500, static_cast<char>('a' + r)));
  }
  for (auto& t : readers) t.join();
  for (int b : bad) CHECK(b == 0);
  CHECK(bytes.size() == 8000);
}

}  // namespace
}  // namespace tempo
