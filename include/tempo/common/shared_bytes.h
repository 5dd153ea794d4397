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

// One piece of a SharedBytes: bytes as appended, or several consecutive appended pieces packed
// into one LZ4 block (PackRun), which stands for `raw_size` bytes.
struct BytesPiece {
  SharedPiece stored;
  size_t raw_size = 0;
  bool packed = false;
};

// A read-only snapshot of the bytes of a SharedBytes: the pieces it held when the reference was
// taken, in order. Copying one copies the piece pointers, never the bytes, and the bytes it sees
// never change. Thread-safe to read from any thread.
class BytesRef {
 public:
  BytesRef() = default;
  explicit BytesRef(std::vector<BytesPiece> pieces);

  // Bytes it stands for (packed pieces counted unpacked).
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Bytes held in memory (packed pieces counted packed).
  size_t stored_size() const;
  size_t piece_count() const { return pieces_.size(); }
  // The bytes of piece `i`: the piece itself, or unpacked into `*scratch` (replacing its
  // contents). Valid while this reference and `*scratch` are.
  std::string_view Piece(size_t i, std::string* scratch) const;
  // The bytes as one view: the only unpacked piece itself, or else every piece unpacked and
  // concatenated into `*scratch` (replacing its contents).
  std::string_view Flat(std::string* scratch) const;
  // Appends the first `n` bytes (all of them when n >= size()) to `*out`.
  void AppendPrefixTo(size_t n, std::string* out) const;
  void AppendTo(std::string* out) const { AppendPrefixTo(size_, out); }
  // A copy of the bytes.
  std::string ToString() const;

  // The pieces of this reference packed into one: their bytes concatenated and LZ4-compressed.
  // An empty piece (stored null) when there is nothing to pack or packing would not save at
  // least an eighth. CPU-bound (about 0.5 GB/s); call outside any lock.
  BytesPiece Pack() const;

  friend bool operator==(const BytesRef& a, const BytesRef& b);

 private:
  friend class SharedBytes;
  std::vector<BytesPiece> pieces_;
  size_t size_ = 0;
};

// Append-mostly bytes kept as a list of immutable pieces, so that appending adopts a buffer
// instead of copying it and a snapshot (Ref) copies pointers instead of bytes. The pieces are
// never changed in place: packing replaces pieces by a packed one with the same bytes, and
// truncating or erasing inside a piece replaces it with a copy of the part kept, so a reference
// never sees its bytes change or go away. Unpacked pieces hold exactly the bytes appended (no
// spare capacity). Not thread-safe: the owner serializes every call (BytesRef copies may then be
// read anywhere).
class SharedBytes {
 public:
  // Bytes appended and kept (packed pieces counted unpacked).
  size_t size() const { return size_; }
  size_t piece_count() const { return pieces_.size(); }
  BytesRef Ref() const { return BytesRef(pieces_); }
  // Whether the last piece is unpacked (UnpackedTail is not empty).
  bool has_unpacked_tail() const { return !pieces_.empty() && !pieces_.back().packed; }

  // Adopts `piece` as the last piece (shared, not copied). Empty or null pieces are ignored.
  void Append(SharedPiece piece);
  // Appends a copy of `bytes` as a new piece.
  void Append(std::string_view bytes);
  // Keeps the first `n` bytes (n <= size()).
  void Truncate(size_t n);
  // Drops the first `n` bytes (n <= size()).
  void EraseFront(size_t n);

  // The pieces after the last packed one (the run that packing would replace): empty when the
  // last piece is packed or there is none.
  BytesRef UnpackedTail() const;
  // Replaces the consecutive pieces of `run` (as UnpackedTail returned them; pieces appended
  // since may follow) by `packed` (run.Pack()). False, with nothing changed, when those pieces
  // are no longer held in that order (the bytes were truncated or erased meanwhile) or `packed`
  // is empty.
  bool ReplaceRun(const BytesRef& run, BytesPiece packed);

 private:
  // Piece `i` unpacked, as an unpacked piece.
  BytesPiece Unpacked(size_t i) const;

  std::vector<BytesPiece> pieces_;
  size_t size_ = 0;
};

}  // namespace tempo
