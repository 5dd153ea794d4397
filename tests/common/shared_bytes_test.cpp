// SharedBytes / BytesRef: references see fixed bytes while the owner keeps appending, truncating
// and erasing; appended pieces are adopted, not copied; packed pieces read as the bytes they
// stand for.
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
  auto piece = std::make_shared<const std::string>(100, 'a');
  SharedBytes bytes;
  bytes.Append(piece);
  bytes.Append(SharedPiece());                               // ignored
  bytes.Append(std::make_shared<const std::string>());       // ignored
  bytes.Append(std::make_shared<const std::string>(20, 'b'));
  REQUIRE(bytes.piece_count() == 2);
  BytesRef ref = bytes.Ref();
  std::string unused;
  CHECK(ref.Piece(0, &unused).data() == piece->data());  // the same buffer
  CHECK(ref.size() == 120);

  std::string scratch;
  CHECK(ref.Flat(&scratch) == std::string(100, 'a') + std::string(20, 'b'));
  SharedBytes one;
  one.Append(piece);
  CHECK(one.Ref().Flat(&scratch).data() == piece->data());  // one piece: no concatenation

  std::string prefix = "x";
  ref.AppendPrefixTo(103, &prefix);
  CHECK(prefix == "x" + std::string(100, 'a') + "bbb");

  // Whole pieces are dropped or kept as they are; a cut inside one copies only that piece.
  bytes.EraseFront(100);
  CHECK(bytes.piece_count() == 1);
  CHECK(bytes.Ref().ToString() == std::string(20, 'b'));
  bytes.Append(piece);
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

TEST_CASE("Packing replaces unpacked pieces by one smaller piece with the same bytes",
          "[common][bytes]") {
  SharedBytes bytes;
  const std::string a = Compressible(3000, 1), b = Compressible(2000, 2), c = Compressible(500, 3);
  bytes.Append(a);
  bytes.Append(b);
  BytesRef before = bytes.Ref();
  BytesRef run = bytes.UnpackedTail();
  REQUIRE(run.piece_count() == 2);
  BytesPiece packed = run.Pack();
  REQUIRE(packed.stored != nullptr);
  CHECK(packed.packed);
  CHECK(packed.raw_size == 5000);
  CHECK(packed.stored->size() < 5000 / 2);

  bytes.Append(c);  // arrives while the run is being packed
  REQUIRE(bytes.ReplaceRun(run, packed));
  CHECK_FALSE(bytes.ReplaceRun(run, packed));  // those pieces are gone now
  CHECK(bytes.piece_count() == 2);
  CHECK(bytes.size() == 5500);
  CHECK(bytes.has_unpacked_tail());
  BytesRef after = bytes.Ref();
  CHECK(after.stored_size() < 5500 / 2 + 500);
  CHECK(after.ToString() == a + b + c);
  CHECK(before.ToString() == a + b);  // an older reference is unaffected
  std::string scratch;
  CHECK(after.Piece(0, &scratch) == a + b);
  CHECK(after.Piece(1, &scratch) == c);
  CHECK(after.Flat(&scratch) == a + b + c);
  std::string prefix;
  after.AppendPrefixTo(3100, &prefix);
  CHECK(prefix == (a + b).substr(0, 3100));
  CHECK(bytes.UnpackedTail().ToString() == c);

  SECTION("a cut inside a packed piece keeps the rest unpacked") {
    bytes.EraseFront(3000);  // the block took `a`
    CHECK(bytes.Ref().ToString() == b + c);
    CHECK(bytes.size() == 2500);
  }
  SECTION("truncating inside a packed piece keeps its head") {
    bytes.Truncate(4000);
    CHECK(bytes.Ref().ToString() == (a + b).substr(0, 4000));
    CHECK(bytes.piece_count() == 1);
  }
  SECTION("a run cut into meanwhile is not replaced") {
    BytesRef tail = bytes.UnpackedTail();
    BytesPiece p = tail.Pack();
    bytes.Truncate(5200);  // inside `c`: its piece is a copy now
    CHECK_FALSE(bytes.ReplaceRun(tail, p));
    CHECK(bytes.Ref().ToString() == a + b + c.substr(0, 200));
  }
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
  auto dict = std::make_shared<const PackDictionary>(sample);
  CHECK(dict->bytes().size() == std::min(sample.size(), PackDictionary::kMaxBytes));
  std::weak_ptr<const PackDictionary> alive = dict;

  const std::string a = TraceLike(1), b = TraceLike(2), c = TraceLike(3);
  SharedBytes bytes;
  bytes.Append(a);
  bytes.Append(b);
  BytesRef run = bytes.UnpackedTail();
  BytesPiece plain = run.Pack();
  BytesPiece with_dict = run.Pack(dict);
  REQUIRE(plain.stored != nullptr);
  REQUIRE(with_dict.stored != nullptr);
  CHECK(with_dict.dict == dict);
  CHECK(with_dict.stored->size() * 10 < plain.stored->size() * 9);  // at least 10% smaller

  bytes.Append(c);
  REQUIRE(bytes.ReplaceRun(run, std::move(with_dict)));
  dict.reset();  // the piece keeps its dictionary
  CHECK_FALSE(alive.expired());
  BytesRef ref = bytes.Ref();
  CHECK(ref.ToString() == a + b + c);
  std::string scratch;
  CHECK(ref.Piece(0, &scratch) == a + b);
  std::string prefix;
  ref.AppendPrefixTo(a.size() + 7, &prefix);
  CHECK(prefix == (a + b).substr(0, a.size() + 7));

  SECTION("a cut inside the packed piece keeps the rest") {
    bytes.EraseFront(a.size() + 5);
    CHECK(bytes.Ref().ToString() == b.substr(5) + c);
  }
  SECTION("truncating inside the packed piece keeps its head") {
    bytes.Truncate(a.size() - 3);
    CHECK(bytes.Ref().ToString() == a.substr(0, a.size() - 3));
  }
  SECTION("the dictionary goes with the last piece that refers to it") {
    ref = BytesRef();
    bytes.Truncate(0);
    CHECK(alive.expired());
  }
}

TEST_CASE("Bytes that do not compress are not packed", "[common][bytes]") {
  std::string noise(4096, '\0');
  uint64_t x = 88172645463325252ull;
  for (char& ch : noise) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    ch = static_cast<char>(x);
  }
  SharedBytes bytes;
  bytes.Append(noise);
  BytesPiece p = bytes.UnpackedTail().Pack();
  CHECK(p.stored == nullptr);
  CHECK_FALSE(bytes.ReplaceRun(bytes.UnpackedTail(), p));
  CHECK(SharedBytes().UnpackedTail().Pack().stored == nullptr);
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
