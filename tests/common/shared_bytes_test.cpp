// SharedBytes / BytesRef: references see fixed bytes while the owner keeps appending, truncating
// and erasing; without references the owner changes its buffer in place.
#include "tempo/common/shared_bytes.h"

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

namespace tempo {
namespace {

TEST_CASE("A reference keeps the bytes it was taken with", "[common][bytes]") {
  SharedBytes bytes;
  CHECK(bytes.size() == 0);
  CHECK(bytes.Ref().view().empty());
  bytes.Append("abc");
  BytesRef first = bytes.Ref();
  bytes.Append("def");
  CHECK(first.view() == "abc");
  CHECK(bytes.view() == "abcdef");
  BytesRef second = bytes.Ref();
  bytes.Truncate(2);
  CHECK(second.view() == "abcdef");
  CHECK(bytes.view() == "ab");
  bytes.Append("XYZ");
  bytes.EraseFront(3);
  CHECK(bytes.view() == "YZ");
  CHECK(first.view() == "abc");
  CHECK(second.view() == "abcdef");
  CHECK(second.size() == 6);
  CHECK(BytesRef(second) == second);
  CHECK_FALSE(first == second);
}

TEST_CASE("Without references the buffer is changed in place", "[common][bytes]") {
  SharedBytes bytes;
  bytes.Append(std::string(100, 'a'));
  const char* before = bytes.view().data();
  { BytesRef dropped = bytes.Ref(); }
  bytes.Truncate(50);
  CHECK(bytes.view().data() == before);  // no copy once the reference is gone
  BytesRef held = bytes.Ref();
  bytes.Truncate(10);
  CHECK(bytes.view().data() != before);  // copied: `held` still sees 50 bytes
  CHECK(held.view() == std::string(50, 'a'));
}

TEST_CASE("References read on other threads while the owner writes", "[common][bytes]") {
  // The owner (one thread) appends and hands out references; readers check that theirs never
  // change. Run under TSan to see the ordering hold.
  SharedBytes bytes;
  std::vector<std::thread> readers;
  std::vector<int> bad(8, 0);
  for (int r = 0; r < 8; ++r) {
    bytes.Append(std::string(1000, static_cast<char>('a' + r)));
    BytesRef ref = bytes.Ref();
    const std::string expected(ref.view());
    readers.emplace_back([ref, expected, &bad, r] {
      for (int i = 0; i < 200; ++i) bad[static_cast<size_t>(r)] += ref.view() != expected;
    });
  }
  for (auto& t : readers) t.join();
  for (int b : bad) CHECK(b == 0);
  CHECK(bytes.size() == 8000);
}

}  // namespace
}  // namespace tempo
