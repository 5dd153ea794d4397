// SharedBytes / BytesRef: references see fixed bytes while the owner keeps appending, truncating
// and erasing; appended pieces are adopted, not copied.
#include "tempo/common/shared_bytes.h"

#include <catch2/catch.hpp>
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
  CHECK(ref.piece(0).data() == piece->data());  // the same buffer
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
