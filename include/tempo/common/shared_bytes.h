#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tempo {

// An immutable byte string that several owners share: a pushed fragment is held by its live trace
// and by its WAL record at once, without a copy.
using SharedPiece = std::shared_ptr<const std::string>;

// A read-only snapshot of the bytes of a SharedBytes: the pieces it held when the reference was
// taken, in order. Copying one copies the piece pointers, never the bytes, and the bytes it sees
// never change. Thread-safe to read from any thread.
class BytesRef {
 public:
  BytesRef() = default;
  explicit BytesRef(std::vector<SharedPiece> pieces);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t piece_count() const { return pieces_.size(); }
  std::string_view piece(size_t i) const { return *pieces_[i]; }
  // The bytes as one view: the only piece itself, or else the pieces concatenated into
  // `*scratch` (replacing its contents). Valid while this reference and `*scratch` are.
  std::string_view Flat(std::string* scratch) const;
  // Appends the first `n` bytes (all of them when n >= size()) to `*out`.
  void AppendPrefixTo(size_t n, std::string* out) const;
  void AppendTo(std::string* out) const { AppendPrefixTo(size_, out); }
  // A copy of the bytes.
  std::string ToString() const;

  friend bool operator==(const BytesRef& a, const BytesRef& b);

 private:
  std::vector<SharedPiece> pieces_;
  size_t size_ = 0;
};

// Append-mostly bytes kept as a list of immutable pieces, so that appending adopts a buffer
// instead of copying it and a snapshot (Ref) copies pointers instead of bytes. The pieces are
// never changed in place: truncating or erasing inside a piece replaces it with a copy of the part
// kept, so a reference never sees its bytes change or go away. Holds exactly the bytes appended
// (no spare capacity), plus one pointer per piece. Not thread-safe: the owner serializes every
// call (BytesRef copies may then be read anywhere).
class SharedBytes {
 public:
  size_t size() const { return size_; }
  size_t piece_count() const { return pieces_.size(); }
  BytesRef Ref() const { return BytesRef(pieces_); }

  // Adopts `piece` as the last piece (shared, not copied). Empty or null pieces are ignored.
  void Append(SharedPiece piece);
  // Appends a copy of `bytes` as a new piece.
  void Append(std::string_view bytes);
  // Keeps the first `n` bytes (n <= size()).
  void Truncate(size_t n);
  // Drops the first `n` bytes (n <= size()).
  void EraseFront(size_t n);

 private:
  std::vector<SharedPiece> pieces_;
  size_t size_ = 0;
};

}  // namespace tempo
